/**
 * The last step of the `auto` recipe's fused path: the ensemble it trained is distilled into one fast
 * student, the pretrained static table fine-tuned with an MLP head (fastText-like: a table lookup and
 * one small head per text, no TF-IDF), trained on the ensemble's temperature-softened probabilities
 * of the training texts mixed with their labels (src/distill/). The student replaces the ensemble
 * when it scores as well on the rows the ensemble held out to choose its mix, which the student
 * never trains on; both are scored alike there (prior correction and temperature chosen on those
 * rows: src/fusion/mix.ts).
 */
import { TextClassifier, type FitOptions } from '../classifier.js';
import { heldOutRows } from '../classifier/index.js';
import {
  DEFAULT_TEMPERATURE,
  softenProbabilities,
  studentRecord,
  teacherProbabilitiesOf,
  trainStudent,
} from '../distill/index.js';
import { describeSpec, type Encoder } from '../encoders/index.js';
import type { EmbeddingCache } from '../embedding-cache.js';
import { applyMix, chooseMix, type Mix } from '../fusion/index.js';
import { argmaxRows, DEFAULT_ALPHA, type SoftTargets } from '../heads/index.js';
import { encodeTargets } from '../labels.js';
import { classificationReport } from '../metrics/index.js';
import { EncoderPool, memberFeatures, predictMember, type Member } from '../members/index.js';
import { definedOnly } from '../util/index.js';
import type { AutoReport } from './auto-options.js';

/**
 * What the student may lose against the ensemble on the held-out rows and still replace it: macro-F1
 * (the ensemble's is the best of the mixes tried on those rows, so optimistic by about this much) and
 * log-loss, the steadier of the two on a few hundred rows (macro-F1 alone let through a student 0.11
 * below the ensemble on the test set). Figures: docs/decisions/auto-recipe.md.
 */
export const STUDENT_MARGIN = { macroF1: 0.005, logLoss: 0.02 };

export interface HeldOutScores {
  macroF1: number;
  /** Mean negative log-likelihood of the true label, after the temperature fitted on the rows. */
  logLoss: number;
}

export interface StudentChoice {
  /** Whether the student replaced the ensemble. */
  kept: boolean;
  heldOutRows: number;
  ensemble: HeldOutScores;
  student: HeldOutScores;
  /** The student's encoder and head. */
  model: string;
}

export interface StudentContext {
  /** The pretrained static encoder the ensemble's fine-tuned member started from. */
  encoder: Encoder;
  cache: EmbeddingCache | undefined;
  texts: readonly string[];
  labels: readonly string[];
  /** The options the ensemble was fitted with: the same held-out rows, seed and calibration. */
  fit: FitOptions;
  /** The ensemble's scores on its held-out rows (the chosen mix, temperature-scaled). */
  ensembleScores: HeldOutScores;
  signal?: AbortSignal | undefined;
  onStage?: ((message: string) => void) | undefined;
}

