import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planBatches } from '../src/encoders/batching.js';
import { DataError, UsageError } from '../src/errors.js';
import { assertFinite, clsPool, l2NormalizeRows, meanPool, type TokenStates } from '../src/encoders/pooling.js';

describe('planBatches', () => {
  it('puts every index in exactly one batch within the budget, longest first', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 600 }), { maxLength: 300 }),
        fc.integer({ min: 1, max: 4096 }),
        fc.integer({ min: 1, max: 64 }),
        (lengths, tokenBudget, maxBatchSize) => {
          const batches = planBatches(lengths, { tokenBudget, maxBatchSize });
          const seen = batches.flat().sort((a, b) => a - b);
          expect(seen).toEqual(lengths.map((_, i) => i));
          let previousShortest = Infinity;
          for (const batch of batches) {
            const batchLengths = batch.map((i) => lengths[i]);
            const longest = Math.max(...batchLengths);
            expect(batch.length).toBeLessThanOrEqual(maxBatchSize);
            if (batch.length > 1) expect(batch.length * longest).toBeLessThanOrEqual(tokenBudget);
            expect(longest).toBeLessThanOrEqual(previousShortest);
            previousShortest = Math.min(...batchLengths);
          }
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });

  it('keeps input order among equal lengths and gives an over-budget text its own batch', () => {
    expect(planBatches([5, 900, 5, 5], { tokenBudget: 10, maxBatchSize: 8 })).toEqual([[1], [0, 2], [3]]);
  });

  it('rejects a non-positive budget or batch size', () => {
    expect(() => planBatches([1], { tokenBudget: 0, maxBatchSize: 4 })).toThrow(UsageError);
    expect(() => planBatches([1], { tokenBudget: 10, maxBatchSize: 1.5 })).toThrow(/maxBatchSize/);
  });
});

describe('pooling', () => {
  // Two rows, three positions, two dims; row 1 has no attended token at all.
  const states: TokenStates = {
    data: Float32Array.from([1, 2, 3, 4, 100, 100, 7, 8, 9, 10, 11, 12]),
    batch: 2,
    seq: 3,
    dim: 2,
  };
  const mask = [1, 1, 0, 0, 0, 0];

  it('averages attended positions only and gives an all-masked row zeros, never NaN', () => {
    const pooled = meanPool(states, mask);
    expect(Array.from(pooled.data)).toEqual([2, 3, 0, 0]);
    expect(pooled.allMasked).toEqual([false, true]);
  });

  it('cls pooling takes the first token and flags a masked first token', () => {
    const pooled = clsPool(states, mask);
    expect(Array.from(pooled.data)).toEqual([1, 2, 0, 0]);
    expect(pooled.allMasked).toEqual([false, true]);
  });

  it('normalises rows to unit length and leaves zero rows at zero', () => {
    const matrix = { data: Float32Array.from([3, 4, 0, 0]), rows: 2, dim: 2 };
    l2NormalizeRows(matrix);
    expect(matrix.data[0]).toBeCloseTo(0.6, 6);
    expect(matrix.data[1]).toBeCloseTo(0.8, 6);
    expect(Array.from(matrix.data.subarray(2))).toEqual([0, 0]);
  });

  it('names the input index of a NaN or Inf vector', () => {
    expect(() => assertFinite(Float32Array.from([1, 2]), 3)).not.toThrow();
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      let error: unknown;
      try {
        assertFinite(Float32Array.from([1, bad]), 3);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DataError);
      expect((error as DataError).location.index).toBe(3);
      expect((error as DataError).message).toMatch(/^text #3: /);
    }
  });
});
