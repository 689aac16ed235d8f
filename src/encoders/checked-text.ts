import { DataError } from '../errors.js';

/** `text` when it is a string; a DataError naming its index otherwise (what an encoder says of a non-string text). */
export function checkedText(text: unknown, index: number): string {
  if (typeof text !== 'string') {
    throw new DataError('TEXT_NOT_STRING', `expected a string, got ${text === null ? 'null' : typeof text}`, {
      location: { index },
    });
  }
  return text;
}
