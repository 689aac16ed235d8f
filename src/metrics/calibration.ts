/** Expected calibration error (Guo et al. 2017): how far top-class confidence is from accuracy. */
import { UsageError } from '../errors.js';

/** One confidence bin (lo, hi] of a reliability diagram: its rows, their mean top probability and their accuracy (0 when empty). */
export interface ReliabilityBin {
  lo: number;
  hi: number;
  count: number;
  meanConfidence: number;
  accuracy: number;
}

/**
 * `probs` is row-major [rows, numLabels]. Rows fall into `bins` equal-width confidence bins
 * (lo, hi] by their top probability (confidence 0 joins the first).
 */
export function reliabilityBins(
  probs: Float32Array,
  numLabels: number,
  yTrue: ArrayLike<number>,
  bins = 15,
): ReliabilityBin[] {
  if (numLabels <= 0 || probs.length !== yTrue.length * numLabels) {
    throw new UsageError(
      'METRICS_LENGTH_MISMATCH',
      `probs has ${probs.length} entries; expected ${yTrue.length} rows x ${numLabels} labels`,
    );
  }
  if (!Number.isInteger(bins) || bins < 1)
    throw new UsageError('METRICS_BAD_BINS', `bins must be a positive integer, got ${bins}`);
  const rows = yTrue.length;
  if (rows === 0) throw new UsageError('METRICS_EMPTY', 'cannot score zero examples');
  const count = new Float64Array(bins);
  const confidenceSum = new Float64Array(bins);
  const correctSum = new Float64Array(bins);
  for (let row = 0; row < rows; row++) {
    let best = 0;
    for (let j = 1; j < numLabels; j++) if (probs[row * numLabels + j]! > probs[row * numLabels + best]!) best = j;
    const confidence = probs[row * numLabels + best]!;
    const bin = Math.min(bins - 1, Math.max(0, Math.ceil(confidence * bins) - 1));
    count[bin]!++;
    confidenceSum[bin]! += confidence;
    if (best === yTrue[row]) correctSum[bin]!++;
  }
  return Array.from(count, (n, b) => ({
    lo: b / bins,
    hi: (b + 1) / bins,
    count: n,
    meanConfidence: n > 0 ? confidenceSum[b]! / n : 0,
    accuracy: n > 0 ? correctSum[b]! / n : 0,
  }));
}

/** ECE = sum over reliability bins of |accuracy - mean confidence| * share of rows. */
export function expectedCalibrationError(
  probs: Float32Array,
  numLabels: number,
  yTrue: ArrayLike<number>,
  bins = 15,
): number {
  const binned = reliabilityBins(probs, numLabels, yTrue, bins);
  return binned.reduce((ece, bin) => ece + (Math.abs(bin.accuracy - bin.meanConfidence) * bin.count) / yTrue.length, 0);
}
