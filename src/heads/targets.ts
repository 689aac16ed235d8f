/** Dense target matrices and 'balanced' loss weights for the rows a head trains or validates on. */
import type { SoftTargets, Targets, TrainOptions } from './head.js';

/** Weight of the hard-label term of soft targets that have hard labels but no `alpha`. */
export const DEFAULT_ALPHA = 0.5;

/** `[rows.length, numLabels]` one-hot (single-label), multi-hot (multi-label) or probability (soft) float targets. */
export function denseTargets(y: Targets, rows: Int32Array, numLabels: number): Float32Array {
  const out = new Float32Array(rows.length * numLabels);
  rows.forEach((row, i) => {
    if (y.kind === 'soft') out.set(y.probabilities.subarray(row * numLabels, (row + 1) * numLabels), i * numLabels);
    else if (y.kind === 'single') out[i * numLabels + y.labels[row]!] = 1;
    else
      for (let label = 0; label < numLabels; label++) out[i * numLabels + label] = y.labels[row * numLabels + label]!;
  });
  return out;
}

/**
 * Per-row weights of the loss, counted on `countRows` (the training rows) and given for `rows`.
 * Soft targets count as the class of `softClasses`.
 * Single-label: scikit-learn's 'balanced', n / (classes present * count of the row's class), one per row.
 * Multi-label: each label is its own balanced binary problem, positives weigh n / (2 * positives) and
 * negatives n / (2 * negatives), one weight per row and label; a label that is all-positive or
 * all-negative in training keeps weight 1.
 */
export function balancedWeights(
  given: Targets,
  countRows: Int32Array,
  rows: Int32Array,
  numLabels: number,
): Float32Array {
  const n = countRows.length;
  const y: Targets = given.kind === 'soft' ? { kind: 'single', labels: softClasses(given, numLabels) } : given;
  if (y.kind === 'single') {
    const counts = new Int32Array(numLabels);
    for (const row of countRows) counts[y.labels[row]!]!++;
    const present = counts.filter((c) => c > 0).length;
    return Float32Array.from(rows, (row) => n / (present * counts[y.labels[row]!]!));
  }
  const positives = new Int32Array(numLabels);
  for (const row of countRows)
    for (let label = 0; label < numLabels; label++) positives[label]! += y.labels[row * numLabels + label]!;
  const out = new Float32Array(rows.length * numLabels);
  rows.forEach((row, i) => {
    for (let label = 0; label < numLabels; label++) {
      const pos = positives[label]!;
      const index = i * numLabels + label;
      if (pos === 0 || pos === n) out[index] = 1;
      else out[index] = y.labels[row * numLabels + label] ? n / (2 * pos) : n / (2 * (n - pos));
    }
  });
  return out;
}

/** Soft targets' class per row: the hard label where there is one, else the most probable class. */
export function softClasses(y: SoftTargets, numLabels: number): Int32Array {
  const classes = argmaxRows(y.probabilities, numLabels);
  y.labels?.forEach((label, row) => {
    if (label >= 0) classes[row] = label;
  });
  return classes;
}

/** The most probable class of each row of a `[rows, numLabels]` probability matrix. */
export function argmaxRows(probabilities: Float32Array, numLabels: number): Int32Array {
  const rows = probabilities.length / numLabels;
  return Int32Array.from({ length: rows }, (_, row) => {
    let best = 0;
    for (let label = 1; label < numLabels; label++)
      if (probabilities[row * numLabels + label]! > probabilities[row * numLabels + best]!) best = label;
    return best;
  });
}

/** How soft targets are learned. */
export interface Distillation {
  temperature: number;
  alpha: number;
  /** One-hot hard labels, all-zero rows where there is none. */
  hardTargets?: Float32Array | undefined;
}

/** How soft targets are learned, for `rows`: temperature, alpha, hard labels as one-hot rows (all zero where a row has none). */
function distillationOf(y: Targets, rows: Int32Array, numLabels: number): Distillation | undefined {
  if (y.kind !== 'soft') return undefined;
  const distillation: Distillation = { temperature: y.temperature ?? 1, alpha: y.alpha ?? DEFAULT_ALPHA };
  if (y.labels) {
    const hard = new Float32Array(rows.length * numLabels);
    const labels = y.labels;
    rows.forEach((row, i) => {
      const label = labels[row]!;
      if (label >= 0) hard[i * numLabels + label] = 1;
    });
    distillation.hardTargets = hard;
  }
  return distillation;
}

/** What the loss of `rows` needs: dense targets, 'balanced' weights (counted on `trainRows`) and soft-target settings. */
export interface RowTargets {
  targets: Float32Array;
  weights?: Float32Array | undefined;
  distillation?: Distillation | undefined;
}

export function rowTargets(
  y: Targets,
  trainRows: Int32Array,
  rows: Int32Array,
  numLabels: number,
  classWeight: TrainOptions['classWeight'],
): RowTargets {
  return {
    targets: denseTargets(y, rows, numLabels),
    weights: classWeight === 'balanced' ? balancedWeights(y, trainRows, rows, numLabels) : undefined,
    distillation: distillationOf(y, rows, numLabels),
  };
}
