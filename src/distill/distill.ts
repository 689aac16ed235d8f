/**
 * Knowledge distillation: a fast student (one head over a static encoder, potion by default) trained
 * on a stronger teacher's temperature-softened probabilities, over the labelled texts and any extra
 * unlabelled in-domain texts, mixed with the hard labels where they exist. The student is a normal
 * checkpoint; the report compares it with the teacher on an evaluation set or a held-out split.
 */
import { describeSpec, TextClassifier } from '../classifier.js';
import { EncoderPool } from '../members/index.js';
import {
  isEncoder,
  type Encoder,
  type EncoderSpec,
  createEncoder,
  type EncoderChoice,
  type EncoderLoadOptions,
} from '../encoders/index.js';
import { evenMix } from '../fusion/index.js';
import { DataError, UsageError } from '../errors.js';
import { type HeadSpec, type SoftTargets, argmaxRows, DEFAULT_ALPHA, DEFAULT_SEED } from '../heads/index.js';
import { encodeTargets } from '../labels.js';
import { containmentGroups, groupedStratifiedSplit } from '../splits/index.js';
import { compareOnTexts, type Comparison } from './compare.js';
import { softenProbabilities } from './soften.js';
import { studentRecord } from './record.js';
import { teacherProbabilitiesOf } from './teacher.js';
import { trainStudent, type StudentFitOptions, type StudentTraining } from './student.js';
import { checkTrainingTask, type TaskWarning } from '../data/index.js';

export const DEFAULT_TEMPERATURE = 2;
/** Share of the texts held out to compare teacher and student when no evaluation set is given. */
export const DEFAULT_HOLD_OUT = 0.2;

export interface DistillOptions extends EncoderLoadOptions {
  /** Any trained single-label classifier: an `auto` fused checkpoint, a transformer-encoder one, ... */
  teacher: TextClassifier;
  /** Training texts; the teacher labels them all. */
  texts: readonly string[];
  /** Their true labels, if known: mixed into the loss with weight `alpha`. */
  labels?: readonly string[];
  /** Extra in-domain texts without labels: the student learns the teacher's soft labels of them too. */
  unlabeledTexts?: readonly string[] | undefined;
  student?: {
    /**
     * 'potion' (default), 'tfidf', a model directory, `hf:<id>`, an EncoderSpec or an Encoder (not
     * disposed: the student shares it unless fine-tuned, so it must outlive the student).
     */
    encoder?: EncoderChoice | EncoderSpec | Encoder;
    fit?: StudentFitOptions;
  };
  /** Softening temperature T of the teacher's probabilities (default 2). */
  temperature?: number;
  /** Weight of the hard-label loss where labels exist, in [0, 1] (default 0.5). */
  alpha?: number;
  /** Texts (and labels) to compare teacher and student on; else a held-out split of `texts`. */
  evaluation?: { texts: readonly string[]; labels?: readonly string[] } | undefined;
  /**
   * Without `evaluation`: the share of `texts` held out from the student (stratified, a text kept
   * with the texts that contain it) to compare
   * on (default 0.2; 0 trains on every text and compares on none). If the teacher was trained on
   * these texts its scores on them are optimistic: pass `evaluation` for a fair comparison.
   */
  holdOut?: number;
  /** Timed passes of each side over the comparison texts (best kept; default 2). */
  timingRounds?: number;
  signal?: AbortSignal;
  onStage?: (message: string) => void;
  /** Told each warning about the training data (src/data/task-checks.ts) before the student trains; they are also in the report. */
  onWarning?: (warning: TaskWarning) => void;
}

export interface DistillReport {
  teacher: { encoders: string[]; labels: string[] };
  student: {
    encoder: string;
    head: HeadSpec;
    epochsRun: number;
    bestEpoch: number;
    refitEpochs?: number;
    trainSeconds: number;
    embedSeconds: number;
  };
  temperature: number;
  alpha: number;
  /** Labelled texts the student trained on (held-out ones excluded). */
  labelledTexts: number;
  unlabeledTexts: number;
  /** Rows of soft labels the student trained on: labelled + unlabelled texts. */
  trainingRows: number;
  /** Seconds the teacher took to label the training texts. */
  teacherLabelSeconds: number;
  seconds: number;
  /** Teacher against student on the evaluation texts (absent with holdOut 0 and no evaluation set). */
  comparison?: Comparison & { source: 'evaluation' | 'held-out' };
  /** Suspect training data the student was trained on anyway. */
  warnings: TaskWarning[];
}

