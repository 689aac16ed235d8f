/**
 * TF-IDF rows weighed by word ids (src/encoders/lexical/tfidf-rows.ts) against the way they were
 * weighed before (kept here as the reference): natural's tokenizer, every term as a string, counted
 * in a Map, columns sorted. Indices, token counts and the float32 bytes of every value must be
 * identical, on random Unicode corpora, on a hand-written state with terms the tokenizer can never
 * form, and on every text of the shared corpora; the word scanner's words must be natural's on
 * random strings of any code points and on every text of the shared corpora.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { RegexpTokenizer } from 'natural/lib/natural/tokenizers/index.js';
import { describe, expect, it } from 'vitest';
import { listCorpora, readDataset, resolveDataSource } from '../src/data/index.js';
import type { TfidfSettings } from '../src/encoders/encoder.js';
import { TFIDF_STATE_FILE, TfidfEncoder } from '../src/encoders/lexical/tfidf.js';
import { WordScanner } from '../src/encoders/lexical/word-scanner.js';
import { createRng } from '../src/util/index.js';
import { describeWithCorpora, tempDir } from './helpers.js';

interface Rows {
  indptr: number[];
  indices: number[];
  values: Buffer;
  tokens: number[];
}

const referenceTokenizer = new RegexpTokenizer({ pattern: /[\p{L}\p{N}_]{2,}/gu, gaps: false });

/** The weighing as it was: term strings, a Map of counts, sorted columns, float64 weights stored as float32. */
function referenceRows(terms: readonly string[], idf: Float32Array, options: TfidfSettings, texts: string[]): Rows {
  const vocabulary = new Map(terms.map((term, column) => [term, column]));
  const rows: Rows = { indptr: [0], indices: [], values: Buffer.alloc(0), tokens: [] };
  const values: number[] = [];
  for (const text of texts) {
    const words = referenceTokenizer.tokenize(text.toLowerCase()) ?? [];
    const all = options.ngramMax === 1 ? words : [...words, ...words.slice(1).map((w, i) => `${words[i]} ${w}`)];
    const counts = new Map<number, number>();
    let tokens = 0;
    for (const term of all) {
      const column = vocabulary.get(term);
      if (column === undefined) continue;
      counts.set(column, (counts.get(column) ?? 0) + 1);
      tokens++;
    }
    const columns = Int32Array.from(counts.keys()).sort();
    const weights = new Float64Array(columns.length);
    let squares = 0;
    columns.forEach((column, k) => {
      const count = counts.get(column)!;
      weights[k] = (options.sublinearTf ? 1 + Math.log(count) : count) * idf[column]!;
      squares += weights[k]! * weights[k]!;
    });
    const scale = squares > 0 ? 1 / Math.sqrt(squares) : 0;
    for (let k = 0; k < weights.length; k++) weights[k]! *= scale;
    rows.indices.push(...columns);
    values.push(...Float32Array.from(weights));
    rows.indptr.push(rows.indices.length);
    rows.tokens.push(tokens);
  }
  rows.values = Buffer.from(Float32Array.from(values).buffer);
  return rows;
}

/** The scanner's words of the lowercased text, as strings. */
function scannedWords(scanner: WordScanner, text: string): string[] {
  const lower = text.toLowerCase();
  const count = scanner.scan(lower);
  return Array.from({ length: count }, (_, i) => lower.slice(scanner.starts[i], scanner.ends[i]));
}

async function encoderRows(encoder: TfidfEncoder, texts: string[]): Promise<Rows> {
  const { indptr, indices, values, info } = await encoder.embedSparse(texts);
  return {
    indptr: Array.from(indptr),
    indices: Array.from(indices),
    values: Buffer.from(values.buffer, values.byteOffset, values.byteLength),
    tokens: info.map((i) => i.tokens),
  };
}

/** The fitted state as saved: the terms and idf the reference weighs with. */
async function savedState(encoder: TfidfEncoder): Promise<{ terms: string[]; idf: Float32Array }> {
  const dir = tempDir();
  await encoder.saveState(dir);
  const { terms, idf } = JSON.parse(readFileSync(path.join(dir, TFIDF_STATE_FILE), 'utf8'));
  return { terms, idf: Float32Array.from(idf) };
}

async function expectReferenceRows(encoder: TfidfEncoder, texts: string[]): Promise<void> {
  const { terms, idf } = await savedState(encoder);
  const actual = await encoderRows(encoder, texts);
  const expected = referenceRows(terms, idf, encoder.options, texts);
  expect(actual.indptr).toEqual(expected.indptr);
  expect(actual.indices).toEqual(expected.indices);
  expect(actual.tokens).toEqual(expected.tokens);
  expect(actual.values.equals(expected.values)).toBe(true);
}

