/**
 * A trained sparse head's logits in WebAssembly SIMD (sparse-logits.wat): the weights are widened
 * to float64 once into the kernel's memory, and each call copies the CSR rows in beside them. Each
 * label adds its bias, then the row's entries in order, as `logitsOf` does, so the logits are
 * bit-identical to it; two labels per instruction (docs/decisions/performance.md).
 */
import type { SparseMatrix } from '../../encoders/index.js';
import { WASM_BYTES } from './sparse-logits-wasm.js';

const kernel = new WebAssembly.Module(WASM_BYTES);
const PAGE_BYTES = 65_536;

type Logits = (
  w: number,
  bias: number,
  labels: number,
  indptr: number,
  indices: number,
  values: number,
  tail: number,
  width: number,
  tailColumn: number,
  rows: number,
  out: number,
) => void;

export class SparseLogitsKernel {
  private readonly memory: WebAssembly.Memory;
  private readonly run: Logits;
  /** Bytes of the weights and biases at the start of the memory; each call's rows follow. */
  private readonly weightBytes: number;
  private readonly biasAt: number;

  /** `parameters`: `[dim, numLabels]` row-major weights followed by `numLabels` biases. */
  constructor(
    parameters: Float32Array,
    private readonly numLabels: number,
  ) {
    this.weightBytes = align(parameters.length * 8);
    this.biasAt = (parameters.length - numLabels) * 8;
    this.memory = new WebAssembly.Memory({ initial: Math.ceil(this.weightBytes / PAGE_BYTES) + 1 });
    new Float64Array(this.memory.buffer, 0, parameters.length).set(parameters);
    this.run = new WebAssembly.Instance(kernel, { env: { memory: this.memory } }).exports.logits as Logits;
  }

  /**
   * `[x.rows, numLabels]` logits of every row of `x` (checked: its indptr starts at 0), followed by
   * the dense block `tail` (`[x.rows, width]`, columns from `x.dim` on) when there is one.
   */
  logits(x: SparseMatrix, tail: Float32Array = new Float32Array(0), width = 0): Float64Array {
    const { rows, indptr, indices, values } = x;
    const outAt = this.weightBytes;
    const indptrAt = align(outAt + rows * this.numLabels * 8);
    const indicesAt = align(indptrAt + indptr.byteLength);
    const valuesAt = align(indicesAt + indices.byteLength);
    const tailAt = align(valuesAt + values.byteLength);
    const needed = tailAt + tail.byteLength;
    const have = this.memory.buffer.byteLength;
    if (needed > have) this.memory.grow(Math.ceil((needed - have) / PAGE_BYTES));
    const { buffer } = this.memory;
    new Int32Array(buffer, indptrAt, indptr.length).set(indptr);
    new Int32Array(buffer, indicesAt, indices.length).set(indices);
    new Float32Array(buffer, valuesAt, values.length).set(values);
    new Float32Array(buffer, tailAt, tail.length).set(tail);
    this.run(0, this.biasAt, this.numLabels, indptrAt, indicesAt, valuesAt, tailAt, width, x.dim, rows, outAt);
    return new Float64Array(buffer, outAt, rows * this.numLabels).slice();
  }
}

/** The next multiple of 16 bytes, for the vector loads. */
function align(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}
