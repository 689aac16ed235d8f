/**
 * The options of `fit`, each declared once with its scope: whether it shapes the classifier as a
 * whole (never reaching a member's head), only the primary member (head shape and step size are per
 * encoder), or every member alike.
 */
import { type Encoder, isSparseEncoder } from '../encoders/index.js';
import type { FineTuneOption } from '../finetune/index.js';
import type { HeadType, TrainOptions } from '../heads/index.js';
import type { LabelTexts, MemberFitOptions } from '../members/index.js';
import type { TaskWarning } from '../data/index.js';
import type { FitProgress } from '../fit-progress.js';
import { UsageError } from '../errors.js';
import { definedOnly } from '../util/index.js';

export type Recipe = 'auto' | 'single';

/** The recipe asked for (default: auto over one encoder, single over several); UsageError on an unknown one. */
export function recipeOf(recipe: unknown, members: number): Recipe {
  const chosen = recipe ?? (members === 1 ? 'auto' : 'single');
  if (chosen !== 'auto' && chosen !== 'single') {
    throw new UsageError('UNKNOWN_RECIPE', `unknown recipe ${JSON.stringify(chosen)}`, {
      hint: "use 'auto' (the default) or 'single'",
    });
  }
  return chosen;
}

/** UsageError unless the classifier the auto recipe trains has one encoder (auto chooses the others). */
export function assertAutoOverOneEncoder(members: number): void {
  if (members > 1) {
    throw new UsageError(
      'RECIPE_NEEDS_ONE_ENCODER',
      'the auto recipe chooses its own members, so it takes a classifier over one encoder',
      { hint: "pass recipe: 'single' to train the encoders given with fuseWith" },
    );
  }
}

export interface FitOptions extends Partial<TrainOptions> {
  /**
   * 'auto' (the default for a classifier over one encoder, as for `headstart train` and `cv`): the
   * auto recipe (src/recipes/auto.ts) chooses and trains the members itself, and the options below
   * shape its pretrained head. 'single': one head over the encoder, or one per encoder given with
   * `fuseWith` (the default when there are several: they are the members).
   */
  recipe?: Recipe;
  /** A wall-clock budget for the auto recipe, in seconds (not reproducible); without it auto decides from counted work. */
  budgetSeconds?: number | undefined;
  /** The auto recipe distils its fused ensemble into one fast student, kept when it scores as well (src/recipes/auto-student.ts). */
  student?: boolean | undefined;
  /** The auto recipe's progress messages (which members it trains, what it chose). */
  onStage?: (message: string) => void;
  head?: HeadType;
  hidden?: number;
  dropout?: number;
  standardize?: boolean;
  /**
   * After early stopping, retrain each head on all rows (validation split included) for the epoch
   * count with the best held-out accuracy. Single-label only; default on.
   */
  refit?: boolean;
  /** Temperature-scale the probabilities on the held-out split (single-label only); default on. */
  calibrate?: boolean;
  /** Fusion weights, one per encoder (primary first); default: the mix with the lowest log-loss on the held-out split. */
  fusionWeights?: number[];
  /** The weight vectors (one weight per encoder) the held-out choice picks from; default: every mix in steps of 0.1. */
  fusionCandidates?: number[][];
  /**
   * Choose on the held-out split how strongly to divide probabilities by the class priors (0 to 1,
   * by the macro-F1 expected under the calibrated held-out probabilities): favours rare classes as
   * far as it pays. Single-label; default off.
   */
  priorCorrection?: boolean;
  /**
   * Fine-tune the static encoder's embedding table together with the head (`true` for the
   * defaults, or table options); a list gives one setting per encoder, primary first. Only static
   * (Model2Vec) encoders can be tuned; the tuned table is saved in the checkpoint.
   */
  fineTune?: FineTuneOption | readonly (FineTuneOption | undefined)[];
  /**
   * One flag per encoder (primary first): a flagged member trains no head but scores each text by
   * its similarity to the label names (or `labelTexts`), a zero-shot prior for the others
   * (src/members/label-similarity.ts). Single-label only.
   */
  labelSimilarity?: readonly boolean[];
  /** What label similarity embeds for each label (several texts are averaged); default: the label's name as words. */
  labelTexts?: LabelTexts | undefined;
  /** Which member trains and its epochs, for progress displays (observation only: src/fit-progress.ts). */
  onProgress?: (progress: FitProgress) => void;
  /**
   * Train a multi-label model, reading a single label as a one-label list. Without it the model is
   * multi-label only when every label is a list; a mix is a DataError (MIXED_LABEL_KINDS).
   */
  multiLabel?: boolean;
  /** Told each warning about the training data as it is found, before training (they are also in the report). */
  onWarning?: (warning: TaskWarning) => void;
  /**
   * Opt-in (single-label, with held-out rows): told the chosen mix of the members' early-stopping
   * heads' probabilities on the rows not held out, before the refit: soft labels from heads that
   * never trained on the held-out rows (the auto recipe's student check: src/recipes/auto-student.ts).
   * Not part of the package's API.
   * @internal
   */
  onEarlyStoppedMix?: (mixed: EarlyStoppedMix) => void;
}

