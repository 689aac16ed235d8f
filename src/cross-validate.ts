/** Stratified k-fold cross-validation of a TextClassifier configuration. */
import { TextClassifier, type FitOptions } from './classifier.js';
import { EmbeddingCache } from './embedding-cache.js';
import type { Encoder } from './encoders/encoder.js';
import { isFittable } from './encoders/encoder.js';
import { isMultiLabelInput, labelVocabulary, type LabelInput } from './labels.js';
import { labelSetStrata, meanStd, stratifiedKFold } from './metrics/index.js';

export interface FoldResult {
  fold: number;
  accuracy: number;
  macroF1: number;
  microF1: number;
  trainSeconds: number;
}

export interface CrossValidationResult {
  folds: FoldResult[];
  accuracy: { mean: number; std: number };
  macroF1: { mean: number; std: number };
  seconds: number;
}

export interface CrossValidateOptions {
  folds: number;
  seed: number;
  fit?: FitOptions;
  onFold?: (result: FoldResult) => void;
}

/**
 * Every fold trains a fresh head on the other folds and scores its own. A pretrained encoder
 * embeds each distinct text once for all folds (content-hash cache); a fitted one (TF-IDF) is
 * refitted on each fold's training part only, so no vocabulary leaks from the test fold.
 */
export async function crossValidate(encoder: Encoder, texts: readonly string[], labels: LabelInput, options: CrossValidateOptions): Promise<CrossValidationResult> {
  const started = performance.now();
  const multiLabel = isMultiLabelInput(labels);
  const strata = multiLabel
    ? labelSetStrata(labels as readonly (readonly string[])[])
    : (() => {
        const index = new Map(labelVocabulary(labels).map((label, i) => [label, i]));
        return Int32Array.from(labels as readonly string[], (label) => index.get(label)!);
      })();
  const cache = isFittable(encoder) ? undefined : new EmbeddingCache(encoder.fingerprint);
  const results: FoldResult[] = [];
  for (const [fold, split] of stratifiedKFold(strata, options.folds, options.seed).entries()) {
    const pick = <T>(items: readonly T[], indices: Int32Array): T[] => Array.from(indices, (i) => items[i]);
    const classifier = await TextClassifier.create({ encoder, cache });
    try {
      const report = await classifier.fit(pick(texts, split.train), pick(labels as readonly unknown[], split.train) as unknown as LabelInput, {
        seed: options.seed,
        ...options.fit,
      });
      const metrics = await classifier.evaluate(pick(texts, split.test), pick(labels as readonly unknown[], split.test) as unknown as LabelInput);
      const result: FoldResult = {
        fold,
        accuracy: 'accuracy' in metrics ? metrics.accuracy : metrics.subsetAccuracy,
        macroF1: metrics.macroF1,
        microF1: metrics.microF1,
        trainSeconds: report.seconds + report.embedSeconds,
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
    seconds: (performance.now() - started) / 1000,
  };
}
