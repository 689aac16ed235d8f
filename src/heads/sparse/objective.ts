/**
 * The math of a linear model over CSR rows: weights are `[dim, numLabels]` row-major (a feature's
 * weights for all labels side by side, so a sparse row reads contiguous memory) followed by
 * `numLabels` biases. Single-label: softmax cross-entropy; multi-label: per-label sigmoid
 * binary cross-entropy.
 */
import type { SparseMatrix } from '../../encoders/index.js';

export interface LinearShape {
  dim: number;
  numLabels: number;
  multiLabel: boolean;
}

/** Training rows of `x` with `[rows.length, numLabels]` targets and optional per-row (or per row and label) weights. */
export interface SparsePart {
  x: SparseMatrix;
  rows: Int32Array;
  targets: Float32Array;
  weights?: Float32Array | undefined;
}

/**
 * Writes row `row`'s logits into `out` (length numLabels). Eight labels at a time, their sums in
 * locals across the row's entries (registers: V8 does not vectorise, and a sum kept in `out` is a
 * load and a store per entry), then four, then one; two labels (binary tasks) have their own loop.
 * Each label's sum starts at its bias and adds the entries in row order, as a plain loop does, so
 * the result is exact (docs/decisions/performance.md).
 */
export function logitsOf(
  indptr: Int32Array,
  indices: Int32Array,
  values: Float32Array,
  row: number,
  w: Float64Array,
  numLabels: number,
  biasOffset: number,
  out: Float64Array,
): void {
  const start = indptr[row]!;
  const end = indptr[row + 1]!;
  if (numLabels === 2) {
    let z0 = w[biasOffset]!;
    let z1 = w[biasOffset + 1]!;
    for (let k = start; k < end; k++) {
      const offset = indices[k]! * 2;
      const value = values[k]!;
      z0 += value * w[offset]!;
      z1 += value * w[offset + 1]!;
    }
    out[0] = z0;
    out[1] = z1;
    return;
  }
  let c = 0;
  for (; c + 8 <= numLabels; c += 8) {
    const bias = biasOffset + c;
    let z0 = w[bias]!,
      z1 = w[bias + 1]!,
      z2 = w[bias + 2]!,
      z3 = w[bias + 3]!,
      z4 = w[bias + 4]!,
      z5 = w[bias + 5]!,
      z6 = w[bias + 6]!,
      z7 = w[bias + 7]!;
    for (let k = start; k < end; k++) {
      const offset = indices[k]! * numLabels + c;
      const value = values[k]!;
      z0 += value * w[offset]!;
      z1 += value * w[offset + 1]!;
      z2 += value * w[offset + 2]!;
      z3 += value * w[offset + 3]!;
      z4 += value * w[offset + 4]!;
      z5 += value * w[offset + 5]!;
      z6 += value * w[offset + 6]!;
      z7 += value * w[offset + 7]!;
    }
    out[c] = z0;
    out[c + 1] = z1;
    out[c + 2] = z2;
    out[c + 3] = z3;
    out[c + 4] = z4;
    out[c + 5] = z5;
    out[c + 6] = z6;
    out[c + 7] = z7;
  }
  for (; c + 4 <= numLabels; c += 4) {
    const bias = biasOffset + c;
    let z0 = w[bias]!,
      z1 = w[bias + 1]!,
      z2 = w[bias + 2]!,
      z3 = w[bias + 3]!;
    for (let k = start; k < end; k++) {
      const offset = indices[k]! * numLabels + c;
      const value = values[k]!;
      z0 += value * w[offset]!;
      z1 += value * w[offset + 1]!;
      z2 += value * w[offset + 2]!;
      z3 += value * w[offset + 3]!;
    }
    out[c] = z0;
    out[c + 1] = z1;
    out[c + 2] = z2;
    out[c + 3] = z3;
  }
  for (; c < numLabels; c++) {
    let z = w[biasOffset + c]!;
    for (let k = start; k < end; k++) z += values[k]! * w[indices[k]! * numLabels + c]!;
    out[c] = z;
  }
}

/** Adds `delta` times row `row` into the gradient, unrolled like `logitsOf`. */
function addRowGradient(
  indptr: Int32Array,
  indices: Int32Array,
  values: Float32Array,
  row: number,
  delta: Float64Array,
  numLabels: number,
  gradient: Float64Array,
): void {
  const end = indptr[row + 1]!;
  if (numLabels === 2) {
    const d0 = delta[0]!;
    const d1 = delta[1]!;
    for (let k = indptr[row]!; k < end; k++) {
      const offset = indices[k]! * 2;
      const value = values[k]!;
      gradient[offset]! += value * d0;
      gradient[offset + 1]! += value * d1;
    }
    return;
  }
  const unrolled = numLabels - (numLabels % 8);
  for (let k = indptr[row]!; k < end; k++) {
    const offset = indices[k]! * numLabels;
    const value = values[k]!;
    let c = 0;
    for (; c < unrolled; c += 8) {
      gradient[offset + c]! += value * delta[c]!;
      gradient[offset + c + 1]! += value * delta[c + 1]!;
      gradient[offset + c + 2]! += value * delta[c + 2]!;
      gradient[offset + c + 3]! += value * delta[c + 3]!;
      gradient[offset + c + 4]! += value * delta[c + 4]!;
      gradient[offset + c + 5]! += value * delta[c + 5]!;
      gradient[offset + c + 6]! += value * delta[c + 6]!;
      gradient[offset + c + 7]! += value * delta[c + 7]!;
    }
    for (; c < numLabels; c++) gradient[offset + c]! += value * delta[c]!;
  }
}

