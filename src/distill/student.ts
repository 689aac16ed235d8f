/**
 * Training the student: one head over its encoder, learning the teacher's soft labels. Like a
 * classifier member (src/members/refit.ts) it stops early on held-out rows (here on the
 * distillation loss) and, with `refit`, retrains on every row for the epoch count that agreed best
 * with the teacher on them.
 */
import type { FitOptions } from '../classifier.js';
import { defaultFitOptionsFor } from '../classifier.js';
import type { Encoder, Features, TunableEncoder } from '../encoders/index.js';
import { UsageError } from '../errors.js';
import { trainFineTunedMember, trainMember } from '../members/index.js';
import { resolveFineTune, type FineTuneOption } from '../finetune/index.js';
import {
  type AnyHead,
  type HeadSpec,
  type SoftTargets,
  type TrainOptions,
  type TrainReport,
  resolveTrainOptions,
  validationSplit,
} from '../heads/index.js';
import { containmentGroups } from '../splits/index.js';
import { definedOnly } from '../util/index.js';

/**
 * Head shape and training options of the student (defaults: those of its encoder, as for `fit`);
 * `fineTune` trains a static encoder's table on the soft labels too.
 */
export type StudentFitOptions = Pick<FitOptions, 'head' | 'hidden' | 'dropout' | 'standardize' | 'refit' | 'fineTune'> &
  Partial<TrainOptions>;

export interface StudentTraining {
  head: AnyHead;
  /** With `fineTune`: the encoder over the tuned table, which the student uses (and owns) instead of the given one. */
  tunedEncoder?: TunableEncoder | undefined;
  spec: HeadSpec;
  embedded: Features;
  embedSeconds: number;
  /** The early-stopping run. */
  report: TrainReport;
  refitEpochs?: number | undefined;
  trainSeconds: number;
  /** The options used, for the checkpoint (no callbacks or signals). */
  options: Record<string, unknown>;
}

export async function trainStudent(
  encoder: Encoder,
  texts: readonly string[],
  targets: SoftTargets,
  numLabels: number,
  given: StudentFitOptions,
): Promise<StudentTraining> {
  const defined = definedOnly(given);
  const {
    head: type,
    hidden,
    dropout,
    standardize,
    refit = true,
    fineTune: fineTuneOption,
    ...train
  } = { ...defaultFitOptionsFor(encoder), ...defined };
  const requested = resolveTrainOptions(type, train);
  // Held out like a classifier's rows: a text with the texts that contain it (src/splits/containment.ts).
  const resolved =
    requested.validationGroups || requested.validationSplit === 0
      ? requested
      : { ...requested, validationGroups: containmentGroups(texts) };
  const { onEpoch: _onEpoch, signal: _signal, validationGroups: _groups, ...recorded } = resolved;
  if (Array.isArray(fineTuneOption))
    throw new UsageError(
      'DISTILL_OPTION',
      'fineTune of a student is one setting (true or table options), not a list per encoder',
    );
  const fineTune = resolveFineTune(fineTuneOption as FineTuneOption | undefined);
  const options = { head: type, hidden, dropout, standardize, refit, ...recorded, ...(fineTune && { fineTune }) };

  // A student is trained like a classifier member, on the rows its head holds out for early stopping.
  const memberOptions = { head: type, hidden, dropout, standardize, refit, ...resolved };
  const validationRows = validationSplit(
    targets,
    numLabels,
    resolved.validationSplit,
    resolved.seed,
    resolved.validationGroups,
  ).validation;
  const tuned = fineTune
    ? await trainFineTunedMember(encoder, texts, targets, numLabels, validationRows, memberOptions, fineTune)
    : undefined;
  const trained =
    tuned ??
    (await trainMember({ encoder, cache: undefined }, texts, targets, numLabels, validationRows, memberOptions));
  return {
    head: trained.head,
    tunedEncoder: tuned?.encoder,
    spec: trained.spec,
    embedded: trained.embedded,
    embedSeconds: trained.embedSeconds,
    report: trained.report,
    refitEpochs: trained.refitEpochs,
    trainSeconds: trained.report.seconds + (trained.refitSeconds ?? 0),
    options,
  };
}
