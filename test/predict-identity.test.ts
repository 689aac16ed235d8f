/**
 * The settings digest of a prediction run (the resume journal's identity) orders names as
 * `localeCompare` does, without loading ICU's collator at start-up (issue 23): a journal written by an
 * earlier version must still resume.
 */
import { describe, expect, it } from 'vitest';
import { compareNames, digestSettings } from '../src/predict/identity.js';
import { createRng } from '../src/util/random.js';

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

describe('the order of settings names', () => {
  it('is localeCompare on names of ASCII letters, cased differently and prefixes of each other', () => {
    const rng = createRng(23);
    const pick = (alphabet: string) => alphabet[Math.floor(rng() * alphabet.length)]!;
    const names = ['labelMap', 'labelled', 'label', 'Label', 'LABEL', 'lAbel', 'topK', 'topk', 'format', 'textField'];
    for (let i = 0; i < 400; i++) {
      const length = 1 + Math.floor(rng() * 6);
      names.push(Array.from({ length }, () => pick(i % 2 ? 'abAB' : LETTERS)).join(''));
    }
    const mismatches = names.flatMap((a) =>
      names.filter((b) => Math.sign(compareNames(a, b)) !== Math.sign(a.localeCompare(b))).map((b) => `${a} ${b}`),
    );
    expect(mismatches).toEqual([]);
  });

  it('gives the digest the localeCompare sort gave', () => {
    const settings = { topK: 1, format: 'jsonl', labelled: false, labelMap: 'x', textField: ['a', 'b'], Z_1: 2 };
    const sorted = Object.fromEntries(Object.entries(settings).sort(([a], [b]) => a.localeCompare(b)));
    expect(Object.keys(sorted)).toEqual(['format', 'labelled', 'labelMap', 'textField', 'topK', 'Z_1']);
    // sha256 of the keys in that order, as the code before this change digested them.
    expect(digestSettings(settings)).toBe('3b2ffddff1b199c99f8efe35c7e60fde596ff616118015cd697ec5e9633a6d9e');
  });
});
