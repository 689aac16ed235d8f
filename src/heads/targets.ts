/** Dense target matrices and 'balanced' loss weights for the rows a head trains or validates on. */
import type { Targets } from './head.js';

/** `[rows.length, numLabels]` one-hot (single-label) or multi-hot (multi-label) float targets. */
export function denseTargets(y: Targets, rows: Int32Array, numLabels: number): Float32Array {
  const out = new Float32Array(rows.length * numLabels);
  rows.forEach((row, i) => {
    if (y.kind === 'single') out[i * numLabels + y.labels[row]] = 1;
    else for (let label = 0; label < numLabels; label++) out[i * numLabels + label] = y.labels[row * numLabels + label];
  });
  return out;
}

/**
 * Per-row weights of the loss, counted on `countRows` (the training rows) and given for `rows`.
 * Single-label: scikit-learn's 'balanced', n / (classes present * count of the row's class), one per row.
 * Multi-label: each label is its own balanced binary problem, positives weigh n / (2 * positives) and
 * negatives n / (2 * negatives), one weight per row and label; a label that is all-positive or
 * all-negative in training keeps weight 1.
 */
export function balancedWeights(y: Targets, countRows: Int32Array, rows: Int32Array, numLabels: number): Float32Array {
  const n = countRows.length;
  if (y.kind === 'single') {
    const counts = new Int32Array(numLabels);
    for (const row of countRows) counts[y.labels[row]]++;
    const present = counts.filter((c) => c > 0).length;
    return Float32Array.from(rows, (row) => n / (present * counts[y.labels[row]]));
  }
  const positives = new Int32Array(numLabels);
  for (const row of countRows) for (let label = 0; label < numLabels; label++) positives[label] += y.labels[row * numLabels + label];
  const out = new Float32Array(rows.length * numLabels);
  rows.forEach((row, i) => {
    for (let label = 0; label < numLabels; label++) {
      const pos = positives[label];
      const index = i * numLabels + label;
      if (pos === 0 || pos === n) out[index] = 1;
      else out[index] = y.labels[row * numLabels + label] ? n / (2 * pos) : n / (2 * (n - pos));
    }
  });
  return out;
}
