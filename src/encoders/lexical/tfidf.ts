/**
 * TF-IDF baseline, computed like scikit-learn's TfidfVectorizer: lowercase, words of two or more
 * letters/digits/underscores, word n-grams, `min_df` and `max_features` pruning, smooth idf
 * ln((1+n)/(1+df))+1, optional sublinear tf 1+ln(tf), L2-normalised rows.
 *
 * Tokens come from natural's RegexpTokenizer (words.ts). Document frequencies are counted here in
 * one pass: natural's TfIdf rescans every document for each term's idf (about 0.7 ms per term on the
 * 4,846 Financial PhraseBank sentences), far too slow for a vocabulary of tens of thousands of
 * n-grams. Rows are weighed by word ids (tfidf-rows.ts), not by term strings.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { DataError, ModelError, UsageError } from '../../errors.js';
import {
  densify,
  type EmbedOptions,
  type EmbedResult,
  type EncoderSpec,
  type FittableEncoder,
  type SparseEmbedResult,
  type SparseEncoder,
  type TextInfo,
  type TfidfSettings,
} from '../encoder.js';
import { fingerprintParts } from '../fingerprint.js';
import { asFileSource, type FileSource, definedOnly } from '../../util/index.js';
import {
  checkOptions,
  parseTfidfState,
  serializeTfidfState,
  TFIDF_STATE_FILE,
  type TfidfState,
} from './tfidf-state.js';
import { TermIndex } from './term-index.js';
import { RowsUnderway } from './rows-underway.js';
import { TfidfRows } from './tfidf-rows.js';
import { wordsOf } from './words.js';

export { TFIDF_STATE_FILE };

export type TfidfOptions = TfidfSettings;

/**
 * 1-2-grams, min_df 2, sublinear tf. Heads read these rows sparse, so the vocabulary is capped only
 * against pathological corpora. The figures and the variants rejected: docs/decisions/lexical-features.md.
 */
export const DEFAULT_TFIDF_OPTIONS: Readonly<TfidfOptions> = {
  ngramMax: 2,
  minDf: 2,
  maxFeatures: 200_000,
  sublinearTf: true,
};

export class TfidfEncoder implements FittableEncoder, SparseEncoder {
  readonly options: Readonly<TfidfOptions>;
  /** TF-IDF reads whole texts: nothing is ever truncated. */
  readonly maxTokens = Number.POSITIVE_INFINITY;
  /** Dense rows are as wide as the vocabulary, so calls are kept small. */
  readonly maxEmbeddingsPerCall = 1024;
  private rows?: TfidfRows;
  private state?: TfidfState;
  private stateFingerprint?: string;

  constructor(options: { [K in keyof TfidfOptions]?: TfidfOptions[K] | undefined } = {}) {
    const given = definedOnly(options);
    this.options = checkOptions({ ...DEFAULT_TFIDF_OPTIONS, ...given }, (field, message) => {
      throw new UsageError('INVALID_OPTION', `TF-IDF option ${field}: ${message}`);
    });
  }

  get spec(): EncoderSpec {
    return { type: 'tfidf', ...this.options };
  }

  get fitted(): boolean {
    return this.state !== undefined;
  }

  /** The vocabulary size; 0 before `fit`. */
  get dim(): number {
    return this.state?.terms.length ?? 0;
  }

  get fingerprint(): string {
    this.requireFitted();
    return this.stateFingerprint!;
  }

