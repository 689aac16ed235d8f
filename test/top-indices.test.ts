import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topIndices } from '../src/util/top-indices.js';

describe('topIndices', () => {
  it('equals the first k of a stable descending sort, ties in index order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 35 }),
        (scores, k) => {
          const sorted = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a]);
          expect(topIndices(Float32Array.from(scores), k)).toEqual(sorted.slice(0, k));
        },
      ),
      { seed: 9, numRuns: 500 },
    );
  });

  it('returns the best first', () => {
    expect(topIndices([0.1, 0.5, 0.2, 0.5], 3)).toEqual([1, 3, 2]);
    expect(topIndices([0.3], 5)).toEqual([0]);
  });
});
