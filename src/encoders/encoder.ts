/**
 * The one interface every encoder implements (static Model2Vec, transformer, TF-IDF).
 * Shaped after the Vercel AI SDK embedding model: a per-call cap and an abort signal.
 */
import { UsageError } from '../errors.js';

export type TransformerDtype = 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4';
export type Pooling = 'mean' | 'cls' | 'none';

/** Encoders with pretrained weights, the kind whose embeddings a concatenation appends. */
export type PretrainedSpec =
  | {
      type: 'static';
      model: string;
      maxTokens: number;
      /** A fine-tuned table stored in the checkpoint under these file names (tokenizer copied beside it). */
      tuned?: { table: string; tokenizer: string } | undefined;
    }
  | {
      type: 'transformer';
      model: string;
      dtype: TransformerDtype;
      pooling: Pooling;
      normalize: boolean;
      maxTokens: number;
    };

export type EncoderSpec =
  | PretrainedSpec
  | ({ type: 'tfidf' } & TfidfSettings)
  /** TF-IDF rows with the dense encoder's z-scored embedding appended (src/encoders/concat.ts). */
  | { type: 'concat'; tfidf: TfidfSettings; dense: PretrainedSpec; denseWeight: number };

/** What a TF-IDF encoder is built with (src/encoders/lexical/tfidf.ts). */
export interface TfidfSettings {
  ngramMax: 1 | 2;
  /** Keep terms that occur in at least this many training texts. */
  minDf: number;
  /** Keep at most this many terms, the most frequent over the training texts. */
  maxFeatures: number;
  sublinearTf: boolean;
}

export type EncoderType = EncoderSpec['type'];

/** What happened to one text on its way to a vector. */
export interface TextInfo {
  /** Tokens that reached the model (after truncation, without dropped unknowns). */
  tokens: number;
  /** The text had more than `maxTokens` tokens and was cut. */
  truncated: boolean;
  /** The text was empty or whitespace-only, or produced no known token: its vector is all zeros. */
  empty: boolean;
}

/** A row-major `[rows, dim]` float32 matrix. */
export interface Matrix {
  data: Float32Array;
  rows: number;
  dim: number;
}

export interface EmbedResult extends Matrix {
  info: TextInfo[];
  /** The ids a static encoder summed for each text (src/encoders/static/); other encoders leave it out. */
  tokenIds?: TokenIds;
}

/**
 * A static encoder's token ids of `texts`, which another static encoder over the same tokenizer
 * takes (through `EmbedOptions.tokenIds`) instead of tokenizing the texts again.
 */
export interface TokenIds {
  /** Names the tokenizer and its truncation: equal keys, equal ids for the same text. */
  tokenizer: string;
  /** The texts the ids are of: the same array, not an equal one. */
  texts: readonly string[];
  /** Every text's ids in text order, in one array: text i's run from `offsets[i]` to `offsets[i + 1]`. */
  ids: Int32Array;
  offsets: Int32Array;
  /** 1 where `maxTokens` cut text i. */
  truncated: Uint8Array;
}

/** A static encoder's ids of one text: the table rows it sums, and whether `maxTokens` cut the text. */
export interface TokenizedText {
  ids: number[];
  truncated: boolean;
}

/**
 * A `[rows, dim]` float32 matrix in compressed sparse row form: row r's columns are
 * `indices[indptr[r] .. indptr[r+1])` (ascending) with `values` at the same positions. It has no
 * `data` field, so it cannot be passed where a dense Matrix is expected.
 */
export interface SparseMatrix {
  rows: number;
  dim: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
  /** The same rows in two parts, when their last columns are dense (src/encoders/split-rows.ts). */
  split?: SplitColumns | undefined;
}

/**
 * Rows whose last `width` columns are dense (TF-IDF+embeddings): `sparse` holds the columns before
 * them, `dense` the block, `[rows, width]` row-major. A reader that takes the parts apart (the
 * sparse head) is spared the CSR copy of the block.
 */
export interface SplitColumns {
  sparse: SparseMatrix;
  dense: Float32Array;
  width: number;
}

export interface SparseEmbedResult extends SparseMatrix {
  info: TextInfo[];
}

/** What a head reads: dense rows, or sparse rows (tell them apart with `isSparseMatrix`). */
export type Features = EmbedResult | SparseEmbedResult;

/** The dense form of sparse rows (zeros materialised), for callers that ask a sparse encoder for `embed`. */
/**
 * The most values sparse rows are densified into (1 GiB of float32): a dense head over TF-IDF's
 * vocabulary (up to 200k terms) needs rows x vocabulary of them, and more would exhaust the memory.
 */
const MAX_DENSIFIED_VALUES = 2 ** 28;

