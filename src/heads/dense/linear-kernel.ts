/**
 * A dense linear head as a WebAssembly SIMD kernel (linear-layer.wat): the standardisation folded
 * into the weights and bias once, then each label's float64 sum over a row's inputs in input order,
 * two labels to a vector. The sums are bit-identical to a scalar float64 loop, so the probabilities
 * are those of the JavaScript kernel it replaced (docs/decisions/performance.md).
 */
import type { Matrix } from '../../encoders/index.js';
import type { DenseLayerParameters } from '../head.js';
import type { Standardization } from '../standardize.js';
import { KernelInputs } from './kernel-inputs.js';
import { padTo, wasmMemory } from '../../wasm/index.js';
import { rowsPerCall } from './kernel-memory.js';
import { WASM_BYTES } from './linear-layer-wasm.js';
import { type KernelLogits, writeProbabilities } from './probabilities.js';

const kernel = new WebAssembly.Module(WASM_BYTES);
/** linear-layer.wat takes rows two at a time and labels eight at a time. */
const ROW_BLOCK = 2;
const LABEL_BLOCK = 8;

type Linear = (x: number, rows: number, inputs: number, w: number, labels: number, b: number, out: number) => void;

export interface LinearKernel {
  readonly rowsPerCall: number;
  /** One call's rows, in kernel memory. */
  readonly inputs: KernelInputs;
  /** `[rowsPerCall, padded labels]`: one call's logits, in kernel memory. */
  readonly logits: Float64Array;
  /** Byte offsets in kernel memory of the folded weights `[inputs, padded labels]` and bias `[padded labels]`. */
  readonly weights: number;
  readonly bias: number;
  readonly labels: number;
  readonly multiLabel: boolean;
  readonly linear: Linear;
}

/**
 * `((x - mean) / std)·W + b` rewritten as `x·W' + b'`, in float64, in a WebAssembly memory of its own
 * with room for one call's rows; the labels padded with zero weights to a whole block.
 */
export function compileLinear(
  layer: DenseLayerParameters,
  standardization: Standardization | undefined,
  multiLabel: boolean,
): LinearKernel {
  const { inputs, units: labels, kernel: w } = layer;
  const padded = padTo(labels, LABEL_BLOCK);
  const rows = rowsPerCall(Math.max(inputs, padded), ROW_BLOCK);
  const weights = 0;
  const bias = weights + inputs * padded * 8;
  const logits = bias + padded * 8;
  const input = logits + rows * padded * 8;
  const memory = wasmMemory(input + KernelInputs.bytes(rows, inputs, undefined));
  const folded = new Float64Array(memory.buffer, weights, inputs * padded);
  const foldedBias = new Float64Array(memory.buffer, bias, padded);
  foldedBias.set(layer.bias);
  for (let i = 0; i < inputs; i++) {
    const std = standardization ? standardization.std[i]! : 1;
    const mean = standardization ? standardization.mean[i]! : 0;
    for (let l = 0; l < labels; l++) {
      const value = w[i * labels + l]! / std;
      folded[i * padded + l] = value;
      foldedBias[l]! -= mean * value;
    }
  }
  return {
    rowsPerCall: rows,
    inputs: new KernelInputs(memory, input, rows, inputs, undefined),
    logits: new Float64Array(memory.buffer, logits, rows * padded),
    weights,
    bias,
    labels,
    multiLabel,
    linear: new WebAssembly.Instance(kernel, { env: { memory } }).exports.linear as Linear,
  };
}

/**
 * `[rows, labels]` softmax rows (sigmoids, multi-label); a DataError names the first input value
 * (HEAD_INPUT_NOT_FINITE) or output row (HEAD_OUTPUT_NOT_FINITE) that is not finite.
 */
export function linearProbabilities(linear: LinearKernel, x: Matrix): Float32Array {
  const { rowsPerCall, labels, multiLabel } = linear;
  const out = new Float32Array(x.rows * labels);
  const exps = new Float64Array(labels);
  for (let start = 0; start < x.rows; start += rowsPerCall) {
    writeProbabilities(linearLogits(linear, x, start), multiLabel, exps, out, start);
  }
  return out;
}

/** The logits of rows `start`.. of `x`, as many as one call takes, in kernel memory until the next call. */
export function linearLogits(linear: LinearKernel, x: Matrix, start: number): KernelLogits {
  const { rowsPerCall, inputs, logits, weights, bias } = linear;
  const rows = inputs.load(x, start);
  const stride = logits.length / rowsPerCall;
  // The rows past `rows` up to a whole block hold an earlier call's inputs; their logits are not read.
  const { values } = inputs;
  linear.linear(values.byteOffset, padTo(rows, ROW_BLOCK), x.dim, weights, stride, bias, logits.byteOffset);
  return { values: logits, stride, rows };
}
