/**
 * The dense block of TF-IDF+embeddings rows in WebAssembly (src/encoders/z-scores.ts) against the
 * scalar loop it replaced, kept here as the reference: every float32 byte the same, for widths that
 * are and are not a multiple of four, across the kernel's 2048-row windows, over many binary orders
 * of magnitude, with means and deviations as float32 state files hold them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ZScoreKernel } from '../src/encoders/z-scores.js';
import { createRng } from '../src/util/index.js';

function referenceBlock(vectors: Float32Array, rows: number, mean: Float32Array, std: Float32Array, scale: number) {
  const width = mean.length;
  const block = new Float32Array(rows * width);
  for (let row = 0; row < rows; row++) {
    for (let j = 0; j < width; j++) block[row * width + j] = (scale * (vectors[row * width + j]! - mean[j]!)) / std[j]!;
  }
  return block;
}

/** The first index whose float32 bits differ, -1 when none does (cheap to report, unlike a diff of the whole block). */
function firstDifference(actual: Float32Array, expected: Float32Array): number {
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const b = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** Random float32 values over `2^-span .. 2^span`, either sign, some exact zeros. */
function randomValues(length: number, seed: number, span: number, positive = false): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length }, () => {
    if (!positive && rng() < 0.05) return 0;
    const magnitude = 2 ** ((rng() * 2 - 1) * span) * (1 + rng());
    return positive || rng() < 0.5 ? magnitude : -magnitude;
  });
}

describe('the dense block in WebAssembly', () => {
  it('is the scalar loop to the bit, for any width, rows, magnitudes and scale', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 13 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0.001, max: 10, noNaN: true }),
        fc.integer(),
        (width, rows, span, weight, seed) => {
          const mean = randomValues(width, seed, span);
          const std = randomValues(width, seed + 1, span, true);
          const vectors = randomValues(rows * width, seed + 2, span);
          const scale = weight / Math.sqrt(width);
          const actual = new ZScoreKernel(mean, std, scale).apply(vectors, rows);
          expect(firstDifference(actual, referenceBlock(vectors, rows, mean, std, scale))).toBe(-1);
        },
      ),
      { seed: 23, numRuns: 400 },
    );
  });

  it('is the scalar loop to the bit over several windows of rows, at potion width, called again', () => {
    const width = 128;
    const rows = 2048 * 2 + 37;
    const mean = randomValues(width, 1, 8);
    const std = randomValues(width, 2, 8, true);
    const kernel = new ZScoreKernel(mean, std, 0.5 / Math.sqrt(width));
    for (const seed of [3, 4]) {
      const vectors = randomValues((rows + 5) * width, seed, 8);
      const expected = referenceBlock(vectors, rows, mean, std, 0.5 / Math.sqrt(width));
      expect(firstDifference(kernel.apply(vectors, rows), expected)).toBe(-1);
    }
  });
});
