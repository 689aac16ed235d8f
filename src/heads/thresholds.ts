/** Per-label decision thresholds for multi-label heads, chosen to maximise each label's F1. */

export const DEFAULT_THRESHOLD = 0.5;

/**
 * For each label, sorts the validation probabilities and picks the cut that maximises F1, placed
 * halfway between the lowest score predicted positive and the next one down. A label without
 * positives in `targets` keeps the default.
 */
export function tuneThresholds(
  probs: Float32Array,
  targets: Float32Array,
  rows: number,
  numLabels: number,
): Float32Array {
  const thresholds = new Float32Array(numLabels).fill(DEFAULT_THRESHOLD);
  const order = new Int32Array(rows);
  for (let label = 0; label < numLabels; label++) {
    const score = (row: number) => probs[row * numLabels + label]!;
    const positive = (row: number) => targets[row * numLabels + label] === 1;
    let totalPositives = 0;
    for (let row = 0; row < rows; row++) if (positive(row)) totalPositives++;
    if (totalPositives === 0) continue;
    for (let row = 0; row < rows; row++) order[row] = row;
    order.sort((a, b) => score(b) - score(a));
    let truePositives = 0;
    let bestF1 = -1;
    let bestCut = 0;
    for (let k = 1; k <= rows; k++) {
      if (positive(order[k - 1]!)) truePositives++;
      // Only cut where the score drops, so tied rows fall on the same side.
      if (k < rows && score(order[k]!) === score(order[k - 1]!)) continue;
      const f1 = (2 * truePositives) / (k + totalPositives);
      if (f1 > bestF1) {
        bestF1 = f1;
        bestCut = k;
      }
    }
    const lowestIn = score(order[bestCut - 1]!);
    const highestOut = bestCut < rows ? score(order[bestCut]!) : 0;
    thresholds[label] = (lowestIn + highestOut) / 2;
  }
  return thresholds;
}
