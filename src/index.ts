/** headstart: transfer-learning text classification in Node. */
export { TextClassifier, type FitOptions, type FitReport, type Prediction, type Probabilities } from './classifier.js';
export type { ModelCardProse } from './checkpoint/index.js';
export { trainAuto, type AutoOptions, type AutoReport } from './recipes/index.js';
export type { FitProgress } from './fit-progress.js';
export type { FineTuneOption, FineTuneOptions } from './finetune/index.js';
export { distill, type DistillOptions, type DistillReport } from './distill/index.js';
export type { Comparison, SideReport } from './distill/index.js';
export type { StudentFitOptions } from './distill/index.js';
export { descriptionsByLabel, parseLabelDescriptions, type LabelDescription } from './zero-shot/index.js';
export { labelAsText, type LabelTexts } from './members/index.js';
export {
  exportModel,
  type ExportFormat,
  type ExportOptions,
  type ExportResult,
  type OnnxSidecar,
} from './export/index.js';
export { crossValidate, type CrossValidationResult, type FoldResult } from './cross-validate.js';
export { EmbeddingCache } from './embedding-cache.js';
export type {
  Encoder,
  EncoderSpec,
  EmbedResult,
  EmbedOptions,
  Matrix,
  TextInfo,
  FittableEncoder,
  SparseEncoder,
  SparseMatrix,
  SparseEmbedResult,
  Features,
} from './encoders/index.js';
export { createEncoder, loadEncoderFromSpec, type EncoderChoice, type EncoderLoadOptions } from './encoders/index.js';
export { StaticEncoder } from './encoders/index.js';
export { TfidfEncoder } from './encoders/index.js';
export { TransformerEncoder } from './encoders/index.js';
export type {
  Head,
  SparseHead,
  AnyHead,
  HeadSpec,
  DenseHeadSpec,
  SparseHeadSpec,
  SparseTrainOptions,
  HeadType,
  SoftTargets,
  Targets,
  TrainOptions,
  TrainReport,
} from './heads/index.js';
export { HeadstartError, UsageError, DataError, ModelError, InterruptedError, type ErrorCategory } from './errors.js';
export {
  readDataset,
  readRecords,
  resolveDataSource,
  listCorpora,
  type Dataset,
  type Example,
  type ReadOptions,
} from './data/index.js';
export {
  classificationReport,
  multiLabelReport,
  expectedCalibrationError,
  formatConfusion,
  meanStd,
  type ClassificationReport,
  type MultiLabelReport,
} from './metrics/index.js';
export { stratifiedKFold, stratifiedSplit } from './splits/index.js';
