/** Public face of heads/: what other folders of src/ may import. */
// Named files rather than dense/index.ts, whose TfHead and network types would pull TensorFlow.js's
// declarations into the published types (test/packaging.test.ts compiles them without it).
export { copyRows, dropoutMask } from './batch.js';
export { createHead, createSparseHead, linearHeadFromWeights, loadAnyHead } from './factory.js';
export {
  type AnyHead,
  type DenseHeadSpec,
  type DenseLayerParameters,
  type EpochLog,
  type Head,
  type HeadSpec,
  type HeadType,
  isSparseHead,
  type LabelTargets,
  type SoftTargets,
  type SparseHead,
  type SparseHeadSpec,
  type SparseTrainOptions,
  type Targets,
  type TrainOptions,
  type TrainReport,
} from './head.js';
export {
  DEFAULT_SEED,
  defaultTrainOptions,
  resolveSparseTrainOptions,
  resolveTrainOptions,
  SPARSE_TRAIN_DEFAULTS,
} from './options.js';
export { validationSplit } from './split.js';
export { assertMatrix } from './validate.js';
export { fitStandardization, gatherRows, type Standardization } from './standardize.js';
export { argmaxRows, DEFAULT_ALPHA, type Distillation, rowTargets, type RowTargets } from './targets.js';
