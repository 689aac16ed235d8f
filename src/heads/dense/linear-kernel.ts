/**
 * A dense linear head as a plain typed-array kernel: the standardisation folded into the weights
 * and bias once, then one pass of multiply-adds per row. For a few labels this is cheaper than a
 * TensorFlow.js call per chunk; an MLP's hidden layer is not (a JavaScript matmul measured ~10x
 * slower than tfjs-wasm's SIMD one: docs/decisions/performance.md), so MLP heads run mlp-kernel.ts.
 */
import type { Matrix } from '../../encoders/index.js';
import { DataError } from '../../errors.js';
import type { DenseLayerParameters } from '../head.js';
import type { Standardization } from '../standardize.js';

export interface LinearKernel {
  /** `[labels, inputs]` row-major (one label's weights contiguous), divided by the standardisation's std per input. */
  weights: Float64Array;
  /** The bias less the standardisation's mean times the folded weights. */
  bias: Float64Array;
  inputs: number;
  labels: number;
  multiLabel: boolean;
}

/** `((x - mean) / std)·W + b` rewritten as `x·W' + b'`. */
export function compileLinear(
  layer: DenseLayerParameters,
  standardization: Standardization | undefined,
  multiLabel: boolean,
): LinearKernel {
  const { inputs, units: labels, kernel } = layer;
  const weights = new Float64Array(inputs * labels);
  const bias = Float64Array.from(layer.bias);
  for (let i = 0; i < inputs; i++) {
    const std = standardization ? standardization.std[i]! : 1;
    const mean = standardization ? standardization.mean[i]! : 0;
    for (let l = 0; l < labels; l++) {
      const w = kernel[i * labels + l]! / std;
      weights[l * inputs + i] = w;
      bias[l]! -= mean * w;
    }
  }
  return { weights, bias, inputs, labels, multiLabel };
}

/** `[rows, labels]` softmax rows (sigmoids, multi-label); a DataError names the first row that is not finite. */
export function linearProbabilities(kernel: LinearKernel, x: Matrix): Float32Array {
  const { weights, bias, inputs, labels, multiLabel } = kernel;
  const out = new Float32Array(x.rows * labels);
  const logits = new Float64Array(labels);
  const data = x.data;
  for (let row = 0; row < x.rows; row++) {
    const offset = row * inputs;
    // Four labels at a time, each sum in a local over its contiguous weights: four independent add
    // chains instead of one, each label's adds in input order as before, so the same sums
    // (docs/decisions/performance.md).
    let l = 0;
    for (; l + 4 <= labels; l += 4) {
      let s0 = bias[l]!,
        s1 = bias[l + 1]!,
        s2 = bias[l + 2]!,
        s3 = bias[l + 3]!;
      const w0 = l * inputs;
      const w1 = w0 + inputs;
      const w2 = w1 + inputs;
      const w3 = w2 + inputs;
      for (let i = 0; i < inputs; i++) {
        const value = data[offset + i]!;
        s0 += value * weights[w0 + i]!;
        s1 += value * weights[w1 + i]!;
        s2 += value * weights[w2 + i]!;
        s3 += value * weights[w3 + i]!;
      }
      logits[l] = s0;
      logits[l + 1] = s1;
      logits[l + 2] = s2;
      logits[l + 3] = s3;
    }
    for (; l < labels; l++) {
      let sum = bias[l]!;
      const at = l * inputs;
      for (let i = 0; i < inputs; i++) sum += data[offset + i]! * weights[at + i]!;
      logits[l] = sum;
    }
    writeProbabilities(logits, multiLabel, out, row);
  }
  return out;
}

/** Row `row` of `out` from its logits: sigmoids (multi-label) or a softmax; a DataError if it is not finite. */
export function writeProbabilities(logits: Float64Array, multiLabel: boolean, out: Float32Array, row: number): void {
  const labels = logits.length;
  if (multiLabel) for (let l = 0; l < labels; l++) out[row * labels + l] = 1 / (1 + Math.exp(-logits[l]!));
  else softmaxInto(logits, out, row * labels);
  if (!Number.isFinite(out[row * labels]!)) {
    throw new DataError('HEAD_OUTPUT_NOT_FINITE', `the head produced ${out[row * labels]} for row ${row}`, {
      location: { index: row },
      hint: 'the head weights may be corrupt; retrain it',
    });
  }
}

function softmaxInto(logits: Float64Array, out: Float32Array, offset: number): void {
  let max = -Infinity;
  for (let l = 0; l < logits.length; l++) if (logits[l]! > max) max = logits[l]!;
  let total = 0;
  for (let l = 0; l < logits.length; l++) {
    logits[l] = Math.exp(logits[l]! - max);
    total += logits[l]!;
  }
  for (let l = 0; l < logits.length; l++) out[offset + l] = logits[l]! / total;
}
