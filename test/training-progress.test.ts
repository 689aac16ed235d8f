/** Progress of the auto recipe: what the CLI shows, and that watching changes nothing trained. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import type { FitProgress } from '../src/fit-progress.js';
import { trainAuto } from '../src/recipes/auto.js';
import { PROGRESS_INTERVAL_ENV } from '../src/cli/training-progress.js';
import { headstart, sampleCsv, tempDir } from './helpers.js';

const root = tempDir();

/** `value` with every "...Seconds" field left out: the only part of a training record that differs run to run. */
function withoutTimes(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (key, v: unknown) => (key.endsWith('Seconds') ? undefined : v)));
}

describe('headstart train and cv --recipe auto', () => {
  afterEach(() => {
    delete process.env[PROGRESS_INTERVAL_ENV];
  });

  it('train prints which member trains, its epoch or iteration of the cap, and the time against the budget', () => {
    process.env[PROGRESS_INTERVAL_ENV] = '1';
    const train = headstart('train', '--data', sampleCsv, '--out', path.join(root, 'auto'), '--budget', '2m');
    expect(train.status).toBe(0);
    const lines = train.stderr.split('\n');
    const budget = String.raw`\d+ s of the 120 s budget \(\d+ s left\)`;
    expect(
      lines.some((line) =>
        new RegExp(String.raw`^training potion-base-4m-int8 head \(member 1/3\): epoch \d+/60, ${budget}$`).test(line),
      ),
    ).toBe(true);
    expect(
      lines.some((line) =>
        new RegExp(
          String.raw`^training tfidf\+potion-base-4m-int8 regression \(member 2/3\): (starting|iteration \d+/100), ${budget}$`,
        ).test(line),
      ),
    ).toBe(true);
    expect(lines).toContainEqual(
      expect.stringMatching(/^training potion-base-4m-int8 label-similarity prior \(member 3\/3\): starting, /),
    );
    // Epochs are reported in order within a member.
    const epochs = lines.flatMap((line) => /head \(member 1\/3\): epoch (\d+)\//.exec(line)?.[1] ?? []).map(Number);
    expect(epochs.length).toBeGreaterThan(3);
    expect(epochs).toEqual([...epochs].sort((a, b) => a - b));
  });

  it('with the default interval, a short run shows each member starting and not every epoch', () => {
    const train = headstart('train', '--data', sampleCsv, '--out', path.join(root, 'quiet'));
    expect(train.status).toBe(0);
    const progress = train.stderr.split('\n').filter((line) => line.startsWith('training '));
    expect(progress.filter((line) => line.includes(': starting,')).length).toBeGreaterThanOrEqual(3);
    expect(progress.length).toBeLessThan(20);
  });

  it('cv --recipe auto prefixes the progress with the fold, each fold against its own budget', () => {
    process.env[PROGRESS_INTERVAL_ENV] = '1';
    const cv = headstart('cv', '--data', sampleCsv, '--recipe', 'auto', '--folds', '2', '--budget', '90s');
    expect(cv.status).toBe(0);
    expect(cv.stderr).toMatch(
      /^fold 1\/2: training potion-base-4m-int8 head \(member 1\/3\): epoch \d+\/60, \d+ s of the 90 s budget/m,
    );
    expect(cv.stderr).toMatch(
      /^fold 2\/2: training potion-base-4m-int8 head \(member 1\/3\): starting, 0 s of the 90 s budget/m,
    );
    expect(cv.stderr).toMatch(/^fold 2\/2: accuracy \d\.\d{4} macro-F1/m);
  });
});

describe('FitOptions.onProgress', () => {
  const rows = parse(readFileSync(sampleCsv, 'utf8'), { columns: true }) as { text: string; label: string }[];
  const texts = rows.map((row) => row.text);
  const labels = rows.map((row) => row.label);

  it('is observation only: the same probabilities with and without it (fine-tuned, sparse and frozen members, refits)', async () => {
    const options = { fit: { seed: 3, epochs: 8 }, minFusionExamples: 0 };
    const events: FitProgress[] = [];
    const watched = await trainAuto(texts, labels, {
      ...options,
      fit: { ...options.fit, onProgress: (p) => events.push(p) },
    });
    const plain = await trainAuto(texts, labels, options);
    try {
      const [a, b] = [await watched.classifier.predictProba(texts), await plain.classifier.predictProba(texts)];
      expect(Array.from(a.data)).toEqual(Array.from(b.data));
      expect(watched.report.weights).toEqual(plain.report.weights);
      expect(withoutTimes(watched.classifier.training)).toEqual(withoutTimes(plain.classifier.training));
    } finally {
      await watched.classifier.dispose();
      await plain.classifier.dispose();
    }
    const names = [...new Set(events.map((e) => e.name))];
    expect(names).toEqual([
      'fine-tuned potion-base-4m-int8 head',
      'tfidf+potion-base-4m-int8 regression',
      'frozen potion-base-4m-int8 head',
    ]);
    const first = events.filter((e) => e.member === 0);
    expect(first[0]).toEqual({
      member: 0,
      members: 3,
      name: names[0],
      epoch: 0,
      maxEpochs: 8,
      refit: false,
      unit: 'epoch',
    });
    expect(first.some((e) => e.refit)).toBe(true);
    expect(events.find((e) => e.member === 1 && e.epoch > 0)).toMatchObject({ unit: 'iteration', maxEpochs: 8 });
  });
});
