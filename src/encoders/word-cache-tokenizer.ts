/**
 * Token ids of `Tokenizer.encode(text, { add_special_tokens: false })`, with the WordPiece step
 * memoised per pre-token word. WordPiece encodes every word independently and word frequencies
 * are Zipfian, so a small cache removes most of the model's cost; normalizer and pre-tokenizer
 * still run on every text, through the library's own callables.
 *
 * The fast path mirrors `Tokenizer.encode_text` of @huggingface/tokenizers 0.2 for one section of
 * text. It relies on that version's internals, so they are checked once at construction and any
 * mismatch (or a tokenizer config the fast path does not cover) uses plain `encode` for every
 * text. Texts that touch an added token, before or after normalisation, always use `encode`.
 */
import type { Tokenizer } from '@huggingface/tokenizers';

export const DEFAULT_WORD_CACHE_ENTRIES = 100_000;
/** Longer words are encoded uncached, which bounds the cache's memory (~25 MB at 100k entries). */
export const MAX_CACHED_WORD_LENGTH = 64;

interface AddedToken {
  id: number;
}

/** The parts of a @huggingface/tokenizers 0.2 Tokenizer the fast path reads. */
interface TokenizerInternals {
  normalizer: ((text: string) => string) | null;
  pre_tokenizer: ((text: string, options: { section_index: number }) => string[]) | null;
  model: ((words: string[]) => string[]) & { tokens_to_ids: Map<string, number>; unk_token_id: number };
  splitter_unnormalized: { split(text: string): string[] };
  splitter_normalized: { split(text: string): string[] };
  added_tokens_map: Map<string, AddedToken>;
}

export class WordCacheTokenizer {
  private readonly internals: TokenizerInternals | null;
  private readonly cache = new Map<string, readonly number[]>();

  constructor(
    private readonly tokenizer: Tokenizer,
    private readonly maxEntries = DEFAULT_WORD_CACHE_ENTRIES,
  ) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
    this.internals = fastPathInternals(tokenizer);
  }

  /** Whether the cached path is in use; false means every text goes through `encode`. */
  get fastPath(): boolean {
    return this.internals !== null;
  }

  /** Number of words currently cached (never more than `maxEntries`, none longer than `MAX_CACHED_WORD_LENGTH`). */
  get cacheSize(): number {
    return this.cache.size;
  }

  /** The ids `encode(text, { add_special_tokens: false })` returns, unknowns included. */
  encodeIds(text: string): number[] {
    const internals = this.internals;
    if (internals === null) return this.plainIds(text);

    const sections = internals.splitter_unnormalized.split(text);
    if (sections.length === 0) return [];
    if (sections.length > 1 || internals.added_tokens_map.has(text)) return this.plainIds(text);

    const normalized = internals.normalizer === null ? text : internals.normalizer(text);
    if (normalized.length === 0) return [];
    if (internals.splitter_normalized.split(normalized).length > 1 || internals.added_tokens_map.has(normalized)) {
      return this.plainIds(text);
    }

    const words = internals.pre_tokenizer === null ? [normalized] : internals.pre_tokenizer(normalized, { section_index: 0 });
    const ids: number[] = [];
    for (const word of words) {
      for (const id of this.wordIds(word, internals)) ids.push(id);
    }
    return ids;
  }

  private wordIds(word: string, internals: TokenizerInternals): readonly number[] {
    const cached = this.cache.get(word);
    if (cached !== undefined) return cached;
    const { model, added_tokens_map: added } = internals;
    // Same token-to-id lookup order as Tokenizer.encode.
    const ids = model([word]).map((token) => added.get(token)?.id ?? model.tokens_to_ids.get(token) ?? model.unk_token_id);
    if (word.length > MAX_CACHED_WORD_LENGTH) return ids;
    // Clearing wholesale keeps the bound trivially; the frequent words come straight back.
    if (this.cache.size >= this.maxEntries) this.cache.clear();
    this.cache.set(word, ids);
    return ids;
  }

  private plainIds(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }
}

/**
 * The tokenizer's internals typed for the fast path, or null when they are not shaped as in
 * @huggingface/tokenizers 0.2 or the config needs steps the fast path skips.
 */
function fastPathInternals(tokenizer: Tokenizer): TokenizerInternals | null {
  const t = tokenizer as unknown as Record<string, unknown>;
  const model = (t.model ?? {}) as Record<string, unknown>;
  const isCallableOrNull = (value: unknown) => value === null || typeof value === 'function';
  const hasSplit = (value: unknown) => typeof (value as { split?: unknown } | null)?.split === 'function';
  const shaped =
    typeof t.encode_text === 'function' &&
    typeof t.model === 'function' &&
    // Words are encoded independently only by WordPiece without unknown-fusing across words.
    (model.config as { type?: unknown } | undefined)?.type === 'WordPiece' &&
    model.fuse_unk === false &&
    model.tokens_to_ids instanceof Map &&
    typeof model.unk_token_id === 'number' &&
    isCallableOrNull(t.normalizer) &&
    isCallableOrNull(t.pre_tokenizer) &&
    hasSplit(t.splitter_unnormalized) &&
    hasSplit(t.splitter_normalized) &&
    t.added_tokens_map instanceof Map &&
    t.remove_space !== true &&
    t.do_lowercase_and_remove_accent === false &&
    postProcessorKeepsTokens(t.post_processor);
  return shaped ? (tokenizer as unknown as TokenizerInternals) : null;
}

/** Without special tokens, a template of one sequence plus special tokens returns the tokens unchanged. */
function postProcessorKeepsTokens(postProcessor: unknown): boolean {
  if (postProcessor === null) return true;
  const config = (postProcessor as { config?: { type?: unknown; single?: unknown } }).config;
  if (config?.type !== 'TemplateProcessing' || !Array.isArray(config.single)) return false;
  const items = config.single as Record<string, unknown>[];
  const sequences = items.filter((item) => 'Sequence' in item);
  const specials = items.filter((item) => 'SpecialToken' in item);
  return (
    sequences.length === 1 &&
    (sequences[0].Sequence as { id?: unknown }).id === 'A' &&
    sequences.length + specials.length === items.length
  );
}
