import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide, type Probabilities } from '../src/classifier/decide.js';
import { topIndices } from '../src/util/top-indices.js';

function probabilities(scores: number[][], dim: number): Probabilities {
  return {
    data: Float32Array.from(scores.flat()),
    rows: scores.length,
    dim,
    labels: Array.from({ length: dim }, (_, i) => `l${i}`),
    info: scores.map((_, row) => ({ tokens: 4, truncated: row % 2 === 1, empty: row % 3 === 2 })),
  };
}

describe('decide', () => {
  it('takes the top label of a single-label row as topIndices does: the first of equal scores', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: 80 })
          .chain((dim) =>
            fc.array(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: dim, maxLength: dim }), { maxLength: 6 }),
          ),
        (scores) => {
          const dim = scores[0]?.length ?? 2;
          const p = probabilities(scores, dim);
          const model = { labels: p.labels, multiLabel: false, thresholds: undefined };
          const expected = scores.map((row, i) => {
            const top = topIndices(Float32Array.from(row), 1).map((l) => ({ label: `l${l}`, score: row[l]! }));
            const { truncated, empty } = p.info[i]!;
            return { label: top[0]!.label, score: top[0]!.score, top, truncated, empty };
          });
          // Serialised as well: `predict` prints the keys in this order.
          expect(JSON.stringify(decide(p, 1, model))).toBe(JSON.stringify(expected));
          expect(decide(p, 1, model).map((d) => d.label)).toEqual(decide(p, 3, model).map((d) => d.label));
        },
      ),
      { seed: 23, numRuns: 300 },
    );
  });

  it('lists every label over its threshold, best first, multi-label', () => {
    const p = probabilities(
      [
        [0.9, 0.2, 0.6, 0.6],
        [0.1, 0.2, 0.3, 0.4],
      ],
      4,
    );
    const predictions = decide(p, 2, { labels: p.labels, multiLabel: true, thresholds: [0.5, 0.1, 0.5, 0.7] });
    expect(JSON.stringify(predictions)).toBe(
      JSON.stringify([
        {
          label: 'l0',
          score: Math.fround(0.9),
          labels: ['l0', 'l2', 'l1'],
          top: [
            { label: 'l0', score: Math.fround(0.9) },
            { label: 'l2', score: Math.fround(0.6) },
          ],
          truncated: false,
          empty: false,
        },
        {
          label: 'l1',
          score: Math.fround(0.2),
          labels: ['l1'],
          top: [
            { label: 'l3', score: Math.fround(0.4) },
            { label: 'l2', score: Math.fround(0.3) },
          ],
          truncated: true,
          empty: false,
        },
      ]),
    );
  });
});
