/**
 * Seeded stratified splits that keep groups of rows (near-duplicate texts, src/splits/containment.ts)
 * on one side.
 */
import { UsageError } from '../errors.js';
import { stratifiedSplit } from './stratified.js';

/**
 * A seeded split stratified by `strata` (./stratified.ts) that, given `groups` (a group id
 * per row, as many as rows), keeps every group on one side: whole groups are drawn, stratified by
 * the stratum of each group's first row. When every group is one row, when no group can be spared,
 * or when the grouped split would leave a stratum without a training row, rows are split one by one.
 */
export function groupedStratifiedSplit(
  strata: Int32Array,
  fraction: number,
  seed: number,
  groups?: Int32Array,
): { train: Int32Array; test: Int32Array } {
  return (groups && groupedSplit(strata, groups, fraction, seed)) ?? stratifiedSplit(strata, fraction, seed);
}

/** The split of whole groups, or undefined when every group is one row or it cannot keep every stratum in training. */
function groupedSplit(
  strata: Int32Array,
  groups: Int32Array,
  fraction: number,
  seed: number,
): { train: Int32Array; test: Int32Array } | undefined {
  const firstRow = new Map<number, number>();
  groups.forEach((group, row) => {
    if (!firstRow.has(group)) firstRow.set(group, row);
  });
  if (firstRow.size === groups.length) return undefined;
  const leaders = Int32Array.from(firstRow.values());
  let heldGroups: Set<number>;
  try {
    const { test } = stratifiedSplit(
      Int32Array.from(leaders, (row) => strata[row]!),
      fraction,
      seed,
    );
    heldGroups = new Set(Array.from(test, (k) => groups[leaders[k]!]!));
  } catch (error) {
    if (error instanceof UsageError && error.code === 'SPLIT_TOO_SMALL') return undefined;
    throw error;
  }
  const sizes = new Map<number, number>();
  const held = new Map<number, number>();
  const train: number[] = [];
  const test: number[] = [];
  groups.forEach((group, row) => {
    const stratum = strata[row]!;
    sizes.set(stratum, (sizes.get(stratum) ?? 0) + 1);
    if (!heldGroups.has(group)) return train.push(row);
    test.push(row);
    held.set(stratum, (held.get(stratum) ?? 0) + 1);
  });
  if ([...held].some(([stratum, count]) => count === sizes.get(stratum))) return undefined;
  return { train: Int32Array.from(train), test: Int32Array.from(test) };
}
