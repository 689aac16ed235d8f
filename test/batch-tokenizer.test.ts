/**
 * The WebAssembly chunk table (batch-tokenizer.ts, chunk-table.wat) gives every text exactly the ids,
 * count and truncation `StaticEncoder.tokenize` gives it: on the shared corpora and on arbitrary
 * Unicode, for a long and a short maxTokens, with a table big enough for the batch and with one so
 * small it is cleared many times within a batch.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readDataset, resolveDataSource } from '../src/data/index.js';
import { BatchTokenizer } from '../src/encoders/static/batch-tokenizer.js';
import { CHARS_PER_TOKEN } from '../src/encoders/static/char-budget.js';
import { ChunkCacheTokenizer } from '../src/encoders/static/chunk-cache-tokenizer.js';
import { ChunkTable } from '../src/encoders/static/chunk-table.js';
import { StaticEncoder } from '../src/encoders/static/static.js';
import { TokenIdRowsBuilder } from '../src/encoders/static/token-id-rows.js';
import type { TokenizedText } from '../src/encoders/encoder.js';
import { describeWithCorpora, potionDir } from './helpers.js';

const CORPORA = ['fpb50', 'banking77-train', 'trec-train', 'sst2-train', 'hoc-train'];
const MAX_TOKENS = [512, 7];

let tokenizerJson: object;
const encoders = new Map<number, StaticEncoder>();
beforeAll(async () => {
  tokenizerJson = JSON.parse(await readFile(path.join(potionDir, 'tokenizer.json'), 'utf8'));
  for (const maxTokens of MAX_TOKENS) encoders.set(maxTokens, await StaticEncoder.load(potionDir, { maxTokens }));
});
afterAll(async () => {
  for (const encoder of encoders.values()) await encoder.dispose();
});

/** A batch tokenizer with a table of its own (`entries` chunks, `arenaBytes` of keys and ids). */
function batchTokenizer(entries?: number, arenaBytes?: number): BatchTokenizer {
  const chunks = new ChunkCacheTokenizer(new Tokenizer(tokenizerJson, {}));
  return new BatchTokenizer(chunks, new ChunkTable(entries, arenaBytes));
}

/** Each text's ids and truncation from `batch`, and the indexes of the texts it left to `tokenize`. */
function batchRows(batch: BatchTokenizer, texts: readonly string[], maxTokens: number) {
  const encoder = encoders.get(maxTokens)!;
  const out = new TokenIdRowsBuilder(texts.length);
  const fallbacks: string[] = [];
  batch.tokenize(texts, 0, texts.length, out, {
    maxTokens,
    unknownId: encoder.tokenizerParts().unknownId,
    charBudget: maxTokens * CHARS_PER_TOKEN,
    fallback: (text) => {
      fallbacks.push(text);
      return encoder.tokenize(text);
    },
  });
  const { ids, offsets, truncated } = out.rows();
  const rows: TokenizedText[] = texts.map((_, i) => ({
    ids: [...ids.subarray(offsets[i], offsets[i + 1])],
    truncated: truncated[i] === 1,
  }));
  return { rows, fallbacks };
}

function expectTokenizeParity(batch: BatchTokenizer, texts: readonly string[], maxTokens: number): string[] {
  const { rows, fallbacks } = batchRows(batch, texts, maxTokens);
  const encoder = encoders.get(maxTokens)!;
  texts.forEach((text, i) => expect(rows[i], JSON.stringify(text)).toEqual(encoder.tokenize(text)));
  return fallbacks;
}

async function corpusTexts(name: string): Promise<string[]> {
  const source = resolveDataSource(name);
  return (await readDataset(source.path, source.options)).examples.map((example) => example.text);
}

