/**
 * Tokenizer front ends on arbitrary Unicode (lone surrogates, control characters, combining marks,
 * emoji, huge words): embedding never throws, every row is a unit vector or a zero vector flagged
 * `empty`, and no text reaches the model with more than `maxTokens` tokens.
 */
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbedResult, Encoder } from '../src/encoders/encoder.js';
import { StaticEncoder } from '../src/encoders/static/static.js';
import { TfidfEncoder } from '../src/encoders/lexical/tfidf.js';
import { loadTransformerEncoder } from '../src/encoders/transformer/transformer.js';
import { potionDir, repoRoot } from './helpers.js';

const tricky = fc.constantFrom(
  '\uD800',
  '\uDFFF',
  '\u0000',
  '\u200B',
  '\u0301',
  '\uFEFF',
  '\u{1F600}',
  '\u{1F469}\u200D\u{1F4BB}',
  'İ',
  'ß',
  '\r\n',
  '\t',
  'x'.repeat(300),
  '##',
  '[UNK]',
  '[CLS]',
);
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.array(fc.oneof(tricky, fc.string({ maxLength: 8 })), { maxLength: 12 }).map((parts) => parts.join(' ')),
);
const texts = fc.array(text, { minLength: 1, maxLength: 6 });

function expectWellFormed(result: EmbedResult, count: number, encoder: Encoder): void {
  expect(result.rows).toBe(count);
  expect(result.info).toHaveLength(count);
  for (let row = 0; row < count; row++) {
    const vector = result.data.subarray(row * result.dim, (row + 1) * result.dim);
    const norm = Math.sqrt(vector.reduce((sum, v) => sum + v * v, 0));
    if (result.info[row].empty) expect(norm).toBe(0);
    else expect(norm).toBeCloseTo(1, 4);
    expect(result.info[row].tokens).toBeLessThanOrEqual(encoder.maxTokens);
  }
}

describe('tokenizer front ends on arbitrary Unicode', () => {
  let potion: StaticEncoder;
  let shortPotion: StaticEncoder;
  let tfidf: TfidfEncoder;

  beforeAll(async () => {
    potion = await StaticEncoder.load(potionDir);
    shortPotion = await StaticEncoder.load(potionDir, { maxTokens: 4 });
    tfidf = new TfidfEncoder();
    await tfidf.fit([
      'profit rose sharply',
      'profit fell',
      'losses widened',
      'losses narrowed',
      'émigré café',
      'café naïve',
      '数据 分析',
      '数据 x',
    ]);
  });
  afterAll(async () => {
    await Promise.all([potion.dispose(), shortPotion.dispose(), tfidf.dispose()]);
  });

  it.each([
    ['potion', () => potion],
    ['potion with maxTokens 4', () => shortPotion],
    ['tfidf', () => tfidf],
  ] as const)('%s: unit or flagged zero vectors, never an exception', async (_name, encoder) => {
    await fc.assert(
      fc.asyncProperty(texts, async (batch) => expectWellFormed(await encoder().embed(batch), batch.length, encoder())),
      { numRuns: 300, seed: 21 },
    );
  });

  it('potion: a text gets the same vector alone as in any batch', async () => {
    await fc.assert(
      fc.asyncProperty(texts, async (batch) => {
        const together = await potion.embed(batch);
        const alone = await potion.embed([batch[batch.length - 1]]);
        expect(Array.from(together.data.subarray((batch.length - 1) * potion.dim))).toEqual(Array.from(alone.data));
      }),
      { numRuns: 100, seed: 22 },
    );
  });

  it('transformer (tiny BERT fixture): unit vectors, at most maxTokens tokens, never an exception', async () => {
    const encoder = await loadTransformerEncoder({
      model: path.join(repoRoot, 'test/fixtures/tiny-bert'),
      maxTokens: 16,
    });
    try {
      await fc.assert(
        fc.asyncProperty(texts, async (batch) => expectWellFormed(await encoder.embed(batch), batch.length, encoder)),
        { numRuns: 60, seed: 23 },
      );
    } finally {
      await encoder.dispose();
    }
  });
});
