/**
 * The chunk-cached fast path returns exactly the ids of `Tokenizer.encode(text, { add_special_tokens:
 * false })`, on real corpora and on arbitrary Unicode, and its cache stays within its bound.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDataset, resolveDataSource } from '../src/data/index.js';
import { MAX_CACHED_CHUNK_LENGTH, ChunkCacheTokenizer } from '../src/encoders/static/chunk-cache-tokenizer.js';
import { createRng } from '../src/util/random.js';
import { describeWithCorpora, potionDir } from './helpers.js';

const SAMPLE_ROWS = 5000;
/** Corpus name and how many of its rows to check (all when undefined). */
const CORPORA: [string, number | undefined][] = [
  ['fpb50', undefined],
  ['banking77-train', undefined],
  ['trec-train', undefined],
  ['sst2-train', SAMPLE_ROWS],
  ['hoc-train', SAMPLE_ROWS],
];

let tokenizerJson: object;
let library: Tokenizer;

function libraryIds(text: string): number[] {
  return library.encode(text, { add_special_tokens: false }).ids;
}

beforeAll(async () => {
  tokenizerJson = JSON.parse(await readFile(path.join(potionDir, 'tokenizer.json'), 'utf8'));
  library = new Tokenizer(tokenizerJson, {});
});

/** Texts of the corpus, or a reason it is unavailable. */
async function corpusTexts(name: string, sample?: number): Promise<string[]> {
  const source = resolveDataSource(name);
  const texts = (await readDataset(source.path, source.options)).examples.map((example) => example.text);
  if (sample === undefined || texts.length <= sample) return texts;
  const rng = createRng(7);
  for (let i = texts.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [texts[i], texts[j]] = [texts[j], texts[i]];
  }
  return texts.slice(0, sample);
}

