/** Stratified k-fold cross-validation of a TextClassifier configuration. */
import { TextClassifier, type FitOptions, type LabelledScores, type Recipe } from './classifier.js';
import { EmbeddingCache } from './embedding-cache.js';
import { type Encoder, isFittable } from './encoders/index.js';
import { isMultiLabelInput, labelVocabulary, type LabelInput } from './labels.js';
import { meanStd, type ClassMetrics } from './metrics/index.js';
import { labelSetStrata, stratifiedKFold } from './splits/index.js';
import { checkTrainingTask, trainableTask, type TaskWarning } from './data/index.js';

export interface FoldResult {
  fold: number;
  accuracy: number;
  macroF1: number;
  microF1: number;
  trainSeconds: number;
  /** Precision, recall and F1 per class (per label, multi-label) on this fold's test part. */
  perClass: ClassMetrics[];
}

export interface CrossValidationResult {
  folds: FoldResult[];
  accuracy: { mean: number; std: number };
  macroF1: { mean: number; std: number };
  /** Per class: precision, recall and F1 averaged over the folds, support summed. */
  perClass: ClassMetrics[];
  seconds: number;
  /** Suspect training data, checked once over all rows (src/data/task-checks.ts). */
  warnings: TaskWarning[];
  /** With `keepScores` (single-label): every row scored by the fold that held it out. */
  outOfFold?: OutOfFoldScores;
}

/** Pooled out-of-fold scores: `probabilities` is row-major [rows, labels.length] in the input's row order; `targets` and `predicted` index `labels`. */
export interface OutOfFoldScores {
  labels: string[];
  probabilities: Float32Array;
  targets: Int32Array;
  predicted: Int32Array;
}

export interface CrossValidateOptions {
  folds: number;
  seed: number;
  fit?: FitOptions;
  /** 'auto' (default, as for fit() and `headstart train`): the auto recipe with `encoder` as its pretrained encoder; 'single': one head over `encoder`. */
  recipe?: Recipe;
  /** A wall-clock budget per fold for the auto recipe, in seconds (not reproducible; default: counted work). */
  budgetSeconds?: number | undefined;
  /** Called as each fold (0-based) starts training. */
  onFoldStart?: (fold: number) => void;
  onFold?: (result: FoldResult) => void;
  /** The auto recipe's stage messages. */
  onStage?: (message: string) => void;
  /** Keep each held-out row's probabilities (single-label only), for a report over all rows. */
  keepScores?: boolean;
}

/**
 * Every fold trains a fresh head on the other folds and scores its own. A pretrained encoder
 * embeds each distinct text once for all folds (content-hash cache); a fitted one (TF-IDF) is
 * refitted on each fold's training part only, so no vocabulary leaks from the test fold.
 */
export async function crossValidate(
  encoder: Encoder,
  texts: readonly string[],
  given: LabelInput,
  options: CrossValidateOptions,
): Promise<CrossValidationResult> {
  const started = performance.now();
  const { onWarning, ...foldFit } = options.fit ?? {};
  const labels = trainableTask(texts, given, foldFit.multiLabel);
  const warnings = checkTrainingTask(texts, labels, encoder);
  for (const warning of warnings) onWarning?.(warning);
  const multiLabel = isMultiLabelInput(labels);
  const strata = multiLabel
    ? labelSetStrata(labels as readonly (readonly string[])[])
    : (() => {
        const index = new Map(labelVocabulary(labels).map((label, i) => [label, i]));
        return Int32Array.from(labels as readonly string[], (label) => index.get(label)!);
      })();
  const cache = isFittable(encoder) ? undefined : new EmbeddingCache(encoder.fingerprint);
  const results: FoldResult[] = [];
  const outOfFold = options.keepScores && !multiLabel ? emptyScores(labelVocabulary(labels), texts.length) : undefined;
  for (const [fold, split] of stratifiedKFold(strata, options.folds, options.seed).entries()) {
    const pick = <T>(items: readonly T[], indices: Int32Array): T[] => Array.from(indices, (i) => items[i]!);
    const trainTexts = pick(texts, split.train);
    const trainLabels = pick(labels as readonly unknown[], split.train) as unknown as LabelInput;
    const fit: FitOptions = {
      seed: options.seed,
      ...foldFit,
      recipe: options.recipe ?? 'auto',
      ...(options.budgetSeconds !== undefined && { budgetSeconds: options.budgetSeconds }),
      ...(options.onStage && { onStage: options.onStage }),
    };
    options.onFoldStart?.(fold);
    const { classifier, report } = await TextClassifier.train(trainTexts, trainLabels, fit, { encoder, cache });
    try {
      const scored = await classifier.evaluateWithScores(
        pick(texts, split.test),
        pick(labels as readonly unknown[], split.test) as unknown as LabelInput,
      );
      if (outOfFold && scored.kind === 'single') keepFoldScores(outOfFold, split.test, scored);
      const metrics = scored.report;
      const result: FoldResult = {
        fold,
        accuracy: 'accuracy' in metrics ? metrics.accuracy : metrics.subsetAccuracy,
        macroF1: metrics.macroF1,
        microF1: metrics.microF1,
        trainSeconds: report.seconds + report.embedSeconds,
        perClass: 'perClass' in metrics ? metrics.perClass : metrics.perLabel,
      };
      results.push(result);
      options.onFold?.(result);
    } finally {
      await classifier.dispose();
    }
  }
  return {
    folds: results,
    accuracy: meanStd(results.map((r) => r.accuracy)),
    macroF1: meanStd(results.map((r) => r.macroF1)),
    perClass: averagePerClass(results),
    seconds: (performance.now() - started) / 1000,
    warnings,
    ...(outOfFold && { outOfFold }),
  };
}

function emptyScores(labels: string[], rows: number): OutOfFoldScores {
  return {
    labels,
    probabilities: new Float32Array(rows * labels.length),
    targets: new Int32Array(rows),
    predicted: new Int32Array(rows),
  };
}

/** Copies a fold's scores into the pooled rows; a fold whose training part lacked a class gives it probability 0. */
function keepFoldScores(
  pooled: OutOfFoldScores,
  rows: Int32Array,
  scored: Extract<LabelledScores, { kind: 'single' }>,
): void {
  const global = new Map(pooled.labels.map((label, i) => [label, i]));
  const { data, dim, labels } = scored.probabilities;
  const toGlobal = labels.map((label) => global.get(label)!);
  rows.forEach((row, i) => {
    // Every fold's labels are among the pooled ones, and its rows index its targets and predictions.
    for (let j = 0; j < dim; j++) pooled.probabilities[row * pooled.labels.length + toGlobal[j]!] = data[i * dim + j]!;
    pooled.targets[row] = toGlobal[scored.targets[i]!]!;
    pooled.predicted[row] = toGlobal[scored.predicted[i]!]!;
  });
}

function averagePerClass(results: readonly FoldResult[]): ClassMetrics[] {
  const byLabel = new Map<string, ClassMetrics[]>();
  for (const result of results)
    for (const metrics of result.perClass) byLabel.set(metrics.label, [...(byLabel.get(metrics.label) ?? []), metrics]);
  return [...byLabel].map(([label, list]) => ({
    label,
    precision: meanStd(list.map((m) => m.precision)).mean,
    recall: meanStd(list.map((m) => m.recall)).mean,
    f1: meanStd(list.map((m) => m.f1)).mean,
    support: list.reduce((sum, m) => sum + m.support, 0),
  }));
}
