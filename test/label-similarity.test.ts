import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { TextClassifier } from '../src/classifier.js';
import { readDataset } from '../src/data/index.js';
import { createEncoder } from '../src/encoders/index.js';
import { DataError, UsageError } from '../src/errors.js';
import { labelAsText } from '../src/members/label-similarity.js';
import { linearHeadFromWeights } from '../src/heads/factory.js';
import { sampleCsv, tempDir } from './helpers.js';

const data = await readDataset(sampleCsv);
const texts = data.examples.map((e) => e.text);
const labels = data.examples.map((e) => e.labels[0]);
const potion = await createEncoder('potion');

/** softmax(scale * cos(text, mean of the label's texts)) computed from potion's vectors directly. */
async function expectedProbabilities(
  probe: string[],
  vocabulary: readonly string[],
  labelTexts: Record<string, string[]>,
  scale: number,
): Promise<number[][]> {
  const x = await potion.embed(probe);
  const labelVectors = await Promise.all(
    vocabulary.map(async (label) => {
      const rows = await potion.embed(labelTexts[label]);
      const mean = Array.from({ length: rows.dim }, (_, j) =>
        rows.info.reduce((sum, _info, r) => sum + rows.data[r * rows.dim + j], 0),
      );
      const norm = Math.hypot(...mean);
      return mean.map((v) => v / norm);
    }),
  );
  return probe.map((_, i) => {
    const logits = labelVectors.map((v) => scale * v.reduce((sum, vj, j) => sum + vj * x.data[i * x.dim + j], 0));
    const max = Math.max(...logits);
    const exps = logits.map((l) => Math.exp(l - max));
    const total = exps.reduce((a, b) => a + b, 0);
    return exps.map((e) => e / total);
  });
}

function rowsOf(data: Float32Array, dim: number): number[][] {
  return Array.from({ length: data.length / dim }, (_, i) => Array.from(data.subarray(i * dim, (i + 1) * dim)));
}

const probe = [
  'Operating profit rose to EUR 13.1 mn.',
  'The company said it will cut 200 jobs.',
  'The meeting is on Tuesday.',
];

