/**
 * Token ids of `Tokenizer.encode(text, { add_special_tokens: false })`, memoised per chunk of text
 * between ASCII whitespace. With a BERT-style normalizer (per-character lowercasing, accent and
 * control-character handling, CJK padding) and a whitespace-splitting pre-tokenizer, normalising
 * and splitting a chunk never looks past the whitespace around it, so a text's ids are its chunks'
 * ids in order. Chunk frequencies are Zipfian, so a small cache skips normaliser, pre-tokenizer and
 * WordPiece for almost every chunk of a large batch.
 *
 * The fast path mirrors `Tokenizer.encode_text` of @huggingface/tokenizers 0.2. It relies on that
 * version's internals, so they are checked once at construction and any mismatch (or a tokenizer
 * config whose steps can see across whitespace) uses plain `encode` for every text. A text with a
 * chunk that touches an added token, before or after normalisation, uses `encode` as a whole.
 */
import type { Tokenizer } from '@huggingface/tokenizers';

const DEFAULT_CHUNK_CACHE_ENTRIES = 100_000;
/** Longer chunks are encoded uncached, which bounds the cache's memory (~25 MB at 100k entries). */
export const MAX_CACHED_CHUNK_LENGTH = 64;

/** Normalizers that map characters (or canonical sequences) one at a time, never across whitespace. */
const LOCAL_NORMALIZERS = new Set(['BertNormalizer', 'Lowercase', 'NFC', 'NFD', 'NFKC', 'NFKD', 'StripAccents']);
/** Pre-tokenizers that split at every whitespace character. */
const WHITESPACE_PRE_TOKENIZERS = new Set(['BertPreTokenizer', 'Whitespace', 'WhitespaceSplit']);
/** Chunks of a text that touch an added token are marked so the whole text takes the library path. */
const ADDED_TOKEN = null;

interface AddedToken {
  id: number;
  content: string;
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

export class ChunkCacheTokenizer {
  private readonly internals: TokenizerInternals | null;
  private readonly cache = new Map<string, readonly number[] | typeof ADDED_TOKEN>();

  constructor(
    private readonly tokenizer: Tokenizer,
    private readonly maxEntries = DEFAULT_CHUNK_CACHE_ENTRIES,
  ) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1)
      throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
    this.internals = fastPathInternals(tokenizer);
  }

  /** Whether the cached path is in use; false means every text goes through `encode`. */
  get fastPath(): boolean {
    return this.internals !== null;
  }

  /** Number of chunks currently cached (never more than `maxEntries`, none longer than `MAX_CACHED_CHUNK_LENGTH`). */
  get cacheSize(): number {
    return this.cache.size;
  }

  /** The ids `encode(text, { add_special_tokens: false })` returns, unknowns included. */
  encodeIds(text: string): number[] {
    const internals = this.internals;
    if (internals === null) return this.plainIds(text);
    const ids: number[] = [];
    // Most texts have spaces only: V8's native split finds their chunks faster than a loop over characters.
    const chunks = OTHER_ASCII_WHITESPACE.test(text) ? whitespaceChunks(text) : text.split(' ');
    for (let c = 0; c < chunks.length; c++) {
      const chunk = chunks[c]!;
      if (chunk.length === 0) continue;
      const chunkIds = this.chunkIds(chunk, internals);
      if (chunkIds === ADDED_TOKEN) return this.plainIds(text);
      for (let k = 0; k < chunkIds.length; k++) ids.push(chunkIds[k]!);
    }
    return ids;
  }

  /**
   * The ids of one chunk between ASCII whitespace, uncached, or null when it touches an added token
   * (its text then takes `encodeIds` whole). Only on the fast path.
   */
  uncachedChunkIds(chunk: string): readonly number[] | null {
    return this.internals === null ? ADDED_TOKEN : encodeChunk(chunk, this.internals);
  }

  private chunkIds(chunk: string, internals: TokenizerInternals): readonly number[] | typeof ADDED_TOKEN {
    const cached = this.cache.get(chunk);
    if (cached !== undefined) return cached;
    const ids = encodeChunk(chunk, internals);
    if (chunk.length > MAX_CACHED_CHUNK_LENGTH) return ids;
    // Clearing wholesale keeps the bound trivially; the frequent chunks come straight back.
    if (this.cache.size >= this.maxEntries) this.cache.clear();
    this.cache.set(chunk, ids);
    return ids;
  }

  private plainIds(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }
}

