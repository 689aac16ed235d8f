/**
 * Pooling of token states into one vector per text, L2 normalisation, and the check that every
 * output row is finite.
 */
import { DataError } from '../errors.js';
import type { Matrix } from './encoder.js';

/** Hidden states of a padded batch: row-major `[batch, seq, dim]`. */
export interface TokenStates {
  data: Float32Array;
  batch: number;
  seq: number;
  dim: number;
}

export interface PooledBatch extends Matrix {
  /** Rows whose mask had no token: their vector is all zeros. */
  allMasked: boolean[];
}

/** Mean over the positions whose mask is non-zero (`mask` is `[batch, seq]`). Never divides by zero. */
export function meanPool(states: TokenStates, mask: ArrayLike<number>): PooledBatch {
  const { batch, seq, dim } = states;
  const data = new Float32Array(batch * dim);
  const allMasked: boolean[] = [];
  for (let b = 0; b < batch; b++) {
    const out = data.subarray(b * dim, (b + 1) * dim);
    let count = 0;
    for (let t = 0; t < seq; t++) {
      if (mask[b * seq + t] === 0) continue;
      count += 1;
      const offset = (b * seq + t) * dim;
      for (let d = 0; d < dim; d++) out[d]! += states.data[offset + d]!;
    }
    allMasked.push(count === 0);
    if (count > 0) for (let d = 0; d < dim; d++) out[d]! /= count;
  }
  return { data, rows: batch, dim, allMasked };
}

/** The state of each row's first token ([CLS] for BERT). */
export function clsPool(states: TokenStates, mask: ArrayLike<number>): PooledBatch {
  const { batch, seq, dim } = states;
  const data = new Float32Array(batch * dim);
  const allMasked: boolean[] = [];
  for (let b = 0; b < batch; b++) {
    const masked = mask[b * seq] === 0;
    allMasked.push(masked);
    if (!masked) data.set(states.data.subarray(b * seq * dim, (b * seq + 1) * dim), b * dim);
  }
  return { data, rows: batch, dim, allMasked };
}

/** Scales each row to unit L2 norm; all-zero rows stay zero. */
export function l2NormalizeRows(matrix: Matrix): void {
  for (let r = 0; r < matrix.rows; r++) {
    const row = matrix.data.subarray(r * matrix.dim, (r + 1) * matrix.dim);
    let sum = 0;
    for (const v of row) sum += v * v;
    if (sum > 0) {
      const scale = 1 / Math.sqrt(sum);
      for (let d = 0; d < row.length; d++) row[d]! *= scale;
    }
  }
}

/**
 * Throws a DataError if any value of `values` is NaN or Inf. `index` is the input index of the
 * text these values belong to.
 */
export function assertFinite(values: Float32Array, index: number): void {
  for (const v of values) {
    if (!Number.isFinite(v)) {
      throw new DataError('EMBEDDING_NOT_FINITE', `the encoder produced ${v} in the embedding of this text`, {
        location: { index },
        hint: 'the model weights or its quantization are broken for this input; try another dtype or model',
      });
    }
  }
}
