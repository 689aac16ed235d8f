/** When one static encoder may take another's token ids of the same texts instead of tokenizing them. */
import type { TokenIds } from '../encoder.js';
import { fingerprintParts } from '../fingerprint.js';

const keys = new WeakMap<Uint8Array, Map<number, string>>();

/**
 * Names what a static encoder's ids depend on: its tokenizer's bytes (which also fix the unknown id
 * it drops) and `maxTokens`. Hashed once per tokenizer file and limit.
 */
export function tokenizerKey(tokenizerBytes: Uint8Array, maxTokens: number): string {
  const byLimit = keys.get(tokenizerBytes) ?? new Map<number, string>();
  keys.set(tokenizerBytes, byLimit);
  let key = byLimit.get(maxTokens);
  if (key === undefined)
    byLimit.set(maxTokens, (key = fingerprintParts(['static-tokens-v1', tokenizerBytes, `maxTokens=${maxTokens}`])));
  return key;
}

/** The ids in `given` when they are of these very texts (the same array) by the tokenizer `key` names. */
export function reusableIds(given: TokenIds | undefined, texts: readonly string[], key: string): TokenIds | undefined {
  return given?.texts === texts && given.tokenizer === key ? given : undefined;
}