  async fit(texts: readonly string[]): Promise<void> {
    if (texts.length === 0) throw new DataError('TFIDF_NO_TEXTS', 'cannot fit TF-IDF on zero texts');
    const stats = new Map<string, { df: number; total: number; lastText: number }>();
    texts.forEach((text, index) => {
      for (const term of this.terms(text, index)) {
        const entry = stats.get(term);
        if (entry === undefined) stats.set(term, { df: 1, total: 1, lastText: index });
        else {
          entry.total++;
          if (entry.lastText !== index) {
            entry.df++;
            entry.lastText = index;
          }
        }
      }
    });

    let kept = [...stats].filter(([, entry]) => entry.df >= this.options.minDf);
    if (kept.length > this.options.maxFeatures) {
      // Ties in frequency are broken by term so the vocabulary does not depend on text order.
      kept.sort(([termA, a], [termB, b]) => b.total - a.total || compareTerms(termA, termB));
      kept = kept.slice(0, this.options.maxFeatures);
    }
    if (kept.length === 0) {
      throw new DataError(
        'TFIDF_EMPTY_VOCABULARY',
        `no term occurs in at least minDf=${this.options.minDf} of the ${texts.length} texts`,
        {
          hint: 'lower minDf or fit on more texts',
        },
      );
    }
    kept.sort(([termA], [termB]) => compareTerms(termA, termB));
    const idf = Float32Array.from(kept, ([, entry]) => Math.log((1 + texts.length) / (1 + entry.df)) + 1);
    this.setState({ terms: kept.map(([term]) => term), idf });
  }

  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<EmbedResult> {
    return densify(await this.embedSparse(texts, options));
  }

  async embedSparse(texts: readonly string[], options: EmbedOptions = {}): Promise<SparseEmbedResult> {
    this.requireFitted();
    const underway = new RowsUnderway(texts.length);
    for (let start = 0; start < texts.length; start += this.maxEmbeddingsPerCall) {
      if (start > 0) await yieldToEventLoop();
      options.signal?.throwIfAborted();
      this.rows!.weigh(texts, start, Math.min(texts.length, start + this.maxEmbeddingsPerCall), underway);
    }
    const { indptr, indices, values, tokens } = underway.finish();
    // Prediction reads the primary's text info, not this member's: the objects are made when first read.
    let info: TextInfo[] | undefined;
    return {
      rows: texts.length,
      dim: this.dim,
      indptr,
      indices,
      values,
      get info() {
        return (info ??= Array.from(tokens, (count) => ({ tokens: count, truncated: false, empty: count === 0 })));
      },
    };
  }

  async saveState(dir: string): Promise<string[]> {
    this.requireFitted();
    const file = path.join(dir, TFIDF_STATE_FILE);
    try {
      await writeFile(file, this.serializeState());
    } catch (cause) {
      throw new ModelError('TFIDF_STATE_UNWRITABLE', `cannot write TF-IDF state: ${(cause as Error).message}`, {
        location: { file },
        cause,
      });
    }
    return [TFIDF_STATE_FILE];
  }

  /** Reads the state written by `saveState` from `dir` (or from its files already read). */
  static async loadState(from: string | FileSource): Promise<TfidfEncoder> {
    const files = asFileSource(from);
    const file = files.pathOf(TFIDF_STATE_FILE);
    const fail = (field: string | undefined, message: string): never => {
      throw new ModelError('TFIDF_STATE_INVALID', message, { location: { file, field } });
    };
    let raw: unknown;
    try {
      raw = JSON.parse((await files.read(TFIDF_STATE_FILE)).toString('utf8'));
    } catch (cause) {
      throw new ModelError('TFIDF_STATE_UNREADABLE', `cannot read TF-IDF state: ${(cause as Error).message}`, {
        location: { file },
        cause,
      });
    }
    const { options, state } = parseTfidfState(raw, fail);
    const encoder = new TfidfEncoder(options);
    encoder.setState(state);
    return encoder;
  }

  async dispose(): Promise<void> {}

  /** The text's terms in order: its words, then (with ngramMax 2) its word pairs. */
  private terms(text: string, index: number): string[] {
    const words = wordsOf(text, index);
    if (this.options.ngramMax === 1) return words;
    const terms = words.slice();
    for (let i = 1; i < words.length; i++) terms.push(`${words[i - 1]} ${words[i]}`);
    return terms;
  }

  private setState(state: TfidfState): void {
    this.state = state;
    this.rows = new TfidfRows(new TermIndex(state.terms), state.idf, this.options);
    this.stateFingerprint = fingerprintParts(['tfidf-v1', this.serializeState()]);
  }

  private serializeState(): string {
    return serializeTfidfState(this.options, this.requireFitted());
  }

  private requireFitted(): TfidfState {
    if (!this.state)
      throw new UsageError(
        'ENCODER_NOT_FITTED',
        'the TF-IDF encoder is not fitted: call fit(texts) or loadState(dir) first',
      );
    return this.state;
  }
}

/** Code-unit order, the same for every locale. */
function compareTerms(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
