/**
 * A trained sparse head's logits in WebAssembly SIMD (sparse-logits.wat): the weights are widened
 * to float64 once into the kernel's memory, and each call copies the CSR rows in beside them. Each
 * label adds its bias, then the row's entries in order, as `logitsOf` does, so the logits are
 * bit-identical to it; two labels per instruction (docs/decisions/performance.md).
 */
import type { SparseMatrix } from '../../encoders/index.js';
import { growMemory, padTo, wasmMemory } from '../../wasm/index.js';
import { WASM_BYTES } from './sparse-logits-wasm.js';

const kernel = new WebAssembly.Module(WASM_BYTES);
/** Rows per kernel call: a prediction chunk's worth. */
const ROWS_PER_CALL = 2048;

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
    this.weightBytes = padTo(parameters.length * 8, 16);
    this.biasAt = (parameters.length - numLabels) * 8;
    this.memory = wasmMemory(this.weightBytes);
    new Float64Array(this.memory.buffer, 0, parameters.length).set(parameters);
    this.run = new WebAssembly.Instance(kernel, { env: { memory: this.memory } }).exports.logits as Logits;
  }

  /** Bytes of WebAssembly memory the kernel holds: the weights and one window of rows. */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /**
   * `[x.rows, numLabels]` logits of every row of `x` (checked: its indptr starts at 0), followed by
   * the dense block `tail` (`[x.rows, width]`, columns from `x.dim` on) when there is one. Rows go
   * through the kernel ROWS_PER_CALL at a time, so its memory (which never shrinks) holds one
   * window's rows, not the largest batch ever asked for.
   */
  logits(x: SparseMatrix, tail: Float32Array = new Float32Array(0), width = 0): Float64Array {
    const out = new Float64Array(x.rows * this.numLabels);
    for (let first = 0; first < x.rows; first += ROWS_PER_CALL) {
      const last = Math.min(x.rows, first + ROWS_PER_CALL);
      out.set(this.window(x, first, last, tail.subarray(first * width, last * width), width), first * this.numLabels);
    }
    return out;
  }

  /** Logits of rows `first` to `last` (exclusive), their entries copied in with the indptr rebased to 0. */
  private window(x: SparseMatrix, first: number, last: number, tail: Float32Array, width: number): Float64Array {
    const rows = last - first;
    const from = x.indptr[first]!;
    const entries = x.indptr[last]! - from;
    const outAt = this.weightBytes;
    const indptrAt = padTo(outAt + rows * this.numLabels * 8, 16);
    const indicesAt = padTo(indptrAt + (rows + 1) * 4, 16);
    const valuesAt = padTo(indicesAt + entries * 4, 16);
    const tailAt = padTo(valuesAt + entries * 4, 16);
    growMemory(this.memory, tailAt + tail.byteLength);
    const { buffer } = this.memory;
    const indptr = new Int32Array(buffer, indptrAt, rows + 1);
    for (let row = 0; row <= rows; row++) indptr[row] = x.indptr[first + row]! - from;
    new Int32Array(buffer, indicesAt, entries).set(x.indices.subarray(from, from + entries));
    new Float32Array(buffer, valuesAt, entries).set(x.values.subarray(from, from + entries));
    new Float32Array(buffer, tailAt, tail.length).set(tail);
    this.run(0, this.biasAt, this.numLabels, indptrAt, indicesAt, valuesAt, tailAt, width, x.dim, rows, outAt);
    return new Float64Array(buffer, outAt, rows * this.numLabels);
  }
}