describe('batch tokenizer parity with StaticEncoder.tokenize', () => {
  describeWithCorpora(CORPORA, 'on the shared corpora', () => {
    for (const name of CORPORA) {
      it(`gives tokenize's ids on all of ${name}, with maxTokens ${MAX_TOKENS.join(' and ')}`, async () => {
        const texts = await corpusTexts(name);
        expect(texts.length).toBeGreaterThan(0);
        for (const maxTokens of MAX_TOKENS) {
          const batch = batchTokenizer();
          // Twice: the second pass finds every chunk in the table.
          expect(expectTokenizeParity(batch, texts, maxTokens)).toEqual([]);
          expect(expectTokenizeParity(batch, texts, maxTokens)).toEqual([]);
          expect(batch.cacheSize).toBeGreaterThan(0);
        }
      }, 120_000);
    }

    it("gives the same ids through embed (the encoder's own table) as through tokenize", async () => {
      const texts = await corpusTexts('fpb50');
      for (const maxTokens of MAX_TOKENS) {
        const encoder = encoders.get(maxTokens)!;
        const { ids, offsets, truncated } = (await encoder.embed(texts)).tokenIds!;
        texts.forEach((text, i) =>
          expect({ ids: [...ids.subarray(offsets[i], offsets[i + 1])], truncated: truncated[i] === 1 }).toEqual(
            encoder.tokenize(text),
          ),
        );
      }
    }, 60_000);

    it('gives the same ids when its table is cleared many times within a batch', async () => {
      const texts = (await corpusTexts('banking77-train')).slice(0, 3000);
      const clear = vi.spyOn(ChunkTable.prototype, 'clear');
      const batch = batchTokenizer(200, 4000);
      const clearsAtStart = clear.mock.calls.length;
      const fallbacks = expectTokenizeParity(batch, texts, 512);
      expect(clear.mock.calls.length - clearsAtStart).toBeGreaterThan(20);
      expect(fallbacks).toEqual([]);
      clear.mockRestore();
    }, 60_000);
  });

  const tricky = fc.constantFrom(
    '[CLS]',
    '[cls]',
    '[UNK]',
    '[SEP]x',
    'a[MASK]b',
    'profit[SEP]',
    '[PAD',
    'Café',
    'NAÏVE',
    'e\u0301',
    'İstanbul',
    '東京タワー',
    '\u{1F600}',
    '\u{1F469}\u200D\u{1F4BB}',
    '\u0000',
    '\u200B',
    '\uD800',
    '\uDC00x',
    '\r\n',
    '\t\t',
    '\n\r \t',
    '##ing',
    'x'.repeat(120),
    'profit'.repeat(15),
    '\u00A0',
    '\u3000',
    '\f',
    "don't",
  );
  const separator = fc.constantFrom(' ', '', '  ', '\t', '\n', '\r\n', ' \t ');
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 30 }),
    fc
      .tuple(fc.array(fc.oneof(tricky, fc.string({ maxLength: 6 })), { maxLength: 12 }), separator)
      .map(([parts, glue]) => parts.join(glue)),
    // Past maxTokens and past the char budget (6144 and 84 units), cut at whitespace or mid-word.
    fc
      .tuple(fc.constantFrom('net profit ', 'x', '😀 ', 'déjà\tvu\n', 'a[UNK]'), fc.integer({ min: 1, max: 3000 }))
      .map(([unit, count]) => unit.repeat(count)),
  );

  for (const maxTokens of MAX_TOKENS) {
    it(`gives tokenize's ids on batches of arbitrary Unicode with maxTokens ${maxTokens}, in a roomy and a tiny table`, () => {
      const roomy = batchTokenizer();
      const tiny = batchTokenizer(8, 600);
      fc.assert(
        fc.property(fc.array(text, { maxLength: 25 }), (texts) => {
          expectTokenizeParity(roomy, texts, maxTokens);
          expectTokenizeParity(tiny, texts, maxTokens);
        }),
        { numRuns: 300, seed: 20261203 + maxTokens },
      );
    }, 120_000);
  }

  it('keeps one entry per distinct chunk around the 8-byte in-slot keys and the 16-byte whitespace scan', () => {
    // Chunks of 1 to 40 bytes sharing their first 8 or 16 bytes, at every offset from a 16-byte step,
    // after runs of 1 to 17 whitespace bytes: a key compared past its length, or cut short, merges two
    // chunks (wrong ids) or splits one (more entries).
    const words = Array.from({ length: 40 }, (_, n) => 'unbelievablyprofitablecompanies!'.repeat(2).slice(0, n + 1));
    const gaps = [' ', '\t', ' \n', '\r\n  ', ' '.repeat(15), ' '.repeat(16), '\t'.repeat(17)];
    const texts = words.flatMap((word, w) =>
      gaps.map((gap, g) => `${'x'.repeat((w + g) % 17)}${gap}${word}${gap}é${word}`),
    );
    const distinct = new Set(texts.flatMap((text) => text.split(/[ \t\n\r]+/).filter((chunk) => chunk !== '')));
    const roomy = batchTokenizer();
    expect(expectTokenizeParity(roomy, texts, 512)).toEqual([]);
    expect(roomy.cacheSize).toBe(distinct.size);
    // A table bounded at exactly these entries: at its fullest, with longer probe runs.
    const crowded = batchTokenizer(distinct.size);
    expect(expectTokenizeParity(crowded, texts, 512)).toEqual([]);
    expect(crowded.cacheSize).toBe(distinct.size);
  });

  it('leaves to tokenize exactly the texts with a lone surrogate or an added token', () => {
    const texts = ['Net profit', 'a\uD800b', 'buy [UNK] now', 'loss', 'sell\t[SEP]', '[CLS]', 'ok'];
    for (let pass = 0; pass < 2; pass++) {
      const fallbacks = expectTokenizeParity(batchTokenizer(), texts, 512);
      expect(fallbacks).toEqual(['a\uD800b', 'buy [UNK] now', 'sell\t[SEP]', '[CLS]']);
    }
  });

  it('leaves to tokenize a text whose added token comes after maxTokens ids', () => {
    const capped = 'a b c d e f g h i [CLS]';
    const texts = ['net profit', capped, 'a b c d e f g h i', 'net loss'];
    expect(expectTokenizeParity(batchTokenizer(), texts, 7)).toEqual([capped]);
  });

  it('grows the area for ids when a window of rows does not fit it, with the same ids', () => {
    const grow = vi.spyOn(ChunkTable.prototype, 'growOut');
    const texts = Array.from({ length: 9 }, (_, i) => `${'net profit rose '.repeat(20 * i)}${'x'.repeat(i)}`);
    const callsAtStart = grow.mock.calls.length;
    expect(expectTokenizeParity(batchTokenizer(), texts, 512)).toEqual([]);
    // One call at the table's start and one per window; more only when rows did not fit.
    expect(grow.mock.calls.length - callsAtStart).toBeGreaterThan(2);
    grow.mockRestore();
  });

  it('leaves to tokenize a text whose chunks do not fit an empty table, and takes the others', () => {
    const long = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
    const texts = ['net profit', long, 'net loss'];
    expect(expectTokenizeParity(batchTokenizer(10, 1000), texts, 512)).toEqual([long]);
  });
});
