/**
 * The TF-IDF rows of ASCII texts weighed in WebAssembly (src/encoders/lexical/tfidf-kernel.ts) against
 * the JavaScript path: a text with U+3000 (a space that is not ASCII and not a word character)
 * appended has the same words but is weighed in JavaScript, so the two batches' CSR rows must be
 * byte-identical; the kernel's share of the rows is counted, so a kernel that handed every row back
 * would fail. Also the ASCII facts the kernel relies on: lowercasing and the word characters.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { listCorpora, readDataset, resolveDataSource } from '../src/data/index.js';
import { HeadstartError } from '../src/errors.js';
import { TfidfEncoder } from '../src/encoders/lexical/tfidf.js';
import { TfidfKernel } from '../src/encoders/lexical/tfidf-kernel.js';
import { createRng } from '../src/util/index.js';
import { describeWithCorpora } from './helpers.js';

const JS_ONLY = '\u3000';

interface Rows {
  indptr: Buffer;
  indices: Buffer;
  values: Buffer;
  tokens: number[];
}

const bytesOf = (array: Int32Array | Float32Array) => Buffer.from(array.buffer, array.byteOffset, array.byteLength);

async function rowsOf(encoder: TfidfEncoder, texts: readonly string[]): Promise<Rows> {
  const { indptr, indices, values, info } = await encoder.embedSparse(texts);
  return {
    indptr: bytesOf(indptr),
    indices: bytesOf(indices),
    values: bytesOf(values),
    tokens: info.map((i) => i.tokens),
  };
}

/** How many rows the kernel weighed while `run` ran. */
async function kernelRows(run: () => Promise<void>): Promise<number> {
  const weigh = vi.spyOn(TfidfKernel.prototype, 'weigh');
  await run();
  const rows = weigh.mock.results.reduce((sum, result) => sum + (result.value as number), 0);
  weigh.mockRestore();
  return rows;
}

/** Expects the rows of `texts` to be those the JavaScript path weighs; returns how many rows the kernel weighed. */
async function expectJavaScriptRows(encoder: TfidfEncoder, texts: readonly string[]): Promise<number> {
  let actual: Rows | undefined;
  const weighed = await kernelRows(async () => void (actual = await rowsOf(encoder, texts)));
  const expected = await rowsOf(
    encoder,
    texts.map((text) => text + JS_ONLY),
  );
  expect(actual!.indptr.equals(expected.indptr)).toBe(true);
  expect(actual!.indices.equals(expected.indices)).toBe(true);
  expect(actual!.tokens).toEqual(expected.tokens);
  expect(actual!.values.equals(expected.values)).toBe(true);
  return weighed;
}

const isAscii = (text: string) => /^[\x00-\x7f]*$/.test(text);
const asciiLower = (text: string) => text.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));

const asciiWord = fc.constantFrom(
  'the',
  'The',
  'PROFIT',
  'rose',
  'x',
  'A',
  'a1',
  '2024',
  '_',
  'snake_case',
  'Q3',
  'don',
  't',
);
const asciiSeparator = fc.constantFrom(' ', '  ', '\t', '\n', ', ', '. ', "'", '-', '/', '\0', '\x7f', '', '~');
const asciiText = fc.oneof(
  fc.array(fc.tuple(asciiWord, asciiSeparator), { maxLength: 20 }).map((parts) => parts.flat().join('')),
  fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
);
const otherText = fc.constantFrom('café Profit', 'ΟΔΟΣ the', 'İstanbul rose', 'the 🙂 profit', '\ud835 x1', 'K the');
const settings = fc.record({
  ngramMax: fc.constantFrom(1 as const, 2 as const),
  minDf: fc.constantFrom(1, 2),
  maxFeatures: fc.constantFrom(5, 200_000),
  sublinearTf: fc.boolean(),
});

afterEach(() => vi.restoreAllMocks());

describe('ASCII text in the TF-IDF kernel', () => {
  it('is lowercased by toLowerCase exactly as A-Z to a-z, and its word characters are a-z, A-Z, 0-9, _', () => {
    for (let unit = 0; unit < 0x80; unit++) {
      const char = String.fromCharCode(unit);
      expect(char.toLowerCase()).toBe(asciiLower(char));
      expect(/^[\p{L}\p{N}_]$/u.test(char)).toBe(/^[a-zA-Z0-9_]$/.test(char));
    }
    fc.assert(
      fc.property(asciiText, (text) => {
        expect(text.toLowerCase()).toBe(asciiLower(text));
      }),
      { seed: 23, numRuns: 1000 },
    );
  });
});