/** Turns the `n` logits at `at` into probabilities in place: softmax (single-label) or sigmoids (multi-label). */
function toProbabilities(z: Float64Array, at: number, n: number, multiLabel: boolean): void {
  const end = at + n;
  if (multiLabel) {
    for (let c = at; c < end; c++) z[c] = 1 / (1 + Math.exp(-z[c]!));
    return;
  }
  let max = -Infinity;
  for (let c = at; c < end; c++) max = Math.max(max, z[c]!);
  let sum = 0;
  for (let c = at; c < end; c++) {
    const e = Math.exp(z[c]! - max);
    z[c] = e;
    sum += e;
  }
  for (let c = at; c < end; c++) z[c]! /= sum;
}

/** `[rows, numLabels]` logits to probabilities, as `linearProbabilities` turns them (the logits are overwritten). */
export function probabilitiesOfLogits(logits: Float64Array, numLabels: number, multiLabel: boolean): Float32Array {
  for (let at = 0; at < logits.length; at += numLabels) toProbabilities(logits, at, numLabels, multiLabel);
  return new Float32Array(logits);
}

/**
 * The summed (weighted) cross-entropy of `part` plus `l2` * sum of squared weights (biases are not
 * penalised); writes its gradient into `gradient`.
 */
export function linearObjective(
  part: SparsePart,
  w: Float64Array,
  shape: LinearShape,
  l2: number,
  gradient: Float64Array,
): number {
  const { dim, numLabels, multiLabel } = shape;
  const { x, rows, targets, weights } = part;
  const { indptr, indices, values } = x;
  const biasOffset = dim * numLabels;
  const z = new Float64Array(numLabels);
  const delta = new Float64Array(numLabels);
  gradient.fill(0);
  let loss = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    logitsOf(indptr, indices, values, row, w, numLabels, biasOffset, z);
    const t = i * numLabels;
    if (multiLabel) {
      for (let c = 0; c < numLabels; c++) {
        const s = weights ? weights[t + c]! : 1;
        const y = targets[t + c]!;
        const logit = z[c]!;
        loss += s * (Math.max(logit, 0) - logit * y + Math.log1p(Math.exp(-Math.abs(logit))));
        delta[c] = s * (1 / (1 + Math.exp(-logit)) - y);
      }
    } else {
      const s = weights ? weights[i]! : 1;
      let max = -Infinity;
      for (let c = 0; c < numLabels; c++) max = Math.max(max, z[c]!);
      let sum = 0;
      for (let c = 0; c < numLabels; c++) sum += Math.exp(z[c]! - max);
      const logSum = max + Math.log(sum);
      for (let c = 0; c < numLabels; c++) {
        const y = targets[t + c]!;
        const logProbability = z[c]! - logSum;
        loss -= s * y * logProbability;
        delta[c] = s * (Math.exp(logProbability) - y);
      }
    }
    for (let c = 0; c < numLabels; c++) gradient[biasOffset + c]! += delta[c]!;
    addRowGradient(indptr, indices, values, row, delta, numLabels, gradient);
  }
  let squares = 0;
  for (let j = 0; j < biasOffset; j++) {
    squares += w[j]! * w[j]!;
    gradient[j]! += 2 * l2 * w[j]!;
  }
  return loss + l2 * squares;
}

/** `[rows.length, numLabels]` probabilities of the listed rows of `x` (every row when `rows` is omitted). */
export function linearProbabilities(
  x: SparseMatrix,
  w: Float64Array,
  shape: LinearShape,
  rows?: Int32Array,
): Float32Array {
  const count = rows ? rows.length : x.rows;
  const out = new Float32Array(count * shape.numLabels);
  const z = new Float64Array(shape.numLabels);
  for (let i = 0; i < count; i++) {
    logitsOf(x.indptr, x.indices, x.values, rows ? rows[i]! : i, w, shape.numLabels, shape.dim * shape.numLabels, z);
    toProbabilities(z, 0, shape.numLabels, shape.multiLabel);
    out.set(z, i * shape.numLabels);
  }
  return out;
}
