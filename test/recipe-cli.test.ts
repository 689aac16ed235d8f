import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { headstart, sampleCsv, tempDir } from './helpers.js';

const root = tempDir();

describe('headstart train recipes', () => {
  it('runs the auto recipe by default and records its choice and calibration in the checkpoint', () => {
    const out = path.join(root, 'auto');
    const train = headstart('train', '--data', sampleCsv, '--out', out, '--budget', '2m', '--json');
    expect(train.stderr).not.toContain('headstart:');
    expect(train.status).toBe(0);
    const result = train.lastJson();
    // 60 examples: too few to choose a mix on, so fixed weights over the pretrained head, TF-IDF+embeddings and label similarity.
    const potion = 'static:potion-base-4m-int8';
    expect(result.recipe).toMatchObject({
      recipe: 'auto',
      budgetSeconds: 120,
      chosen: 'fusion',
      weights: [0.3, 0.3, 0.4],
      encoders: [potion, `tfidf+${potion}`, potion],
    });
    expect(train.stderr).toContain('auto recipe chose fusion');
    const manifest = JSON.parse(readFileSync(path.join(out, 'headstart.json'), 'utf8'));
    expect(manifest.training.recipe.reason).toBe(result.recipe.reason);
    expect(manifest.training.options.priorCorrection).toBe(true);
    expect(manifest.fusion.weights).toEqual([0.3, 0.3, 0.4]);
    expect(manifest.fusion.members.map((m: { encoder: { spec: { type: string } } }) => m.encoder.spec.type)).toEqual([
      'concat',
      'static',
    ]);
    if (result.calibration) expect(manifest.calibration.temperature).toBeCloseTo(result.calibration.temperature, 10);
  });

  it('compares texts with the --labels descriptions, not the bare names, when they come with --data', () => {
    const train = headstart(
      'train',
      '--data',
      sampleCsv,
      '--labels',
      'positive: profits rose and sales grew, negative: losses and job cuts',
      '--out',
      path.join(root, 'described'),
      '--json',
    );
    expect(train.status).toBe(0);
    expect(train.lastJson().recipe.reason).toContain('similarity to the label descriptions');
  });

  it('trains a zero-shot classifier from --labels alone', () => {
    const out = path.join(root, 'zero');
    const train = headstart(
      'train',
      '--labels',
      'positive: profits rose and sales grew, negative: losses and job cuts',
      '--out',
      out,
      '--json',
    );
    expect(train.stderr).not.toContain('headstart:');
    expect(train.status).toBe(0);
    expect(train.lastJson()).toMatchObject({ zeroShot: true, labels: ['negative', 'positive'] });
  });

  it('refuses a bad --budget and train without --data or --labels', () => {
    expect(headstart('train', '--data', sampleCsv, '--out', path.join(root, 'x'), '--budget', 'soon').status).toBe(2);
    const missing = headstart('train', '--out', path.join(root, 'y'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('--labels');
  });
});
