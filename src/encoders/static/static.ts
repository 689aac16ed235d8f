/**
 * Model2Vec static embeddings: WordPiece ids (no special tokens, unknowns dropped, at most
 * `maxTokens`), the mean of their table rows, L2-normalised. Tokenisation is
 * @huggingface/tokenizers running the model's own tokenizer.json, memoised per whitespace-free chunk
 * (chunk-cache-tokenizer.ts; same ids as `Tokenizer.encode`); `embed` finds a batch's chunks in a
 * WebAssembly table (batch-tokenizer.ts) and sums its rows in one kernel call per window (sum-rows.ts).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { DataError, UsageError } from '../../errors.js';
import { checkedText } from '../checked-text.js';
import type {
  EmbedOptions,
  EmbedResult,
  EncoderSpec,
  TextInfo,
  TokenizedText,
  TunableEncoder,
  VocabularyEncoder,
} from '../encoder.js';
import { roundToFloat16 } from './float16.js';
import { TABLE_TENSOR } from './model-files.js';
import { fingerprintOf, loadModelParts, partsWithTable, type StaticModelParts } from './model-parts.js';
import { serializeSafetensors } from './safetensors-write.js';
import { batchTokenizerOf } from './batch-tokenizer.js';
import { CHARS_PER_TOKEN, cutToCharBudget } from './char-budget.js';
import { embedTokenRows } from './sum-rows.js';
import { TokenIdRowsBuilder } from './token-id-rows.js';
import { reusableIds, tokenizerKey } from './token-ids.js';
import type { ExpectedModelHashes } from './packaged-models.js';
import { asFileSource, type FileSource } from '../../util/index.js';

export const STATIC_MODEL_FILE = 'model.safetensors';
export const STATIC_TOKENIZER_FILE = 'tokenizer.json';
export { CHARS_PER_TOKEN, cutToCharBudget, WHITESPACE_SEARCH_CHARS } from './char-budget.js';

export interface StaticEncoderOptions {
  maxTokens?: number | undefined;
  /** Name recorded in `spec.model`; defaults to the directory's base name. */
  modelName?: string;
  /** A fine-tuned table saved in a checkpoint: its file names in `dir` (instead of the model's). */
  tuned?: TunedTableFiles | undefined;
  /** The sha256 each file must have (the packaged model, a download's record); the bytes hashed are the bytes parsed. */
  sha256?: ExpectedModelHashes;
}

/** The files of a fine-tuned table inside a checkpoint (plain names). */
export interface TunedTableFiles {
  table: string;
  tokenizer: string;
}

const TUNED_TABLE_FILES: TunedTableFiles = {
  table: 'tuned-table.safetensors',
  tokenizer: 'tuned-tokenizer.json',
};

export class StaticEncoder implements VocabularyEncoder, TunableEncoder {
  readonly spec: EncoderSpec;
  readonly dim: number;
  readonly maxTokens: number;
  readonly maxEmbeddingsPerCall = 4096;
  readonly fingerprint: string;
  private readonly table: Float32Array;

  private constructor(
    // Held, not only read from: it keeps the model shared with other encoders alive (model-parts.ts).
    private readonly parts: StaticModelParts,
    maxTokens: number,
    modelName: string,
    tuned: boolean,
  ) {
    this.table = parts.table;
    this.dim = parts.dim;
    this.maxTokens = maxTokens;
    this.spec = { type: 'static', model: modelName, maxTokens, ...(tuned && { tuned: TUNED_TABLE_FILES }) };
    this.fingerprint = fingerprintOf(parts, maxTokens);
  }

  /** Loads `model.safetensors` and `tokenizer.json` from `dir` (or a fine-tuned table from a checkpoint's files already read). */
  static async load(from: string | FileSource, options: StaticEncoderOptions = {}): Promise<StaticEncoder> {
    const maxTokens = options.maxTokens ?? 512;
    if (!Number.isSafeInteger(maxTokens) || maxTokens < 1) {
      throw new UsageError('INVALID_OPTION', `maxTokens must be a positive integer, got ${maxTokens}`);
    }
    const files = asFileSource(from);
    const names = {
      table: options.tuned?.table ?? STATIC_MODEL_FILE,
      tokenizer: options.tuned?.tokenizer ?? STATIC_TOKENIZER_FILE,
      tableByPath: typeof from === 'string',
    };
    const parts = await loadModelParts(files, names, options.sha256);
    const modelName = options.modelName ?? path.basename(path.dirname(path.resolve(files.pathOf(names.table))));
    return new StaticEncoder(parts, maxTokens, modelName, options.tuned !== undefined);
  }

  /**
   * An encoder with this one's tokenizer, settings and name over another `[vocabulary, dim]` table
   * (a fine-tuned one), rounded to float16 as checkpoints store it, so a saved and reloaded encoder
   * is bit-identical. Its spec is marked `tuned`: checkpoints carry the table and tokenizer.
   */
  static fromTable(base: StaticEncoder, table: Float32Array): StaticEncoder {
    if (table.length !== base.table.length) {
      throw new UsageError(
        'STATIC_TABLE_SIZE',
        `the new table has ${table.length} values but the encoder's has ${base.table.length}`,
      );
    }
    const rounded = roundToFloat16(table);
    return new StaticEncoder(partsWithTable(base.parts, rounded), base.maxTokens, base.modelName, true);
  }

  withTable(table: Float32Array): StaticEncoder {
    return StaticEncoder.fromTable(this, table);
  }

