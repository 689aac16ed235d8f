/**
 * One member of a classifier: an encoder and the head trained on its vectors. Training holds out the
 * heads' stratified validation split, keeps the held-out probabilities (for fusion weights and
 * temperature scaling) and, with `refit`, retrains on every row for the epoch count that did best
 * on the held-out rows: early stopping on validation loss stops before accuracy peaks, and the
 * held-out 10% is worth having back (BANKING77 5-fold CV: 0.878 -> 0.89).
 */
import type { EmbedResult, EmbeddedTexts, Encoder, Features, Matrix, SparseMatrix } from '../encoders/encoder.js';
import { isFittable, isSparseEncoder, isSparseMatrix } from '../encoders/encoder.js';
import type { EmbeddingCache } from '../embedding-cache.js';
import { UsageError } from '../errors.js';
import { isSparseHead, type AnyHead, type HeadSpec, type HeadType, type Targets, type TrainOptions, type TrainReport } from '../heads/head.js';
import { createHead, createSparseHead } from '../heads/factory.js';
import { resolveTrainOptions } from '../heads/options.js';
import { SPARSE_TRAIN_DEFAULTS } from '../heads/sparse-linear.js';
import { gatherRows } from '../heads/standardize.js';

export interface Member {
  encoder: Encoder;
  ownsEncoder: boolean;
  cache: EmbeddingCache | undefined;
  head?: AnyHead;
  /** The pretrained encoder, kept when `encoder` is a fine-tuned copy of it (the next fit starts from it). */
  pretrained?: { encoder: Encoder; ownsEncoder: boolean; cache: EmbeddingCache | undefined };
}

export interface MemberFitOptions extends Partial<TrainOptions> {
  head: HeadType;
  hidden: number;
  dropout: number;
  standardize: boolean;
  /** Retrain on all rows after early stopping (single-label with a validation split only). */
  refit: boolean;
}

export interface MemberTraining {
  head: AnyHead;
  spec: HeadSpec;
  embedded: Features;
  embedSeconds: number;
  /** The early-stopping run (the one with validation history). */
  report: TrainReport;
  /** Epochs of the final all-rows run, when there was one. */
  refitEpochs?: number;
  refitSeconds?: number;
  /** Probabilities of the early-stopping head on the held-out rows. */
  validationProbabilities?: Float32Array;
}

export function embedWith(member: Member, texts: readonly string[], signal: AbortSignal | undefined): Promise<EmbedResult> {
  return member.cache ? member.cache.embed(member.encoder, texts, { signal }) : member.encoder.embed(texts, { signal });
}

/**
 * The member's vectors of `texts` in the form its head reads: sparse rows for a sparse head (or,
 * before training, for an encoder that offers them), dense rows otherwise. `embedded` is used
 * instead of embedding again where it is the member's encoder's output, or the part a TF-IDF+
 * embeddings encoder appends.
 */
export async function memberFeatures(member: Member, texts: readonly string[], signal: AbortSignal | undefined, embedded?: EmbeddedTexts): Promise<Features> {
  const sparse = member.head ? isSparseHead(member.head) : isSparseEncoder(member.encoder);
  if (sparse && isSparseEncoder(member.encoder)) return member.encoder.embedSparse(texts, { signal, embedded });
  return reusedVectors(member, texts, embedded) ?? embedWith(member, texts, signal);
}

/** The head's probabilities for `x`; a dense head given sparse rows (or the reverse) is a UsageError. */
export function predictMember(head: AnyHead, x: Matrix | SparseMatrix): Float32Array {
  if (isSparseHead(head) !== isSparseMatrix(x)) {
    throw new UsageError('HEAD_INPUT_KIND', `the head reads ${isSparseHead(head) ? 'sparse' : 'dense'} rows but was given ${isSparseMatrix(x) ? 'sparse' : 'dense'} ones`);
  }
  return isSparseHead(head) ? head.predictProba(x as SparseMatrix) : head.predictProba(x as Matrix);
}

/** The rows of `x` listed in `rows`, as a matrix. */
export function selectRows(x: Matrix, rows: Int32Array): Matrix {
  return { data: gatherRows(x, rows, undefined), rows: rows.length, dim: x.dim };
}

