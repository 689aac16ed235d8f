/** What the dense kernels (linear-kernel.ts, mlp-kernel.ts) share: how many rows a call takes, the memory they run in. */
const PAGE_BYTES = 65_536;
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

/** A WebAssembly memory of its own for a kernel's weights and one call's rows. */
export function kernelMemory(bytes: number): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: Math.ceil(bytes / PAGE_BYTES) });
}

/** `count` rounded up to a whole number of `block`s. */
export function padTo(count: number, block: number): number {
  return Math.ceil(count / block) * block;
}
