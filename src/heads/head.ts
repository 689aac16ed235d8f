/** Classification heads trained on embeddings (TensorFlow.js). */
import type { Matrix, SparseMatrix } from '../encoders/index.js';

export type HeadType = 'linear' | 'mlp';

interface HeadSpecShape {
  inputDim: number;
  numLabels: number;
  /** Sigmoid outputs with per-label thresholds instead of one softmax. */
  multiLabel: boolean;
  /** MLP hidden width (ignored by `linear`). */
  hidden: number;
  /** MLP dropout rate (ignored by `linear`). */
  dropout: number;
  /** Z-score inputs with the training mean/std (stored with the head). */
  standardize: boolean;
}

/** A head over dense rows, trained in TensorFlow.js: one dense layer (`linear`) or an MLP. */
export interface DenseHeadSpec extends HeadSpecShape {
  type: HeadType;
  input?: undefined;
}

/** A head over sparse (CSR) rows: softmax regression fitted by L-BFGS, never standardised. */
export interface SparseHeadSpec extends HeadSpecShape {
  type: 'linear';
  input: 'sparse';
  standardize: false;
}

/**
 * What a head is, told apart by `input` alone ('sparse', or absent for dense rows: the form
 * `head.json` has always stored, so saved heads load unchanged).
 */
export type HeadSpec = DenseHeadSpec | SparseHeadSpec;

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /**
   * L2 penalty on the kernels: l2 * sum of squared weights, added to the mean loss over rows (dense
   * heads) or, for sparse heads, to the summed loss as in scikit-learn's LogisticRegression (l2 = 1/(2C)).
   */
  l2: number;
  classWeight: 'balanced' | 'none';
  /** Fraction held out (stratified) for early stopping; 0 disables early stopping. */
  validationSplit: number;
  /** Epochs without validation-loss improvement before stopping; the best weights are restored. */
  patience: number;
  seed: number;
  /**
   * Seeds the initial weights, batch order and dropout instead of `seed`, which still draws the
   * validation split: heads that differ only in it hold out the same rows (a bag of heads,
   * TextClassifier's repeated members). Default: `seed`.
   */
  initSeed?: number;
  /**
   * A group id per row: rows of one group stay on one side of the validation split (TextClassifier
   * passes texts contained in other texts: src/splits/containment.ts). Default: every row alone.
   */
  validationGroups?: Int32Array | undefined;
  signal?: AbortSignal | undefined;
  onEpoch?: (log: EpochLog) => void;
}

/**
 * Training options of a head over sparse rows, fitted by L-BFGS to convergence: `maxIterations`
 * bounds the iterations; the validation split is held out for reporting and thresholds only.
 */
export type SparseTrainOptions = Pick<
  TrainOptions,
  'l2' | 'classWeight' | 'validationSplit' | 'seed' | 'validationGroups' | 'signal' | 'onEpoch'
> & { maxIterations: number };

export interface EpochLog {
  epoch: number;
  loss: number;
  valLoss?: number;
  valAccuracy?: number;
}

export interface TrainReport {
  epochsRun: number;
  bestEpoch: number;
  bestValLoss?: number | undefined;
  history: EpochLog[];
  seconds: number;
}

/**
 * Single-label: one class index per row. Multi-label: a `[rows, numLabels]` 0/1 matrix.
 * Soft (knowledge distillation, single-label heads): a teacher's `[rows, numLabels]` probability
 * rows, already softened at `temperature` (default 1), each summing to 1. The head learns them with
 * loss = alpha * CE(hard label) + (1 - alpha) * T^2 * KL(probabilities || softmax(logits / T)) on rows
 * with a hard label in `labels` (-1: none, e.g. unlabelled text) and T^2 * KL(...) on the others.
 */
export type Targets = LabelTargets | SoftTargets;

export type LabelTargets = { kind: 'single'; labels: Int32Array } | { kind: 'multi'; labels: Uint8Array };

export interface SoftTargets {
  kind: 'soft';
  probabilities: Float32Array;
  temperature?: number;
  /** A class index per row, or -1 where there is no hard label. */
  labels?: Int32Array;
  /** Weight of the hard-label term in [0, 1] (default 0.5; unused without `labels`). */
  alpha?: number;
}

/** The rows a head reads: dense (`Matrix`) or sparse (`SparseMatrix`, CSR). */
type HeadInput = Matrix | SparseMatrix;

/** The spec of a head over `X`. */
type HeadSpecOf<X extends HeadInput> = X extends SparseMatrix ? SparseHeadSpec : DenseHeadSpec;

/** The training options of a head over `X`. */
type TrainOptionsOf<X extends HeadInput> = X extends SparseMatrix ? SparseTrainOptions : TrainOptions;

/** A classification head over rows of type `X`. */
export interface Head<X extends HeadInput = Matrix> {
  readonly spec: HeadSpecOf<X>;
  /** Per-label decision thresholds (multi-label only; tuned on the validation split, else 0.5). */
  readonly thresholds: Float32Array | undefined;
  fit(x: X, y: Targets, options?: Partial<TrainOptionsOf<X>>): Promise<TrainReport>;
  /** `[rows, numLabels]` probabilities: softmax rows (single-label) or independent sigmoids (multi-label). */
  predictProba(x: X): Float32Array;
  /** Writes the head into `dir`; returns the plain file names written. */
  save(dir: string): Promise<string[]>;
  dispose(): void;
}

/** A linear head over sparse rows. */
export type SparseHead = Head<SparseMatrix>;

export type AnyHead = Head<Matrix> | Head<SparseMatrix>;

export function isSparseHead(head: AnyHead): head is SparseHead {
  return head.spec.input === 'sparse';
}

/** A dense layer's weights: `kernel` is `[inputs, units]` row-major. */
export interface DenseLayerParameters {
  kernel: Float32Array;
  bias: Float32Array;
  inputs: number;
  units: number;
}