/** The rows of a CSR matrix listed in `rows`. */
export function selectSparseRows(x: SparseMatrix, rows: Int32Array): SparseMatrix {
  const indptr = new Int32Array(rows.length + 1);
  rows.forEach((row, i) => (indptr[i + 1] = indptr[i] + x.indptr[row + 1] - x.indptr[row]));
  const indices = new Int32Array(indptr[rows.length]);
  const values = new Float32Array(indptr[rows.length]);
  rows.forEach((row, i) => {
    indices.set(x.indices.subarray(x.indptr[row], x.indptr[row + 1]), indptr[i]);
    values.set(x.values.subarray(x.indptr[row], x.indptr[row + 1]), indptr[i]);
  });
  return { rows: rows.length, dim: x.dim, indptr, indices, values };
}

/** `embedded`'s vectors when they are `member`'s encoder's output for `texts` (computed for another member). */
export function reusedVectors(member: Member, texts: readonly string[], embedded: EmbeddedTexts | undefined): EmbedResult | undefined {
  return embedded?.fingerprint === member.encoder.fingerprint && embedded.vectors.rows === texts.length ? embedded.vectors : undefined;
}

/** The epoch count for the all-rows run: the earliest epoch with the best held-out accuracy. */
export function refitEpochCount(report: TrainReport): number {
  let best = report.history[0];
  for (const log of report.history) if ((log.valAccuracy ?? -1) > (best.valAccuracy ?? -1)) best = log;
  return Math.max(1, best.epoch);
}

/** Whether the member's head reads sparse rows: TF-IDF (or TF-IDF+embeddings) under a plain linear head. */
export function readsSparseRows(encoder: Encoder, options: Pick<MemberFitOptions, 'head' | 'standardize'>): boolean {
  return isSparseEncoder(encoder) && options.head === 'linear' && !options.standardize;
}

export async function trainMember(
  member: Member,
  texts: readonly string[],
  targets: Targets,
  numLabels: number,
  validationRows: Int32Array,
  options: MemberFitOptions,
  given?: EmbeddedTexts,
): Promise<MemberTraining> {
  const started = performance.now();
  if (isFittable(member.encoder)) await member.encoder.fit(texts);
  const { head: type, hidden, dropout, standardize, refit, ...train } = options;
  // TF-IDF rows stay sparse for a plain linear head; an MLP or standardised inputs need dense rows.
  const sparse = readsSparseRows(member.encoder, { head: type, standardize });
  const embedded: Features =
    sparse && isSparseEncoder(member.encoder)
      ? await member.encoder.embedSparse(texts, { signal: options.signal, embedded: given })
      : (reusedVectors(member, texts, given) ?? (await embedWith(member, texts, options.signal)));
  const embedSeconds = (performance.now() - started) / 1000;

  const spec: HeadSpec = {
    type,
    inputDim: embedded.dim,
    numLabels,
    multiLabel: targets.kind === 'multi',
    hidden,
    dropout,
    standardize,
    ...(sparse && { input: 'sparse' as const }),
  };
  const resolved = resolveTrainOptions(type, sparse ? { ...SPARSE_TRAIN_DEFAULTS, ...train } : train);
  const newHead = (): Promise<AnyHead> => (sparse ? Promise.resolve(createSparseHead(spec)) : createHead(spec));
  const fit = (head: AnyHead, trainOptions: Partial<TrainOptions>) =>
    isSparseHead(head) ? head.fit(embedded as SparseMatrix, targets, trainOptions) : head.fit(embedded as Matrix, targets, trainOptions);
  const head = await newHead();
  try {
    const report = await fit(head, resolved);
    const held = validationRows.length > 0;
    const validationProbabilities = held
      ? predictMember(head, isSparseMatrix(embedded) ? selectSparseRows(embedded, validationRows) : selectRows(embedded, validationRows))
      : undefined;
    if (!refit || !held || spec.multiLabel) return { head, spec, embedded, embedSeconds, report, validationProbabilities };

    // The sparse head is fitted to convergence (its iteration cap bounds the refit as well).
    const final = await newHead();
    try {
      const refitReport = await fit(final, { ...resolved, validationSplit: 0, ...(!sparse && { epochs: refitEpochCount(report) }) });
      head.dispose();
      return { head: final, spec, embedded, embedSeconds, report, refitEpochs: refitReport.epochsRun, refitSeconds: refitReport.seconds, validationProbabilities };
    } catch (error) {
      final.dispose();
      throw error;
    }
  } catch (error) {
    head.dispose();
    throw error;
  }
}
