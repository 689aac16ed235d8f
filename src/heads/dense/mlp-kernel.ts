/**
 * An MLP head (dense layers, ReLU between them) as a WebAssembly SIMD kernel (dense-layer.wat): no
 * TensorFlow.js call at prediction, and faster per chunk than tfjs-wasm's XNNPACK matmul. Its float32
 * sums run in another order than XNNPACK's, so the probabilities differ from TensorFlow.js' in the
 * last bits; every MLP prediction goes through here, so they agree with each other
 * (docs/decisions/performance.md).
 */
import type { Matrix } from '../../encoders/index.js';
import type { DenseLayerParameters } from '../head.js';
import type { Standardization } from '../standardize.js';
import { WASM_BYTES } from './dense-layer-wasm.js';
import { KernelInputs } from './kernel-inputs.js';
import { padTo, wasmMemory } from '../../wasm/index.js';
import { rowsPerCall as rowsPerCallOf } from './kernel-memory.js';
import { compileLinear, linearProbabilities } from './linear-kernel.js';
import { writeProbabilities } from './probabilities.js';

const kernel = new WebAssembly.Module(WASM_BYTES);
/** dense-layer.wat takes rows four at a time and units eight at a time. */
const ROW_BLOCK = 4;
const UNIT_BLOCK = 8;

type Dense = (
  x: number,
  rows: number,
  inputs: number,
  weights: number,
  units: number,
  bias: number,
  out: number,
  relu: number,
) => void;

/** A layer in kernel memory: byte offsets, its units padded with zero weights to a whole block. */
interface KernelLayer {
  weights: number;
  bias: number;
  output: number;
  inputs: number;
  units: number;
}

export interface MlpKernel {
  readonly rowsPerCall: number;
  /** One call's (standardised) rows. */
  readonly inputs: KernelInputs;
  readonly layers: readonly KernelLayer[];
  /** `[rowsPerCall, padded labels]`: the last layer's output. */
  readonly logits: Float32Array;
  readonly labels: number;
  readonly multiLabel: boolean;
  readonly dense: Dense;
}

/** The layers' weights copied into a WebAssembly memory of their own, with room for one call's activations. */
export function compileMlp(
  layers: readonly DenseLayerParameters[],
  standardization: Standardization | undefined,
  multiLabel: boolean,
): MlpKernel {
  const inputDim = layers[0]!.inputs;
  const padded = layers.map((layer) => padTo(layer.units, UNIT_BLOCK));
  const rowsPerCall = rowsPerCallOf(Math.max(inputDim, ...padded), ROW_BLOCK);
  const inputFloats = KernelInputs.bytes(rowsPerCall, inputDim, standardization) / 4;
  const floats =
    inputFloats +
    layers.reduce((total, layer, i) => {
      const inputs = i === 0 ? inputDim : padded[i - 1]!;
      return total + (inputs + 1 + rowsPerCall) * padded[i]!;
    }, 0);
  const memory = wasmMemory(floats * 4);
  const all = new Float32Array(memory.buffer);
  let next = inputFloats;
  const take = (count: number): number => {
    next += count;
    return (next - count) * 4;
  };
  const placed = layers.map((layer, i): KernelLayer => {
    const inputs = i === 0 ? inputDim : padded[i - 1]!;
    const units = padded[i]!;
    const weights = take(inputs * units);
    for (let input = 0; input < layer.inputs; input++) {
      all.set(layer.kernel.subarray(input * layer.units, (input + 1) * layer.units), weights / 4 + input * units);
    }
    const bias = take(units);
    all.set(layer.bias, bias / 4);
    return { weights, bias, output: take(rowsPerCall * units), inputs, units };
  });
  const last = placed.at(-1)!;
  return {
    rowsPerCall,
    inputs: new KernelInputs(memory, 0, rowsPerCall, inputDim, standardization),
    layers: placed,
    logits: new Float32Array(memory.buffer, last.output, rowsPerCall * last.units),
    labels: layers.at(-1)!.units,
    multiLabel,
    dense: new WebAssembly.Instance(kernel, { env: { memory } }).exports.dense as Dense,
  };
}

/**
 * `[rows, labels]` softmax rows (sigmoids, multi-label); a DataError names the first input value
 * (HEAD_INPUT_NOT_FINITE) or output row (HEAD_OUTPUT_NOT_FINITE) that is not finite.
 */
export function mlpProbabilities(mlp: MlpKernel, x: Matrix): Float32Array {
  const { rowsPerCall, inputs, layers, logits, labels, multiLabel, dense } = mlp;
  const out = new Float32Array(x.rows * labels);
  const exps = new Float64Array(labels);
  const stride = layers.at(-1)!.units;
  for (let start = 0; start < x.rows; start += rowsPerCall) {
    const rows = inputs.load(x, start);
    // The rows past `rows` up to a whole block hold an earlier call's inputs; their outputs are not read.
    const blockRows = padTo(rows, ROW_BLOCK);
    let from = inputs.values.byteOffset;
    layers.forEach((layer, i) => {
      const relu = i < layers.length - 1 ? 1 : 0;
      dense(from, blockRows, layer.inputs, layer.weights, layer.units, layer.bias, layer.output, relu);
      from = layer.output;
    });
    writeProbabilities({ values: logits, stride, rows }, multiLabel, exps, out, start);
  }
  return out;
}

/**
 * A dense head's prediction kernel: the compiled linear one for a single layer, else this MLP; what
 * a fitted TfHead and a StoredDenseHead both predict with, so they agree to the bit.
 */
export function compileDenseHead(
  layers: readonly DenseLayerParameters[],
  standardization: Standardization | undefined,
  multiLabel: boolean,
): (x: Matrix) => Float32Array {
  const [layer] = layers;
  if (layer && layers.length === 1) {
    const linear = compileLinear(layer, standardization, multiLabel);
    return (x) => linearProbabilities(linear, x);
  }
  const mlp = compileMlp(layers, standardization, multiLabel);
  return (x) => mlpProbabilities(mlp, x);
}
