/**
 * The pieces of `bench:predict` that do not need fastText installed: the files it writes for
 * fastText and for both programs' rows, the medians, ratios and tables, and the per-row stage
 * budget on a tiny model. Speed itself is the benchmark's job, not checked here.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TextClassifier } from '../src/index.js';
import { fastTextLine, writeFastTextTraining } from '../benchmarks/lib/fasttext.js';
import {
  budgetTable,
  comparisonTable,
  summariseComparison,
  type CompareRun,
} from '../benchmarks/lib/predict-compare.js';
import { sampleLines } from '../benchmarks/lib/predict-models.js';
import { measureStages, STAGES } from '../benchmarks/lib/stage-budget.js';
import { parseGnuTime } from '../benchmarks/lib/timed-child.js';
import { tempDir } from './helpers.js';

describe('bench:predict files', () => {
  it("writes fastText's supervised lines: one example per line, labels without spaces, text as-is", () => {
    expect(fastTextLine('Profit rose,\r\n  by 5 %.', 'positive')).toBe('__label__positive Profit rose, by 5 %.');
    expect(fastTextLine('card?', 'card arrival')).toBe('__label__card_arrival card?');
    const file = path.join(tempDir(), 'train.txt');
    writeFastTextTraining(file, ['a b', 'C\nd'], ['x', 'y z']);
    expect(readFileSync(file, 'utf8')).toBe('__label__x a b\n__label__y_z C d\n');
  });

  it('samples rows with replacement, the same for the same seed, one line each', () => {
    const texts = ['one', 'two\nlines', 'three'];
    const rows = sampleLines(texts, 50, 42);
    expect(rows).toHaveLength(50);
    expect(sampleLines(texts, 50, 42)).toEqual(rows);
    expect(sampleLines(texts, 50, 7)).not.toEqual(rows);
    expect(new Set(rows)).toEqual(new Set(['one', 'two lines', 'three']));
  });

  it("reads GNU time's user, system and peak RSS", () => {
    expect(parseGnuTime('1.50 0.25 204800\n')).toEqual({ cpuSeconds: 1.75, peakRssMB: 200 });
    expect(() => parseGnuTime('Command exited with non-zero status 1\n')).toThrow(/GNU time/);
  });
});

describe('bench:predict tables', () => {
  const run = (corpus: string, model: string, wallSeconds: number): CompareRun => ({
    corpus,
    model,
    rows: 1000,
    wallSeconds,
    cpuSeconds: wallSeconds,
    peakRssMB: 100,
  });

  it('takes the median of the repeats and the ratio to fastText default on the same corpus', () => {
    const summaries = summariseComparison([
      run('fpb', 'fasttext-default', 0.1),
      run('fpb', 'mlp', 0.4),
      run('bank', 'mlp', 1),
      run('fpb', 'fasttext-default', 0.3),
      run('fpb', 'mlp', 0.5),
      run('fpb', 'fasttext-default', 0.25),
      run('fpb', 'mlp', 10),
    ]);
    const fpbMlp = summaries.find((s) => s.corpus === 'fpb' && s.model === 'mlp')!;
    expect(fpbMlp).toMatchObject({ rowsPerSecond: 2000, wallSeconds: 0.5, runs: 3, vsFastText: 0.5 });
    expect(summaries.find((s) => s.model === 'fasttext-default')).toMatchObject({ rowsPerSecond: 4000, vsFastText: 1 });
    expect(summaries.find((s) => s.corpus === 'bank')!.vsFastText).toBeNaN();
    const text = comparisonTable(summaries);
    expect(text).toContain('| fpb | mlp | 1,000 | 2,000 | 0.5x | 100 | 0.5 | 0.5 | 2,000 | 0.5x |');
    expect(text).toContain('| bank | mlp | 1,000 | 1,000 | n/a |');
  });

  it('sums the stage budget into the rows/s it implies', () => {
    const microsecondsPerRow = { readParse: 5, tokenize: 10, embed: 5, head: 3, decide: 1, serialise: 0.5, write: 0.5 };
    const text = budgetTable([{ corpus: 'fpb', model: 'mlp', rows: 10, microsecondsPerRow, notes: [] }]);
    expect(text).toContain('| fpb | mlp | 5 | 10 | 5 | 3 | 1 | 0.5 | 0.5 | 25 | 40,000 |');
  });
});

describe('bench:predict stage budget', () => {
  it('times every stage of a small checkpoint on plain lines and writes one output row per line', async () => {
    const dir = tempDir();
    const texts = ['profit rose sharply', 'sales fell', 'the company kept its outlook', 'losses widened'];
    const classifier = await TextClassifier.create();
    await classifier.fit(texts, ['positive', 'negative', 'neutral', 'negative'], {
      recipe: 'single',
      epochs: 2,
      seed: 1,
    });
    await classifier.save(path.join(dir, 'model'));
    await classifier.dispose();
    const input = path.join(dir, 'rows.txt');
    writeFileSync(input, `${sampleLines(texts, 50, 42).join('\n')}\n`);
    const output = path.join(dir, 'out.jsonl');
    const budget = await measureStages(path.join(dir, 'model'), input, output, 16);
    expect(budget.rows).toBe(50);
    expect(Object.keys(budget.microsecondsPerRow)).toEqual([...STAGES]);
    for (const stage of STAGES) expect(budget.microsecondsPerRow[stage]).toBeGreaterThanOrEqual(0);
    expect(budget.microsecondsPerRow.head).toBeGreaterThan(0);
    expect(budget.notes).toEqual([]);
    const rows = readFileSync(output, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(rows).toHaveLength(50);
    expect(rows.every((row) => ['positive', 'negative', 'neutral'].includes(row.label))).toBe(true);
  });
});