/** Distils `ensemble` into a student; returns the student when it keeps up on the held-out rows (else disposes it). */
export async function distilStudent(
  ensemble: TextClassifier,
  context: StudentContext,
): Promise<{ student?: TextClassifier; choice: StudentChoice }> {
  const { encoder, texts, labels, fit, signal, onStage } = context;
  const numLabels = ensemble.labels.length;
  const targets = encodeTargets(labels, ensemble.labels);
  // Single-label: one class index per row.
  const classes = targets.labels as Int32Array;
  const { heldOut } = heldOutRows(encoder, texts, targets, numLabels, fit);
  const held = new Set(heldOut);
  const trainRows = Int32Array.from(texts.keys()).filter((row) => !held.has(row));
  const trainTexts = Array.from(trainRows, (row) => texts[row]!);

  onStage?.(`auto: distilling the ensemble into one fine-tuned ${describeSpec(encoder.spec)} head`);
  const soft = softenProbabilities(
    await teacherProbabilitiesOf(ensemble, trainTexts, signal),
    numLabels,
    DEFAULT_TEMPERATURE,
  );
  const softTargets: SoftTargets = {
    kind: 'soft',
    probabilities: soft,
    temperature: DEFAULT_TEMPERATURE,
    labels: Int32Array.from(trainRows, (row) => classes[row]!),
    alpha: DEFAULT_ALPHA,
  };
  const trained = await trainStudent(encoder, trainTexts, softTargets, numLabels, {
    fineTune: true,
    ...definedOnly({ seed: fit.seed }),
    signal,
  });
  const pool = new EncoderPool();
  const member: Member = {
    encoder: pool.own(trained.tunedEncoder!),
    cache: undefined,
    head: trained.head,
    pretrained: { encoder, cache: context.cache },
  };

  const heldTexts = Array.from(heldOut, (row) => texts[row]!);
  const heldTargets = Int32Array.from(heldOut, (row) => classes[row]!);
  const features = await memberFeatures(member, heldTexts, signal);
  const probabilities = predictMember(trained.head, features);
  const { mix } = chooseMix([probabilities], { targets: heldTargets, trainLabels: classes }, numLabels, {
    ...definedOnly({ priorCorrection: fit.priorCorrection, calibrate: fit.calibrate }),
  });
  const studentScores = scoresOf(mix, probabilities, heldTargets, ensemble.labels);
  const kept =
    studentScores.macroF1 >= context.ensembleScores.macroF1 - STUDENT_MARGIN.macroF1 &&
    studentScores.logLoss <= context.ensembleScores.logLoss + STUDENT_MARGIN.logLoss;
  const choice: StudentChoice = {
    kept,
    heldOutRows: heldOut.length,
    ensemble: context.ensembleScores,
    student: studentScores,
    model: `${describeSpec(member.encoder.spec)} + ${trained.spec.type} head`,
  };
  onStage?.(
    `auto: student held-out macro-F1 ${studentScores.macroF1.toFixed(4)}, log-loss ${studentScores.logLoss.toFixed(4)} vs ensemble ${context.ensembleScores.macroF1.toFixed(4)}, ${context.ensembleScores.logLoss.toFixed(4)}: keeping the ${kept ? 'student' : 'ensemble'}`,
  );
  if (!kept) {
    trained.head.dispose();
    await pool.dispose();
    return { choice };
  }
  const training = studentRecord(trained, ensemble, softTargets, {
    temperature: DEFAULT_TEMPERATURE,
    alpha: DEFAULT_ALPHA,
    labelledTexts: trainRows.length,
    unlabeledTexts: 0,
  });
  const student = TextClassifier.fromMembers([member], pool, {
    labels: [...ensemble.labels],
    multiLabel: false,
    mix,
    training,
  });
  return { student, choice };
}

function scoresOf(
  mix: Mix,
  probabilities: Float32Array,
  targets: Int32Array,
  labels: readonly string[],
): HeldOutScores {
  const mixed = applyMix(mix, [probabilities], labels.length);
  const { macroF1 } = classificationReport(targets, argmaxRows(mixed, labels.length), [...labels]);
  let nll = 0;
  targets.forEach((target, row) => (nll -= Math.log(Math.max(mixed[row * labels.length + target]!, 1e-12))));
  return { macroF1, logLoss: nll / targets.length };
}

/** The report line saying what the student check chose and why. */
export function describeStudentChoice(choice: StudentChoice): string {
  const scored = (s: HeldOutScores) => `macro-F1 ${s.macroF1.toFixed(4)}, log-loss ${s.logLoss.toFixed(4)}`;
  const margins = `${STUDENT_MARGIN.macroF1} macro-F1 and ${STUDENT_MARGIN.logLoss} log-loss`;
  const verdict = choice.kept
    ? `the student replaces the ensemble (it loses at most ${margins})`
    : `the ensemble is kept (the student loses more than ${margins})`;
  return `distilled into one ${choice.model} on the ensemble's soft labels; on the ${choice.heldOutRows} held-out rows the student scores ${scored(choice.student)}, the ensemble ${scored(choice.ensemble)}: ${verdict}`;
}

/**
 * The fused result of `auto`, or the student distilled from it when that keeps up on the held-out
 * rows. Nothing to distil when the ensemble is one static head already or nothing was held out.
 */
export async function withStudent(
  fused: { classifier: TextClassifier; report: AutoReport },
  context: Omit<StudentContext, 'ensembleScores'>,
): Promise<{ classifier: TextClassifier; report: AutoReport }> {
  const { classifier: ensemble, report } = fused;
  const scored = report.fit.fusion?.candidates[0];
  if (!scored || ensemble.encoders.every((e) => e.spec.type === 'static')) return fused;
  let distilled: Awaited<ReturnType<typeof distilStudent>>;
  try {
    distilled = await distilStudent(ensemble, {
      ...context,
      ensembleScores: { macroF1: scored.macroF1, logLoss: scored.nll },
    });
  } catch (error) {
    await ensemble.dispose();
    throw error;
  }
  const { student, choice } = distilled;
  const reason = `${report.reason}; then ${describeStudentChoice(choice)}`;
  if (!student) return { classifier: ensemble, report: { ...report, reason, student: choice } };
  await ensemble.dispose();
  return {
    classifier: student,
    report: {
      ...report,
      chosen: 'student',
      reason,
      weights: [1],
      encoders: student.encoders.map((e) => describeSpec(e.spec)),
      student: choice,
    },
  };
}
