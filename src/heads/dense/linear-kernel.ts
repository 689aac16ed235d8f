/**
 * A dense linear head as a plain typed-array kernel: the standardisation folded into the weights
 * and bias once, then one pass of multiply-adds per row. For a few labels this is cheaper than a
 * TensorFlow.js call per chunk; an MLP's hidden layer is not (a JavaScript matmul measured ~10x
 * slower than tfjs-wasm's SIMD one: docs/decisions/performance.md), so MLP heads keep TensorFlow.js.
 */
import type { Matrix } from '../../encoders/index.js';
import { DataError } from '../../errors.js';
import type { DenseLayerParameters } from '../head.js';
import type { Standardization } from '../standardize.js';

export interface LinearKernel {
  /** `[inputs, labels]` row-major, divided by the standardisation's std per input. */
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
      weights[i * labels + l] = w;
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
  for (let row = 0; row < x.rows; row++) {
    logits.set(bias);
    const offset = row * inputs;
    for (let i = 0; i < inputs; i++) {
      const value = x.data[offset + i]!;
      const at = i * labels;
      for (let l = 0; l < labels; l++) logits[l]! += value * weights[at + l]!;
    }
    if (multiLabel) for (let l = 0; l < labels; l++) out[row * labels + l] = 1 / (1 + Math.exp(-logits[l]!));
    else softmaxInto(logits, out, row * labels);
    if (!Number.isFinite(out[row * labels]!)) {
      throw new DataError('HEAD_OUTPUT_NOT_FINITE', `the head produced ${out[row * labels]} for row ${row}`, {
        location: { index: row },
        hint: 'the head weights may be corrupt; retrain it',
      });
    }
  }
  return out;
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
