/**
 * TF-IDF's words: natural's RegexpTokenizer over the lowercased text. natural is imported through
 * its tokenizers module because its root module runs dotenv at load time (reading `.env` into
 * process.env and printing to stdout).
 */
import { RegexpTokenizer } from 'natural/lib/natural/tokenizers/index.js';
import { DataError } from '../../errors.js';

/** scikit-learn's default token pattern `(?u)\b\w\w+\b`, with \w spelled out for JavaScript. */
const wordTokenizer = new RegexpTokenizer({ pattern: /[\p{L}\p{N}_]{2,}/gu, gaps: false });

/** The words of `texts[index]` in order; a text that is not a string is a DataError naming its index. */
export function wordsOf(text: unknown, index: number): string[] {
  return wordTokenizer.tokenize(checkedText(text, index).toLowerCase()) ?? [];
}

/** `text` when it is a string; a DataError naming its index otherwise. */
export function checkedText(text: unknown, index: number): string {
  if (typeof text !== 'string') {
    throw new DataError('TEXT_NOT_STRING', `expected a string, got ${text === null ? 'null' : typeof text}`, {
      location: { index },
    });
  }
  return text;
}
