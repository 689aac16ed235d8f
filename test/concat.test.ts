import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { TextClassifier } from '../src/classifier.js';
import { readDataset } from '../src/data/index.js';
import { ConcatEncoder } from '../src/encoders/concat.js';
import type { EncoderSpec } from '../src/encoders/encoder.js';
import { createEncoder } from '../src/encoders/index.js';
import { TfidfEncoder } from '../src/encoders/lexical/tfidf.js';
import { ModelError, UsageError } from '../src/errors.js';
import { sampleCsv, tempDir } from './helpers.js';

const data = await readDataset(sampleCsv);
const texts = data.examples.map((e) => e.text);
const labels = data.examples.map((e) => e.labels[0]);
const probe = [
  'Net profit rose sharply and the company raised its dividend.',
  'The company reported a heavy loss and cut jobs.',
  'The meeting is on Tuesday.',
];
const tfidfSettings = { ngramMax: 2 as const, minDf: 1, maxFeatures: 1000, sublinearTf: true };

async function fitted(denseWeight: number): Promise<{ concat: ConcatEncoder; words: TfidfEncoder }> {
  const words = new TfidfEncoder(tfidfSettings);
  await words.fit(texts);
  const concat = new ConcatEncoder(new TfidfEncoder(tfidfSettings), await createEncoder('potion'), { denseWeight });
  await concat.fit(texts);
  return { concat, words };
}

