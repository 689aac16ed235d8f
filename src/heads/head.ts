/** Classification heads trained on embeddings (TensorFlow.js). */
import type { Matrix } from '../encoders/encoder.js';

export type HeadType = 'linear' | 'mlp';

export interface HeadSpec {
  type: HeadType;
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

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** L2 penalty on the kernels. */
  l2: number;
  classWeight: 'balanced' | 'none';
  /** Fraction held out (stratified) for early stopping; 0 disables early stopping. */
  validationSplit: number;
  /** Epochs without validation-loss improvement before stopping; the best weights are restored. */
  patience: number;
  seed: number;
  signal?: AbortSignal;
  onEpoch?: (log: EpochLog) => void;
}

export interface EpochLog {
  epoch: number;
  loss: number;
  valLoss?: number;
  valAccuracy?: number;
}

export interface TrainReport {
  epochsRun: number;
  bestEpoch: number;
  bestValLoss?: number;
  history: EpochLog[];
  seconds: number;
}

/** Single-label: one class index per row. Multi-label: a `[rows, numLabels]` 0/1 matrix. */
export type Targets =
  | { kind: 'single'; labels: Int32Array }
  | { kind: 'multi'; labels: Uint8Array };

export interface Head {
  readonly spec: HeadSpec;
  /** Per-label decision thresholds (multi-label only; tuned on the validation split, else 0.5). */
  readonly thresholds: Float32Array | undefined;
  fit(x: Matrix, y: Targets, options?: Partial<TrainOptions>): Promise<TrainReport>;
  /** `[rows, numLabels]` probabilities: softmax rows (single-label) or independent sigmoids (multi-label). */
  predictProba(x: Matrix): Float32Array;
  /** Writes the head into `dir`; returns the plain file names written. */
  save(dir: string): Promise<string[]>;
  dispose(): void;
}