// Words whose lowercasing is unusual (final sigma, dotted I, sharp s), scripts without case, digits, underscores.
const word = fc.constantFrom(
  'the',
  'The',
  'profit',
  'PROFIT',
  'rose',
  'ΟΔΟΣ',
  'Σ',
  'İstanbul',
  'STRASSE',
  'straße',
  'café',
  'cafe\u0301',
  '日本語',
  'x',
  'a1',
  '2024',
  'snake_case',
  'don',
  't',
);
const separator = fc.constantFrom(' ', '  ', '\t', '\n', ', ', '. ', "'", '-', '/', '\u00a0', '\u3000', '🙂', '');
const text = fc.oneof(
  fc.array(fc.tuple(word, separator), { maxLength: 14 }).map((parts) => parts.flat().join('')),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
const settings = fc.record({
  ngramMax: fc.constantFrom(1 as const, 2 as const),
  minDf: fc.constantFrom(1, 2),
  maxFeatures: fc.constantFrom(5, 200_000),
  sublinearTf: fc.boolean(),
});

describe('TF-IDF rows by word ids', () => {
  it('are the rows of term strings counted in a Map, on random Unicode corpora and settings', async () => {
    await fc.assert(
      fc.asyncProperty(
        settings,
        fc.array(text, { minLength: 1, maxLength: 12 }),
        fc.array(text, { maxLength: 6 }),
        async (options, corpus, unseen) => {
          const encoder = new TfidfEncoder(options);
          try {
            await encoder.fit(corpus);
          } catch {
            return; // No term reaches minDf: nothing to weigh.
          }
          await expectReferenceRows(encoder, [...corpus, ...unseen]);
        },
      ),
      { seed: 23, numRuns: 300 },
    );
  });

  it('never match saved terms the tokenizer cannot form, nor word pairs when ngramMax is 1', async () => {
    const terms = ['ab', 'ab cd', 'cd', 'ab  cd', ' ab', 'cd ', 'ab cd ef', 'AB', 'cd ab'];
    const texts = ['ab cd ef', 'AB  CD', 'cd ab cd', ' ab', 'ef'];
    for (const ngramMax of [1, 2] as const) {
      const dir = path.join(tempDir(), `state-${ngramMax}`);
      mkdirSync(dir);
      const options = { ngramMax, minDf: 1, maxFeatures: 100, sublinearTf: true };
      const idf = terms.map((_, i) => 1 + i / 4);
      writeFileSync(
        path.join(dir, TFIDF_STATE_FILE),
        JSON.stringify({ format: 'headstart-tfidf', version: 1, options, terms, idf }),
      );
      const encoder = await TfidfEncoder.loadState(dir);
      expect(referenceRows(terms, Float32Array.from(idf), options, texts)).toEqual(await encoderRows(encoder, texts));
    }
  });
  it('are the reference rows across a batch of several parts, long documents and counts past the table', async () => {
    const rng = createRng(23);
    const vocabulary = Array.from({ length: 400 }, (_, i) => `w${i.toString(36)}`);
    const pick = () => vocabulary[Math.floor(rng() ** 2 * vocabulary.length)]!;
    // 2600 texts: three parts of 1024; one in 50 a document of up to 600 words (many distinct columns).
    const texts = Array.from({ length: 2600 }, (_, i) => {
      const words = i % 50 === 7 ? 100 + Math.floor(rng() * 500) : Math.floor(rng() * 30);
      return Array.from({ length: words }, pick).join(rng() < 0.5 ? ' ' : ', ');
    });
    // A term counted 300 times, and pairs counted 299 times, beyond the term-frequency table's 256.
    texts[1500] = `${'w0 '.repeat(300)}w1`;
    for (const ngramMax of [1, 2] as const) {
      for (const sublinearTf of [true, false]) {
        const encoder = new TfidfEncoder({ ngramMax, minDf: 1, sublinearTf });
        await encoder.fit(texts);
        await expectReferenceRows(encoder, texts);
      }
    }
  });
});

describe('the word scanner', () => {
  it("finds natural's words in strings of any code points, lone surrogates included", () => {
    const scanner = new WordScanner();
    const anyText = fc.oneof(
      text,
      fc.string({ unit: 'binary', maxLength: 60 }),
      // Surrogate halves, paired or not, between letters, digits and astral letters (𝐀, 𝟙).
      fc
        .array(fc.constantFrom('a', 'Z', '1', '_', ' ', '\ud835', '\udc00', '𝐀', '𝟙', '\u0301', 'ǅ', '٣'), {
          maxLength: 30,
        })
        .map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(anyText, (input) => {
        expect(scannedWords(scanner, input)).toEqual(referenceTokenizer.tokenize(input.toLowerCase()) ?? []);
      }),
      { seed: 23, numRuns: 3000 },
    );
  });
});

// Every registered corpus but the Financial PhraseBank subsets of fpb-all.
const corpora = listCorpora()
  .map(({ name }) => name)
  .filter((name) => !/^fpb\d+$/.test(name));

describeWithCorpora(corpora, 'TF-IDF rows by word ids on the shared corpora', () => {
  it.each(corpora)(
    'are the reference rows of every %s text, fitted on them',
    async (corpus) => {
      const { path: file, options } = resolveDataSource(corpus);
      const texts = (await readDataset(file, options)).examples.map((example) => example.text);
      const scanner = new WordScanner();
      for (const text of texts)
        expect(scannedWords(scanner, text)).toEqual(referenceTokenizer.tokenize(text.toLowerCase()) ?? []);
      const encoder = new TfidfEncoder();
      await encoder.fit(texts);
      await expectReferenceRows(encoder, texts);
    },
    120_000,
  );
});