describe('ConcatEncoder (TF-IDF with embeddings appended)', () => {
  it('keeps the TF-IDF row as is and appends z-scored embedding columns whose block has norm denseWeight on average', async () => {
    const { concat, words } = await fitted(0.5);
    const potion = await createEncoder('potion');
    expect(concat.dim).toBe(words.dim + potion.dim);
    const x = await concat.embedSparse(texts);
    const plain = await words.embedSparse(texts);
    let blockSquares = 0;
    const columnSums = new Float64Array(potion.dim);
    for (let row = 0; row < x.rows; row++) {
      const start = x.indptr[row];
      const wordCount = plain.indptr[row + 1] - plain.indptr[row];
      expect(x.indptr[row + 1] - start).toBe(wordCount + potion.dim);
      expect(Array.from(x.indices.subarray(start, start + wordCount))).toEqual(
        Array.from(plain.indices.subarray(plain.indptr[row], plain.indptr[row + 1])),
      );
      expect(Array.from(x.values.subarray(start, start + wordCount))).toEqual(
        Array.from(plain.values.subarray(plain.indptr[row], plain.indptr[row + 1])),
      );
      for (let j = 0; j < potion.dim; j++) {
        expect(x.indices[start + wordCount + j]).toBe(words.dim + j);
        const value = x.values[start + wordCount + j];
        blockSquares += value * value;
        columnSums[j] += value;
      }
    }
    // z-scored on these very texts: every column has mean 0, and the block's mean squared norm is denseWeight².
    for (const sum of columnSums) expect(Math.abs(sum / x.rows)).toBeLessThan(1e-5);
    expect(blockSquares / x.rows).toBeCloseTo(0.25, 3);
    // The dense view holds the same values.
    const dense = await concat.embed(probe);
    const sparse = await concat.embedSparse(probe);
    for (let row = 0; row < sparse.rows; row++) {
      for (let k = sparse.indptr[row]; k < sparse.indptr[row + 1]; k++)
        expect(dense.data[row * dense.dim + sparse.indices[k]]).toBe(sparse.values[k]);
    }
    await Promise.all([concat.dispose(), potion.dispose()]);
  });

  it('embeds the texts it was fitted on once, for fit and the embedSparse that follows, with the same values', async () => {
    const potion = await createEncoder('potion');
    const embed = vi.spyOn(potion, 'embed');
    const concat = new ConcatEncoder(new TfidfEncoder(tfidfSettings), potion, { denseWeight: 0.5 });
    await concat.fit(texts);
    const first = await concat.embedSparse(texts);
    expect(embed).toHaveBeenCalledTimes(1);
    // The kept vectors are for that one call: the next embeds again, and gets the same rows.
    const again = await concat.embedSparse(texts);
    expect(embed).toHaveBeenCalledTimes(2);
    expect(Array.from(again.values)).toEqual(Array.from(first.values));
    // Another array of the same texts is embedded, not matched by content.
    await concat.fit(texts);
    await concat.embedSparse([...texts]);
    expect(embed).toHaveBeenCalledTimes(4);
    await concat.dispose();
  });

  it("tells each text's tokens, cut and emptiness from both parts: empty only when neither saw a known token", async () => {
    const { concat, words } = await fitted(0.5);
    const potion = await createEncoder({ type: 'static', model: 'potion-base-4m-int8', maxTokens: 4 });
    const cut = new ConcatEncoder(new TfidfEncoder(tfidfSettings), potion, { denseWeight: 0.5 });
    await cut.fit(texts);
    const odd = ['', '   ', 'qqzx', 'Net profit rose sharply and the company raised its dividend.', probe[2]!];
    for (const [encoder, dense] of [
      [concat, await createEncoder('potion')],
      [cut, potion],
    ] as const) {
      const rows = await encoder.embedSparse(odd);
      const lexical = (await words.embedSparse(odd)).info;
      const vectors = (await dense.embed(odd)).info;
      expect(rows.info).toEqual(
        odd.map((_, i) => ({
          tokens: Math.max(lexical[i]!.tokens, vectors[i]!.tokens),
          truncated: vectors[i]!.truncated,
          empty: lexical[i]!.empty && vectors[i]!.empty,
        })),
      );
      expect(rows.info.map((info) => info.empty)).toEqual([true, true, false, false, false]);
      expect(rows.info[3]!.truncated).toBe(encoder === cut);
    }
    await Promise.all([concat.dispose(), cut.dispose()]);
  });

  it("is what the encoder choice 'tfidf+potion' builds", async () => {
    const encoder = await createEncoder('tfidf+potion');
    expect(encoder.spec).toMatchObject({
      type: 'concat',
      dense: { type: 'static', model: 'potion-base-4m-int8' },
      denseWeight: 0.5,
    });
    await expect(createEncoder('tfidf+tfidf')).rejects.toThrow(/must be a pretrained encoder, not tfidf/);
    await expect(createEncoder('tfidf+nonsense')).rejects.toThrow(/unknown encoder "nonsense"/);
    await encoder.dispose();
  });

  it('refuses a dense part that is not a pretrained encoder, a bad weight, and use before fit', async () => {
    const potion = await createEncoder('potion');
    expect(() => new ConcatEncoder(new TfidfEncoder(), new TfidfEncoder())).toThrow(
      /must be a pretrained encoder, not tfidf/,
    );
    expect(() => new ConcatEncoder(new TfidfEncoder(), potion, { denseWeight: 0 })).toThrow(UsageError);
    const unfitted = new ConcatEncoder(new TfidfEncoder(), potion);
    await expect(unfitted.embedSparse(probe)).rejects.toThrow(/not fitted/);
    await unfitted.dispose();
  });

  it('serves as a fused member whose checkpoint loads to the same predictions and whose state is hash-checked', async () => {
    const spec: EncoderSpec = {
      type: 'concat',
      tfidf: tfidfSettings,
      dense: { type: 'static', model: 'potion-base-4m-int8', maxTokens: 512 },
      denseWeight: 0.5,
    };
    const classifier = await TextClassifier.create({ encoder: 'potion', fuseWith: [spec] });
    const report = await classifier.fit(texts, labels, { recipe: 'single', seed: 0, validationSplit: 0.4 });
    expect(report.members.map((m) => m.encoder)).toEqual([
      'static:potion-base-4m-int8',
      'tfidf+static:potion-base-4m-int8',
    ]);
    const before = await classifier.predictProba(probe);
    // The member's dense part is the primary's encoder: prediction embeds each text once, for both.
    const embed = vi.spyOn(classifier.encoder, 'embed');
    expect(Array.from((await classifier.predictProba(probe)).data)).toEqual(Array.from(before.data));
    expect(embed.mock.calls.map(([batch]) => batch.length)).toEqual([probe.length]);
    embed.mockRestore();
    const dir = path.join(tempDir(), 'concat');
    await classifier.save(dir);
    await classifier.dispose();

    const manifest = JSON.parse(readFileSync(path.join(dir, 'headstart.json'), 'utf8'));
    const member = manifest.fusion.members[0];
    expect(member.encoder.spec).toEqual(spec);
    expect(member.encoder.stateFiles).toEqual(['m1-tfidf.json', 'm1-concat.json']);
    expect(member.head.spec.input).toBe('sparse');

    const loaded = await TextClassifier.load(dir);
    expect(Array.from((await loaded.predictProba(probe)).data)).toEqual(Array.from(before.data));
    await loaded.dispose();

    const stateFile = path.join(dir, 'm1-concat.json');
    writeFileSync(stateFile, readFileSync(stateFile, 'utf8').replace('"mean":[', '"mean":[0.5,'));
    await expect(TextClassifier.load(dir)).rejects.toBeInstanceOf(ModelError);
  });

  it('names the field of a malformed state file', async () => {
    const { concat } = await fitted(0.5);
    const dir = tempDir();
    await concat.saveState(dir);
    const file = path.join(dir, 'concat.json');
    const state = JSON.parse(readFileSync(file, 'utf8'));
    for (const [edit, message] of [
      [
        (s: Record<string, unknown>) => ({ ...s, std: (s.std as number[]).map((v, i) => (i === 3 ? 0 : v)) }),
        /field "std\[3\]": must be a finite number > 0/,
      ],
      [
        (s: Record<string, unknown>) => ({ ...s, mean: (s.mean as number[]).slice(1) }),
        /field "mean": must be a list of 128 numbers/,
      ],
      [(s: Record<string, unknown>) => ({ ...s, version: 9 }), /field "version"/],
    ] as const) {
      writeFileSync(file, JSON.stringify(edit(state)));
      const error = await ConcatEncoder.loadState(dir, new TfidfEncoder(), await createEncoder('potion'), {
        denseWeight: 0.5,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelError);
      expect((error as ModelError).message).toMatch(message);
    }
    await concat.dispose();
  });
});
