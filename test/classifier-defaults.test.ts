/**
 * One default everywhere: fit() trains with the auto recipe, like `headstart train` and `cv`, with the
 * same default seed; predict() takes one string as well as an array.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TextClassifier } from '../src/classifier.js';
import { readDataset } from '../src/data/index.js';
import { DEFAULT_SEED } from '../src/heads/options.js';
import { trainAuto } from '../src/recipes/auto.js';
import { headstart, sampleCsv, tempDir } from './helpers.js';

const data = await readDataset(sampleCsv);
const texts = data.examples.map((e) => e.text);
const labels = data.examples.map((e) => e.labels[0]);
const probe = [
  'Net profit rose sharply and the company raised its dividend.',
  'The company reported a heavy loss and cut jobs.',
  'The meeting is on Tuesday.',
];
const root = tempDir();

describe('fit() defaults to the auto recipe', () => {
  let classifier: TextClassifier;
  let report: Awaited<ReturnType<TextClassifier['fit']>>;

  beforeAll(async () => {
    classifier = await TextClassifier.create();
    report = await classifier.fit(texts, labels);
  });
  afterAll(() => classifier.dispose());

  it('trains what trainAuto trains, with the same default seed, and reports the recipe', async () => {
    expect(report.recipe).toMatchObject({ recipe: 'auto', chosen: expect.any(String), reason: expect.any(String) });
    expect(report.members.length).toBeGreaterThan(1);
    const auto = await trainAuto(texts, labels, { fit: { seed: DEFAULT_SEED } });
    try {
      expect(auto.report.chosen).toBe(report.recipe!.chosen);
      expect(Array.from((await classifier.predictProba(probe)).data)).toEqual(
        Array.from((await auto.classifier.predictProba(probe)).data),
      );
    } finally {
      await auto.classifier.dispose();
    }
  });

  it('saves the recipe in the checkpoint and loads back to the same probabilities', async () => {
    const dir = path.join(root, 'auto-model');
    await classifier.save(dir);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'headstart.json'), 'utf8'));
    expect(manifest.training.recipe).toMatchObject({ recipe: 'auto', chosen: report.recipe!.chosen });
    const loaded = await TextClassifier.load(dir);
    try {
      expect(Array.from((await loaded.predictProba(probe)).data)).toEqual(
        Array.from((await classifier.predictProba(probe)).data),
      );
    } finally {
      await loaded.dispose();
    }
  });

  it('can be fitted again, and disposes every encoder once', async () => {
    const again = await TextClassifier.create();
    await again.fit(texts, labels, { recipe: 'single', epochs: 3 });
    const second = await again.fit(texts, labels, { epochs: 3 });
    expect(second.recipe?.recipe).toBe('auto');
    await again.dispose();
    await again.dispose();
  });

  it('refuses auto over hand-configured members and an unknown recipe', async () => {
    const fused = await TextClassifier.create({ fuseWith: ['tfidf'] });
    try {
      await expect(fused.fit(texts, labels, { recipe: 'auto' })).rejects.toMatchObject({
        code: 'RECIPE_NEEDS_ONE_ENCODER',
      });
      await expect(fused.fit(texts, labels, { recipe: 'fast' as 'auto' })).rejects.toMatchObject({
        code: 'UNKNOWN_RECIPE',
      });
      // Without a recipe, the members given are the ones trained.
      const single = await fused.fit(texts, labels, { epochs: 3 });
      expect(single.recipe).toBeUndefined();
      expect(single.members).toHaveLength(2);
    } finally {
      await fused.dispose();
    }
  });
});

describe('the CLI and the library share the default seed', () => {
  it('headstart train --recipe single without --seed gives the library default model', async () => {
    const out = path.join(root, 'cli-model');
    const run = headstart('train', '--data', sampleCsv, '--recipe', 'single', '--epochs', '5', '--out', out);
    expect(run.stderr).not.toContain('headstart:');
    expect(run.status).toBe(0);
    const cli = await TextClassifier.load(out);
    const { classifier: library } = await TextClassifier.train(texts, labels, { recipe: 'single', epochs: 5 });
    try {
      expect(JSON.parse(readFileSync(path.join(out, 'headstart.json'), 'utf8')).training.options.seed).toBe(
        DEFAULT_SEED,
      );
      expect(Array.from((await cli.predictProba(probe)).data)).toEqual(
        Array.from((await library.predictProba(probe)).data),
      );
    } finally {
      await Promise.all([cli.dispose(), library.dispose()]);
    }
  });
});

describe('predict takes one string or an array', () => {
  let classifier: TextClassifier;
  beforeAll(async () => {
    ({ classifier } = await TextClassifier.train(texts, labels, { recipe: 'single', epochs: 5 }));
  });
  afterAll(() => classifier.dispose());

  it('returns one prediction for one string, the same as for a one-text array', async () => {
    const one = await classifier.predict(probe[0], { topK: 2 });
    expect(Array.isArray(one)).toBe(false);
    expect(one).toEqual((await classifier.predict([probe[0]], { topK: 2 }))[0]);
    expect((await classifier.predictProba(probe[0])).rows).toBe(1);
  });

  it('rejects what is neither a string nor an array with a TypeError', async () => {
    for (const bad of [42, null, undefined, { text: 'x' }]) {
      await expect(classifier.predict(bad as unknown as string)).rejects.toThrow(TypeError);
      await expect(classifier.predictProba(bad as unknown as string)).rejects.toThrow(
        /predictProba takes a string or an array of strings/,
      );
    }
  });
});