/** What `onEarlyStoppedMix` is told. */
export interface EarlyStoppedMix {
  /** The rows every member held out (early stopping, the mix choice). */
  heldOut: Int32Array;
  /** The other rows, in order: the rows of `probabilities`. */
  trainingRows: Int32Array;
  /** `[trainingRows, labels]`: the chosen mix (weights, prior correction, temperature) of the early-stopping heads. */
  probabilities: Float32Array;
}

type Scope = 'classifier' | 'primary' | 'shared';

/** Every option of `fit` and its scope: a new option that is not listed here does not compile. */
const OPTION_SCOPES = {
  recipe: 'classifier',
  budgetSeconds: 'classifier',
  student: 'classifier',
  onStage: 'classifier',
  calibrate: 'classifier',
  fusionWeights: 'classifier',
  fusionCandidates: 'classifier',
  priorCorrection: 'classifier',
  fineTune: 'classifier',
  labelSimilarity: 'classifier',
  labelTexts: 'classifier',
  onProgress: 'classifier',
  multiLabel: 'classifier',
  onWarning: 'classifier',
  onEarlyStoppedMix: 'classifier',
  head: 'primary',
  hidden: 'primary',
  dropout: 'primary',
  standardize: 'primary',
  learningRate: 'primary',
  l2: 'primary',
  initSeed: 'primary',
  onEpoch: 'primary',
  epochs: 'shared',
  batchSize: 'shared',
  classWeight: 'shared',
  validationSplit: 'shared',
  validationGroups: 'shared',
  patience: 'shared',
  seed: 'shared',
  signal: 'shared',
  refit: 'shared',
} as const satisfies Record<keyof FitOptions, Scope>;

/** Options recorded in a checkpoint are values: not callbacks, signals or per-row groups. */
const UNRECORDED: readonly (keyof FitOptions)[] = [
  'onEpoch',
  'onProgress',
  'onWarning',
  'onEarlyStoppedMix',
  'signal',
  'validationGroups',
];

/**
 * Defaults by encoder kind. Dense pretrained embeddings: a standardised MLP. TF-IDF's sparse
 * features: plain softmax regression without standardisation, which reads the rows sparse
 * (src/heads/sparse/linear.ts, L-BFGS; `learningRate` applies only if the head is switched to a
 * dense one). TF-IDF with embeddings appended (concat) is read the same way. Why, with the
 * figures: docs/decisions/head-training.md.
 */
export function defaultFitOptionsFor(
  encoder: Encoder,
): FitOptions & { head: HeadType; hidden: number; dropout: number; standardize: boolean } {
  if (isSparseEncoder(encoder))
    return { head: 'linear', hidden: 0, dropout: 0, standardize: false, learningRate: 0.05 };
  return { head: 'mlp', hidden: 256, dropout: 0.3, standardize: true };
}

/** Fit options of a member over `encoder`: its defaults, then the caller's primary-member options (the primary only) and shared ones. */
export function memberOptions(encoder: Encoder, primary: boolean, options: FitOptions): MemberFitOptions {
  const given = definedOnly(pick(options, (scope) => scope === 'shared' || (primary && scope === 'primary')));
  const merged = { ...defaultFitOptionsFor(encoder), ...given };
  const own = pick(merged, (scope) => scope !== 'classifier') as MemberFitOptions;
  return { ...own, refit: own.refit ?? true };
}

/** The head training options among a member's options (no head shape, no refit). */
export function trainOptionsOf(options: MemberFitOptions): Partial<TrainOptions> {
  const {
    head: _head,
    hidden: _hidden,
    dropout: _dropout,
    standardize: _standardize,
    refit: _refit,
    ...train
  } = options;
  return definedOnly(train);
}

/** The options worth recording in a checkpoint. */
export function recordedOptions(options: FitOptions): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(definedOnly(options)).filter(([key]) => !UNRECORDED.includes(key as keyof FitOptions)),
  );
}

/** The options whose scope `keep` accepts (an undeclared key, from untyped callers, counts as the primary's as it always did). */
function pick<T extends object>(options: T, keep: (scope: Scope) => boolean): Partial<T> {
  return Object.fromEntries(
    Object.entries(options).filter(([key]) => keep(OPTION_SCOPES[key as keyof FitOptions] ?? 'primary')),
  ) as Partial<T>;
}
