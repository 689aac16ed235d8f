/** Headline numbers of a metrics report, for one-line summaries and model cards. */
import type { ClassificationReport, MultiLabelReport } from '../metrics/index.js';

export function summariseMetrics(report: ClassificationReport | MultiLabelReport): Record<string, number> {
  if ('accuracy' in report) {
    return {
      accuracy: report.accuracy,
      macroF1: report.macroF1,
      microF1: report.microF1,
      weightedF1: report.weightedF1,
    };
  }
  return { subsetAccuracy: report.subsetAccuracy, macroF1: report.macroF1, microF1: report.microF1 };
}