  private get modelName(): string {
    return (this.spec as { model: string }).model;
  }

  /** A copy of the `[vocabulary, dim]` embedding table, row-major. */
  copyTable(): Float32Array {
    return this.table.slice();
  }

  /** What an exporter needs to run this encoder elsewhere: the tokenizer file and the id `tokenize` drops. */
  tokenizerParts(): { tokenizerJson: Uint8Array; unknownId: number } {
    return { tokenizerJson: this.parts.tokenizerBytes, unknownId: this.parts.unkId };
  }

  /** Fine-tuned encoders write their table and tokenizer into `dir`; others write nothing. */
  async saveState(dir: string): Promise<string[]> {
    // float16 halves the file; the table was rounded to it in fromTable, so nothing is lost here.
    const tuned = this.spec.type === 'static' ? this.spec.tuned : undefined;
    if (!tuned) return [];
    const rows = this.table.length / this.dim;
    await writeFile(
      path.join(dir, tuned.table),
      serializeSafetensors({ [TABLE_TENSOR]: { dtype: 'F16', shape: [rows, this.dim], values: this.table } }),
    );
    await writeFile(path.join(dir, tuned.tokenizer), this.parts.tokenizerBytes);
    return [tuned.table, tuned.tokenizer];
  }

  /** `options.tokenIds`, when they are this tokenizer's ids of these very texts, stand in for tokenizing them. */
  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<EmbedResult> {
    const tokenizer = tokenizerKey(this.parts.tokenizerBytes, this.maxTokens);
    const reused = reusableIds(options.tokenIds, texts, tokenizer);
    const built = reused ? undefined : new TokenIdRowsBuilder(texts.length);
    const data = new Float32Array(texts.length * this.dim);
    const squares = new Float64Array(texts.length);
    const info: TextInfo[] = new Array(texts.length);
    for (let start = 0; start < texts.length; start += this.maxEmbeddingsPerCall) {
      if (start > 0) await yieldToEventLoop();
      options.signal?.throwIfAborted();
      const end = Math.min(texts.length, start + this.maxEmbeddingsPerCall);
      // Rows before a text that is not a string are embedded first, so the first error by index is the one raised.
      const strings = firstNonString(texts, start, end);
      if (built) this.tokenizeRows(texts, start, strings, built);
      embedTokenRows(this.table, this.dim, reused ?? built!.rows(), start, strings, data, squares);
      const { offsets, truncated } = reused ?? built!;
      for (let i = start; i < strings; i++) info[i] = textInfo(offsets, truncated, squares, i);
      if (strings < end) checkedText(texts[strings], strings);
    }
    return {
      data,
      rows: texts.length,
      dim: this.dim,
      info,
      tokenIds: reused ?? { tokenizer, texts, ...built!.rows() },
    };
  }

  async dispose(): Promise<void> {}

  /**
   * The ids that reach the table for `text`: WordPiece without special tokens, unknowns dropped,
   * at most `maxTokens`. `truncated` says whether anything was cut.
   */
  tokenize(text: string): TokenizedText {
    const budget = cutToCharBudget(text, this.maxTokens * CHARS_PER_TOKEN);
    const { tokenizer, unkId } = this.parts;
    // Unknowns dropped and the cap applied in place: the ids array is the tokenizer's own fresh one.
    const ids = tokenizer.encodeIds(budget.text);
    let kept = 0;
    let truncated = budget.cut;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k]!;
      if (id === unkId) continue;
      if (kept === this.maxTokens) {
        truncated = true;
        break;
      }
      ids[kept++] = id;
    }
    ids.length = kept;
    return { ids, truncated };
  }

  /** Whether any token of `text` is in the vocabulary (else its vector is all zeros). */
  knowsAnyToken(text: string): boolean {
    return this.tokenize(text).ids.length > 0;
  }

  /** Appends the ids of `texts[from]` .. `texts[to - 1]` (strings) to `out`: through the chunk table when the tokenizer allows. */
  private tokenizeRows(texts: readonly string[], from: number, to: number, out: TokenIdRowsBuilder): void {
    const batch = batchTokenizerOf(this.parts.tokenizer);
    if (batch === undefined) {
      for (let i = from; i < to; i++) out.add(this.tokenize(texts[i]!));
      return;
    }
    batch.tokenize(texts, from, to, out, {
      maxTokens: this.maxTokens,
      unknownId: this.parts.unkId,
      charBudget: this.maxTokens * CHARS_PER_TOKEN,
      fallback: (text) => this.tokenize(text),
    });
  }
}

/** The index of the first text from `from` that is not a string, or `to`. */
function firstNonString(texts: readonly unknown[], from: number, to: number): number {
  for (let i = from; i < to; i++) if (typeof texts[i] !== 'string') return i;
  return to;
}

/** Text `index`'s info from its ids and squared norm; a DataError for a non-finite norm. */
function textInfo(offsets: Int32Array, truncated: Uint8Array, squares: Float64Array, index: number): TextInfo {
  const norm = squares[index]!;
  if (!Number.isFinite(norm)) {
    throw new DataError(
      'EMBEDDING_NOT_FINITE',
      'embedding is NaN or Inf: the model table holds a non-finite value for one of its tokens',
      {
        location: { index },
      },
    );
  }
  // The mean's 1/n cancels out in the normalisation, so the sum is normalised directly.
  return { tokens: offsets[index + 1]! - offsets[index]!, truncated: truncated[index] === 1, empty: norm === 0 };
}
