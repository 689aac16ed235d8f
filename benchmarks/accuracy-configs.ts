/**
 * The classifier configurations bench:accuracy compares. Adding one is adding an object here:
 * a name, the encoder, and the fit options (or a `train` function for a recipe that is not
 * "encoder + TextClassifier.fit"). Every config runs on every corpus of the protocol list.
 */
import type { FitOptions, TextClassifier } from '../src/classifier.js';
import type { EmbeddingCache } from '../src/embedding-cache.js';
import type { Encoder, EncoderSpec } from '../src/encoders/encoder.js';
import type { EncoderChoice } from '../src/encoders/index.js';
import type { LabelInput } from '../src/labels.js';
import { trainAuto } from '../src/recipes/auto.js';
import { DEFAULT_DENSE_WEIGHT } from '../src/encoders/concat.js';
import { DEFAULT_STATIC_MODEL } from '../src/encoders/static/resolve-model.js';
import { DEFAULT_TFIDF_OPTIONS } from '../src/encoders/lexical/tfidf.js';

export interface TrainContext {
  /** The config's encoder, loaded once per run and shared by all its trainings. */
  encoder: Encoder;
  /** Embeddings shared across folds and configs of the same pretrained encoder (undefined for TF-IDF). */
  cache: EmbeddingCache | undefined;
  texts: readonly string[];
  labels: LabelInput;
  seed: number;
}

export interface AccuracyConfig {
  name: string;
  description: string;
  /** 'potion', 'tfidf', a model directory, 'hf:<id>' or an EncoderSpec (see createEncoder). */
  encoder: EncoderChoice | EncoderSpec;
  fit?: FitOptions;
  /** Replaces the default `TextClassifier.create({ encoder, cache }) + fit(texts, labels, { seed, ...fit })`. */
  train?: (context: TrainContext) => Promise<TextClassifier>;
}

export const ACCURACY_CONFIGS: AccuracyConfig[] = [
  {
    name: 'potion+mlp',
    description: 'potion-base-4m-int8 embeddings, standardised MLP head (the default)',
    encoder: 'potion',
  },
  {
    name: 'potion+linear',
    description: 'potion-base-4m-int8 embeddings, softmax regression head',
    encoder: 'potion',
    fit: { head: 'linear', hidden: 0, dropout: 0 },
  },
  {
    name: 'tfidf',
    description:
      'TF-IDF (1-2 grams, min_df 2, sublinear tf, vocabulary up to 200k terms) + L2 softmax regression fitted by L-BFGS on sparse rows ' +
      "(the library's TF-IDF defaults, like scikit-learn's TfidfVectorizer + LogisticRegression with C = 10): the classical baseline, on every training row",
    encoder: 'tfidf',
  },
  {
    name: 'tfidf+potion',
    description:
      'feature fusion: one L2 softmax regression (as tfidf) over the TF-IDF row with the potion embedding appended (z-scored, block weight 0.5: src/encoders/concat.ts)',
    encoder: {
      type: 'concat',
      tfidf: { ...DEFAULT_TFIDF_OPTIONS },
      dense: { type: 'static', model: DEFAULT_STATIC_MODEL, maxTokens: 512 },
      denseWeight: DEFAULT_DENSE_WEIGHT,
    },
  },
  {
    name: 'auto',
    description:
      'the auto recipe (headstart train default): MLPs over potion frozen and fine-tuned and the tfidf+potion regression, mixed by held-out log-loss with a prior correction chosen by expected macro-F1 under the calibrated held-out probabilities, refit, temperature-scaled; multi-label: the better of potion and tfidf+potion on held-out rows; under 500 rows: the potion MLP and the tfidf+potion regression (0.3 each) and the label-name similarity prior (0.4), on every row',
    encoder: 'potion',
    train: async ({ encoder, cache, texts, labels, seed }) => {
      const { classifier, report } = await trainAuto(texts, labels, { encoder, cache, fit: { seed } });
      // What auto chose goes to the log (stderr) with the run's other progress lines.
      console.error(`auto: ${texts.length} rows: chose ${report.chosen} (${report.reason})`);
      return classifier;
    },
  },
];

/** The configs the learning curve compares (the default recipe against the classical baseline). */
export const LEARNING_CURVE_CONFIGS = ['potion+mlp', 'tfidf', 'auto'];
