/**
 * Texts' vectors from their token rows of a static embedding table: the inner loop of `embed`, in
 * WebAssembly (sum-rows.wat). Each column adds its tokens in order in float64, as scalar JavaScript
 * does, so the sums are bit-identical to it; two columns per instruction made the sums ~4x and the
 * embed stage ~1.9x faster. The L2 normalisation runs in the same memory with JavaScript's float64
 * operations in its order, so the float32 vector is bit-identical too. One call embeds many texts
 * (docs/decisions/performance.md).
 */
import { padTo, wasmMemory } from '../../wasm/index.js';
import { WASM_BYTES } from './sum-rows-wasm.js';

const kernel = new WebAssembly.Module(WASM_BYTES);
/** Texts per `embedRows` call: the call's vectors fit in its memory beside the table. */
const ROWS_PER_CALL = 512;
/** Ids per call; a text with more takes several `addRows` calls, each continuing the columns' sums. */
const IDS_PER_CALL = 65_536;

/** A table in a WebAssembly memory of its own, with room for one call's ids, offsets, vectors and squares. */
interface KernelTable {
  readonly table: Float32Array;
  readonly ids: Int32Array;
  readonly offsets: Int32Array;
  readonly sums: Float64Array;
  readonly squares: Float64Array;
  readonly vectors: Float32Array;
  readonly addRows: (table: number, dim: number, ids: number, count: number, sums: number) => void;
  readonly normalize: (dim: number, sums: number, out: number) => number;
  readonly embedRows: (...addresses: number[]) => void;
}

const placed = new WeakMap<Float32Array, KernelTable>();

/**
 * A zeroed `[length / dim, dim]` table in the memory `embedTokenRows` reads it from, for the caller to
 * fill in place: a table loaded into this is held once. Any other table is copied there on its first
 * sum and then held twice. The memory never grows, so this view stays valid.
 */
export function kernelTable(length: number, dim: number): Float32Array {
  const placedTable = place(length, dim);
  placed.set(placedTable.table, placedTable);
  return placedTable.table;
}

/** A batch's token ids: row r's are `ids[offsets[r]]` .. `ids[offsets[r + 1] - 1]`. */
export interface IdRows {
  readonly ids: Int32Array;
  readonly offsets: Int32Array;
}

/**
 * For each row r in `from` .. `to - 1`, the L2-normalised sum of the rows of `table` (`[vocabulary, dim]`)
 * its ids name, written into `out` at `r * dim` (zeros unless the squared norm is positive and
 * finite), and that squared norm into `squares[r]`: 0 for a text without a known token, non-finite
 * for a table holding a non-finite value.
 */
export function embedTokenRows(
  table: Float32Array,
  dim: number,
  rows: IdRows,
  from: number,
  to: number,
  out: Float32Array,
  squares: Float64Array,
): void {
  const kernelTable = placedTable(table, dim);
  const { offsets } = rows;
  let start = from;
  while (start < to) {
    if (offsets[start + 1]! - offsets[start]! > IDS_PER_CALL) {
      squares[start] = embedLongRow(kernelTable, dim, rows, start, out);
      start++;
      continue;
    }
    let end = start + 1;
    while (end < to && end - start < ROWS_PER_CALL && offsets[end + 1]! - offsets[start]! <= IDS_PER_CALL) end++;
    embedShortRows(kernelTable, dim, rows, start, end, out, squares);
    start = end;
  }
}

/** Rows `from` .. `to - 1`, whose ids fit one call, in one `embedRows` call. */
function embedShortRows(
  kernelTable: KernelTable,
  dim: number,
  { ids, offsets }: IdRows,
  from: number,
  to: number,
  out: Float32Array,
  squares: Float64Array,
): void {
  const first = offsets[from]!;
  const rowCount = to - from;
  kernelTable.ids.set(ids.subarray(first, offsets[to]));
  for (let r = 0; r <= rowCount; r++) kernelTable.offsets[r] = offsets[from + r]! - first;
  kernelTable.embedRows(
    kernelTable.table.byteOffset,
    dim,
    kernelTable.ids.byteOffset,
    kernelTable.offsets.byteOffset,
    rowCount,
    kernelTable.sums.byteOffset,
    kernelTable.vectors.byteOffset,
    kernelTable.squares.byteOffset,
  );
  out.set(kernelTable.vectors.subarray(0, rowCount * dim), from * dim);
  squares.set(kernelTable.squares.subarray(0, rowCount), from);
}

/** One row with more ids than a call takes: its sums continued over several `addRows` calls. */
function embedLongRow(kernelTable: KernelTable, dim: number, { ids, offsets }: IdRows, row: number, out: Float32Array) {
  const { table, ids: idsIn, sums, vectors, addRows, normalize } = kernelTable;
  sums.fill(0);
  for (let start = offsets[row]!; start < offsets[row + 1]!; start += IDS_PER_CALL) {
    const count = Math.min(IDS_PER_CALL, offsets[row + 1]! - start);
    idsIn.set(ids.subarray(start, start + count));
    addRows(table.byteOffset, dim, idsIn.byteOffset, count, sums.byteOffset);
  }
  const squares = normalize(dim, sums.byteOffset, vectors.byteOffset);
  if (squares > 0 && squares < Infinity) out.set(vectors.subarray(0, dim), row * dim);
  return squares;
}

function placedTable(table: Float32Array, dim: number): KernelTable {
  let kernelTable = placed.get(table);
  if (kernelTable === undefined) {
    kernelTable = place(table.length, dim);
    kernelTable.table.set(table);
    placed.set(table, kernelTable);
  }
  return kernelTable;
}

/** A kernel memory with room for a table of `length` floats (zeroed) and one call's rows. */
function place(length: number, dim: number): KernelTable {
  // Sums, vectors, squares, offsets, ids, then the table: each offset a multiple of 16 bytes for the vector loads.
  const vectorsOffset = padTo(dim * 8, 16);
  const squaresOffset = vectorsOffset + padTo(ROWS_PER_CALL * dim * 4, 16);
  const offsetsOffset = squaresOffset + ROWS_PER_CALL * 8;
  const idsOffset = offsetsOffset + padTo((ROWS_PER_CALL + 1) * 4, 16);
  const tableOffset = idsOffset + IDS_PER_CALL * 4;
  const memory = wasmMemory(tableOffset + length * 4);
  const instance = new WebAssembly.Instance(kernel, { env: { memory } });
  return {
    table: new Float32Array(memory.buffer, tableOffset, length),
    ids: new Int32Array(memory.buffer, idsOffset, IDS_PER_CALL),
    offsets: new Int32Array(memory.buffer, offsetsOffset, ROWS_PER_CALL + 1),
    sums: new Float64Array(memory.buffer, 0, dim),
    squares: new Float64Array(memory.buffer, squaresOffset, ROWS_PER_CALL),
    vectors: new Float32Array(memory.buffer, vectorsOffset, ROWS_PER_CALL * dim),
    addRows: instance.exports.addRows as KernelTable['addRows'],
    normalize: instance.exports.normalize as KernelTable['normalize'],
    embedRows: instance.exports.embedRows as KernelTable['embedRows'],
  };
}
