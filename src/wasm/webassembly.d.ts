/**
 * The part of the WebAssembly JavaScript API the kernels use. Node 20 has all of it, but
 * @types/node 20 declares none of it, and TypeScript's own declarations come only with lib "dom".
 */
declare namespace WebAssembly {
  class Module {
    constructor(bytes: ArrayBufferView | ArrayBuffer);
  }
  class Memory {
    constructor(descriptor: { initial: number });
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }
  class Instance {
    constructor(module: Module, imports: Record<string, Record<string, Memory>>);
    readonly exports: Record<string, unknown>;
  }
}
