/**
 * Feature-level fusion: TF-IDF rows with a dense encoder's embedding appended, for one linear head
 * over both (the word evidence and the pretrained semantics weigh against each other in one model,
 * where probability-level fusion can only average two models' opinions). The dense columns are
 * z-scored with the training texts' mean and standard deviation and scaled by
 * `denseWeight / sqrt(dim)`, so the whole block has about the norm `denseWeight` next to the
 * unit-norm TF-IDF row. The weight and the variants rejected: docs/decisions/lexical-features.md.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EmbeddingCache } from '../embedding-cache.js';
import { ModelError, UsageError } from '../errors.js';
import {
  densify,
  isFittable,
  isSparseEncoder,
  type EmbedOptions,
  type EmbedResult,
  type EmbeddedTexts,
  type Encoder,
  type EncoderSpec,
  type FittableEncoder,
  type PretrainedSpec,
  type SparseEmbedResult,
  type SparseEncoder,
  type TextInfo,
} from './encoder.js';
import { fingerprintParts } from './fingerprint.js';
import { SplitSparseRows } from './split-rows.js';
import { ZScoreKernel } from './z-scores.js';
import { asFileSource, type FileSource } from '../util/index.js';
import { fitStandardization, type Standardization } from '../heads/index.js';
import type { TfidfEncoder } from './lexical/index.js';

const CONCAT_STATE_FILE = 'concat.json';
const STATE_FORMAT = 'headstart-concat';
const STATE_VERSION = 1;

export const DEFAULT_DENSE_WEIGHT = 0.5;

/** The dense columns' training mean and standard deviation (a constant column has std 1). */
type ConcatState = Standardization;

export class ConcatEncoder implements FittableEncoder, SparseEncoder {
  readonly maxEmbeddingsPerCall: number;
  private state?: ConcatState;
  private stateFingerprint?: string;
  /** The state's z-scores, made on the first embedding after it is set. */
  private zScores?: ZScoreKernel | undefined;

  readonly denseWeight: number;
  private readonly denseCache?: EmbeddingCache | undefined;
  private readonly ownsDense: boolean;
  /** The texts `fit` last saw and their dense vectors, until the next `embedSparse`. */
  private fittedOn?: { texts: readonly string[]; vectors: EmbedResult } | undefined;

  /**
   * `sparse` is owned (disposed with this encoder), and so is `dense` unless `sharedDense` says it
   * belongs to another member. `denseCache` embeds the dense part through a cache shared with other
   * members over the same encoder.
   */
  constructor(
    private readonly sparse: TfidfEncoder,
    private readonly dense: Encoder,
    options: { denseWeight?: number; denseCache?: EmbeddingCache | undefined; sharedDense?: boolean } = {},
  ) {
    const { denseWeight = DEFAULT_DENSE_WEIGHT, denseCache, sharedDense = false } = options;
    this.denseWeight = denseWeight;
    this.denseCache = denseCache;
    this.ownsDense = !sharedDense;
    // A fine-tuned table's files live in its own member's checkpoint directory, not beside the TF-IDF state.
    const pretrained =
      !isFittable(dense) && !isSparseEncoder(dense) && !(dense.spec.type === 'static' && dense.spec.tuned);
    if (!pretrained)
      throw new UsageError(
        'CONCAT_DENSE',
        `the dense part of a concatenation must be a pretrained encoder, not ${describeKind(dense.spec)}`,
      );
    if (!Number.isFinite(denseWeight) || denseWeight <= 0)
      throw new UsageError('INVALID_OPTION', `concat option denseWeight: must be a number > 0, got ${denseWeight}`);
    this.maxEmbeddingsPerCall = Math.min(sparse.maxEmbeddingsPerCall, dense.maxEmbeddingsPerCall);
  }

  get spec(): EncoderSpec {
    return {
      type: 'concat',
      tfidf: { ...this.sparse.options },
      dense: this.dense.spec as PretrainedSpec,
      denseWeight: this.denseWeight,
    };
  }

  get fitted(): boolean {
    return this.state !== undefined && this.sparse.fitted;
  }

  /** TF-IDF vocabulary, then the dense columns; 0 before `fit`. */
  get dim(): number {
    return this.sparse.dim === 0 ? 0 : this.sparse.dim + this.dense.dim;
  }

  /** The dense encoder's limit: TF-IDF reads every word, the dense part reads up to this many tokens. */
  get maxTokens(): number {
    return this.dense.maxTokens;
  }

  get fingerprint(): string {
    this.requireFitted();
    return this.stateFingerprint!;
  }

  /**
   * Fits the TF-IDF vocabulary and the dense columns' z-scores on `texts`. Their dense vectors are
   * kept for the next `embedSparse` of the same array (training embeds what it fitted on), so
   * training without an embedding cache does not run the dense encoder twice.
   */
  async fit(texts: readonly string[]): Promise<void> {
    this.fittedOn = undefined;
    await this.sparse.fit(texts);
    const vectors = await this.embedDense(texts, {});
    this.setState(
      fitStandardization(
        vectors,
        Int32Array.from({ length: vectors.rows }, (_, row) => row),
      ),
    );
    this.fittedOn = { texts, vectors };
  }

  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<EmbedResult> {
    return densify(await this.embedSparse(texts, options));
  }

