/**
 * Seeded stratified splits over arbitrary integer strata (a class index, or for multi-label data
 * the index of each row's label set). A stratum with a single member is never put in a test set:
 * testing it would leave its class unseen in training. Every other index is in exactly one test fold.
 */
import { UsageError } from '../errors.js';
import { createRng, shuffleInPlace, type Rng } from '../util/index.js';

export interface Split {
  /** Ascending row indices. */
  train: Int32Array;
  test: Int32Array;
}

/** k folds; within every stratum, test counts differ by at most 1 across folds, and so do fold sizes. */
export function stratifiedKFold(strata: ArrayLike<number>, k: number, seed: number): Split[] {
  if (!Number.isInteger(k) || k < 2) throw new UsageError('SPLIT_BAD_FOLDS', `k must be an integer >= 2, got ${k}`);
  const testable = shuffledStrata(strata, createRng(seed)).filter((members) => members.length >= 2);
  const foldOf = new Int32Array(strata.length).fill(-1);
  // Dealing every stratum round-robin, continuing where the previous one stopped, balances both strata and fold sizes.
  let dealt = 0;
  for (const members of testable) for (const index of members) foldOf[index] = dealt++ % k;
  if (dealt < k) {
    throw new UsageError(
      'SPLIT_TOO_SMALL',
      `cannot make ${k} folds: only ${dealt} examples belong to classes (strata) with 2 or more examples`,
    );
  }
  return Array.from({ length: k }, (_, fold) => partition(foldOf, (f) => f === fold));
}

/**
 * One train/test split. Each stratum with 2+ members puts floor or ceil of its share in test (never all of it),
 * with the total as close to testFraction as those bounds allow.
 */
export function stratifiedSplit(strata: ArrayLike<number>, testFraction: number, seed: number): Split {
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new UsageError('SPLIT_BAD_FRACTION', `testFraction must be between 0 and 1 (exclusive), got ${testFraction}`);
  }
  const testable = shuffledStrata(strata, createRng(seed)).filter((members) => members.length >= 2);
  if (testable.length === 0) {
    throw new UsageError('SPLIT_TOO_SMALL', 'cannot split: no class (stratum) has 2 or more examples');
  }
  const eligible = testable.reduce((total, members) => total + members.length, 0);
  const target = Math.min(Math.max(Math.round(eligible * testFraction), 1), eligible - testable.length);
  const quotas = testable.map((members) => {
    const exact = members.length * testFraction;
    return { members, count: Math.min(Math.floor(exact), members.length - 1), remainder: exact - Math.floor(exact) };
  });
  let assigned = quotas.reduce((total, quota) => total + quota.count, 0);
  // Largest remainders first; the sort is stable, so ties keep stratum order (deterministic).
  for (const quota of [...quotas].sort((a, b) => b.remainder - a.remainder)) {
    if (assigned >= target) break;
    if (quota.remainder > 0 && quota.count < quota.members.length - 1) {
      quota.count++;
      assigned++;
    }
  }
  const inTest = new Int32Array(strata.length);
  for (const { members, count } of quotas) for (const member of members.slice(0, count)) inTest[member] = 1;
  return partition(inTest, (flag) => flag === 1);
}

/** A stratum id per row: rows with the same label set (order and repeats ignored) share one. */
export function labelSetStrata(labelLists: readonly (readonly string[])[]): Int32Array {
  const ids = new Map<string, number>();
  return Int32Array.from(labelLists, (labels) => {
    const key = JSON.stringify([...new Set(labels)].sort());
    let id = ids.get(key);
    if (id === undefined) ids.set(key, (id = ids.size));
    return id;
  });
}

/** Members of each stratum, strata in ascending order, each shuffled. */
function shuffledStrata(strata: ArrayLike<number>, rng: Rng): number[][] {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < strata.length; i++) {
    const stratum = strata[i]!;
    const members = groups.get(stratum);
    if (members) members.push(i);
    else groups.set(stratum, [i]);
  }
  return [...groups.keys()].sort((a, b) => a - b).map((key) => shuffleInPlace(groups.get(key)!, rng));
}

function partition(assignment: Int32Array, isTest: (value: number) => boolean): Split {
  const test: number[] = [];
  const train: number[] = [];
  assignment.forEach((value, index) => (isTest(value) ? test : train).push(index));
  return { train: Int32Array.from(train), test: Int32Array.from(test) };
}
