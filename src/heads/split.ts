/**
 * The validation rows a head holds out for early stopping and threshold tuning: a seeded stratified
 * split (src/splits/) by class, or for multi-label rows by their rarest positive label
 * (rows without labels form their own group), a cheap stand-in for iterative stratification; soft
 * (distillation) rows by their hard label, else the teacher's most probable class.
 */
import { UsageError } from '../errors.js';
import { groupedStratifiedSplit } from '../splits/index.js';
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
export function validationSplit(
  y: Targets,
  numLabels: number,
  fraction: number,
  seed: number,
  groups?: Int32Array,
): ValidationSplit {
  const strata = strataOf(y, numLabels);
  if (groups && groups.length !== strata.length) {
    throw new UsageError(
      'HEAD_OPTION',
      `option "validationGroups" has ${groups.length} group ids for ${strata.length} rows`,
    );
  }
  const sizes = new Int32Array(numLabels + 1);
  for (const stratum of strata) sizes[stratum]!++;
  if (fraction === 0 || !sizes.some((size) => size >= 2)) {
    return { train: Int32Array.from(strata.keys()), validation: new Int32Array(0) };
  }
  const { train, test } = groupedStratifiedSplit(strata, fraction, seed, groups);
  return { train, validation: test };
}

function strataOf(y: Targets, numLabels: number): Int32Array {
  if (y.kind === 'single') return y.labels;
  if (y.kind === 'soft') return softClasses(y, numLabels);
  const rows = y.labels.length / numLabels;
  const positives = new Int32Array(numLabels);
  for (let i = 0; i < y.labels.length; i++) positives[i % numLabels]! += y.labels[i]!;
  const strata = new Int32Array(rows);
  for (let row = 0; row < rows; row++) {
    let rarest = numLabels;
    for (let label = 0; label < numLabels; label++) {
      const positive = y.labels[row * numLabels + label] === 1;
      if (positive && (rarest === numLabels || positives[label]! < positives[rarest]!)) rarest = label;
    }
    strata[row] = rarest;
  }
  return strata;
}
