/**
 * Training every member of a classifier on the same texts: one head per member, each over its own
 * encoder, every member holding out the same rows, from which the mix of their probabilities is
 * chosen (src/fusion/mix.ts).
 */
import { checkTrainingTask } from '../data/index.js';
import type { Encoder } from '../encoders/index.js';
import { UsageError } from '../errors.js';
import { applyMix, chooseMix, type Mix } from '../fusion/index.js';
import { resolveTrainOptions, validationSplit, type LabelTargets } from '../heads/index.js';
import { encodeTargets, isMultiLabelInput, labelVocabulary, type LabelInput } from '../labels.js';
import { containmentGroups } from '../splits/index.js';
import { type Member, type MemberTraining, type EncoderPool, trainPlanned, ComputedVectors } from '../members/index.js';
import { memberOptions, trainOptionsOf, type FitOptions } from './options.js';
import { planMembers, withProgress } from './plan.js';
import { fitReportOf, type FitReport } from './report.js';

/** What a trained classifier holds besides its members: what a fit leaves, or a checkpoint records. */
export interface TrainedState {
  labels: string[];
  multiLabel: boolean;
  mix: Mix;
  training: Record<string, unknown>;
}

/**
 * Trains one head per member of `members` (in place: each gets its new head, and a fine-tuned one
 * its tuned encoder, owned by `pool`). Embeds each distinct text once.
 */
export async function fitMembers(
  members: Member[],
  pool: EncoderPool,
  texts: readonly string[],
  labels: LabelInput,
  given: FitOptions,
): Promise<{ state: TrainedState; report: FitReport }> {
  // A member tuned by an earlier fit starts again from its pretrained encoder.
  const bases: Member[] = members.map((member) => (member.pretrained ? { ...member, ...member.pretrained } : member));
  const warnings = checkTrainingTask(texts, labels, bases[0]!.encoder);
  for (const warning of warnings) given.onWarning?.(warning);
  const multiLabel = isMultiLabelInput(labels);
  const vocabulary = labelVocabulary(labels);
  checkFusionOptions(members.length, multiLabel, given);
  const targets = encodeTargets(labels, vocabulary);

  const { heldOut, notHeldOut, groups, seed } = heldOutRows(
    members[0]!.encoder,
    texts,
    targets,
    vocabulary.length,
    given,
  );
  const options: FitOptions = { ...given, validationGroups: groups };
  const plans = planMembers(bases, options, multiLabel, seed);
  const trainingRows =
    given.onEarlyStoppedMix && targets.kind === 'single' && heldOut.length > 0 ? notHeldOut : undefined;
  const trainings: MemberTraining[] = [];
  const computed = new ComputedVectors(texts.length);
  try {
    for (const [index, base] of bases.entries()) {
      const plan = withProgress(plans[index]!, index, bases, plans, options);
      trainings.push(await trainPlanned(base, plan, { texts, targets, vocabulary, heldOut, trainingRows }, computed));
    }
  } catch (error) {
    trainings.forEach((t) => t.head.dispose());
    throw error;
  }

  const choice = chooseMix(
    trainings.map((t) => t.validationProbabilities),
    targets.kind === 'single'
      ? { targets: Int32Array.from(heldOut, (row) => targets.labels[row]!), trainLabels: targets.labels }
      : undefined,
    vocabulary.length,
    options,
  );
  if (trainingRows) {
    const parts = trainings.map((t) => t.trainingProbabilities);
    given.onEarlyStoppedMix?.({
      heldOut,
      trainingRows,
      probabilities: applyMix(choice.mix, parts, vocabulary.length),
    });
  }
  for (const [i, member] of members.entries()) {
    // One training per member, in order.
    const training = trainings[i]!;
    member.head?.dispose();
    member.head = training.head;
    await useEncoder(member, training.kind === 'fine-tuned' ? training.encoder : undefined, pool, members);
  }
  const encoders: Encoder[] = members.map((m) => m.encoder);
  const { report, record } = fitReportOf(trainings, encoders, { texts, labels, vocabulary, warnings }, choice, options);
  return { state: { labels: vocabulary, multiLabel, mix: choice.mix, training: record }, report };
}

/**
 * The rows every member of a fit over `primary` with `given` options holds out (early stopping, the
 * mix choice), the other rows, and the groups they were drawn with.
 */
function heldOutRows(
  primary: Encoder,
  texts: readonly string[],
  targets: LabelTargets,
  numLabels: number,
  given: FitOptions,
): { heldOut: Int32Array; notHeldOut: Int32Array; groups: Int32Array | undefined; seed: number } {
  const primaryOptions = memberOptions(primary, true, given);
  const resolved = resolveTrainOptions(primaryOptions.head, trainOptionsOf(primaryOptions));
  // Rows inside other rows (a sentence's phrases, duplicates) are held out with them, so held-out
  // scores (early stopping, the fusion choice) measure unseen texts: src/splits/containment.ts.
  // Grouping costs up to a second on long texts, so only when a split is drawn.
  const groups = resolved.validationGroups ?? (resolved.validationSplit > 0 ? containmentGroups(texts) : undefined);
  const { train, validation } = validationSplit(targets, numLabels, resolved.validationSplit, resolved.seed, groups);
  return { heldOut: validation, notHeldOut: train, groups, seed: resolved.seed };
}

function checkFusionOptions(members: number, multiLabel: boolean, options: FitOptions): void {
  if (multiLabel && members > 1) {
    throw new UsageError('FUSION_MULTI_LABEL', 'fusing several encoders is supported for single-label data only', {
      hint: 'train with one encoder',
    });
  }
  const badWeights = (w: number[]) =>
    w.length !== members || !w.every((v) => Number.isFinite(v) && v >= 0) || !w.some((v) => v > 0);
  if (options.fusionWeights && badWeights(options.fusionWeights)) {
    throw new UsageError(
      'FUSION_WEIGHTS',
      `fusionWeights must be ${members} non-negative numbers, not all 0; got ${JSON.stringify(options.fusionWeights)}`,
    );
  }
  const candidates = options.fusionCandidates;
  if (candidates && (candidates.length === 0 || candidates.some(badWeights))) {
    throw new UsageError(
      'FUSION_WEIGHTS',
      `fusionCandidates must be lists of ${members} non-negative numbers, not all 0; got ${JSON.stringify(candidates)}`,
    );
  }
}

/** Makes `tuned` the member's encoder (keeping the pretrained one), or goes back to the pretrained one. */
async function useEncoder(
  member: Member,
  tuned: Encoder | undefined,
  pool: EncoderPool,
  members: readonly Member[],
): Promise<void> {
  const previous = member.pretrained && member.encoder;
  if (tuned) {
    member.pretrained ??= { encoder: member.encoder, cache: member.cache };
    Object.assign(member, { encoder: pool.own(tuned), cache: undefined });
  } else if (member.pretrained) {
    Object.assign(member, member.pretrained, { pretrained: undefined });
  }
  if (previous) await pool.release(previous, members);
}