const OTHER_ASCII_WHITESPACE = /[\t\n\r]/;

/** The runs of `text` between ASCII whitespace (space, tab, line feed, carriage return). */
function whitespaceChunks(text: string): string[] {
  const chunks: string[] = [];
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && !isAsciiWhitespace(text.charCodeAt(i))) {
      if (start < 0) start = i;
      continue;
    }
    if (start >= 0) chunks.push(text.slice(start, i));
    start = -1;
  }
  return chunks;
}

function isAsciiWhitespace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/** `encode_text` for one whitespace-free chunk without added tokens, as ids. */
function encodeChunk(chunk: string, internals: TokenizerInternals): readonly number[] | typeof ADDED_TOKEN {
  const { normalizer, pre_tokenizer, model, added_tokens_map: added } = internals;
  if (added.has(chunk) || internals.splitter_unnormalized.split(chunk).length !== 1) return ADDED_TOKEN;
  const normalized = normalizer === null ? chunk : normalizer(chunk);
  if (normalized.length === 0) return [];
  if (added.has(normalized) || internals.splitter_normalized.split(normalized).length !== 1) return ADDED_TOKEN;
  const words = pre_tokenizer === null ? [normalized] : pre_tokenizer(normalized, { section_index: 0 });
  // Same token-to-id lookup order as Tokenizer.encode.
  return model(words).map((token) => added.get(token)?.id ?? model.tokens_to_ids.get(token) ?? model.unk_token_id);
}

/**
 * The tokenizer's internals typed for the fast path, or null when they are not shaped as in
 * @huggingface/tokenizers 0.2 or the config has steps that can see across whitespace.
 */
function fastPathInternals(tokenizer: Tokenizer): TokenizerInternals | null {
  const t = tokenizer as unknown as Record<string, unknown>;
  const model = (t.model ?? {}) as Record<string, unknown>;
  const config = (t.tokenizer ?? {}) as { normalizer?: unknown; pre_tokenizer?: { type?: unknown } | null };
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
    typeof t.pre_tokenizer === 'function' &&
    WHITESPACE_PRE_TOKENIZERS.has(config.pre_tokenizer?.type as string) &&
    normalizerIsLocal(config.normalizer) &&
    hasSplit(t.splitter_unnormalized) &&
    hasSplit(t.splitter_normalized) &&
    t.added_tokens_map instanceof Map &&
    [...(t.added_tokens_map as Map<string, AddedToken>).keys()].every((content) => !/[ \t\n\r]/.test(content)) &&
    t.remove_space !== true &&
    t.do_lowercase_and_remove_accent === false &&
    postProcessorKeepsTokens(t.post_processor);
  return shaped ? (tokenizer as unknown as TokenizerInternals) : null;
}

function normalizerIsLocal(config: unknown): boolean {
  if (config === null || config === undefined) return true;
  const { type, normalizers } = config as { type?: unknown; normalizers?: unknown };
  if (type === 'Sequence') return Array.isArray(normalizers) && normalizers.every(normalizerIsLocal);
  return LOCAL_NORMALIZERS.has(type as string);
}

/** Without special tokens, a template of one sequence plus special tokens returns the tokens unchanged. */
function postProcessorKeepsTokens(postProcessor: unknown): boolean {
  if (postProcessor === null) return true;
  const config = (postProcessor as { config?: { type?: unknown; single?: unknown } }).config;
  if (config?.type !== 'TemplateProcessing' || !Array.isArray(config.single)) return false;
  const items = config.single as Record<string, unknown>[];
  const sequences = items.filter((item) => 'Sequence' in item);
  const specials = items.filter((item) => 'SpecialToken' in item);
  const [sequence] = sequences;
  return (
    sequence !== undefined &&
    sequences.length === 1 &&
    (sequence.Sequence as { id?: unknown }).id === 'A' &&
    sequences.length + specials.length === items.length
  );
}
