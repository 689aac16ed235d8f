/**
 * The accuracy protocols: k-fold cross-validation on corpora without an official split, train/test
 * on those with one, and k-shot learning curves. Each training run goes through a config
 * (accuracy-configs.ts) so that new recipes are measured the same way.
 */
import { TextClassifier } from '../../src/classifier.js';
import { EmbeddingCache } from '../../src/embedding-cache.js';
import type { Encoder, EncoderSpec } from '../../src/encoders/encoder.js';
import { isFittable } from '../../src/encoders/encoder.js';
import { createEncoder, type EncoderChoice } from '../../src/encoders/index.js';
import type { LabelInput } from '../../src/labels.js';
import { meanStd } from '../../src/metrics/index.js';
import { stratifiedKFold } from '../../src/splits/index.js';
import { createRng, shuffleInPlace } from '../../src/util/random.js';
import type { AccuracyConfig } from '../accuracy-configs.js';
import { loadLabelled, strataOf, subsample, subset, type LabelledData } from './corpora.js';
import { round, timed } from './measure.js';

export type Protocol =
  | { corpus: string; kind: 'cv'; source: string; folds: number }
  | { corpus: string; kind: 'split'; train: string; test: string };

export interface FoldScore {
  accuracy: number;
  macroF1: number;
  microF1: number;
  trainSeconds: number;
  trainExamples: number;
  testExamples: number;
}

export interface AccuracyRow {
  corpus: string;
  config: string;
  protocol: string;
  folds: number;
  /** Single-label: accuracy; multi-label: subset accuracy (exact label-set match). */
  accuracy: number;
  accuracyStd: number;
  macroF1: number;
  macroF1Std: number;
  microF1: number;
  /** Mean wall-clock seconds of one training (fit, including embedding texts not yet cached). */
  trainSeconds: number;
  trainExamples: number;
  testExamples: number;
  multiLabel: boolean;
  /** Why the training data was cut, when it was. */
  note?: string | undefined;
}

export interface ConfusionResult {
  corpus: string;
  config: string;
  labels: string[];
  /** confusion[true][predicted], summed over folds. */
  confusion: number[][];
}

export interface LearningCurvePoint {
  corpus: string;
  config: string;
  k: number;
  draws: number;
  macroF1: number;
  macroF1Std: number;
  accuracy: number;
  trainExamples: number;
}

export interface RunLimits {
  /** Cap on the rows a protocol reads (train side for splits); undefined = all. */
  maxRows?: number;
  maxTestRows?: number;
  /** Seeds the folds, the subsamples and the heads' training. */
  seed: number;
}

/** Encoders loaded once per run, with one embedding cache per pretrained encoder. */
export class EncoderPool {
  private readonly entries = new Map<string, { encoder: Encoder; cache: EmbeddingCache | undefined }>();

  async get(choice: EncoderChoice | EncoderSpec): Promise<{ encoder: Encoder; cache: EmbeddingCache | undefined }> {
    const key = JSON.stringify(choice);
    let entry = this.entries.get(key);
    if (!entry) {
      const encoder = await createEncoder(choice);
      entry = { encoder, cache: isFittable(encoder) ? undefined : new EmbeddingCache(encoder.fingerprint) };
      this.entries.set(key, entry);
    }
    return entry;
  }

  async dispose(): Promise<void> {
    for (const { encoder } of this.entries.values()) await encoder.dispose();
    this.entries.clear();
  }
}

interface Evaluated {
  score: FoldScore;
  labels: string[];
  confusion?: number[][] | undefined;
}

