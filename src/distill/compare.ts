/**
 * Teacher against student on the same texts: accuracy and macro-F1 (when labels are known), how
 * often they agree, and texts/s of each measured side by side.
 */
import type { TextClassifier } from '../classifier.js';
import { classificationReport } from '../metrics/index.js';
import { argmaxRows } from '../heads/index.js';

export interface SideReport {
  /** Texts per second of predictProba (encoding included), the best of the timed rounds. */
  textsPerSecond: number;
  accuracy?: number;
  macroF1?: number;
}

export interface Comparison {
  rows: number;
  teacher: SideReport;
  student: SideReport;
  /** Fraction of texts on which the student's most probable label is the teacher's. */
  agreement: number;
  /** Student texts/s over teacher texts/s. */
  speedup: number;
}

/** Texts each side classifies before timing starts (model load, JIT, first allocations). */
const WARM_UP_TEXTS = 32;

/**
 * Alternates teacher and student for `rounds` timed passes over `texts` after a short warm-up of
 * each, so both run warm and under the same machine load; the best round of each is reported.
 * `labels` are class indices into the teacher's (and student's) label list.
 */
export async function compareOnTexts(
  teacher: TextClassifier,
  student: TextClassifier,
  texts: readonly string[],
  labels: Int32Array | undefined,
  options: { rounds?: number | undefined; signal?: AbortSignal | undefined } = {},
): Promise<Comparison> {
  const { rounds = 2, signal } = options;
  const sides = [teacher, student];
  for (const side of sides) await side.predictProba(texts.slice(0, WARM_UP_TEXTS), { signal });
  const best = [Infinity, Infinity];
  const predicted: Int32Array[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const [index, side] of sides.entries()) {
      const started = performance.now();
      const probabilities = await side.predictProba(texts, { signal });
      best[index] = Math.min(best[index] ?? Infinity, (performance.now() - started) / 1000);
      predicted[index] ??= argmaxRows(probabilities.data, probabilities.dim);
    }
  }
  // Every round predicts with both sides, and there is at least one round.
  const [teacherPredicted, studentPredicted] = predicted as [Int32Array, Int32Array];
  let agreeing = 0;
  for (let row = 0; row < texts.length; row++) if (teacherPredicted[row] === studentPredicted[row]) agreeing++;
  const side = (index: number): SideReport => {
    const report: SideReport = { textsPerSecond: texts.length / best[index]! };
    if (labels) {
      const { accuracy, macroF1 } = classificationReport(labels, predicted[index]!, [...teacher.labels]);
      Object.assign(report, { accuracy, macroF1 });
    }
    return report;
  };
  const [teacherReport, studentReport] = [side(0), side(1)];
  return {
    rows: texts.length,
    teacher: teacherReport,
    student: studentReport,
    agreement: agreeing / texts.length,
    speedup: studentReport.textsPerSecond / teacherReport.textsPerSecond,
  };
}
