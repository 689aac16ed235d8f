/**
 * One kernel call's input rows in kernel memory (kernel-inputs.wat): copied there, checked finite
 * and, for an MLP, standardised in place, instead of a scan of every value in JavaScript before the
 * copy (assertMatrix) and a standardising copy (gatherRows), ~0.3 µs a row each at 128 columns.
 */
import type { Matrix } from '../../encoders/index.js';
import type { Standardization } from '../standardize.js';
import { assertFinite } from '../validate.js';
import { WASM_BYTES } from './kernel-inputs-wasm.js';

const kernel = new WebAssembly.Module(WASM_BYTES);

interface Exports {
  finite(x: number, count: number): number;
  standardize(x: number, rows: number, dim: number, mean: number, std: number): number;
}

export class KernelInputs {
  /** `[rowsPerCall, dim]`: one call's rows. */
  readonly values: Float32Array;
  private readonly exports: Exports;
  /** Byte offsets of the float64 mean and std, when the rows are standardised. */
  private readonly statistics: { mean: number; std: number } | undefined;

  /** The bytes `KernelInputs` takes in kernel memory. */
  static bytes(rowsPerCall: number, dim: number, standardization: Standardization | undefined): number {
    return rowsPerCall * dim * 4 + (standardization ? dim * 16 : 0);
  }

  /** At byte offset `at` (a multiple of 8) of `memory`, with room for `KernelInputs.bytes`. */
  constructor(
    memory: WebAssembly.Memory,
    at: number,
    readonly rowsPerCall: number,
    readonly dim: number,
    standardization: Standardization | undefined,
  ) {
    this.values = new Float32Array(memory.buffer, at, rowsPerCall * dim);
    this.exports = new WebAssembly.Instance(kernel, { env: { memory } }).exports as unknown as Exports;
    if (standardization) {
      const mean = at + rowsPerCall * dim * 4;
      new Float64Array(memory.buffer, mean, dim).set(standardization.mean);
      new Float64Array(memory.buffer, mean + dim * 8, dim).set(standardization.std);
      this.statistics = { mean, std: mean + dim * 8 };
    }
  }

  /**
   * Rows `start`.. of `x`, as many as one call takes, into `values` (standardised); returns how many.
   * A DataError (HEAD_INPUT_NOT_FINITE) names the first value of `x` that is not finite.
   */
  load(x: Matrix, start: number): number {
    const { values, exports, statistics, dim } = this;
    const rows = Math.min(this.rowsPerCall, x.rows - start);
    values.set(x.data.subarray(start * dim, (start + rows) * dim));
    const finite = statistics
      ? exports.standardize(values.byteOffset, rows, dim, statistics.mean, statistics.std)
      : exports.finite(values.byteOffset, rows * dim);
    if (!finite) assertFinite(x);
    return rows;
  }
}