async function trainAndScore(
  pool: EncoderPool,
  config: AccuracyConfig,
  train: LabelledData,
  test: LabelledData,
  seed: number,
): Promise<Evaluated> {
  const { encoder, cache } = await pool.get(config.encoder);
  const { value: classifier, seconds } = await timed(async () => {
    if (config.train) return config.train({ encoder, cache, texts: train.texts, labels: train.labels, seed });
    return (
      await TextClassifier.train(
        train.texts,
        train.labels as LabelInput,
        { recipe: 'single', seed, ...config.fit },
        { encoder, cache },
      )
    ).classifier;
  });
  try {
    const report = await classifier.evaluate(test.texts, test.labels as LabelInput);
    const single = 'accuracy' in report;
    return {
      score: {
        accuracy: single ? report.accuracy : report.subsetAccuracy,
        macroF1: report.macroF1,
        microF1: report.microF1,
        trainSeconds: seconds,
        trainExamples: train.texts.length,
        testExamples: test.texts.length,
      },
      labels: [...classifier.labels],
      confusion: single ? report.confusion : undefined,
    };
  } finally {
    await classifier.dispose();
  }
}

/** The folds (or the single train/test split) of a protocol, with the row caps applied. */
export async function protocolSplits(
  protocol: Protocol,
  limits: RunLimits,
): Promise<{ splits: { train: LabelledData; test: LabelledData }[]; note?: string | undefined }> {
  if (protocol.kind === 'split') {
    const fullTrain = await loadLabelled(protocol.train);
    const fullTest = await loadLabelled(protocol.test);
    const train = limits.maxRows === undefined ? fullTrain : subsample(fullTrain, limits.maxRows, limits.seed);
    const test = limits.maxTestRows === undefined ? fullTest : subsample(fullTest, limits.maxTestRows, limits.seed);
    const cut = train !== fullTrain || test !== fullTest;
    return {
      splits: [{ train, test }],
      note: cut ? `subsampled to ${train.texts.length} train / ${test.texts.length} test rows` : undefined,
    };
  }
  const full = await loadLabelled(protocol.source);
  const data = limits.maxRows === undefined ? full : subsample(full, limits.maxRows, limits.seed);
  const folds = stratifiedKFold(strataOf(data.labels, data.multiLabel), protocol.folds, limits.seed);
  return {
    splits: folds.map((fold) => ({ train: subset(data, fold.train), test: subset(data, fold.test) })),
    note: data !== full ? `subsampled to ${data.texts.length} of ${full.texts.length} rows` : undefined,
  };
}

export function describeProtocol(protocol: Protocol): string {
  return protocol.kind === 'cv'
    ? `${protocol.folds}-fold CV on ${protocol.source}`
    : `train ${protocol.train} / test ${protocol.test}`;
}

export async function runProtocol(
  pool: EncoderPool,
  protocol: Protocol,
  configs: readonly AccuracyConfig[],
  limits: RunLimits,
  log: (line: string) => void = () => {},
): Promise<{ rows: AccuracyRow[]; confusions: ConfusionResult[] }> {
  const { splits, note: dataNote } = await protocolSplits(protocol, limits);
  const rows: AccuracyRow[] = [];
  const confusions: ConfusionResult[] = [];
  for (const config of configs) {
    const scores: FoldScore[] = [];
    let confusion: ConfusionResult | undefined;
    for (const split of splits) {
      const evaluated = await trainAndScore(pool, config, split.train, split.test, limits.seed);
      scores.push(evaluated.score);
      if (evaluated.confusion)
        confusion = addConfusion(confusion, {
          corpus: protocol.corpus,
          config: config.name,
          labels: evaluated.labels,
          confusion: evaluated.confusion,
        });
    }
    const accuracy = meanStd(scores.map((s) => s.accuracy));
    const macroF1 = meanStd(scores.map((s) => s.macroF1));
    const row: AccuracyRow = {
      corpus: protocol.corpus,
      config: config.name,
      protocol: describeProtocol(protocol),
      folds: splits.length,
      accuracy: round(accuracy.mean, 4),
      accuracyStd: round(accuracy.std, 4),
      macroF1: round(macroF1.mean, 4),
      macroF1Std: round(macroF1.std, 4),
      microF1: round(meanStd(scores.map((s) => s.microF1)).mean, 4),
      trainSeconds: round(meanStd(scores.map((s) => s.trainSeconds)).mean, 2),
      trainExamples: Math.round(meanStd(scores.map((s) => s.trainExamples)).mean),
      testExamples: Math.round(meanStd(scores.map((s) => s.testExamples)).mean),
      multiLabel: splits[0].train.multiLabel,
    };
    if (dataNote) row.note = dataNote;
    rows.push(row);
    if (confusion) confusions.push(confusion);
    log(
      `${protocol.corpus} ${config.name}: accuracy ${row.accuracy} macro-F1 ${row.macroF1} ± ${row.macroF1Std} (${row.trainSeconds} s per training)`,
    );
  }
  return { rows, confusions };
}

