/**
 * Length-bucketed batching: texts are sorted by token count and cut into batches whose padded
 * size (texts x longest text) stays within a token budget, so each batch is padded only to its
 * own longest text instead of the longest text of the whole call.
 */
import { UsageError } from '../errors.js';

export interface BatchPlanOptions {
  /** Most padded tokens (batch size x longest length) in one batch; a longer single text still gets a batch. */
  tokenBudget: number;
  /** Most texts in one batch. */
  maxBatchSize: number;
}

/**
 * 1,024 padded tokens per batch was fastest for a MiniLM-sized model on 2 cores, fp32 and q8
 * (benchmarks/transformer-throughput.ts): larger batches spill the activations out of cache and
 * pad more, smaller ones leave the matrix kernels short rows.
 */
export const DEFAULT_BATCH_PLAN: BatchPlanOptions = { tokenBudget: 1024, maxBatchSize: 256 };

export function checkBatchPlan(options: BatchPlanOptions): void {
  for (const [name, value] of Object.entries(options)) {
    if (!Number.isInteger(value) || value < 1)
      throw new UsageError('BAD_BATCH_OPTION', `${name} must be a positive integer, got ${value}`);
  }
}

/**
 * Groups the indices of `lengths` into batches, longest texts first (ties keep input order).
 * Every index appears in exactly one batch.
 */
export function planBatches(lengths: readonly number[], options: BatchPlanOptions = DEFAULT_BATCH_PLAN): number[][] {
  checkBatchPlan(options);
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[b]! - lengths[a]! || a - b);
  const batches: number[][] = [];
  let current: number[] = [];
  let longest = 0;
  for (const index of order) {
    const full = current.length >= options.maxBatchSize || (current.length + 1) * longest > options.tokenBudget;
    if (current.length > 0 && full) {
      batches.push(current);
      current = [];
    }
    if (current.length === 0) longest = lengths[index]!;
    current.push(index);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
