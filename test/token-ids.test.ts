/**
 * One WordPiece pass per text for every static encoder over the same tokenizer: the ids one encoder
 * summed (EmbedResult.tokenIds) stand in for tokenizing when another embeds the very same texts
 * with the same tokenizer file and maxTokens, and only then; the vectors and text info are the same
 * either way. A fused classifier (fine-tuned potion + TF-IDF+potion) tokenizes each text once.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TextClassifier } from '../src/index.js';
import { readDataset } from '../src/data/index.js';
import type { EncoderSpec } from '../src/encoders/index.js';
import type { TokenIds } from '../src/encoders/encoder.js';
import { StaticEncoder } from '../src/encoders/static/static.js';
import { DataError } from '../src/errors.js';
import { potionDir, sampleCsv } from './helpers.js';

const texts = [
  'Net profit rose sharply and the company raised its dividend.',
  'The company reported a heavy loss and cut jobs.',
  '',
  'word '.repeat(40),
];

/** Counts the texts `target`'s embed tokenizes (one batch of rows a call, through the chunk table or not). */
function spyOnTokenizedTexts(target: StaticEncoder) {
  type Rows = (texts: readonly string[], from: number, to: number) => void;
  const spy = vi.spyOn(target as unknown as { tokenizeRows: Rows }, 'tokenizeRows');
  return {
    texts: () => spy.mock.calls.reduce((sum, [, from, to]) => sum + to - from, 0),
    restore: () => spy.mockRestore(),
  };
}

let potion: StaticEncoder;
let tuned: StaticEncoder;
beforeAll(async () => {
  potion = await StaticEncoder.load(potionDir);
  const table = potion.copyTable().map((value, i) => value + (i % 7) * 1e-3);
  tuned = StaticEncoder.fromTable(potion, table);
});
afterAll(async () => {
  await potion.dispose();
  await tuned.dispose();
});

describe('token ids shared between static encoders', () => {
  it('stand in for tokenizing the same texts with the same tokenizer, and give the same vectors', async () => {
    const fromTuned = await tuned.embed(texts);
    const separately = await StaticEncoder.load(potionDir);
    const tokenized = spyOnTokenizedTexts(separately);
    const reused = await separately.embed(texts, { tokenIds: fromTuned.tokenIds });
    expect(tokenized.texts()).toBe(0);
    const own = await separately.embed(texts);
    expect(tokenized.texts()).toBe(texts.length);
    expect(reused.data).toEqual(own.data);
    expect(reused.info).toEqual(own.info);
    const idRows = ({ ids, offsets, truncated }: TokenIds) => ({ ids, offsets, truncated });
    expect(idRows(reused.tokenIds!)).toEqual(idRows(own.tokenIds!));
    await separately.dispose();
  });

  it("hold each text's own ids and truncation in one array, however far it outgrows its first guess", async () => {
    const long = ['profit '.repeat(300), '', 'loss and jobs '.repeat(100), 'dividend'];
    const { tokenIds } = await potion.embed(long);
    const { ids, offsets, truncated } = tokenIds!;
    expect(offsets).toHaveLength(long.length + 1);
    long.forEach((text, i) => {
      const own = potion.tokenize(text);
      expect([...ids.subarray(offsets[i], offsets[i + 1])]).toEqual(own.ids);
      expect(truncated[i] === 1).toBe(own.truncated);
    });
    expect(offsets[long.length]).toBeGreaterThan(32 * long.length);
    expect(ids).toHaveLength(offsets[long.length]!);
  });

  it('are not used for an equal but different list of texts, nor by an encoder that cuts texts elsewhere', async () => {
    const { tokenIds } = await tuned.embed(texts);
    const tokenized = spyOnTokenizedTexts(potion);
    await potion.embed([...texts], { tokenIds });
    expect(tokenized.texts()).toBe(texts.length);
    tokenized.restore();

    const short = await StaticEncoder.load(potionDir, { maxTokens: 8 });
    const cut = await short.embed(texts, { tokenIds });
    const own = await short.embed(texts);
    expect(cut.info).toEqual(own.info);
    expect(cut.info[3]).toEqual({ tokens: 8, truncated: true, empty: false });
    expect(cut.data).toEqual(own.data);
    await short.dispose();
  });

  it('still refuse a text that is not a string', async () => {
    const { tokenIds } = await tuned.embed(texts);
    const bad = [...texts];
    bad[1] = 42 as unknown as string;
    await expect(potion.embed(bad, { tokenIds: { ...tokenIds!, texts: bad } })).rejects.toThrow(DataError);
  });
});

describe('a fine-tuned potion MLP fused with TF-IDF+potion', () => {
  it('tokenizes each text once for both potion tables', async () => {
    const data = await readDataset(sampleCsv);
    const spec: EncoderSpec = {
      type: 'concat',
      tfidf: { ngramMax: 2, minDf: 1, maxFeatures: 1000, sublinearTf: true },
      dense: { type: 'static', model: 'potion-base-4m-int8', maxTokens: 512 },
      denseWeight: 0.5,
    };
    const classifier = await TextClassifier.create({ encoder: 'potion', fuseWith: [spec] });
    await classifier.fit(
      data.examples.map((e) => e.text),
      data.examples.map((e) => e.labels[0]!),
      { recipe: 'single', seed: 1, fineTune: [true, undefined], epochs: 2 },
    );
    const tokenized = spyOnTokenizedTexts(StaticEncoder.prototype);
    await classifier.predictProba(texts);
    expect(tokenized.texts()).toBe(texts.length);
    tokenized.restore();
    await classifier.dispose();
  });
});
