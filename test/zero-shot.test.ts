import { describe, expect, it } from 'vitest';
import { TextClassifier } from '../src/classifier.js';
import { UsageError } from '../src/errors.js';
import { parseLabelDescriptions, ZERO_SHOT_FIT_OPTIONS } from '../src/zero-shot/labels.js';

describe('label descriptions', () => {
  it('parses "label: description" lists, commas inside descriptions and | alternatives included', () => {
    expect(
      parseLabelDescriptions('positive: profit rose, sales grew | good results, negative: a loss, job cuts'),
    ).toEqual([
      { label: 'positive', description: 'profit rose, sales grew' },
      { label: 'positive', description: 'good results' },
      { label: 'negative', description: 'a loss, job cuts' },
    ]);
  });

  it('refuses entries without a description, repeated labels and a single label', () => {
    for (const bad of [
      'positive, negative: bad',
      'positive: good, positive: great',
      'positive: good',
      'positive:, negative: bad',
    ]) {
      expect(() => parseLabelDescriptions(bad)).toThrow(UsageError);
    }
  });

  it('trains a zero-shot classifier that assigns texts to the closest description', async () => {
    const descriptions = parseLabelDescriptions(
      'sport: football match, goals and the league table, weather: rain, storms and sunny forecasts, finance: stock market shares and interest rates',
    );
    const classifier = await TextClassifier.create();
    await classifier.fit(
      descriptions.map((d) => d.description),
      descriptions.map((d) => d.label),
      { recipe: 'single', ...ZERO_SHOT_FIT_OPTIONS, seed: 0 },
    );
    const predictions = await classifier.predict([
      'The striker scored two goals in the match.',
      'Heavy rain and storms are forecast for tomorrow.',
      'Shares fell as interest rates rose.',
    ]);
    expect(predictions.map((p) => p.label)).toEqual(['sport', 'weather', 'finance']);
    await classifier.dispose();
  });
});
