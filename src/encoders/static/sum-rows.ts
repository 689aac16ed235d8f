/**
 * A text's vector from its token rows of a static embedding table: the inner loop of `embed`, in
 * WebAssembly (sum-rows.wat). Each column adds its tokens in order in float64, as scalar JavaScript
 * does, so the sums are bit-identical to it; two columns per instruction made the sums ~4x and the
 * embed stage ~1.9x faster. The L2 normalisation runs in the same memory with JavaScript's float64
 * operations in its order, so the float32 vector is bit-identical too (docs/decisions/performance.md).
 */
import { padTo, wasmMemory } from '../../wasm/index.js';
import { WASM_BYTES } from './sum-rows-wasm.js';

const kernel = new WebAssembly.Module(WASM_BYTES);
/** Ids passed per call; a longer text takes several calls, each continuing the columns' sums. */
const IDS_PER_CALL = 4096;

/** A table in a WebAssembly memory of its own, with room for one call's ids and the sums. */
interface KernelTable {
  readonly table: Float32Array;
  readonly ids: Int32Array;
  readonly sums: Float64Array;
  readonly vector: Float32Array;
  readonly addRows: (table: number, dim: number, ids: number, count: number, sums: number) => void;
  readonly normalize: (dim: number, sums: number, out: number) => number;
}

const placed = new WeakMap<Float32Array, KernelTable>();

/**
 * A zeroed `[length / dim, dim]` table in the memory `embedTokenRows` reads it from, for the caller to
 * fill in place: a table loaded into this is held once. Any other table is copied there on its first
 * sum and then held twice.
 */
export function kernelTable(length: number, dim: number): Float32Array {
  const placedTable = place(length, dim);
  placed.set(placedTable.table, placedTable);
  return placedTable.table;
}

/**
 * The L2-normalised sum over `ids[from]` .. `ids[to - 1]` of the rows of `table` (`[vocabulary, dim]`), written into `out` at
 * `offset` when the sum's squared norm is positive and finite. Returns that squared norm: 0 for a
 * text without a known token, non-finite for a table holding a non-finite value; then `out` is untouched.
 */
export function embedTokenRows(
  table: Float32Array,
  dim: number,
  ids: Int32Array,
  from: number,
  to: number,
  out: Float32Array,
  offset: number,
): number {
  let kernelTable = placed.get(table);
  if (kernelTable === undefined) {
    kernelTable = place(table.length, dim);
    kernelTable.table.set(table);
    placed.set(table, kernelTable);
  }
  const { table: inMemory, ids: idsIn, sums, vector, addRows, normalize } = kernelTable;
  sums.fill(0);
  for (let start = from; start < to; start += IDS_PER_CALL) {
    const count = Math.min(IDS_PER_CALL, to - start);
    for (let t = 0; t < count; t++) idsIn[t] = ids[start + t]!;
    addRows(inMemory.byteOffset, dim, idsIn.byteOffset, count, sums.byteOffset);
  }
  const squares = normalize(dim, sums.byteOffset, vector.byteOffset);
  if (squares > 0 && squares < Infinity) out.set(vector, offset);
  return squares;
}

/** A kernel memory with room for a table of `length` floats (zeroed), one call's ids, the sums and a vector. */
function place(length: number, dim: number): KernelTable {
  // Sums, then the vector, then ids, then the table: each offset a multiple of 16 bytes for the vector loads.
  const vectorOffset = padTo(dim * 8, 16);
  const idsOffset = vectorOffset + padTo(dim * 4, 16);
  const tableOffset = idsOffset + IDS_PER_CALL * 4;
  const memory = wasmMemory(tableOffset + length * 4);
  const inMemory = new Float32Array(memory.buffer, tableOffset, length);
  const instance = new WebAssembly.Instance(kernel, { env: { memory } });
  return {
    table: inMemory,
    ids: new Int32Array(memory.buffer, idsOffset, IDS_PER_CALL),
    sums: new Float64Array(memory.buffer, 0, dim),
    vector: new Float32Array(memory.buffer, vectorOffset, dim),
    addRows: instance.exports.addRows as KernelTable['addRows'],
    normalize: instance.exports.normalize as KernelTable['normalize'],
  };
}
