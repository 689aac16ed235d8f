/**
 * Tokenizes texts once, without padding, with the model's own tokenizer, and truncates them the
 * way Hugging Face tokenizers do: the content is cut and the special tokens around it ([CLS] ...
 * [SEP] for BERT) are kept. (transformers.js' own truncation cuts the trailing [SEP] instead.)
 */
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { ModelError, UsageError } from '../../errors.js';

export interface TokenizedText {
  ids: number[];
  typeIds: number[];
  /** Tokens of the text itself, without the special tokens (0 for an empty text). */
  contentTokens: number;
  truncated: boolean;
}

/** How many special tokens the tokenizer puts before and after a single text. */
export interface SpecialTokenLayout {
  before: number;
  after: number;
}

interface Encoded {
  input_ids: number[][];
  token_type_ids?: number[][];
}

export function detectSpecialTokenLayout(tokenizer: PreTrainedTokenizer): SpecialTokenLayout {
  const probe = 'hello world';
  const full = tokenizer.encode(probe, { add_special_tokens: true });
  const content = tokenizer.encode(probe, { add_special_tokens: false });
  for (let before = 0; before + content.length <= full.length; before++) {
    if (content.length > 0 && content.every((id, i) => full[before + i] === id)) {
      return { before, after: full.length - before - content.length };
    }
  }
  throw new ModelError(
    'TOKENIZER_LAYOUT',
    `cannot find the text's tokens inside the special-token template (${JSON.stringify(full)})`,
  );
}

/** Tokens left for the text itself within `maxTokens`; throws if the special tokens take them all. */
export function contentRoom(maxTokens: number, layout: SpecialTokenLayout): number {
  const room = maxTokens - layout.before - layout.after;
  if (room < 1)
    throw new UsageError(
      'MAX_TOKENS_TOO_SMALL',
      `maxTokens ${maxTokens} leaves no room for text next to ${layout.before + layout.after} special tokens`,
    );
  return room;
}

export function tokenizeTexts(
  tokenizer: PreTrainedTokenizer,
  texts: readonly string[],
  maxTokens: number,
  layout: SpecialTokenLayout,
): TokenizedText[] {
  const room = contentRoom(maxTokens, layout);
  if (texts.length === 0) return [];
  const encoded = tokenizer([...texts], { add_special_tokens: true, return_tensor: false }) as unknown as Encoded;
  return encoded.input_ids.map((ids, i) => {
    const typeIds = encoded.token_type_ids?.[i] ?? new Array<number>(ids.length).fill(0);
    const contentTokens = ids.length - layout.before - layout.after;
    if (contentTokens <= room) return { ids, typeIds, contentTokens, truncated: false };
    const keep = (list: number[]) => [
      ...list.slice(0, layout.before + room),
      ...list.slice(list.length - layout.after),
    ];
    return { ids: keep(ids), typeIds: keep(typeIds), contentTokens: room, truncated: true };
  });
}