export async function distill(options: DistillOptions): Promise<{ classifier: TextClassifier; report: DistillReport }> {
  const started = performance.now();
  const {
    teacher,
    texts,
    labels,
    unlabeledTexts = [],
    evaluation,
    signal,
    onStage = () => {},
    modelDir,
    allowDownload,
  } = options;
  const temperature = options.temperature ?? DEFAULT_TEMPERATURE;
  const alpha = labels ? (options.alpha ?? DEFAULT_ALPHA) : 0;
  const holdOut = evaluation ? 0 : (options.holdOut ?? DEFAULT_HOLD_OUT);
  checkInputs(options, temperature, alpha, holdOut);
  const numLabels = teacher.labels.length;
  const hard = labels && classIndices(labels, teacher.labels);
  const evaluationLabels = evaluation?.labels && classIndices(evaluation.labels, teacher.labels);

  onStage(`distill: the teacher labels ${texts.length + unlabeledTexts.length} texts`);
  const labelStarted = performance.now();
  const teacherProbabilities = await teacherProbabilitiesOf(teacher, [...texts, ...unlabeledTexts], signal);
  const teacherLabelSeconds = (performance.now() - labelStarted) / 1000;

  const strata = hard ?? argmaxRows(teacherProbabilities.subarray(0, texts.length * numLabels), numLabels);
  // Held-out texts are compared on unseen text: a text stays with the texts that contain it (src/splits/containment.ts).
  const split =
    holdOut > 0
      ? groupedStratifiedSplit(strata, holdOut, options.student?.fit?.seed ?? DEFAULT_SEED, containmentGroups(texts))
      : { train: Int32Array.from(texts.keys()), test: new Int32Array(0) };
  const trainRows = Int32Array.from([...split.train, ...Array.from(unlabeledTexts, (_, i) => texts.length + i)]);
  const allTexts = [...texts, ...unlabeledTexts];
  const targets: SoftTargets = {
    kind: 'soft',
    probabilities: softenProbabilities(gather(teacherProbabilities, numLabels, trainRows), numLabels, temperature),
    temperature,
    ...(hard && { labels: Int32Array.from(trainRows, (row) => (row < texts.length ? hard[row]! : -1)), alpha }),
  };

  const choice = options.student?.encoder ?? 'potion';
  const shared = isEncoder(choice);
  const pool = new EncoderPool();
  const encoder = shared ? choice : pool.own(await createEncoder(choice, { modelDir, allowDownload }));
  let trained: StudentTraining;
  let warnings: TaskWarning[];
  try {
    warnings = checkTrainingTask(allTexts, labels ?? [], encoder);
    for (const warning of warnings) options.onWarning?.(warning);
    onStage(
      `distill: training the student (${describeSpec(encoder.spec)}) on ${trainRows.length} soft labels at temperature ${temperature}`,
    );
    trained = await trainStudent(
      encoder,
      Array.from(trainRows, (row) => allTexts[row]!),
      targets,
      numLabels,
      { ...options.student?.fit, signal },
    );
  } catch (error) {
    await pool.dispose();
    throw error;
  }
  if (trained.tunedEncoder) {
    await pool.release(encoder, []);
    pool.own(trained.tunedEncoder);
  }
  const record = studentRecord(trained, teacher, targets, {
    temperature,
    alpha,
    labelledTexts: split.train.length,
    unlabeledTexts: unlabeledTexts.length,
  });
  const member = { encoder: trained.tunedEncoder ?? encoder, cache: undefined, head: trained.head };
  const student = TextClassifier.fromMembers([member], pool, {
    labels: [...teacher.labels],
    multiLabel: false,
    mix: evenMix(1),
    training: record,
  });

  try {
    let comparison: DistillReport['comparison'];
    if (evaluation || split.test.length > 0) {
      const compareTexts = evaluation ? evaluation.texts : Array.from(split.test, (row) => texts[row]!);
      const compareLabels = evaluation ? evaluationLabels : hard && Int32Array.from(split.test, (row) => hard[row]!);
      onStage(
        `distill: comparing teacher and student on ${compareTexts.length} ${evaluation ? 'evaluation' : 'held-out'} texts`,
      );
      const result = await compareOnTexts(teacher, student, compareTexts, compareLabels, {
        rounds: options.timingRounds,
        signal,
      });
      comparison = { source: evaluation ? 'evaluation' : 'held-out', ...result };
    }
    const report: DistillReport = {
      teacher: { encoders: teacher.encoders.map((e) => describeSpec(e.spec)), labels: [...teacher.labels] },
      student: {
        encoder: describeSpec(student.encoder.spec),
        head: trained.spec,
        epochsRun: trained.report.epochsRun,
        bestEpoch: trained.report.bestEpoch,
        ...(trained.refitEpochs !== undefined && { refitEpochs: trained.refitEpochs }),
        trainSeconds: trained.trainSeconds,
        embedSeconds: trained.embedSeconds,
      },
      temperature,
      alpha,
      labelledTexts: split.train.length,
      unlabeledTexts: unlabeledTexts.length,
      trainingRows: trainRows.length,
      teacherLabelSeconds,
      seconds: (performance.now() - started) / 1000,
      ...(comparison && { comparison }),
      warnings,
    };
    return { classifier: student, report };
  } catch (error) {
    await student.dispose();
    throw error;
  }
}

