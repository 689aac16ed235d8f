/**
 * Training and scoring one distilled student for the auto recipe (auto-student.ts): soft labels of
 * some rows softened at the distillation temperature and mixed with their labels, the static table
 * fine-tuned with an MLP head on them (src/distill/student.ts), and its scores on held-out rows.
 */
import type { TextClassifier } from '../classifier.js';
import { negativeLogLikelihood } from '../calibration/index.js';
import { DEFAULT_TEMPERATURE, softenProbabilities, studentRecord, trainStudent } from '../distill/index.js';
import type { Encoder } from '../encoders/index.js';
import type { EmbeddingCache } from '../embedding-cache.js';
import { applyMix, type Mix } from '../fusion/index.js';
import { argmaxRows, DEFAULT_ALPHA, type SoftTargets } from '../heads/index.js';
import { classificationReport } from '../metrics/index.js';
import { EncoderPool, type Member } from '../members/index.js';
import { definedOnly } from '../util/index.js';

export interface HeldOutScores {
  macroF1: number;
  /** Mean negative log-likelihood of the true label, after the temperature fitted on the rows. */
  logLoss: number;
}

/** What every student of one `auto` run shares. */
export interface StudentTrainingData {
  /** The pretrained static encoder whose table the student fine-tunes. */
  encoder: Encoder;
  cache: EmbeddingCache | undefined;
  texts: readonly string[];
  /** Each text's class index. */
  classes: Int32Array;
  seed: number | undefined;
  signal: AbortSignal | undefined;
}

export interface DistilledMember {
  trained: Awaited<ReturnType<typeof trainStudent>>;
  /** The member over the tuned table, owned by `pool`. */
  member: Member;
  pool: EncoderPool;
  /** The checkpoint's training record, with `teacher` named as the ensemble distilled. */
  record(teacher: TextClassifier): Record<string, unknown>;
  dispose(): Promise<void>;
}

/**
 * A student fine-tuned on the texts of `rows`, learning `teacher` (`[rows, labels]` probabilities);
 * `schedule` overrides its early stopping (a fixed epoch count on every row for the saved student).
 */
export async function distilledMember(
  data: StudentTrainingData,
  rows: Int32Array,
  teacher: Float32Array,
  schedule: { validationSplit?: number; epochs?: number } = {},
): Promise<DistilledMember> {
  const { encoder, texts, classes } = data;
  const numLabels = teacher.length / rows.length;
  const rowTexts = Array.from(rows, (row) => texts[row]!);
  const targets: SoftTargets = {
    kind: 'soft',
    probabilities: softenProbabilities(teacher, numLabels, DEFAULT_TEMPERATURE),
    temperature: DEFAULT_TEMPERATURE,
    labels: Int32Array.from(rows, (row) => classes[row]!),
    alpha: DEFAULT_ALPHA,
  };
  const trained = await trainStudent(encoder, rowTexts, targets, numLabels, {
    fineTune: true,
    ...definedOnly({ seed: data.seed, ...schedule }),
    signal: data.signal,
  });
  const pool = new EncoderPool();
  const member: Member = {
    encoder: pool.own(trained.tunedEncoder!),
    cache: undefined,
    head: trained.head,
    pretrained: { encoder, cache: data.cache },
  };
  return {
    trained,
    member,
    pool,
    record: (ensemble) =>
      studentRecord(trained, ensemble, targets, {
        temperature: DEFAULT_TEMPERATURE,
        alpha: DEFAULT_ALPHA,
        labelledTexts: rows.length,
        unlabeledTexts: 0,
      }),
    dispose: async () => {
      trained.head.dispose();
      await pool.dispose();
    },
  };
}

/** Macro-F1 and log-loss of one member's `probabilities` under `mix`, on rows whose classes are `targets`. */
export function heldOutScores(
  mix: Mix,
  probabilities: Float32Array,
  targets: Int32Array,
  labels: readonly string[],
): HeldOutScores {
  const mixed = applyMix(mix, [probabilities], labels.length);
  const { macroF1 } = classificationReport(targets, argmaxRows(mixed, labels.length), [...labels]);
  return { macroF1, logLoss: negativeLogLikelihood(mixed, labels.length, targets) };
}
