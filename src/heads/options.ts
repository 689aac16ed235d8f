/**
 * Training defaults and option checking: Adam, batches of 256, a larger step for the convex linear
 * head than for the MLP, early stopping on a 10% stratified validation split with patience 10.
 * What they were tuned on: docs/decisions/head-training.md.
 */
import { UsageError } from '../errors.js';
import type { HeadType, SparseTrainOptions, TrainOptions } from './head.js';
import { definedOnly } from '../util/index.js';

/** The seed of every random choice (splits, initialisation, batch order) when none is given: the library's, the CLI's and the recipes'. */
export const DEFAULT_SEED = 42;

const SHARED_DEFAULTS: Omit<TrainOptions, 'learningRate' | 'l2'> = {
  epochs: 200,
  batchSize: 256,
  classWeight: 'none',
  validationSplit: 0.1,
  patience: 10,
  seed: DEFAULT_SEED,
};

export function defaultTrainOptions(type: HeadType): TrainOptions {
  return type === 'linear'
    ? { ...SHARED_DEFAULTS, learningRate: 5e-3, l2: 1e-4 }
    : { ...SHARED_DEFAULTS, learningRate: 3e-3, l2: 1e-4 };
}

/** Defaults for `type` overridden by the options given; throws UsageError naming the bad option. */
export function resolveTrainOptions(type: HeadType, given: Partial<TrainOptions> = {}): TrainOptions {
  const defined = definedOnly(given);
  const options: TrainOptions = { ...defaultTrainOptions(type), ...defined };
  requireInteger('epochs', options.epochs, 1);
  requireInteger('batchSize', options.batchSize, 1);
  requireInteger('patience', options.patience, 0);
  requireInteger('seed', options.seed);
  if (options.initSeed !== undefined) requireInteger('initSeed', options.initSeed);
  requireNumber('learningRate', options.learningRate, (v) => v > 0, 'a number > 0');
  requireNumber('l2', options.l2, (v) => v >= 0, 'a number >= 0');
  requireNumber('validationSplit', options.validationSplit, (v) => v >= 0 && v < 1, 'a number in [0, 1)');
  if (options.classWeight !== 'balanced' && options.classWeight !== 'none') {
    throw new UsageError(
      'HEAD_OPTION',
      `option "classWeight" must be "balanced" or "none", got ${JSON.stringify(options.classWeight)}`,
    );
  }
  if (options.validationGroups !== undefined && !(options.validationGroups instanceof Int32Array)) {
    throw new UsageError('HEAD_OPTION', 'option "validationGroups" must be an Int32Array (one group id per row)');
  }
  if (options.onEpoch !== undefined && typeof options.onEpoch !== 'function') {
    throw new UsageError('HEAD_OPTION', 'option "onEpoch" must be a function');
  }
  return options;
}

/**
 * The sparse head's defaults: at most 100 L-BFGS iterations (scikit-learn's max_iter) and the penalty
 * on the summed loss of scikit-learn's C = 10 (the l2 values compared: docs/decisions/lexical-features.md).
 */
export const SPARSE_TRAIN_DEFAULTS = { maxIterations: 100, l2: 0.05 } as const satisfies Partial<SparseTrainOptions>;

/** Sparse-head defaults overridden by the options given; throws UsageError naming the bad option. */
export function resolveSparseTrainOptions(given: Partial<SparseTrainOptions> = {}): SparseTrainOptions {
  const { maxIterations, ...shared } = { ...SPARSE_TRAIN_DEFAULTS, ...definedOnly(given) };
  requireInteger('maxIterations', maxIterations, 1);
  const { l2, classWeight, validationSplit, seed, validationGroups, signal, onEpoch } = resolveTrainOptions(
    'linear',
    shared,
  );
  return {
    maxIterations,
    l2,
    classWeight,
    validationSplit,
    seed,
    ...definedOnly({ validationGroups, signal, onEpoch }),
  };
}

function requireInteger(name: string, value: unknown, min?: number): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || (min !== undefined && value < min)) {
    const expected = min === undefined ? 'an integer' : `an integer >= ${min}`;
    throw new UsageError('HEAD_OPTION', `option "${name}" must be ${expected}, got ${JSON.stringify(value)}`);
  }
}

function requireNumber(name: string, value: unknown, ok: (v: number) => boolean, expected: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
    throw new UsageError('HEAD_OPTION', `option "${name}" must be ${expected}, got ${JSON.stringify(value)}`);
  }
}
