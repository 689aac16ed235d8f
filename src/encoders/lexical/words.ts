/**
 * TF-IDF's words when fitting: natural's RegexpTokenizer over the lowercased text (prediction finds
 * the same words with word-scanner.ts). natural is required from its regexp tokenizer's own file, on
 * first use: its root module runs dotenv at load time (reading `.env` into process.env and printing to
 * stdout), and loading it cost every command ~9 ms of start-up, prediction included.
 */
import { createRequire } from 'node:module';
import type { RegexpTokenizer } from 'natural/lib/natural/tokenizers/index.js';
import { checkedText } from '../checked-text.js';

const nodeRequire = createRequire(import.meta.url);
let wordTokenizer: RegexpTokenizer | undefined;

/** scikit-learn's default token pattern `(?u)\b\w\w+\b`, with \w spelled out for JavaScript. */
function tokenizer(): RegexpTokenizer {
  if (wordTokenizer === undefined) {
    const natural = nodeRequire('natural/lib/natural/tokenizers/regexp_tokenizer.js') as {
      RegexpTokenizer: typeof RegexpTokenizer;
    };
    wordTokenizer = new natural.RegexpTokenizer({ pattern: /[\p{L}\p{N}_]{2,}/gu, gaps: false });
  }
  return wordTokenizer;
}

/** The words of `texts[index]` in order; a text that is not a string is a DataError naming its index. */
export function wordsOf(text: unknown, index: number): string[] {
  return tokenizer().tokenize(checkedText(text, index).toLowerCase()) ?? [];
}