/** UsageError when `rows` sparse rows of `dim` columns would densify into more than MAX_DENSIFIED_VALUES values. */
export function assertDensifiable(rows: number, dim: number): void {
  if (rows * dim <= MAX_DENSIFIED_VALUES) return;
  const gigabytes = ((rows * dim * Float32Array.BYTES_PER_ELEMENT) / 2 ** 30).toFixed(1);
  throw new UsageError(
    'DENSE_ROWS_TOO_LARGE',
    `${rows} rows of ${dim} sparse features would densify into ${gigabytes} GiB, over the ${(MAX_DENSIFIED_VALUES * Float32Array.BYTES_PER_ELEMENT) / 2 ** 30} GiB limit`,
    {
      hint: 'a linear head without standardize reads TF-IDF rows sparse; or lower the TF-IDF maxFeatures, or embed fewer texts per call',
    },
  );
}

export function densify(sparse: SparseEmbedResult): EmbedResult {
  const { rows, dim, indptr, indices, values, info } = sparse;
  assertDensifiable(rows, dim);
  const data = new Float32Array(rows * dim);
  for (let row = 0; row < rows; row++) {
    for (let k = indptr[row]!; k < indptr[row + 1]!; k++) data[row * dim + indices[k]!] = values[k]!;
  }
  return { data, rows, dim, info };
}

export function isSparseMatrix(x: Matrix | SparseMatrix): x is SparseMatrix {
  return 'indptr' in x;
}

export interface EmbedOptions {
  signal?: AbortSignal | undefined;
  /** Token ids of the same texts from another encoder; a static encoder uses them when its tokenizer's key matches. */
  tokenIds?: TokenIds | undefined;
}

export interface Encoder {
  readonly spec: EncoderSpec;
  readonly dim: number;
  readonly maxTokens: number;
  /** Largest number of texts one `embed` call handles at once; callers may pass more, the encoder splits. */
  readonly maxEmbeddingsPerCall: number;
  /** sha256 over the weights, the tokenizer and the options that change outputs; checkpoints record it. */
  readonly fingerprint: string;
  /**
   * Embeds `texts` in order. A text's vector never depends on which other texts share its call.
   * Throws a DataError naming the index of any row that comes out NaN or Inf.
   */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<EmbedResult>;
  dispose(): Promise<void>;
}

/** An encoder with state of its own that checkpoints store (a fitted TF-IDF, a fine-tuned table). */
export interface StatefulEncoder extends Encoder {
  /** Writes its learned state into `dir`; returns the file names written (plain names inside `dir`). */
  saveState(dir: string): Promise<string[]>;
}

/** An encoder whose vocabulary and weights come from the training texts (TF-IDF). */
export interface FittableEncoder extends StatefulEncoder {
  readonly fitted: boolean;
  fit(texts: readonly string[]): Promise<void>;
}

/** An encoder that can tell whether a text has any token of its vocabulary (static encoders). */
export interface VocabularyEncoder extends Encoder {
  knowsAnyToken(text: string): boolean;
}

export function knowsVocabulary(encoder: Encoder): encoder is VocabularyEncoder {
  return typeof (encoder as Partial<VocabularyEncoder>).knowsAnyToken === 'function';
}

export function hasState(encoder: Encoder): encoder is StatefulEncoder {
  return typeof (encoder as Partial<StatefulEncoder>).saveState === 'function';
}

/**
 * An encoder whose token table can be trained with a head (fine-tuning): a text's vector is the
 * L2-normalised mean of its tokens' rows of a `[vocabulary, dim]` table (Model2Vec static encoders).
 */
export interface TunableEncoder extends StatefulEncoder {
  /** The table row of every token the text keeps, in order. */
  tokenize(text: string): TokenizedText;
  /** A copy of the `[vocabulary, dim]` table, row-major. */
  copyTable(): Float32Array;
  /** This encoder over another table of the same shape (a tuned one); its spec is marked `tuned`. */
  withTable(table: Float32Array): TunableEncoder;
}

export function isTunable(encoder: Encoder): encoder is TunableEncoder {
  return typeof (encoder as Partial<TunableEncoder>).withTable === 'function';
}

/** Dense vectors of the same texts from the encoder with this fingerprint (a fused classifier's primary). */
export interface EmbeddedTexts {
  fingerprint: string;
  vectors: EmbedResult;
}

/** An encoder that can also return its vectors as sparse rows (TF-IDF). */
export interface SparseEncoder extends Encoder {
  /**
   * Like `embed`, as a CSR matrix: the same values, without materialising the zeros. `embedded`
   * offers vectors of the same texts that an encoder appending a dense encoder's output may use
   * instead of embedding again (src/encoders/concat.ts); others ignore it.
   */
  embedSparse(
    texts: readonly string[],
    options?: EmbedOptions & { embedded?: EmbeddedTexts | undefined },
  ): Promise<SparseEmbedResult>;
}

/** An Encoder instance, as opposed to a name or a spec that names one. */
export function isEncoder(choice: unknown): choice is Encoder {
  return typeof choice === 'object' && choice !== null && 'embed' in choice;
}

export function isSparseEncoder(encoder: Encoder): encoder is SparseEncoder {
  return typeof (encoder as Partial<SparseEncoder>).embedSparse === 'function';
}

export function isFittable(encoder: Encoder): encoder is FittableEncoder {
  return typeof (encoder as Partial<FittableEncoder>).fit === 'function';
}
