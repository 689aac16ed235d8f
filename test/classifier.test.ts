import { describe, expect, it } from 'vitest';
import { TextClassifier } from '../src/classifier.js';
import { crossValidate } from '../src/cross-validate.js';
import { readDataset } from '../src/data/index.js';
import type { EmbedOptions, Encoder } from '../src/encoders/encoder.js';
import { createEncoder } from '../src/encoders/index.js';
import { DataError, UsageError } from '../src/errors.js';
import { sampleCsv } from './helpers.js';

const data = await readDataset(sampleCsv);
const texts = data.examples.map((e) => e.text);
const labels = data.examples.map((e) => e.labels[0]);

/** Wraps an encoder to count how many texts reach it; everything else goes to the encoder itself. */
function counting(encoder: Encoder): Encoder & { embedded: number } {
  let embedded = 0;
  return new Proxy(encoder, {
    get(target, property) {
      if (property === 'embedded') return embedded;
      if (property === 'embed' || (property === 'embedSparse' && property in target)) {
        const embed = Reflect.get(target, property, target) as Encoder['embed'];
        return (batch: readonly string[], options?: EmbedOptions) => {
          embedded += batch.length;
          return embed.call(target, batch, options);
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as Encoder & { embedded: number };
}

describe('TextClassifier', () => {
  it('learns the sample finance sentiment data well enough to classify clear new cases', async () => {
    const classifier = await TextClassifier.create();
    const report = await classifier.fit(texts, labels, { recipe: 'single', seed: 0 });
    expect(report.labels).toEqual(['negative', 'neutral', 'positive']);
    expect(report.examples).toBe(texts.length);
    const predictions = await classifier.predict(
      [
        'Net profit rose sharply and the company raised its dividend.',
        'The company reported a heavy loss and cut jobs.',
      ],
      { topK: 3 },
    );
    expect(predictions.map((p) => p.label)).toEqual(['positive', 'negative']);
    for (const p of predictions) {
      expect(p.top).toHaveLength(3);
      expect(p.top.reduce((sum, t) => sum + t.score, 0)).toBeCloseTo(1, 5);
      expect(p.score).toBe(p.top[0].score);
    }
    const training = await classifier.evaluate(texts, labels);
    expect('accuracy' in training && training.accuracy).toBeGreaterThan(0.8);
    await classifier.dispose();
  });

  it('is deterministic for a seed', async () => {
    const run = async () => {
      const classifier = await TextClassifier.create();
      await classifier.fit(texts, labels, { recipe: 'single', seed: 7, epochs: 20 });
      const probabilities = (await classifier.predictProba(texts.slice(0, 5))).data;
      await classifier.dispose();
      return Array.from(probabilities);
    };
    expect(await run()).toEqual(await run());
  });

  it('refuses empty texts, a single class, mismatched lengths and unknown evaluation labels', async () => {
    const classifier = await TextClassifier.create();
    await expect(classifier.fit(['good', '  ', 'bad'], ['a', 'b', 'a'])).rejects.toThrow(/text #1.*empty/);
    await expect(classifier.fit(['good', 'bad'], ['a', 'a'])).rejects.toMatchObject({ code: 'SINGLE_CLASS' });
    await expect(classifier.fit(['good', 'bad'], ['a'])).rejects.toBeInstanceOf(UsageError);
    await expect(classifier.predict(['x'])).rejects.toMatchObject({ code: 'NOT_TRAINED' });
    await classifier.fit(texts, labels, { recipe: 'single', seed: 0, epochs: 5 });
    const error = await classifier.evaluate(['x', 'y', 'z'], ['positive', 'mixed', 'mixed']).catch((e) => e);
    expect(error).toBeInstanceOf(DataError);
    expect(error.message).toContain('"mixed" (2)');
    await classifier.dispose();
  });

  it('trains multi-label data and returns every label over its threshold', async () => {
    const multiTexts = texts.slice(0, 40);
    const multiLabels = labels.slice(0, 40).map((label, i) => (i % 3 === 0 ? [label, 'flagged'] : [label]));
    const classifier = await TextClassifier.create();
    await classifier.fit(multiTexts, multiLabels, { recipe: 'single', seed: 0, epochs: 50 });
    expect(classifier.multiLabel).toBe(true);
    const [prediction] = await classifier.predict([multiTexts[0]]);
    expect(Array.isArray(prediction.labels)).toBe(true);
    const report = await classifier.evaluate(multiTexts, multiLabels);
    expect('subsetAccuracy' in report).toBe(true);
    await classifier.dispose();
  });

  it('flags empty and truncated texts at prediction time instead of dropping them', async () => {
    const classifier = await TextClassifier.create();
    await classifier.fit(texts, labels, { recipe: 'single', seed: 0, epochs: 5 });
    const predictions = await classifier.predict(['', 'profit '.repeat(2000), 'Sales grew.']);
    expect(predictions).toHaveLength(3);
    expect(predictions.map((p) => [p.empty, p.truncated])).toEqual([
      [true, false],
      [false, true],
      [false, false],
    ]);
    await classifier.dispose();
  });
});

describe('crossValidate', () => {
  it('embeds each distinct text once across all folds', async () => {
    const encoder = counting(await createEncoder('potion'));
    const result = await crossValidate(encoder, texts, labels, {
      folds: 3,
      seed: 0,
      recipe: 'single',
      fit: { epochs: 10 },
    });
    expect(result.folds).toHaveLength(3);
    expect(encoder.embedded).toBe(new Set(texts).size);
    expect(result.accuracy.mean).toBeGreaterThan(0.4);
    await encoder.dispose();
  });

  it('refits TF-IDF on each fold so no vocabulary leaks from the test fold', async () => {
    const encoder = counting(await createEncoder('tfidf'));
    await crossValidate(encoder, texts, labels, { folds: 3, seed: 0, recipe: 'single', fit: { epochs: 10 } });
    // every fold embeds its own training part and its test part
    expect(encoder.embedded).toBe(texts.length * 3);
    await encoder.dispose();
  });
});
