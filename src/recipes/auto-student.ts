/**
 * The last step of the `auto` recipe's fused path: the ensemble it trained is distilled into one fast
 * student, the pretrained static table fine-tuned with an MLP head (fastText-like: a table lookup and
 * one small head per text, no TF-IDF), trained on temperature-softened ensemble probabilities mixed
 * with the labels (src/distill/).
 *
 * Two students are trained. The check student learns the rows the ensemble did not hold out, labelled
 * by the ensemble's early-stopping members (trained on those rows only, mixed as the ensemble is), so
 * neither it nor its teacher saw the held-out rows it is then scored on, alike with the ensemble
 * (prior correction and temperature chosen on those rows: src/fusion/mix.ts). The refit ensemble
 * would leak them: its soft labels of near-duplicate texts carry the held-out labels
 * (docs/decisions/auto-recipe.md). When the check keeps the student, the saved one is trained like a
 * refit member: on every row, labelled by the refit ensemble, for the epochs the check student chose.
 */
import { TextClassifier, type FitOptions } from '../classifier.js';
import type { EarlyStoppedMix } from '../classifier/index.js';
import { describeSpec, type Encoder } from '../encoders/index.js';
import type { EmbeddingCache } from '../embedding-cache.js';
import { teacherProbabilitiesOf } from '../distill/index.js';
import { chooseMix } from '../fusion/index.js';
import { encodeTargets } from '../labels.js';
import { memberFeatures, predictMember } from '../members/index.js';
import { definedOnly } from '../util/index.js';
import type { AutoReport } from './auto-options.js';
import { distilledMember, heldOutScores, type HeldOutScores } from './student-training.js';

export type { HeldOutScores } from './student-training.js';

/**
 * What the student may lose against the ensemble on the held-out rows and still replace it: macro-F1
 * (the ensemble's is the best of the mixes tried on those rows, so optimistic by about this much) and
 * log-loss, the steadier of the two on a few hundred rows (macro-F1 alone let through a student 0.11
 * below the ensemble on the test set). Figures: docs/decisions/auto-recipe.md.
 */
export const STUDENT_MARGIN = { macroF1: 0.005, logLoss: 0.02 };

export interface StudentChoice {
  /** Whether the student replaced the ensemble. */
  kept: boolean;
  heldOutRows: number;
  /** Rows the check student trained on (every row not held out). */
  checkRows: number;
  ensemble: HeldOutScores;
  student: HeldOutScores;
  /** The student's encoder and head. */
  model: string;
  /** When kept: the saved student's rows (every row) and epochs (those the check student's early stopping chose). */
  final?: { rows: number; epochs: number };
}

export interface StudentContext {
  /** The pretrained static encoder the ensemble's fine-tuned member started from. */
  encoder: Encoder;
  cache: EmbeddingCache | undefined;
  texts: readonly string[];
  labels: readonly string[];
  /** The options the ensemble was fitted with: the same seed and calibration. */
  fit: FitOptions;
  /** The ensemble's early-stopping members, mixed, on the rows not held out: the check student's teacher. */
  earlyStopped: EarlyStoppedMix;
  /** The ensemble's scores on its held-out rows (the chosen mix, temperature-scaled). */
  ensembleScores: HeldOutScores;
  signal?: AbortSignal | undefined;
  onStage?: ((message: string) => void) | undefined;
}

/** Distils `ensemble` into a student; returns the student when it keeps up on the held-out rows. */
export async function distilStudent(
  ensemble: TextClassifier,
  context: StudentContext,
): Promise<{ student?: TextClassifier; choice: StudentChoice }> {
  const { encoder, texts, labels, fit, earlyStopped, signal, onStage } = context;
  const { heldOut, trainingRows } = earlyStopped;
  const numLabels = ensemble.labels.length;
  // Single-label: one class index per row.
  const classes = encodeTargets(labels, ensemble.labels).labels as Int32Array;
  const training = { encoder, cache: context.cache, texts, classes, seed: fit.seed, signal };

  onStage?.(
    `auto: checking a fine-tuned ${describeSpec(encoder.spec)} student distilled from the early-stopping members on ${trainingRows.length} rows`,
  );
  const check = await distilledMember(training, trainingRows, earlyStopped.probabilities);
  let mix: ReturnType<typeof chooseMix>['mix'];
  let scores: HeldOutScores;
  try {
    const heldTexts = Array.from(heldOut, (row) => texts[row]!);
    const heldTargets = Int32Array.from(heldOut, (row) => classes[row]!);
    const probabilities = predictMember(check.trained.head, await memberFeatures(check.member, heldTexts, signal));
    ({ mix } = chooseMix(
      [probabilities],
      { targets: heldTargets, trainLabels: classes },
      numLabels,
      definedOnly({ priorCorrection: fit.priorCorrection, calibrate: fit.calibrate }),
    ));
    scores = heldOutScores(mix, probabilities, heldTargets, ensemble.labels);
  } finally {
    await check.dispose();
  }
  const kept =
    scores.macroF1 >= context.ensembleScores.macroF1 - STUDENT_MARGIN.macroF1 &&
    scores.logLoss <= context.ensembleScores.logLoss + STUDENT_MARGIN.logLoss;
  const choice: StudentChoice = {
    kept,
    heldOutRows: heldOut.length,
    checkRows: trainingRows.length,
    ensemble: context.ensembleScores,
    student: scores,
    model: `${describeSpec(encoder.spec)} (fine-tuned) + ${check.trained.spec.type} head`,
  };
  onStage?.(
    `auto: student held-out macro-F1 ${scores.macroF1.toFixed(4)}, log-loss ${scores.logLoss.toFixed(4)} vs ensemble ${context.ensembleScores.macroF1.toFixed(4)}, ${context.ensembleScores.logLoss.toFixed(4)}: keeping the ${kept ? 'student' : 'ensemble'}`,
  );
  if (!kept) return { choice };

  const epochs = check.trained.refitEpochs ?? check.trained.report.epochsRun;
  onStage?.(`auto: training the student on all ${texts.length} rows for ${epochs} epochs`);
  const allRows = Int32Array.from(texts.keys());
  const teacher = await teacherProbabilitiesOf(ensemble, texts, signal);
  const final = await distilledMember(training, allRows, teacher, { validationSplit: 0, epochs });
  const student = TextClassifier.fromMembers([final.member], final.pool, {
    labels: [...ensemble.labels],
    multiLabel: false,
    mix,
    training: final.record(ensemble),
  });
  return { student, choice: { ...choice, final: { rows: texts.length, epochs } } };
}

/** The report line saying what the student check chose and why. */
export function describeStudentChoice(choice: StudentChoice): string {
  const scored = (s: HeldOutScores) => `macro-F1 ${s.macroF1.toFixed(4)}, log-loss ${s.logLoss.toFixed(4)}`;
  const margins = `${STUDENT_MARGIN.macroF1} macro-F1 and ${STUDENT_MARGIN.logLoss} log-loss`;
  const verdict = choice.final
    ? `the student replaces the ensemble (it loses at most ${margins}), retrained on all ${choice.final.rows} rows with the ensemble's soft labels for ${choice.final.epochs} epochs`
    : `the ensemble is kept (the student loses more than ${margins})`;
  return `distilled into one ${choice.model}: checked on the ${choice.heldOutRows} held-out rows after training on the other ${choice.checkRows} with the soft labels of the ensemble's early-stopping members, the student scores ${scored(choice.student)}, the ensemble ${scored(choice.ensemble)}: ${verdict}`;
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
