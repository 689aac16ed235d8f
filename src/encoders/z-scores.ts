/**
 * The dense block of TF-IDF+embeddings rows in WebAssembly SIMD (z-scores.wat): each column
 * `(scale * (v - mean)) / std`, the float64 operations of the scalar loop two columns an
 * instruction, rounded to float32 as a Float32Array store rounds, so the block is bit-identical
 * (test/z-scores.test.ts). The division bounds the scalar loop; the kernel does two at once.
 */
import { growMemory, padTo, wasmMemory } from '../wasm/index.js';
import { WASM_BYTES } from './z-scores-wasm.js';

const kernel = new WebAssembly.Module(WASM_BYTES);
/** Rows per kernel call: a prediction chunk's worth, so the memory holds one window. */
const ROWS_PER_CALL = 2048;

type ZScores = (
  mean: number,
  std: number,
  scale: number,
  vectors: number,
  out: number,
  rows: number,
  width: number,
) => void;

export class ZScoreKernel {
  private readonly memory: WebAssembly.Memory;
  private readonly run: ZScores;
  private readonly width: number;
  /** Bytes of the means and standard deviations (float64) at the start of the memory; each call's rows follow. */
  private readonly stateBytes: number;

  constructor(
    mean: Float32Array,
    std: Float32Array,
    private readonly scale: number,
  ) {
    this.width = mean.length;
    this.stateBytes = padTo(2 * this.width * 8, 16);
    this.memory = wasmMemory(this.stateBytes);
    new Float64Array(this.memory.buffer, 0, this.width).set(mean);
    new Float64Array(this.memory.buffer, this.width * 8, this.width).set(std);
    this.run = new WebAssembly.Instance(kernel, { env: { memory: this.memory } }).exports.zScores as ZScores;
  }

  /** The z-scored block of the first `rows` rows of `vectors` (`[rows, width]` row-major). */
  apply(vectors: Float32Array, rows: number): Float32Array {
    const { width } = this;
    const block = new Float32Array(rows * width);
    for (let first = 0; first < rows; first += ROWS_PER_CALL) {
      const last = Math.min(rows, first + ROWS_PER_CALL);
      const values = (last - first) * width;
      const vectorsAt = this.stateBytes;
      const outAt = padTo(vectorsAt + values * 4, 16);
      growMemory(this.memory, outAt + values * 4);
      const { buffer } = this.memory;
      new Float32Array(buffer, vectorsAt, values).set(vectors.subarray(first * width, last * width));
      this.run(0, width * 8, this.scale, vectorsAt, outAt, last - first, width);
      block.set(new Float32Array(buffer, outAt, values), first * width);
    }
    return block;
  }
}
