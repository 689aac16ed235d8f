/**
 * What `auto` trains, decided before training from counted work: rows, labels, the static
 * encoder's tokens, TF-IDF words and the dense width, times fixed paces measured once on the
 * reference machine. No clock is read, so the same data gives the same decision on a quiet and on a
 * loaded machine. The paces, the limit and the benchmark corpora's estimates:
 * docs/decisions/auto-recipe.md.
 */
import { type Encoder, isTunable } from '../encoders/index.js';
import type { LabelInput } from '../labels.js';

/** The limit on each part's estimate, in seconds of the reference machine: the 5 minutes the wall-clock budget defaulted to. */
const WORK_LIMIT_SECONDS = 300;

/**
 * Epochs budgeted for a dense head or the fine-tuned table (early-stopping run plus refit): runs
 * stop after 15-30 epochs (patience 10) and the refit repeats most of them.
 */
export const EPOCHS_PROJECTED = 40;
/**
 * Epochs budgeted for auto's distilled student (auto-student.ts), in passes over all rows: the check
 * student's early-stopping run and refit on the rows not held out, then the saved student on every row
 * for the refit's epochs. Soft labels keep the loss falling longer than a member's on small sets:
 * fpb50's check alone took about 125 passes (35.6 s CPU against 0.28 s a pass), Banking77's best epoch
 * was 57; SST-2's was 8, so large sets are overestimated, on the safe side of the limit.
 */
const STUDENT_EPOCHS_PROJECTED = 180;
/** L-BFGS iterations budgeted for the TF-IDF regression: at most 100 on the held-out split and 100 in the refit. */
const LEXICAL_ITERATIONS_PROJECTED = 200;

/** CPU seconds per unit on the reference machine (2-core AMD EPYC, node 20, tfjs wasm). */
const PACE = {
  /** Fine-tuning, per training row and epoch (the head and the table's per-row work). */
  fineTuneRow: 39e-6,
  /** Fine-tuning, per token and epoch (gathering and updating table rows). */
  fineTuneToken: 0.8e-6,
  /** A head over frozen embeddings, per training row and epoch, and per row, epoch and label. */
  frozenRow: 18e-6,
  frozenRowLabel: 0.15e-6,
  /** The TF-IDF regression, per non-zero feature, per label (plus one) and iteration. */
  lexicalFeatureLabel: 4e-9,
};

/** scikit-learn's token pattern, as the TF-IDF encoder counts words (src/encoders/lexical/tfidf.ts). */
const WORD = /[\p{L}\p{N}_]{2,}/gu;

export interface WorkCounts {
  rows: number;
  labels: number;
  /** Tokens under a tunable (static) encoder's tokenizer (words for any other encoder). */
  tokens: number;
  /** TF-IDF words; unigrams plus bigrams are at most twice as many non-zeros. */
  words: number;
  /** Dense columns appended to the TF-IDF row (0 for plain TF-IDF). */
  denseDim: number;
}

/** Each member's cost in seconds of the reference machine: counts times PACE, never a clock. */
export interface WorkEstimate {
  counts: WorkCounts;
  fineTuneSeconds: number;
  /** The distilled student's fine-tuning (check and saved student): auto-student.ts. */
  studentSeconds: number;
  lexicalSeconds: number;
  frozenSeconds: number;
  limitSeconds: number;
}

function countWork(
  texts: readonly string[],
  labels: LabelInput,
  encoder: Encoder,
  lexicalDenseDim: number,
): WorkCounts {
  let words = 0;
  for (const text of texts) words += text.match(WORD)?.length ?? 0;
  let tokens = words;
  if (isTunable(encoder)) {
    tokens = 0;
    for (const text of texts) tokens += encoder.tokenize(text).ids.length;
  }
  const labelSet = new Set<string>();
  for (const entry of labels) for (const label of typeof entry === 'string' ? [entry] : entry) labelSet.add(label);
  return { rows: texts.length, labels: labelSet.size, tokens, words, denseDim: lexicalDenseDim };
}

