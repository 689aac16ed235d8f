import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labelSetStrata, stratifiedKFold, stratifiedSplit, type Split } from '../src/splits/index.js';
import { UsageError } from '../src/errors.js';

/** Strata with the given class sizes, interleaved by a fixed permutation. */
function strataOf(sizes: number[]): Int32Array {
  const strata: number[] = [];
  sizes.forEach((size, stratum) => strata.push(...Array<number>(size).fill(stratum)));
  return Int32Array.from(strata.map((_, i) => strata[(i * 7) % strata.length]));
}

function countsByStratum(strata: ArrayLike<number>, indices: Int32Array): Map<number, number> {
  const counts = new Map<number, number>();
  for (const i of indices) counts.set(strata[i], (counts.get(strata[i]) ?? 0) + 1);
  return counts;
}

function expectKFoldProperties(strata: ArrayLike<number>, folds: Split[], k: number): void {
  const size = new Map<number, number>();
  for (let i = 0; i < strata.length; i++) size.set(strata[i], (size.get(strata[i]) ?? 0) + 1);
  const timesTested = new Int32Array(strata.length);
  expect(folds).toHaveLength(k);
  for (const { train, test } of folds) {
    expect(test.length).toBeGreaterThan(0);
    expect(train.length + test.length).toBe(strata.length);
    expect(new Set([...train, ...test]).size).toBe(strata.length);
    for (const i of test) timesTested[i]++;
  }
  for (let i = 0; i < strata.length; i++) expect(timesTested[i]).toBe(size.get(strata[i]) === 1 ? 0 : 1);
  for (const [stratum, total] of size) {
    if (total === 1) continue;
    const perFold = folds.map(({ test }) => countsByStratum(strata, test).get(stratum) ?? 0);
    expect(Math.max(...perFold) - Math.min(...perFold)).toBeLessThanOrEqual(1);
  }
  const testSizes = folds.map(({ test }) => test.length);
  expect(Math.max(...testSizes) - Math.min(...testSizes)).toBeLessThanOrEqual(1);
}

describe('stratifiedKFold', () => {
  const strata = strataOf([23, 10, 7, 2, 1]);

  it('partitions every index of a 2+ stratum into exactly one test fold, stratified within +-1', () => {
    expectKFoldProperties(strata, stratifiedKFold(strata, 5, 42), 5);
  });

  it('keeps a single-example class in training in every fold', () => {
    const single = strata.indexOf(4);
    for (const { train, test } of stratifiedKFold(strata, 5, 1)) {
      expect(train).toContain(single);
      expect(test).not.toContain(single);
    }
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const a = stratifiedKFold(strata, 4, 123);
    expect(stratifiedKFold(strata, 4, 123)).toEqual(a);
    expect(stratifiedKFold(strata, 4, 124)).not.toEqual(a);
  });

  it('refuses fewer than 2 folds or more folds than testable examples', () => {
    expect(() => stratifiedKFold(strata, 1, 0)).toThrow(UsageError);
    expect(() => stratifiedKFold([0, 0, 1], 3, 0)).toThrow(/cannot make 3 folds: only 2 examples/);
  });

  it('holds the fold properties on arbitrary strata', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 80 }),
        fc.integer({ min: 2, max: 6 }),
        fc.integer(),
        (list, k, seed) => {
          const testable = list.filter((s) => list.indexOf(s) !== list.lastIndexOf(s)).length;
          fc.pre(testable >= k);
          expectKFoldProperties(list, stratifiedKFold(list, k, seed), k);
        },
      ),
      { numRuns: 200, seed: 5 },
    );
  });
});

describe('stratifiedSplit', () => {
  const strata = strataOf([23, 10, 7, 2, 1]);

  it('puts floor or ceil of each class share in test and the single-example class in train', () => {
    const { train, test } = stratifiedSplit(strata, 0.2, 9);
    expect(new Set([...train, ...test]).size).toBe(strata.length);
    expect(train.length + test.length).toBe(strata.length);
    const inTest = countsByStratum(strata, test);
    for (const [stratum, size] of [
      [0, 23],
      [1, 10],
      [2, 7],
      [3, 2],
    ]) {
      expect(Math.abs((inTest.get(stratum) ?? 0) - size * 0.2)).toBeLessThan(1);
    }
    expect(inTest.get(4)).toBeUndefined();
    // 42 examples in classes of 2+: round(42 * 0.2) = 8 in test.
    expect(test.length).toBe(8);
  });

  it('never puts a whole class in test', () => {
    const { train } = stratifiedSplit([0, 0, 1, 1, 1], 0.9, 3);
    expect(countsByStratum([0, 0, 1, 1, 1], train)).toEqual(
      new Map([
        [0, 1],
        [1, 1],
      ]),
    );
  });

  it('is deterministic for a seed', () => {
    expect(stratifiedSplit(strata, 0.3, 77)).toEqual(stratifiedSplit(strata, 0.3, 77));
    expect(stratifiedSplit(strata, 0.3, 77)).not.toEqual(stratifiedSplit(strata, 0.3, 78));
  });

  it('rejects fractions outside (0, 1) and data with no class of 2+', () => {
    expect(() => stratifiedSplit(strata, 1, 0)).toThrow(UsageError);
    expect(() => stratifiedSplit([0, 1, 2], 0.5, 0)).toThrow(/no class/);
  });
});

describe('labelSetStrata', () => {
  it('gives rows with the same label set the same dense id, ignoring order and repeats', () => {
    expect(Array.from(labelSetStrata([['b', 'a'], [], ['a', 'b'], ['a'], [], ['a', 'a', 'b']]))).toEqual([
      0, 1, 0, 2, 1, 0,
    ]);
  });

  it('does not confuse labels that contain separators', () => {
    const strata = labelSetStrata([['a,b'], ['a', 'b']]);
    expect(strata[0]).not.toBe(strata[1]);
  });
});