/** Adds `next` into `sum`, matching labels by name (folds may order or lack labels differently). */
function addConfusion(sum: ConfusionResult | undefined, next: ConfusionResult): ConfusionResult {
  const labels = [...new Set([...(sum?.labels ?? []), ...next.labels])].sort();
  const index = new Map(labels.map((label, i) => [label, i]));
  const confusion = labels.map(() => new Array<number>(labels.length).fill(0));
  for (const part of sum ? [sum, next] : [next]) {
    part.confusion.forEach((row, t) =>
      row.forEach((count, p) => (confusion[index.get(part.labels[t])!][index.get(part.labels[p])!] += count)),
    );
  }
  return { corpus: next.corpus, config: next.config, labels, confusion };
}

/** k labelled examples of every class (all of a class that has fewer), drawn with `seed`. */
export function drawKPerClass(data: LabelledData, k: number, seed: number): LabelledData {
  const byClass = new Map<string, number[]>();
  (data.labels as string[]).forEach((label, i) => {
    if (!byClass.has(label)) byClass.set(label, []);
    byClass.get(label)!.push(i);
  });
  const rng = createRng(seed);
  const chosen: number[] = [];
  for (const label of [...byClass.keys()].sort()) chosen.push(...shuffleInPlace(byClass.get(label)!, rng).slice(0, k));
  return subset(
    data,
    chosen.sort((a, b) => a - b),
  );
}

/** k examples per class covering this fraction of the training pool: the draws would be nearly identical. */
export const NEAR_WHOLE_POOL = 0.9;

/**
 * Macro-F1 against k examples per class, averaged over `draws` seeded draws (one draw when k
 * examples per class cover nearly the whole pool). Train pool and test
 * set: the official split, or fold 0 of the protocol's CV as the held-out set.
 */
export async function learningCurve(
  pool: EncoderPool,
  protocol: Protocol,
  configs: readonly AccuracyConfig[],
  ks: readonly number[],
  draws: number,
  limits: RunLimits,
  log: (line: string) => void = () => {},
): Promise<LearningCurvePoint[]> {
  const { splits } = await protocolSplits(protocol, limits);
  const { train, test } = splits[0];
  if (train.multiLabel) throw new Error(`learning curves need single-label data; ${protocol.corpus} is multi-label`);
  const classes = new Set(train.labels as string[]).size;
  const points: LearningCurvePoint[] = [];
  for (const config of configs) {
    for (const k of ks) {
      const runs = k * classes >= NEAR_WHOLE_POOL * train.texts.length ? 1 : draws;
      const scores: FoldScore[] = [];
      for (let draw = 0; draw < runs; draw++) {
        const seed = limits.seed + 1000 * draw + k;
        scores.push((await trainAndScore(pool, config, drawKPerClass(train, k, seed), test, seed)).score);
      }
      const macroF1 = meanStd(scores.map((s) => s.macroF1));
      const point: LearningCurvePoint = {
        corpus: protocol.corpus,
        config: config.name,
        k,
        draws: runs,
        macroF1: round(macroF1.mean, 4),
        macroF1Std: round(macroF1.std, 4),
        accuracy: round(meanStd(scores.map((s) => s.accuracy)).mean, 4),
        trainExamples: scores[0].trainExamples,
      };
      points.push(point);
      log(`learning curve ${protocol.corpus} ${config.name} k=${k}: macro-F1 ${point.macroF1} ± ${point.macroF1Std}`);
    }
  }
  return points;
}
