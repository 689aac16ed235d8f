/**
 * One member of a classifier: an encoder and the head trained on its vectors. Every kind of member
 * (frozen head, fine-tuned table, label similarity; src/members/train.ts) predicts the same way:
 * its head over its encoder's vectors, sparse or dense as the head reads them.
 */
import {
  type EmbedResult,
  embedAll,
  type Encoder,
  type Features,
  type Matrix,
  type SparseMatrix,
  isSparseEncoder,
  isSparseMatrix,
  type TunableEncoder,
} from '../encoders/index.js';
import type { EmbeddingCache } from '../embedding-cache.js';
import { UsageError } from '../errors.js';
import {
  isSparseHead,
  type AnyHead,
  type HeadSpec,
  type HeadType,
  type TrainOptions,
  type TrainReport,
  gatherRows,
} from '../heads/index.js';
import type { ComputedVectors } from './vectors.js';

export interface Member {
  encoder: Encoder;
  cache: EmbeddingCache | undefined;
  head?: AnyHead | undefined;
  /** The pretrained encoder, kept when `encoder` is a fine-tuned copy of it (the next fit starts from it). */
  pretrained?: { encoder: Encoder; cache: EmbeddingCache | undefined };
}

export interface MemberFitOptions extends Partial<TrainOptions> {
  head: HeadType;
  hidden: number;
  dropout: number;
  standardize: boolean;
  /** Retrain on all rows after early stopping (single-label with a validation split only). */
  refit: boolean;
}

interface TrainingCommon {
  head: AnyHead;
  spec: HeadSpec;
  embedded: Features;
  embedSeconds: number;
  /** The early-stopping run (the one with validation history). */
  report: TrainReport;
  /** Epochs of the final all-rows run, when there was one. */
  refitEpochs?: number | undefined;
  refitSeconds?: number;
  /** Probabilities of the early-stopping head on the held-out rows. */
  validationProbabilities?: Float32Array | undefined;
  /** Probabilities of the early-stopping head on the training rows it was asked for (`TrainingData.trainingRows`). */
  trainingProbabilities?: Float32Array | undefined;
}

/** What training one member produced, tagged by the member's kind. */
export type MemberTraining =
  | (TrainingCommon & { kind: 'frozen' })
  /** `encoder`: the encoder over the tuned table, to use (and own) in place of the pretrained one. */
  | (TrainingCommon & { kind: 'fine-tuned'; encoder: TunableEncoder })
  /** The fitted scale, and the share of training rows the label texts alone classify correctly. */
  | (TrainingCommon & { kind: 'label-similarity'; labelSimilarity: { scale: number; trainingAccuracy: number } });

function embedWith(member: Member, texts: readonly string[], signal: AbortSignal | undefined): Promise<EmbedResult> {
  return member.cache
    ? member.cache.embed(member.encoder, texts, { signal })
    : embedAll(member.encoder, texts, { signal });
}

/**
 * The member's vectors of `texts` in the form its head reads: sparse rows for a sparse head (or,
 * when `sparse` says so before training, for an encoder that offers them), dense rows otherwise.
 * Vectors in `computed` are used instead of embedding again (src/members/vectors.ts).
 */
export async function memberFeatures(
  member: Member,
  texts: readonly string[],
  signal: AbortSignal | undefined,
  computed?: ComputedVectors,
  sparse = member.head ? isSparseHead(member.head) : isSparseEncoder(member.encoder),
): Promise<Features> {
  const given = computed?.for(member.encoder);
  if (sparse && isSparseEncoder(member.encoder)) return member.encoder.embedSparse(texts, { signal, embedded: given });
  const own =
    given?.fingerprint === member.encoder.fingerprint && given.vectors.rows === texts.length
      ? given.vectors
      : undefined;
  return own ?? embedWith(member, texts, signal);
}

/** The head's probabilities for `x`; a dense head given sparse rows (or the reverse) is a UsageError. */
export function predictMember(head: AnyHead, x: Matrix | SparseMatrix): Float32Array {
  if (isSparseHead(head) && isSparseMatrix(x)) return head.predictProba(x);
  if (!isSparseHead(head) && !isSparseMatrix(x)) return head.predictProba(x);
  throw new UsageError(
    'HEAD_INPUT_KIND',
    `the head reads ${isSparseHead(head) ? 'sparse' : 'dense'} rows but was given ${isSparseMatrix(x) ? 'sparse' : 'dense'} ones`,
  );
}

/** The rows of `x` listed in `rows`, as a matrix. */
export function selectRows(x: Matrix, rows: Int32Array): Matrix {
  return { data: gatherRows(x, rows, undefined), rows: rows.length, dim: x.dim };
}

/** The rows of a CSR matrix listed in `rows`. */
export function selectSparseRows(x: SparseMatrix, rows: Int32Array): SparseMatrix {
  const indptr = new Int32Array(rows.length + 1);
  rows.forEach((row, i) => (indptr[i + 1] = indptr[i]! + x.indptr[row + 1]! - x.indptr[row]!));
  const nonZeros = indptr[rows.length]!;
  const indices = new Int32Array(nonZeros);
  const values = new Float32Array(nonZeros);
  rows.forEach((row, i) => {
    indices.set(x.indices.subarray(x.indptr[row], x.indptr[row + 1]), indptr[i]);
    values.set(x.values.subarray(x.indptr[row], x.indptr[row + 1]), indptr[i]);
  });
  return { rows: rows.length, dim: x.dim, indptr, indices, values };
}

/** Whether the member's head reads sparse rows: TF-IDF (or TF-IDF+embeddings) under a plain linear head. */
export function readsSparseRows(encoder: Encoder, options: Pick<MemberFitOptions, 'head' | 'standardize'>): boolean {
  return isSparseEncoder(encoder) && options.head === 'linear' && !options.standardize;
}
