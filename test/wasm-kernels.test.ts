// The WebAssembly kernels: the committed binaries are what their .wat assembles to, and the table
// sums are bit-identical to scalar float64 sums in token order (what behaviour-golden relies on).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assemble, generatedPath, watFiles } from '../scripts/assemble-wasm.js';
import { sumTokenRows, tableInKernelMemory } from '../src/encoders/static/sum-rows.js';
import { createRng } from '../src/util/index.js';
import { repoRoot } from './helpers.js';

describe('WebAssembly kernels', () => {
  it.each(watFiles())('%s is assembled into the committed module (npm run wasm)', async (watFile) => {
    const committed = (await import(pathToFileURL(path.join(repoRoot, generatedPath(watFile))).href)) as {
      WASM_BYTES: Uint8Array;
    };
    expect(new Uint8Array(committed.WASM_BYTES)).toEqual(await assemble(watFile));
  });
});

/** Each column's sum of the listed rows, one token at a time in order, in float64. */
function scalarSums(table: Float32Array, dim: number, ids: readonly number[]): Float64Array {
  const sums = new Float64Array(dim);
  for (let d = 0; d < dim; d++) {
    let sum = 0;
    for (const id of ids) sum += table[id * dim + d]!;
    sums[d] = sum;
  }
  return sums;
}

/** Values over 40 binary orders of magnitude, so sums in any other order round differently. */
function randomTable(rows: number, dim: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: rows * dim }, () => (rng() - 0.5) * 2 ** Math.floor(rng() * 40 - 20));
}

function randomIds(count: number, rows: number, seed: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => Math.floor(rng() * rows));
}

describe('sumTokenRows', () => {
  const rows = 300;

  it.each([1, 3, 15, 16, 17, 128, 130])('is bit-identical to scalar sums in token order with dim %i', (dim) => {
    const table = randomTable(rows, dim, dim);
    const inMemory = tableInKernelMemory(table, dim);
    expect(inMemory).toEqual(table);
    const sum = new Float64Array(dim);
    for (const count of [0, 1, 2, 29, 200]) {
      const ids = randomIds(count, rows, count + dim);
      sumTokenRows(inMemory, dim, ids, sum);
      expect(sum).toEqual(scalarSums(table, dim, ids));
    }
  });

  it('continues each column in order across calls when a text has more ids than one call takes', () => {
    const dim = 20;
    const table = tableInKernelMemory(randomTable(rows, dim, 7), dim);
    const ids = randomIds(10_000, rows, 8);
    const sum = new Float64Array(dim);
    sumTokenRows(table, dim, ids, sum);
    expect(sum).toEqual(scalarSums(table, dim, ids));
  });

  it('sums a table that was not loaded into kernel memory (copied there on its first sum)', () => {
    const dim = 33;
    const table = randomTable(rows, dim, 9);
    const ids = randomIds(50, rows, 10);
    const sum = new Float64Array(dim);
    sumTokenRows(table, dim, ids, sum);
    expect(sum).toEqual(scalarSums(table, dim, ids));
    sumTokenRows(table, dim, ids.slice(0, 5), sum);
    expect(sum).toEqual(scalarSums(table, dim, ids.slice(0, 5)));
  });
});
