/**
 * The one interface every encoder implements (static Model2Vec, transformer, TF-IDF).
 * Shaped after the Vercel AI SDK embedding model: a per-call cap and an abort signal.
 */

export type TransformerDtype = 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4';
export type Pooling = 'mean' | 'cls' | 'none';

export type EncoderSpec =
  | { type: 'static'; model: string; maxTokens: number }
  | {
      type: 'transformer';
      model: string;
      dtype: TransformerDtype;
      pooling: Pooling;
      normalize: boolean;
      maxTokens: number;
    }
  | { type: 'tfidf'; ngramMax: 1 | 2; minDf: number; maxFeatures: number; sublinearTf: boolean };

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
}

export interface EmbedOptions {
  signal?: AbortSignal;
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

/** An encoder whose vocabulary and weights come from the training texts (TF-IDF). */
export interface FittableEncoder extends Encoder {
  readonly fitted: boolean;
  fit(texts: readonly string[]): Promise<void>;
  /** Writes its learned state into `dir`; returns the file names written (plain names inside `dir`). */
  saveState(dir: string): Promise<string[]>;
}

export function isFittable(encoder: Encoder): encoder is FittableEncoder {
  return typeof (encoder as Partial<FittableEncoder>).fit === 'function';
}
