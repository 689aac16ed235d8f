/**
 * Training a member of one of the three kinds: a head over frozen vectors (pretrained, TF-IDF or
 * both), a head with the static encoder's table fine-tuned, or the label-similarity prior.
 */
import type { Targets } from '../heads/index.js';
import type { FineTuneOptions } from '../finetune/index.js';
import { trainFineTunedMember } from './fine-tuned.js';
import { trainMember } from './frozen.js';
import { trainLabelSimilarityMember, type LabelTexts } from './label-similarity.js';
import type { Member, MemberFitOptions, MemberTraining } from './member.js';
import type { ComputedVectors } from './vectors.js';

export type MemberPlan =
  | { kind: 'frozen'; options: MemberFitOptions }
  | { kind: 'fine-tuned'; options: MemberFitOptions; fineTune: FineTuneOptions }
  /** `options` only describe the member to progress displays: it learns one scale, not a head. */
  | { kind: 'label-similarity'; options: MemberFitOptions; labelTexts?: LabelTexts | undefined };

export interface TrainingData {
  texts: readonly string[];
  targets: Targets;
  vocabulary: string[];
  /** The rows every member holds out (early stopping, fusion weights, calibration). */
  heldOut: Int32Array;
  /** Opt-in: the rows (not held out) on which each member reports its early-stopping head's probabilities. */
  trainingRows?: Int32Array | undefined;
}

/** Trains `member` as `plan` says, reusing the vectors in `computed` and keeping its own there. */
export async function trainPlanned(
  member: Member,
  plan: MemberPlan,
  data: TrainingData,
  computed: ComputedVectors,
): Promise<MemberTraining> {
  const { texts, targets, vocabulary, heldOut, trainingRows } = data;
  let training: MemberTraining;
  if (plan.kind === 'label-similarity') {
    training = await trainLabelSimilarityMember(member, texts, targets, vocabulary, heldOut, {
      signal: plan.options.signal,
      labelTexts: plan.labelTexts,
      computed,
      trainingRows,
    });
  } else if (plan.kind === 'fine-tuned') {
    training = await trainFineTunedMember(
      member.encoder,
      texts,
      targets,
      vocabulary.length,
      heldOut,
      plan.options,
      plan.fineTune,
      trainingRows,
    );
  } else {
    training = await trainMember(
      member,
      texts,
      targets,
      vocabulary.length,
      heldOut,
      plan.options,
      computed,
      trainingRows,
    );
  }
  computed.add(training.kind === 'fine-tuned' ? training.encoder : member.encoder, training.embedded);
  return training;
}