/** Single-label class indices into the teacher's labels; a label it does not know is a DataError naming the row. */
function classIndices(labels: readonly string[], vocabulary: readonly string[]): Int32Array {
  return encodeTargets(labels, vocabulary).labels as Int32Array;
}

function gather(matrix: Float32Array, width: number, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * width);
  rows.forEach((row, i) => out.set(matrix.subarray(row * width, (row + 1) * width), i * width));
  return out;
}

function checkInputs(options: DistillOptions, temperature: number, alpha: number, holdOut: number): void {
  const { teacher, texts, labels, unlabeledTexts = [], evaluation } = options;
  if (!teacher.trained)
    throw new UsageError('NOT_TRAINED', 'the teacher has not been trained: call fit() or TextClassifier.load()');
  if (teacher.multiLabel) {
    throw new UsageError('DISTILL_MULTI_LABEL', 'distillation needs a single-label teacher; this one is multi-label', {
      hint: 'train a multi-label student directly with headstart train',
    });
  }
  if (!(typeof temperature === 'number' && temperature > 0 && Number.isFinite(temperature))) {
    throw new UsageError(
      'DISTILL_OPTION',
      `temperature must be a finite number > 0, got ${JSON.stringify(temperature)}`,
    );
  }
  if (!(typeof alpha === 'number' && alpha >= 0 && alpha <= 1))
    throw new UsageError('DISTILL_OPTION', `alpha must be a number in [0, 1], got ${JSON.stringify(alpha)}`);
  if (!(typeof holdOut === 'number' && holdOut >= 0 && holdOut < 1))
    throw new UsageError('DISTILL_OPTION', `holdOut must be a number in [0, 1), got ${JSON.stringify(holdOut)}`);
  if (labels && labels.length !== texts.length)
    throw new UsageError('FIT_LENGTH_MISMATCH', `distill got ${texts.length} texts but ${labels.length} labels`);
  if (labels?.some((label) => typeof label !== 'string'))
    throw new UsageError('DISTILL_OPTION', 'distill labels must be one string per text (single-label)');
  if (texts.length === 0) throw new DataError('NO_TRAINING_DATA', 'distill got no texts');
  if (evaluation) {
    if (evaluation.texts.length === 0)
      throw new DataError('NO_TRAINING_DATA', 'distill got an evaluation set without texts');
    if (evaluation.labels && evaluation.labels.length !== evaluation.texts.length) {
      throw new UsageError(
        'EVAL_LENGTH_MISMATCH',
        `the evaluation set has ${evaluation.texts.length} texts but ${evaluation.labels.length} labels`,
      );
    }
  }
  for (const [field, list] of [
    ['texts', texts],
    ['unlabeledTexts', unlabeledTexts],
  ] as const) {
    list.forEach((text, index) => {
      if (typeof text !== 'string' || text.trim() === '') {
        throw new DataError('EMPTY_TEXT', `${field} #${index} is empty`, {
          location: { index, field },
          hint: 'remove the row or read the file with --on-bad-row skip',
        });
      }
    });
  }
}
