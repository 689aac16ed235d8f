/**
 * Public face of wasm/: what the WebAssembly kernels (table sums, dense and sparse heads) share. Kept
 * out of util/, whose declarations the package's public types reach: these name the WebAssembly
 * namespace, which a user's TypeScript has only with lib "dom".
 */
export { growMemory, padTo, wasmMemory } from './memory.js';
