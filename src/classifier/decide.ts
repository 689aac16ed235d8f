/** From probabilities to predictions (the decision rule), and predictions scored against labels. */
import type { Matrix, TextInfo } from '../encoders/index.js';
import { DataError, UsageError } from '../errors.js';
import type { LabelTargets } from '../heads/index.js';
import { encodeTargets, isMultiLabelInput, unknownLabels, type LabelInput } from '../labels.js';
import {
  classificationReport,
  multiLabelReport,
  type ClassificationReport,
  type MultiLabelReport,
} from '../metrics/index.js';
import { topIndices } from '../util/index.js';

export interface Prediction {
  /** Best label (single-label), or the first of `labels` (multi-label; '' when none passes its threshold). */
  label: string;
  score: number;
  /** Multi-label: every label over its threshold. */
  labels?: string[];
  /** The top-k labels with their probabilities, best first. */
  top: { label: string; score: number }[];
  truncated: boolean;
  empty: boolean;
}

export interface PredictOptions {
  /** How many labels each prediction's `top` lists, best first (default 1). */
  topK?: number;
  signal?: AbortSignal | undefined;
}

export interface Probabilities extends Matrix {
  labels: string[];
  info: TextInfo[];
}

/** Argmax (single-label), or every label over its threshold (multi-label: `thresholds`, else 0.5). */
export function decide(
  probabilities: Probabilities,
  topK: number,
  model: { labels: readonly string[]; multiLabel: boolean; thresholds: ArrayLike<number> | undefined },
): Prediction[] {
  const { data, rows, dim, info } = probabilities;
  const { labels, thresholds } = model;
  const k = Math.max(1, Math.min(topK, dim));
  const predictions: Prediction[] = new Array(rows);
  for (let row = 0; row < rows; row++) {
    const at = row * dim;
    const { truncated, empty } = info[row]!;
    if (!model.multiLabel && k === 1) {
      const best = argmax(data, at, dim);
      const label = labels[best]!;
      const score = data[at + best]!;
      predictions[row] = { label, score, top: [{ label, score }], truncated, empty };
      continue;
    }
    const scores = data.subarray(at, at + dim);
    const top = topIndices(scores, k).map((i) => ({ label: labels[i]!, score: scores[i]! }));
    if (model.multiLabel) {
      const passing: number[] = [];
      for (let i = 0; i < dim; i++) if (scores[i]! >= (thresholds?.[i] ?? 0.5)) passing.push(i);
      const chosen = passing.sort((a, b) => scores[b]! - scores[a]!);
      const [first] = chosen;
      predictions[row] = {
        label: first === undefined ? '' : labels[first]!,
        score: first === undefined ? 0 : scores[first]!,
        labels: chosen.map((i) => labels[i]!),
        top,
        truncated,
        empty,
      };
    } else {
      // k >= 1 scores per row, so there is a top one.
      const { label, score } = top[0]!;
      predictions[row] = { label, score, top, truncated, empty };
    }
  }
  return predictions;
}

/**
 * The index in its row of the row's largest score, the first of equal ones: `topIndices(row, 1)[0]`
 * without a view of the row and a list per row (the common `predict`, top 1 of many labels).
 */
function argmax(data: Float32Array, at: number, dim: number): number {
  let best = 0;
  for (let i = 1; i < dim; i++) if (data[at + i]! > data[at + best]!) best = i;
  return best;
}

/** Evaluation labels as targets, checked against the model's: the same kind, none it does not know. */
export function evaluationTargets(
  texts: readonly string[],
  labels: LabelInput,
  model: { labels: readonly string[]; multiLabel: boolean },
): LabelTargets {
  if (texts.length !== labels.length) {
    throw new UsageError('EVAL_LENGTH_MISMATCH', `evaluate got ${texts.length} texts but ${labels.length} labels`);
  }
  if (isMultiLabelInput(labels) !== model.multiLabel) {
    throw new DataError(
      'LABEL_KIND_MISMATCH',
      `the model is ${model.multiLabel ? 'multi-label' : 'single-label'} but the evaluation labels are not`,
    );
  }
  const unknown = unknownLabels(labels, model.labels);
  if (unknown.size > 0) {
    const listed = [...unknown].map(([label, count]) => `${JSON.stringify(label)} (${count})`).join(', ');
    throw new DataError(
      'UNKNOWN_LABEL',
      `evaluation data has labels the model was not trained on: ${listed}; the model knows ${model.labels.join(', ')}`,
    );
  }
  return encodeTargets(labels, model.labels);
}

/** Metrics with the scores behind them; `targets` and `predicted` index the model's labels (0/1 rows of `dim`, multi-label). */
export type LabelledScores =
  | {
      kind: 'single';
      report: ClassificationReport;
      probabilities: Probabilities;
      targets: Int32Array;
      predicted: Int32Array;
    }
  | {
      kind: 'multi';
      report: MultiLabelReport;
      probabilities: Probabilities;
      targets: Uint8Array;
      predicted: Uint8Array;
    };

/** Metrics of `predictions` (decided from `probabilities`) against `targets` (from `evaluationTargets`). */
export function scorePredictions(
  predictions: readonly Prediction[],
  probabilities: Probabilities,
  targets: LabelTargets,
  vocabulary: readonly string[],
): LabelledScores {
  const labelList = [...vocabulary];
  const index = new Map(labelList.map((label, i) => [label, i]));
  if (targets.kind === 'multi') {
    const predicted = new Uint8Array(targets.labels.length);
    predictions.forEach((p, row) =>
      p.labels!.forEach((label) => (predicted[row * labelList.length + index.get(label)!] = 1)),
    );
    return {
      kind: 'multi',
      report: multiLabelReport(targets.labels, predicted, labelList.length, labelList),
      probabilities,
      targets: targets.labels,
      predicted,
    };
  }
  const predicted = Int32Array.from(predictions, (p) => index.get(p.label)!);
  return {
    kind: 'single',
    report: classificationReport(targets.labels, predicted, labelList),
    probabilities,
    targets: targets.labels,
    predicted,
  };
}

/** The texts to classify: one string, or an array (whose items the encoder checks are strings). */
export function textList(texts: string | readonly string[], method: string): readonly string[] {
  if (typeof texts === 'string') return [texts];
  if (!Array.isArray(texts)) {
    throw new TypeError(
      `${method} takes a string or an array of strings, got ${texts === null ? 'null' : typeof texts}`,
    );
  }
  return texts;
}