describe('TF-IDF rows in WebAssembly', () => {
  it('are the JavaScript rows on random ASCII texts, with texts that are not ASCII between them', async () => {
    await fc.assert(
      fc.asyncProperty(
        settings,
        fc.array(asciiText, { minLength: 1, maxLength: 12 }),
        fc.array(fc.oneof(asciiText, otherText), { maxLength: 8 }),
        async (options, corpus, unseen) => {
          const encoder = new TfidfEncoder(options);
          try {
            await encoder.fit([...corpus, ...unseen]);
          } catch {
            return; // No term reaches minDf: nothing to weigh.
          }
          const texts = [...corpus, ...unseen];
          const weighed = await expectJavaScriptRows(encoder, texts);
          expect(weighed).toBe(texts.filter(isAscii).length);
        },
      ),
      { seed: 23, numRuns: 300 },
    );
  });

  it('leave counts of 256 or more and texts too long for the window to JavaScript, and weigh long documents', async () => {
    const rng = createRng(23);
    const vocabulary = Array.from({ length: 400 }, (_, i) => `W${i.toString(36)}`);
    const pick = () => vocabulary[Math.floor(rng() ** 2 * vocabulary.length)]!;
    // 2600 texts: three parts of 1024, more than one window of rows and of bytes; one in 50 a document
    // of up to 600 words, with hundreds of distinct columns.
    const texts = Array.from({ length: 2600 }, (_, i) => {
      const words = i % 50 === 7 ? 100 + Math.floor(rng() * 500) : Math.floor(rng() * 30);
      return Array.from({ length: words }, pick).join(rng() < 0.5 ? ' ' : ', ');
    });
    texts[3] = '';
    texts[4] = 'zz yy, nothing known';
    texts[5] = `${'w0 '.repeat(255)}w1`;
    texts[1500] = `${'w0 '.repeat(300)}w1`;
    texts[1501] = 'w1 w2 '.repeat(300);
    texts[1502] = 'çà w1 w2';
    texts[2000] = Array.from({ length: 20_000 }, pick).join(' ');
    for (const ngramMax of [1, 2] as const) {
      for (const sublinearTf of [true, false]) {
        const encoder = new TfidfEncoder({ ngramMax, minDf: 1, sublinearTf });
        await encoder.fit(texts);
        const weighed = await expectJavaScriptRows(encoder, texts);
        // Counts of 300 (1500, 1501), a text that is not ASCII (1502), a text too long for the window (2000).
        expect(weighed).toBe(texts.length - 4);
      }
    }
  });

  it('refuse a text that is not a string at its index, after ASCII texts and after others', async () => {
    const encoder = new TfidfEncoder({ minDf: 1 });
    await encoder.fit(['ab cd', 'cd ef']);
    for (const texts of [
      ['ab', 'cd ef', 7, 'ab'],
      ['ab', 'café', null, 'ab'],
    ]) {
      const error = await encoder.embedSparse(texts as string[]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HeadstartError);
      expect((error as HeadstartError).code).toBe('TEXT_NOT_STRING');
      expect((error as HeadstartError).location?.index).toBe(2);
    }
  });
});

// Every registered corpus but the Financial PhraseBank subsets of fpb-all.
const corpora = listCorpora()
  .map(({ name }) => name)
  .filter((name) => !/^fpb\d+$/.test(name));

describeWithCorpora(corpora, 'TF-IDF rows in WebAssembly on the shared corpora', () => {
  it.each(corpora)(
    'are the JavaScript rows of every %s text',
    async (corpus) => {
      const { path: file, options } = resolveDataSource(corpus);
      const texts = (await readDataset(file, options)).examples.map((example) => example.text);
      const encoder = new TfidfEncoder();
      await encoder.fit(texts);
      const weighed = await expectJavaScriptRows(encoder, texts);
      console.log(`${corpus}: ${weighed} of ${texts.length} rows weighed in WebAssembly`);
      expect(weighed).toBeGreaterThan(0);
    },
    120_000,
  );
});
