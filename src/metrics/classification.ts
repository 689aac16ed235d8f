/**
 * Single-label metrics, computed as scikit-learn does with zero_division=0: a ratio whose
 * denominator is 0 counts as 0, and macro-F1 averages over the labels that occur in `yTrue` or
 * `yPred` (labels absent from both, e.g. classes missing from a test set, do not drag it down).
 */
import { UsageError } from '../errors.js';

export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Number of true examples of the label. */
  support: number;
}

export interface ClassificationReport {
  accuracy: number;
  macroF1: number;
  /** Equals accuracy for single-label data; reported for symmetry with multi-label reports. */
  microF1: number;
  /** Per-class F1 weighted by support. */
  weightedF1: number;
  perClass: ClassMetrics[];
  /** confusion[true][predicted] counts. */
  confusion: number[][];
}

export function classificationReport(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  labels: readonly string[],
): ClassificationReport {
  const k = labels.length;
  if (yTrue.length !== yPred.length) {
    throw new UsageError('METRICS_LENGTH_MISMATCH', `yTrue has ${yTrue.length} entries but yPred has ${yPred.length}`);
  }
  if (yTrue.length === 0) throw new UsageError('METRICS_EMPTY', 'cannot score zero examples');
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  // confusion is k x k and labelIndex checks each index is in [0, k).
  for (let i = 0; i < yTrue.length; i++)
    confusion[labelIndex(yTrue, i, k, 'yTrue')]![labelIndex(yPred, i, k, 'yPred')]!++;

  const perClass: ClassMetrics[] = [];
  let correct = 0;
  let macroSum = 0;
  let present = 0;
  let weightedSum = 0;
  for (const [c, row] of confusion.entries()) {
    const tp = row[c]!;
    const support = sum(row);
    const predicted = confusion.reduce((total, other) => total + other[c]!, 0);
    const metrics = scores(labels[c]!, tp, predicted - tp, support - tp);
    perClass.push(metrics);
    correct += tp;
    weightedSum += metrics.f1 * support;
    if (support > 0 || predicted > 0) {
      macroSum += metrics.f1;
      present++;
    }
  }
  const accuracy = correct / yTrue.length;
  return {
    accuracy,
    macroF1: macroSum / present,
    microF1: accuracy,
    weightedF1: weightedSum / yTrue.length,
    perClass,
    confusion,
  };
}

/** Precision, recall and F1 from counts, with 0 wherever the denominator is 0. */
export function scores(label: string, tp: number, fp: number, fn: number): ClassMetrics {
  return {
    label,
    precision: ratio(tp, tp + fp),
    recall: ratio(tp, tp + fn),
    f1: ratio(2 * tp, 2 * tp + fp + fn),
    support: tp + fn,
  };
}

export function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function labelIndex(values: ArrayLike<number>, i: number, k: number, name: string): number {
  const value = values[i];
  if (value === undefined || !Number.isInteger(value) || value < 0 || value >= k) {
    throw new UsageError('METRICS_BAD_LABEL', `${name}[${i}] = ${value} is not a label index in [0, ${k})`);
  }
  return value;
}