export function estimateWork(counts: WorkCounts): WorkEstimate {
  const { rows, labels, tokens, words, denseDim } = counts;
  const nonZeros = 2 * words + rows * denseDim;
  const fineTuneEpoch = rows * PACE.fineTuneRow + tokens * PACE.fineTuneToken;
  return {
    counts,
    fineTuneSeconds: EPOCHS_PROJECTED * fineTuneEpoch,
    studentSeconds: STUDENT_EPOCHS_PROJECTED * fineTuneEpoch,
    lexicalSeconds: LEXICAL_ITERATIONS_PROJECTED * nonZeros * (labels + 1) * PACE.lexicalFeatureLabel,
    frozenSeconds: EPOCHS_PROJECTED * rows * (PACE.frozenRow + labels * PACE.frozenRowLabel),
    limitSeconds: WORK_LIMIT_SECONDS,
  };
}

/**
 * The members that fit the limit, by the two checks the wall-clock budget makes (fine-tuning's
 * projected epochs within the budget, then the frozen head and TF-IDF within it), from counts
 * instead of a timed epoch: fine-tuning goes first, then the TF-IDF member; the frozen head stays.
 * The distilled student, a fine-tuned table too, needs fine-tuning and its own estimate within the limit.
 */
export function membersWithin(
  estimate: WorkEstimate,
  wantFineTune: boolean,
  wantStudent = false,
): { fineTune: boolean; lexical: boolean; student: boolean } {
  const { fineTuneSeconds, studentSeconds, lexicalSeconds, frozenSeconds, limitSeconds } = estimate;
  const lexical = frozenSeconds + lexicalSeconds <= limitSeconds;
  const fineTune = wantFineTune && lexical && fineTuneSeconds <= limitSeconds;
  return { fineTune, lexical, student: wantStudent && fineTune && studentSeconds <= limitSeconds };
}

/** One line for reasons and stage messages: the estimate of the candidates, what is left out, the limit. */
function describeEstimate(
  estimate: WorkEstimate,
  parts: ReturnType<typeof membersWithin>,
  wanted: { fineTune: boolean; student: boolean },
): string {
  const { fineTuneSeconds, studentSeconds, lexicalSeconds, frozenSeconds, limitSeconds, counts } = estimate;
  const s = (seconds: number) => `${seconds.toFixed(0)} s`;
  const out = (kept: boolean) => (kept ? '' : ' (left out)');
  const fineTune = wanted.fineTune ? `fine-tuning ${s(fineTuneSeconds)}${out(parts.fineTune)}, ` : '';
  const student = wanted.fineTune && wanted.student ? `student ${s(studentSeconds)}${out(parts.student)}, ` : '';
  return `counted work for ${counts.rows} rows, ${counts.tokens} tokens, ${counts.labels} labels: ${fineTune}${student}TF-IDF ${s(lexicalSeconds)}${out(parts.lexical)}, frozen head ${s(frozenSeconds)} of a ${s(limitSeconds)} limit (seconds of the reference machine)`;
}

export interface CountedPlan extends ReturnType<typeof membersWithin> {
  work: WorkEstimate;
  /** The estimate and what it leaves out, for reasons and stage messages. */
  described: string;
}

/**
 * Counts the work of `texts` and decides which members fit the limit (`wantFineTune`: whether
 * fine-tuning is a candidate; `wantStudent`: whether the distilled student is).
 */
export function planByCountedWork(
  texts: readonly string[],
  labels: LabelInput,
  encoder: Encoder,
  lexicalDenseDim: number,
  wantFineTune: boolean,
  wantStudent = false,
): CountedPlan {
  const work = estimateWork(countWork(texts, labels, encoder, lexicalDenseDim));
  const within = membersWithin(work, wantFineTune, wantStudent);
  const described = describeEstimate(work, within, { fineTune: wantFineTune, student: wantStudent });
  return { work, ...within, described };
}
