/**
 * Multi-label metrics on row-major 0/1 indicator matrices, as scikit-learn computes them with
 * zero_division=0; macro-F1 averages over every label column, as scikit-learn does for indicators.
 */
import { UsageError } from '../errors.js';
import { ratio, scores, type ClassMetrics } from './classification.js';

export interface MultiLabelReport {
  microF1: number;
  macroF1: number;
  /** Fraction of rows whose predicted label set equals the true one exactly. */
  subsetAccuracy: number;
  perLabel: ClassMetrics[];
}

export function multiLabelReport(
  yTrue: Uint8Array,
  yPred: Uint8Array,
  numLabels: number,
  labels: readonly string[],
): MultiLabelReport {
  if (labels.length !== numLabels) {
    throw new UsageError(
      'METRICS_LABEL_COUNT',
      `numLabels is ${numLabels} but ${labels.length} label names were given`,
    );
  }
  if (yTrue.length !== yPred.length || numLabels <= 0 || yTrue.length % numLabels !== 0) {
    throw new UsageError(
      'METRICS_LENGTH_MISMATCH',
      `yTrue (${yTrue.length}) and yPred (${yPred.length}) must have the same length, a multiple of numLabels (${numLabels})`,
    );
  }
  const rows = yTrue.length / numLabels;
  if (rows === 0) throw new UsageError('METRICS_EMPTY', 'cannot score zero examples');
  const tp = new Array<number>(numLabels).fill(0);
  const fp = new Array<number>(numLabels).fill(0);
  const fn = new Array<number>(numLabels).fill(0);
  let exact = 0;
  for (let row = 0; row < rows; row++) {
    let same = true;
    for (let j = 0; j < numLabels; j++) {
      const t = yTrue[row * numLabels + j] !== 0;
      const p = yPred[row * numLabels + j] !== 0;
      if (t && p) tp[j]!++;
      else if (p) fp[j]!++;
      else if (t) fn[j]!++;
      if (t !== p) same = false;
    }
    if (same) exact++;
  }
  const perLabel = labels.map((label, j) => scores(label, tp[j]!, fp[j]!, fn[j]!));
  const total = (counts: number[]) => counts.reduce((a, b) => a + b, 0);
  return {
    microF1: ratio(2 * total(tp), 2 * total(tp) + total(fp) + total(fn)),
    macroF1: perLabel.reduce((acc, m) => acc + m.f1, 0) / numLabels,
    subsetAccuracy: exact / rows,
    perLabel,
  };
}
