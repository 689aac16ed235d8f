/** A transformer encoder's options, and the settings they give once checked against the model's token limit. */
import { UsageError } from '../../errors.js';
import { checkBatchPlan, DEFAULT_BATCH_PLAN, type BatchPlanOptions } from '../batching.js';
import type { EncoderSpec, Pooling, TransformerDtype } from '../encoder.js';
import { physicalCoreCount } from './transformer-threads.js';

export type TransformerSpec = Extract<EncoderSpec, { type: 'transformer' }>;

export interface TransformerEncoderOptions extends Partial<BatchPlanOptions> {
  /** A model directory, or a hub id (e.g. `Xenova/all-MiniLM-L6-v2`) looked up under `modelsDir`. */
  model: string;
  /** Default fp32 (`onnx/model.onnx`); q8 is `onnx/model_quantized.onnx`. */
  dtype?: TransformerDtype;
  /** Default mean. With `none`, use `embedTokens`: `embed` needs one vector per text. */
  pooling?: Pooling;
  /** L2-normalise pooled vectors. Default true. */
  normalize?: boolean;
  /** Longest input in tokens, special tokens included. Default and maximum: the model's limit. */
  maxTokens?: number | undefined;
  /** Default: physical cores. */
  intraOpNumThreads?: number | undefined;
  /** Default 1. */
  interOpNumThreads?: number;
  /** Where hub ids are looked up (then in the download cache). Default: $HEADSTART_MODELS. */
  modelsDir?: string | undefined;
  /** Download a hub id missing from the model folders and the cache. Default: HEADSTART_ALLOW_DOWNLOAD=1. */
  allowDownload?: boolean | undefined;
  /** Look `model` up under `modelsDir` only, never as a directory of its own (a checkpoint's model name). */
  confined?: boolean | undefined;
  /** The name recorded in `spec.model` (default: `model`), which a checkpoint looks up under the models folder. */
  name?: string;
}

const POOLINGS: readonly Pooling[] = ['mean', 'cls', 'none'];

export interface TransformerSettings {
  spec: TransformerSpec;
  batchPlan: BatchPlanOptions;
  /** ONNX Runtime session threads. */
  threads: { intraOpNumThreads: number; interOpNumThreads: number };
}

/** The spec, batch plan and threads `options` ask for; a UsageError names the first option out of range. */
export function transformerSettings(
  options: TransformerEncoderOptions,
  dtype: TransformerDtype,
  tokenLimit: number,
): TransformerSettings {
  const maxTokens = options.maxTokens ?? tokenLimit;
  if (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > tokenLimit) {
    throw new UsageError(
      'BAD_MAX_TOKENS',
      `maxTokens must be an integer from 1 to the model's limit ${tokenLimit}, got ${maxTokens}`,
    );
  }
  const spec: TransformerSpec = {
    type: 'transformer',
    model: options.name ?? options.model,
    dtype,
    pooling: options.pooling ?? 'mean',
    normalize: options.normalize ?? true,
    maxTokens,
  };
  if (!POOLINGS.includes(spec.pooling)) {
    throw new UsageError('BAD_POOLING', `unknown pooling "${spec.pooling}"; expected one of ${POOLINGS.join(', ')}`);
  }
  const batchPlan: BatchPlanOptions = {
    tokenBudget: options.tokenBudget ?? DEFAULT_BATCH_PLAN.tokenBudget,
    maxBatchSize: options.maxBatchSize ?? DEFAULT_BATCH_PLAN.maxBatchSize,
  };
  checkBatchPlan(batchPlan);
  const threads = {
    intraOpNumThreads: options.intraOpNumThreads ?? physicalCoreCount(),
    interOpNumThreads: options.interOpNumThreads ?? 1,
  };
  for (const [name, value] of Object.entries(threads)) {
    if (!Number.isInteger(value) || value < 1)
      throw new UsageError('BAD_THREADS', `${name} must be a positive integer, got ${value}`);
  }
  return { spec, batchPlan, threads };
}
