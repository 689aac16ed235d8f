/**
 * The library's Tokenizer over a parsed tokenizer.json, with a WordPiece vocabulary put into its model
 * here rather than by the model's constructor: its `new Map(Object.entries(vocab))` and id array took
 * ~27 ms of a 1-row `predict` for potion's 29.5k tokens, the same Map and array built from the keys
 * ~14 ms (issue 23: start-up). The Map is filled in the constructor's order, then the added tokens go
 * over it as the Tokenizer's constructor sets them; test/tokenizer-parity.test.ts compares the result
 * with a tokenizer the library built alone.
 */
import { Tokenizer } from '@huggingface/tokenizers';

interface WordPieceJson {
  type?: unknown;
  vocab?: unknown;
  unk_token?: unknown;
}

/** The parts of a @huggingface/tokenizers 0.2 WordPiece model and Tokenizer that hold the vocabulary. */
interface VocabularyInternals {
  model: { tokens_to_ids: unknown; vocab: unknown; unk_token_id: number | undefined };
  added_tokens: { content: string; id: number }[];
}

export function buildTokenizer(json: { model?: WordPieceJson }): Tokenizer {
  const model = json.model;
  const vocab = model?.vocab;
  if (model?.type !== 'WordPiece' || vocab === null || typeof vocab !== 'object' || Array.isArray(vocab))
    return new Tokenizer(json, {});
  const tokenizer = new Tokenizer({ ...json, model: { ...model, vocab: {} } }, {});
  const internals = tokenizer as unknown as VocabularyInternals;
  const { tokens_to_ids: emptyMap, vocab: emptyArray } = internals.model;
  // Anything but the empty Map and array plus the added tokens is a library this was not written for.
  if (!(emptyMap instanceof Map) || !Array.isArray(emptyArray) || emptyMap.size !== internals.added_tokens.length)
    return new Tokenizer(json, {});
  const ids = vocab as Record<string, number>;
  const keys = Object.keys(ids);
  const tokensToIds = new Map<string, number>();
  const tokens = new Array<string>(keys.length);
  for (const key of keys) {
    const id = ids[key]!;
    tokensToIds.set(key, id);
    tokens[id] = key;
  }
  internals.model.tokens_to_ids = tokensToIds;
  internals.model.vocab = tokens;
  internals.model.unk_token_id = tokensToIds.get(model.unk_token as string);
  for (const { content, id } of internals.added_tokens) {
    tokensToIds.set(content, id);
    tokens[id] = content;
  }
  return tokenizer;
}
