/** What the report shows, worked out from an evaluation's scores (metrics from src/metrics, nothing recomputed another way). */
import {
  expectedCalibrationError,
  reliabilityBins,
  type ClassificationReport,
  type ReliabilityBin,
} from '../metrics/index.js';

/** An evaluation as the report needs it: `probabilities` is row-major [rows, labels.length]; `targets` and `predicted` index `labels`. */
export interface ScoredRows {
  labels: readonly string[];
  texts: readonly string[];
  probabilities: Float32Array;
  targets: Int32Array;
  predicted: Int32Array;
  report: ClassificationReport;
}

export interface Mistake {
  text: string;
  actual: string;
  predicted: string;
  /** Probability of the predicted label. */
  confidence: number;
  /** Probability the model gave the true label. */
  actualProbability: number;
}

export interface ReportContent {
  rows: number;
  ece: number;
  bins: ReliabilityBin[];
  /** Each row's top probability and whether its prediction was right, for the score histogram. */
  scores: { score: number; correct: boolean }[];
  mistakes: Mistake[];
}

export const CALIBRATION_BINS = 15;
export const MISTAKES_SHOWN = 20;

export function reportContent(scored: ScoredRows): ReportContent {
  const { labels, texts, probabilities, targets, predicted } = scored;
  const dim = labels.length;
  // Rows index texts, targets and predicted alike, and labels index each row's probabilities.
  const scores = Array.from(predicted, (label, row) => ({
    score: probabilities[row * dim + label]!,
    correct: label === targets[row],
  }));
  const wrong = scores.flatMap((s, row) => (s.correct ? [] : [{ row, score: s.score }]));
  wrong.sort((a, b) => b.score - a.score || a.row - b.row);
  const mistakes = wrong.slice(0, MISTAKES_SHOWN).map(({ row, score }) => {
    const target = targets[row]!;
    return {
      text: texts[row]!,
      actual: labels[target]!,
      predicted: labels[predicted[row]!]!,
      confidence: score,
      actualProbability: probabilities[row * dim + target]!,
    };
  });
  return {
    rows: targets.length,
    ece: expectedCalibrationError(probabilities, dim, targets, CALIBRATION_BINS),
    bins: reliabilityBins(probabilities, dim, targets, CALIBRATION_BINS),
    scores,
    mistakes,
  };
}
