/** What `fit` reports to its caller, and the training record it saves in the checkpoint. */
import type { Calibration } from '../calibration/index.js';
import type { TaskWarning } from '../data/index.js';
import { describeSpec, type Encoder } from '../encoders/index.js';
import type { WeightChoice, MixChoice } from '../fusion/index.js';
import type { HeadSpec, TrainReport } from '../heads/index.js';
import type { LabelInput } from '../labels.js';
import type { MemberTraining } from '../members/index.js';
import type { AutoReport } from '../recipes/index.js';
import { recordedOptions, type FitOptions } from './options.js';

/** The auto recipe's report without the fit report it wraps. */
export type RecipeSummary = Omit<AutoReport, 'fit'>;

export interface MemberReport {
  encoder: string;
  head: HeadSpec;
  epochsRun: number;
  bestEpoch: number;
  refitEpochs?: number;
  trainSeconds: number;
  embedSeconds: number;
  /** A label-similarity member: its fitted scale and how many training rows the label texts alone classify correctly. */
  labelSimilarity?: { scale: number; trainingAccuracy: number };
}

export interface FitReport extends TrainReport {
  /** What the auto recipe chose and why (recipe 'auto' only). */
  recipe?: RecipeSummary;
  examples: number;
  labels: string[];
  labelCounts: Record<string, number>;
  /** Texts that reached the head as a zero vector (no known token). */
  textsWithoutTokens: number;
  truncatedTexts: number;
  embedSeconds: number;
  /** Every encoder+head pair trained (one unless the classifier fuses several encoders). */
  members: MemberReport[];
  /** Fusion weights and how each candidate mix scored on the held-out rows (several encoders only). */
  fusion?: WeightChoice;
  /** Temperature scaling fitted on the held-out rows. */
  calibration?: Calibration;
  /** The chosen prior correction (`priorCorrection` on, when it helped). */
  priorCorrection?: { alpha: number; priors: number[] };
  /** Suspect training data that was trained on anyway (src/data/task-checks.ts). */
  warnings: TaskWarning[];
}

/** How many texts carry each label. */
function countLabels(labels: LabelInput, vocabulary: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(vocabulary.map((label) => [label, 0]));
  for (const entry of labels)
    for (const label of typeof entry === 'string' ? [entry] : entry) counts[label] = (counts[label] ?? 0) + 1;
  return counts;
}

/**
 * The parts of a training record every trained model has (a classifier's primary member, a
 * distilled student): what trained, with which options, on what data; then its epochs; and apart,
 * its durations, the only part that differs between two runs on the same data and seed.
 */
export function recordParts(
  primary: Pick<MemberTraining, 'spec' | 'embedded' | 'report' | 'refitEpochs'>,
  options: Record<string, unknown>,
  labelCounts: Record<string, number>,
  trainSeconds: number,
  warnings: readonly TaskWarning[] = [],
): { trained: Record<string, unknown>; epochs: Record<string, unknown>; timings: Record<string, unknown> } {
  const { info } = primary.embedded;
  return {
    trained: {
      head: primary.spec,
      options,
      data: {
        examples: primary.embedded.rows,
        labelCounts,
        truncatedTexts: info.filter((i) => i.truncated).length,
        textsWithoutTokens: info.filter((i) => i.empty).length,
        ...(warnings.length > 0 && { warnings: warnings.map((w) => w.message) }),
      },
    },
    epochs: {
      epochsRun: primary.report.epochsRun,
      bestEpoch: primary.report.bestEpoch,
      bestValLoss: primary.report.bestValLoss,
      ...(primary.refitEpochs !== undefined && { refitEpochs: primary.refitEpochs }),
    },
    timings: { trainSeconds },
  };
}

/** The report of a fit of `trainings` (one per member, over `encoders`), and the record the checkpoint keeps. */
export function fitReportOf(
  trainings: readonly MemberTraining[],
  encoders: readonly Encoder[],
  data: { texts: readonly string[]; labels: LabelInput; vocabulary: string[]; warnings: TaskWarning[] },
  choice: MixChoice,
  options: FitOptions,
): { report: FitReport; record: Record<string, unknown> } {
  const { texts, vocabulary, warnings } = data;
  const { mix, fusion, calibration } = choice;
  const labelCounts = countLabels(data.labels, vocabulary);
  const primary = trainings[0]!;
  const members: MemberReport[] = trainings.map((t, i) => ({
    encoder: describeSpec(encoders[i]!.spec),
    head: t.spec,
    epochsRun: t.report.epochsRun,
    bestEpoch: t.report.bestEpoch,
    ...(t.refitEpochs !== undefined && { refitEpochs: t.refitEpochs }),
    trainSeconds: t.report.seconds + (t.refitSeconds ?? 0),
    embedSeconds: t.embedSeconds,
    ...(t.kind === 'label-similarity' && { labelSimilarity: t.labelSimilarity }),
  }));
  const report: FitReport = {
    ...primary.report,
    seconds: members.reduce((sum, m) => sum + m.trainSeconds, 0),
    examples: texts.length,
    labels: vocabulary,
    labelCounts,
    textsWithoutTokens: primary.embedded.info.filter((info) => info.empty).length,
    truncatedTexts: primary.embedded.info.filter((info) => info.truncated).length,
    embedSeconds: members.reduce((sum, m) => sum + m.embedSeconds, 0),
    members,
    ...(fusion && { fusion }),
    ...(calibration && { calibration }),
    warnings,
  };
  const parts = recordParts(primary, recordedOptions(options), labelCounts, report.seconds, warnings);
  const several = trainings.length > 1;
  const record = {
    ...parts.trained,
    ...parts.epochs,
    ...(several && { members: members.map(({ trainSeconds: _t, embedSeconds: _e, ...member }) => member) }),
    ...(several && { fusionWeights: mix.weights }),
    ...(fusion && { heldOutChoice: fusion.candidates.slice(0, 5) }),
    ...(mix.prior && { priorCorrection: mix.prior }),
    ...(calibration && { calibration }),
    timings: {
      ...parts.timings,
      ...(several && { members: members.map(({ trainSeconds, embedSeconds }) => ({ trainSeconds, embedSeconds })) }),
    },
  };
  return { report, record };
}

/** The auto recipe's summary for a training `record`: its duration joins the record's other timings. */
export function recipeEntries(
  record: Readonly<Record<string, unknown>>,
  recipe: RecipeSummary,
): Record<string, unknown> {
  const { seconds: recipeSeconds, ...summary } = recipe;
  return { recipe: summary, timings: { ...(record.timings as object), recipeSeconds } };
}
