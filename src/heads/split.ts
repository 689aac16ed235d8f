/**
 * The validation rows a head holds out for early stopping and threshold tuning: a seeded stratified
 * split (src/metrics/splits.ts) by class, or for multi-label rows by their rarest positive label
 * (rows without labels form their own group), a cheap stand-in for iterative stratification; soft
 * (distillation) rows by their hard label, else the teacher's most probable class.
 */
import { UsageError } from '../errors.js';
import { stratifiedSplit } from '../metrics/index.js';
import type { Targets } from './head.js';
import { softClasses } from './targets.js';

export interface ValidationSplit {
  /** Row indices, ascending. */
  train: Int32Array;
  /** Row indices, ascending; empty when `fraction` is 0 or no group has 2 rows to spare one. */
  validation: Int32Array;
}

/**
 * Never holds out the only row of a group, so every class keeps at least one training example.
 * With `groups` (a group id per row), whole groups are held out, stratified by the stratum of each
 * group's first row; when that would leave a class without a training row, or no group can be
 * spared, rows are split one by one instead. Every group of one row gives the row-wise split.
 */
export function validationSplit(y: Targets, numLabels: number, fraction: number, seed: number, groups?: Int32Array): ValidationSplit {
  const strata = strataOf(y, numLabels);
  if (groups && groups.length !== strata.length) {
    throw new UsageError('HEAD_OPTION', `option "validationGroups" has ${groups.length} group ids for ${strata.length} rows`);
  }
  const sizes = new Int32Array(numLabels + 1);
  for (const stratum of strata) sizes[stratum]++;
  if (fraction === 0 || !sizes.some((size) => size >= 2)) {
    return { train: Int32Array.from(strata.keys()), validation: new Int32Array(0) };
  }
  const { train, test } = groupedStratifiedSplit(strata, fraction, seed, groups);
  return { train, validation: test };
}

/**
 * A seeded split stratified by `strata` (src/metrics/splits.ts) that, given `groups` (a group id
 * per row, as many as rows), keeps every group on one side: whole groups are drawn, stratified by
 * the stratum of each group's first row. When every group is one row, when no group can be spared,
 * or when the grouped split would leave a stratum without a training row, rows are split one by one.
 */
export function groupedStratifiedSplit(strata: Int32Array, fraction: number, seed: number, groups?: Int32Array): { train: Int32Array; test: Int32Array } {
  return (groups && groupedSplit(strata, groups, fraction, seed)) ?? stratifiedSplit(strata, fraction, seed);
}

/** The split of whole groups, or undefined when every group is one row or it cannot keep every stratum in training. */
function groupedSplit(strata: Int32Array, groups: Int32Array, fraction: number, seed: number): { train: Int32Array; test: Int32Array } | undefined {
  const firstRow = new Map<number, number>();
  groups.forEach((group, row) => {
    if (!firstRow.has(group)) firstRow.set(group, row);
  });
  if (firstRow.size === groups.length) return undefined;
  const leaders = Int32Array.from(firstRow.values());
  let heldGroups: Set<number>;
  try {
    const { test } = stratifiedSplit(Int32Array.from(leaders, (row) => strata[row]), fraction, seed);
    heldGroups = new Set(Array.from(test, (k) => groups[leaders[k]]));
  } catch (error) {
    if (error instanceof UsageError && error.code === 'SPLIT_TOO_SMALL') return undefined;
    throw error;
  }
  const sizes = new Map<number, number>();
  const held = new Map<number, number>();
  const train: number[] = [];
  const test: number[] = [];
  groups.forEach((group, row) => {
    const stratum = strata[row];
    sizes.set(stratum, (sizes.get(stratum) ?? 0) + 1);
    if (!heldGroups.has(group)) return train.push(row);
    test.push(row);
    held.set(stratum, (held.get(stratum) ?? 0) + 1);
  });
  if ([...held].some(([stratum, count]) => count === sizes.get(stratum))) return undefined;
  return { train: Int32Array.from(train), test: Int32Array.from(test) };
}

function strataOf(y: Targets, numLabels: number): Int32Array {
  if (y.kind === 'single') return y.labels;
  if (y.kind === 'soft') return softClasses(y, numLabels);
  const rows = y.labels.length / numLabels;
  const positives = new Int32Array(numLabels);
  for (let i = 0; i < y.labels.length; i++) positives[i % numLabels] += y.labels[i];
  const strata = new Int32Array(rows);
  for (let row = 0; row < rows; row++) {
    let rarest = numLabels;
    for (let label = 0; label < numLabels; label++) {
      const positive = y.labels[row * numLabels + label] === 1;
      if (positive && (rarest === numLabels || positives[label] < positives[rarest])) rarest = label;
    }
    strata[row] = rarest;
  }
  return strata;
}
