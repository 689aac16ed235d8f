/** Z-scoring of embedding columns with statistics from the training rows. */
import type { Matrix } from '../encoders/index.js';

export interface Standardization {
  mean: Float32Array;
  std: Float32Array;
}

/** Below this a column is treated as constant: it is centred but not scaled. */
const MIN_STD = 1e-8;

export function fitStandardization(x: Matrix, rows: Int32Array): Standardization {
  const { data, dim } = x;
  const sum = new Float64Array(dim);
  const sumSquares = new Float64Array(dim);
  for (const row of rows) {
    const offset = row * dim;
    for (let j = 0; j < dim; j++) sum[j]! += data[offset + j]!;
  }
  const mean = sum.map((s) => s / rows.length);
  for (const row of rows) {
    const offset = row * dim;
    for (let j = 0; j < dim; j++) {
      const d = data[offset + j]! - mean[j]!;
      sumSquares[j]! += d * d;
    }
  }
  const std = sumSquares.map((s) => {
    const sd = Math.sqrt(s / rows.length);
    return sd < MIN_STD ? 1 : sd;
  });
  return { mean: Float32Array.from(mean), std: Float32Array.from(std) };
}

/**
 * Copies the selected rows (all rows when `rows` is undefined) into a row-major array (a new one, or
 * the start of `out`), standardised when `standardization` is given.
 */
export function gatherRows(
  x: Matrix,
  rows: Int32Array | undefined,
  standardization: Standardization | undefined,
  out: Float32Array = new Float32Array((rows ? rows.length : x.rows) * x.dim),
): Float32Array {
  const { data, dim } = x;
  const count = rows ? rows.length : x.rows;
  for (let i = 0; i < count; i++) {
    const source = (rows ? rows[i]! : i) * dim;
    const target = i * dim;
    if (!standardization) {
      out.set(data.subarray(source, source + dim), target);
      continue;
    }
    const { mean, std } = standardization;
    for (let j = 0; j < dim; j++) out[target + j] = (data[source + j]! - mean[j]!) / std[j]!;
  }
  return out;
}
