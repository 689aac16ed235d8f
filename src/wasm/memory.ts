/**
 * The WebAssembly kernels' memories: each kernel's own, sized and grown in whole 64 KiB pages, with
 * offsets padded to whole blocks (16 bytes for the vector loads, rows and units to a kernel's block).
 */
const PAGE_BYTES = 65_536;

/** A WebAssembly memory of its own with room for `bytes`. */
export function wasmMemory(bytes: number): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: Math.ceil(bytes / PAGE_BYTES) });
}

/** Grows `memory` until it holds `bytes`. A memory never shrinks, so callers bound what they ask for. */
export function growMemory(memory: WebAssembly.Memory, bytes: number): void {
  const have = memory.buffer.byteLength;
  if (bytes > have) memory.grow(Math.ceil((bytes - have) / PAGE_BYTES));
}

/** `count` rounded up to a whole number of `block`s. */
export function padTo(count: number, block: number): number {
  return Math.ceil(count / block) * block;
}