describe('label similarity', () => {
  it('scores texts by cosine similarity to the label names, with a scale fitted on the training rows', async () => {
    const classifier = await TextClassifier.create({ encoder: potion });
    const report = await classifier.fit(texts, labels, {
      recipe: 'single',
      labelSimilarity: [true],
      validationSplit: 0,
    });
    const { scale, trainingAccuracy } = report.members[0].labelSimilarity!;
    expect(scale).toBeGreaterThan(1);
    expect(trainingAccuracy).toBeGreaterThan(0.5);
    const names = Object.fromEntries(classifier.labels.map((l) => [l, [labelAsText(l)]]));
    const expected = await expectedProbabilities(probe, classifier.labels, names, scale);
    const got = rowsOf((await classifier.predictProba(probe)).data, classifier.labels.length);
    got.forEach((row, i) => row.forEach((p, j) => expect(p).toBeCloseTo(expected[i][j], 4)));
    await classifier.dispose();
  });

  it('compares with the label texts given instead of the names, averaging several per label', async () => {
    const labelTexts = {
      negative: ['losses and job cuts', 'a profit warning'],
      neutral: ['a date or a place'],
      positive: ['profits and sales rose'],
    };
    const classifier = await TextClassifier.create({ encoder: potion });
    const report = await classifier.fit(texts, labels, {
      recipe: 'single',
      labelSimilarity: [true],
      labelTexts,
      validationSplit: 0,
    });
    const expected = await expectedProbabilities(
      probe,
      classifier.labels,
      labelTexts,
      report.members[0].labelSimilarity!.scale,
    );
    const got = rowsOf((await classifier.predictProba(probe)).data, classifier.labels.length);
    got.forEach((row, i) => row.forEach((p, j) => expect(p).toBeCloseTo(expected[i][j], 4)));
    await classifier.dispose();
  });

  it('gives names that say nothing a flatter prior than names that say something', async () => {
    const asCodes = (label: string) => ({ negative: 'L0', neutral: 'L1', positive: 'L2' })[label]!;
    const named = await TextClassifier.create({ encoder: potion });
    const coded = await TextClassifier.create({ encoder: potion });
    const namedScale = (
      await named.fit(texts, labels, { recipe: 'single', labelSimilarity: [true], validationSplit: 0 })
    ).members[0].labelSimilarity!.scale;
    const codedScale = (
      await coded.fit(texts, labels.map(asCodes), { recipe: 'single', labelSimilarity: [true], validationSplit: 0 })
    ).members[0].labelSimilarity!.scale;
    expect(codedScale).toBeLessThan(namedScale / 2);
    const maxima = rowsOf((await coded.predictProba(texts)).data, 3).map((row) => Math.max(...row));
    expect(maxima.reduce((a, b) => a + b, 0) / maxima.length).toBeLessThan(0.45);
    await named.dispose();
    await coded.dispose();
  });

  it('is a fused member that shares the primary encoder and its training vectors, also once saved and loaded', async () => {
    const classifier = await TextClassifier.create({ encoder: 'potion', fuseWith: ['potion'] });
    expect(classifier.encoders[1]).toBe(classifier.encoders[0]);
    const embed = vi.spyOn(classifier.encoders[0], 'embed');
    await classifier.fit(texts, labels, {
      recipe: 'single',
      seed: 0,
      epochs: 5,
      validationSplit: 0,
      labelSimilarity: [false, true],
      fusionWeights: [0.6, 0.4],
    });
    // The training texts are embedded once, for the head; the prior embeds only the label names.
    expect(embed.mock.calls.map(([batch]) => batch.length)).toEqual([texts.length, new Set(labels).size]);
    embed.mockRestore();
    const dir = path.join(tempDir(), 'labels');
    await classifier.save(dir);
    const loaded = await TextClassifier.load(dir);
    expect(loaded.encoders).toHaveLength(2);
    expect(loaded.encoders[1]).toBe(loaded.encoders[0]);
    const before = (await classifier.predictProba(probe)).data;
    const after = (await loaded.predictProba(probe)).data;
    after.forEach((p, i) => expect(p).toBeCloseTo(before[i], 5));
    await classifier.dispose();
    await loaded.dispose();
  });

  it('refuses settings it cannot honour, naming the label whose name the encoder cannot read', async () => {
    const classifier = await TextClassifier.create({ encoder: potion, fuseWith: ['tfidf'] });
    const refused = (options: object, y: unknown = labels) =>
      classifier.fit(texts, y as string[], { recipe: 'single', validationSplit: 0, epochs: 2, ...options }).then(
        () => undefined,
        (error: unknown) => error,
      );
    const lengthError = await refused({ labelSimilarity: [true] });
    expect(lengthError).toBeInstanceOf(UsageError);
    expect((lengthError as UsageError).code).toBe('LABEL_SIMILARITY_OPTION');
    expect(
      await refused(
        { labelSimilarity: [true, false] },
        labels.map((l) => [l]),
      ),
    ).toBeInstanceOf(UsageError);
    expect(await refused({ labelSimilarity: [true, false], fineTune: true })).toBeInstanceOf(UsageError);
    const sparse = await refused({ labelSimilarity: [false, true] });
    expect((sparse as UsageError).code).toBe('LABEL_SIMILARITY_ENCODER');
    const unreadable = await refused(
      { labelSimilarity: [true, false] },
      labels.map((l) => (l === 'neutral' ? '😐' : l)),
    );
    expect(unreadable).toBeInstanceOf(DataError);
    expect((unreadable as DataError).code).toBe('LABEL_TEXT_UNKNOWN');
    expect((unreadable as DataError).message).toContain('"😐"');
    expect(classifier.trained).toBe(false);
    await classifier.dispose();
  });
});

describe('a linear head with given weights', () => {
  const spec = {
    type: 'linear' as const,
    inputDim: 2,
    numLabels: 2,
    multiLabel: false,
    hidden: 0,
    dropout: 0,
    standardize: false,
  };

  it('predicts softmax(x W + b)', async () => {
    const head = await linearHeadFromWeights(spec, Float32Array.from([1, -1, 2, 0]), Float32Array.from([0, 0.5]));
    const probabilities = head.predictProba({ data: Float32Array.from([1, 1, 0, 0]), rows: 2, dim: 2 });
    // Row 1: logits (3, -0.5); row 2: (0, 0.5).
    expect(probabilities[0]).toBeCloseTo(1 / (1 + Math.exp(-3.5)), 5);
    expect(probabilities[2]).toBeCloseTo(1 / (1 + Math.exp(0.5)), 5);
    head.dispose();
  });

  it('refuses weights of the wrong size and specs it cannot honour', async () => {
    await expect(linearHeadFromWeights(spec, new Float32Array(3), new Float32Array(2))).rejects.toThrow(
      /\[2, 2\] kernel/,
    );
    await expect(
      linearHeadFromWeights({ ...spec, standardize: true }, new Float32Array(4), new Float32Array(2)),
    ).rejects.toThrow(UsageError);
    await expect(
      linearHeadFromWeights({ ...spec, type: 'mlp', hidden: 4 }, new Float32Array(4), new Float32Array(2)),
    ).rejects.toThrow(UsageError);
  });
});