  /**
   * `options.embedded`: the same texts already embedded by an encoder with this fingerprint (a fused
   * classifier's primary); used instead of embedding them again when it is the dense part's.
   */
  async embedSparse(
    texts: readonly string[],
    options: EmbedOptions & { embedded?: EmbeddedTexts | undefined } = {},
  ): Promise<SparseEmbedResult> {
    const { mean, std } = this.requireFitted();
    const words = await this.sparse.embedSparse(texts, options);
    const given = options.embedded;
    const fitted = this.fittedOn?.texts === texts ? this.fittedOn.vectors : undefined;
    this.fittedOn = undefined;
    // Vectors of another encoder over the same tokenizer (a fine-tuned table) still spare tokenizing again.
    const dense =
      fitted ??
      (given && given.fingerprint === this.dense.fingerprint && given.vectors.rows === texts.length
        ? given.vectors
        : await this.embedDense(texts, { ...options, tokenIds: given?.vectors.tokenIds }));
    const width = dense.dim;
    this.zScores ??= new ZScoreKernel(mean, std, this.denseWeight / Math.sqrt(width));
    const block = this.zScores.apply(dense.data, texts.length);
    // A text is empty when neither part saw a known token; it is cut when the dense encoder cut it.
    const info = (): TextInfo[] =>
      words.info.map((w, i) => {
        const d = dense.info[i]!;
        return { tokens: Math.max(w.tokens, d.tokens), truncated: d.truncated, empty: w.empty && d.empty };
      });
    return new SplitSparseRows(words, block, width, info);
  }

  async saveState(dir: string): Promise<string[]> {
    const files = await this.sparse.saveState(dir);
    const file = path.join(dir, CONCAT_STATE_FILE);
    try {
      await writeFile(file, this.serializeState());
    } catch (cause) {
      throw new ModelError(
        'CONCAT_STATE_UNWRITABLE',
        `cannot write the concatenation's state: ${(cause as Error).message}`,
        { location: { file }, cause },
      );
    }
    return [...files, CONCAT_STATE_FILE];
  }

  /** Reads the state written by `saveState` from `dir` (or its files already read) around an already loaded TF-IDF and dense encoder. */
  static async loadState(
    from: string | FileSource,
    sparse: TfidfEncoder,
    dense: Encoder,
    options: { denseWeight: number; sharedDense?: boolean },
  ): Promise<ConcatEncoder> {
    const files = asFileSource(from);
    const file = files.pathOf(CONCAT_STATE_FILE);
    const fail = (field: string | undefined, message: string): never => {
      throw new ModelError('CONCAT_STATE_INVALID', message, { location: { file, field } });
    };
    let raw: unknown;
    try {
      raw = JSON.parse((await files.read(CONCAT_STATE_FILE)).toString('utf8'));
    } catch (cause) {
      throw new ModelError(
        'CONCAT_STATE_UNREADABLE',
        `cannot read the concatenation's state: ${(cause as Error).message}`,
        { location: { file }, cause },
      );
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return fail(undefined, 'not a JSON object');
    const { format, version, mean, std } = raw as Record<string, unknown>;
    if (format !== STATE_FORMAT) fail('format', `expected "${STATE_FORMAT}", got ${JSON.stringify(format)}`);
    if (version !== STATE_VERSION) fail('version', `expected ${STATE_VERSION}, got ${JSON.stringify(version)}`);
    const column = (name: string, value: unknown, valid: (v: number) => boolean, what: string): Float32Array => {
      if (!Array.isArray(value) || value.length !== dense.dim)
        return fail(name, `must be a list of ${dense.dim} numbers, one per dense column`);
      value.forEach((v, i) => {
        if (typeof v !== 'number' || !valid(v)) fail(`${name}[${i}]`, `must be ${what}, got ${JSON.stringify(v)}`);
      });
      return Float32Array.from(value as number[]);
    };
    const encoder = new ConcatEncoder(sparse, dense, options);
    encoder.setState({
      mean: column('mean', mean, Number.isFinite, 'a finite number'),
      std: column('std', std, (v) => Number.isFinite(v) && v > 0, 'a finite number > 0'),
    });
    return encoder;
  }

  /** Whether `encoder` is the dense encoder this one appends (shared with another member, it must outlive this one). */
  appends(encoder: Encoder): boolean {
    return this.dense === encoder;
  }

  async dispose(): Promise<void> {
    await this.sparse.dispose();
    if (this.ownsDense) await this.dense.dispose();
  }

  private embedDense(texts: readonly string[], options: EmbedOptions): Promise<EmbedResult> {
    return this.denseCache ? this.denseCache.embed(this.dense, texts, options) : this.dense.embed(texts, options);
  }

  private setState(state: ConcatState): void {
    this.state = state;
    this.zScores = undefined;
    this.stateFingerprint = fingerprintParts([
      'concat-v1',
      this.sparse.fingerprint,
      this.dense.fingerprint,
      this.serializeState(),
    ]);
  }

  private serializeState(): string {
    const { mean, std } = this.requireFitted();
    return JSON.stringify({
      format: STATE_FORMAT,
      version: STATE_VERSION,
      denseWeight: this.denseWeight,
      mean: Array.from(mean),
      std: Array.from(std),
    });
  }

  private requireFitted(): ConcatState {
    if (!this.state)
      throw new UsageError(
        'ENCODER_NOT_FITTED',
        'the concatenated encoder is not fitted: call fit(texts) or loadState(dir) first',
      );
    return this.state;
  }
}

function describeKind(spec: EncoderSpec): string {
  return spec.type === 'static' && spec.tuned ? 'a fine-tuned static table' : spec.type;
}
