/** What the dense kernels (linear-kernel.ts, mlp-kernel.ts) share: how many rows a call takes. */
const MAX_ROWS_PER_CALL = 2048;
/** One call's inputs or activations of a layer stay within 1M values: fewer rows a call for wide layers (TF-IDF inputs). */
const MAX_VALUES_PER_CALL = 1 << 20;

/** Rows a call takes, a whole number of `rowBlock`s, when its widest row (inputs or a layer's units) holds `widest` values. */
export function rowsPerCall(widest: number, rowBlock: number): number {
  return Math.max(
    rowBlock,
    Math.min(MAX_ROWS_PER_CALL, Math.floor(MAX_VALUES_PER_CALL / widest / rowBlock) * rowBlock),
  );
}
