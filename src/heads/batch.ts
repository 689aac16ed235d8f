/**
 * Mini-batches built in JS: rows are copied out and uploaded, which is cheaper than tf.gather/slice
 * on the WASM backend (they copy or walk the whole source tensor).
 */
import type { Rng } from '../util/index.js';

/** The given rows of a row-major array whose rows are `width` long. */
export function copyRows(source: Float32Array, width: number, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * width);
  rows.forEach((row, i) => out.set(source.subarray(row * width, (row + 1) * width), i * width));
  return out;
}

/** Inverted dropout: each unit kept with probability 1 - rate and scaled by 1 / (1 - rate). */
export function dropoutMask(size: number, rate: number, rng: Rng): Float32Array {
  const keep = 1 - rate;
  const mask = new Float32Array(size);
  for (let i = 0; i < size; i++) mask[i] = rng() < keep ? 1 / keep : 0;
  return mask;
}