describe('chunk-cached tokenizer parity with Tokenizer.encode', () => {
  it('takes the fast path on the potion tokenizer', () => {
    expect(new ChunkCacheTokenizer(new Tokenizer(tokenizerJson, {})).fastPath).toBe(true);
  });

  describeWithCorpora(
    CORPORA.map(([name]) => name),
    'on the shared corpora',
    () => {
      for (const [name, sample] of CORPORA) {
        it(`gives identical ids on ${sample ? `${sample} rows of ` : 'all of '}${name}`, async () => {
          const texts = await corpusTexts(name, sample);
          const cached = new ChunkCacheTokenizer(new Tokenizer(tokenizerJson, {}));
          expect(texts.length).toBeGreaterThan(0);
          for (const text of texts) expect(cached.encodeIds(text), text).toEqual(libraryIds(text));
          // Both passes: the second reads every chunk from the cache.
          for (const text of texts) expect(cached.encodeIds(text), text).toEqual(libraryIds(text));
        }, 60_000);
      }
    },
  );

  it('gives identical ids on arbitrary Unicode, added tokens and accents', () => {
    const cached = new ChunkCacheTokenizer(new Tokenizer(tokenizerJson, {}), 50);
    const tricky = fc.constantFrom(
      '[CLS]',
      '[cls]',
      '[UNK]',
      '[unk]',
      '[SEP]x',
      'a[MASK]b',
      '[PAD',
      ' [SEP] ',
      'Café',
      'NAÏVE',
      'e\u0301',
      'İstanbul',
      'ß',
      '東京タワー',
      '中文字',
      '\u{1F600}',
      '\u{1F469}\u200D\u{1F4BB}',
      '\u0000',
      '\u0007',
      '\u200B',
      '\uFEFF',
      '\uD800',
      '\r\n',
      '\t',
      '##ing',
      'x'.repeat(120),
      '\u00A0',
      '\u3000',
      '\u2028',
      '\u0085',
      '\f',
      '\v',
      ' \u0301',
      'a\u00A0b',
      "don't",
      '$1,000.50',
      'U.S.',
    );
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      fc
        .tuple(fc.array(fc.oneof(tricky, fc.string({ maxLength: 6 })), { maxLength: 10 }), fc.constantFrom(' ', ''))
        .map(([parts, separator]) => parts.join(separator)),
    );
    fc.assert(
      fc.property(text, (value) => {
        expect(cached.encodeIds(value)).toEqual(libraryIds(value));
      }),
      { numRuns: 1500, seed: 20261123 },
    );
  });

  it('splits at runs of spaces (native split) and at tabs and line breaks (character scan) as the library does', () => {
    const cached = new ChunkCacheTokenizer(new Tokenizer(tokenizerJson, {}));
    const texts = [
      '  Net  profit rose .  ',
      ' ',
      '',
      'Net\tprofit  rose\r\n.',
      '\n loss \t',
      'a\u00A0b  c',
      'x '.repeat(50),
    ];
    for (const text of texts) expect(cached.encodeIds(text), JSON.stringify(text)).toEqual(libraryIds(text));
  });

  it('uses the library path for texts that contain an added token', () => {
    const cached = new ChunkCacheTokenizer(new Tokenizer(tokenizerJson, {}));
    const values = ['[CLS]', 'buy [UNK] now', '[SEP][SEP]', 'x[MASK]', 'sell\t[PAD]\nnow'];
    // The second pass reads the marked chunks from the cache and must still take the library path.
    for (let pass = 0; pass < 2; pass++)
      for (const value of values) expect(cached.encodeIds(value)).toEqual(libraryIds(value));
    expect(cached.cacheSize).toBeGreaterThan(0);
  });

  it('never holds more chunks than its bound', () => {
    const limit = 64;
    const cached = new ChunkCacheTokenizer(new Tokenizer(tokenizerJson, {}), limit);
    const rng = createRng(3);
    let peak = 0;
    for (let i = 0; i < 2000; i++) {
      const words = Array.from({ length: 8 }, () => `w${Math.floor(rng() * 5000)}`);
      cached.encodeIds(words.join(' '));
      peak = Math.max(peak, cached.cacheSize);
      expect(cached.cacheSize).toBeLessThanOrEqual(limit);
    }
    expect(peak).toBe(limit);
  });

  it('does not cache chunks longer than MAX_CACHED_CHUNK_LENGTH', () => {
    const cached = new ChunkCacheTokenizer(new Tokenizer(tokenizerJson, {}));
    const long = 'ab'.repeat(MAX_CACHED_CHUNK_LENGTH);
    expect(cached.encodeIds(`${long} profit`)).toEqual(libraryIds(`${long} profit`));
    expect(cached.cacheSize).toBe(1);
  });

  it('falls back to plain encode when the tokenizer config needs steps the fast path skips', () => {
    const lowercasing = new Tokenizer(tokenizerJson, { do_lowercase_and_remove_accent: true });
    const cached = new ChunkCacheTokenizer(lowercasing);
    expect(cached.fastPath).toBe(false);
    expect(cached.encodeIds('Déjà Vu')).toEqual(lowercasing.encode('Déjà Vu', { add_special_tokens: false }).ids);
    const fusing = {
      ...tokenizerJson,
      model: { ...(tokenizerJson as { model: object }).model, type: 'WordPiece', fuse_unk: true },
    };
    expect(new ChunkCacheTokenizer(new Tokenizer(fusing, {})).fastPath).toBe(false);
    // A pre-tokenizer that does not split at whitespace would let a chunk's tokens depend on its neighbours.
    const metaspace = {
      ...tokenizerJson,
      pre_tokenizer: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'first', split: true },
    };
    expect(new ChunkCacheTokenizer(new Tokenizer(metaspace, {})).fastPath).toBe(false);
    const replacing = {
      ...tokenizerJson,
      normalizer: {
        type: 'Sequence',
        normalizers: [{ type: 'Lowercase' }, { type: 'Replace', pattern: { String: ' ' }, content: '_' }],
      },
    };
    expect(new ChunkCacheTokenizer(new Tokenizer(replacing, {})).fastPath).toBe(false);
  });

  it('rejects a non-positive bound', () => {
    expect(() => new ChunkCacheTokenizer(library, 0)).toThrow(RangeError);
  });
});
