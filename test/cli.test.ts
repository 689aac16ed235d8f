import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { headstart, repoRoot, sampleCsv, tempDir } from './helpers.js';

const root = tempDir();
const model = path.join(root, 'model');
const newTexts = path.join(repoRoot, 'corpora/samples/finance-new.txt');

describe('headstart CLI', () => {
  it('trains, predicts in input order with flags, and evaluates', () => {
    const train = headstart('train', '--data', sampleCsv, '--out', model, '--epochs', '40', '--json');
    expect(train.stderr).not.toContain('headstart:');
    expect(train.status).toBe(0);
    expect(train.lastJson()).toMatchObject({
      command: 'train',
      examples: expect.any(Number),
      labels: ['negative', 'neutral', 'positive'],
    });

    const input = path.join(root, 'input.jsonl');
    const rows = [
      { id: 'a', text: 'Profits soared to a record.' },
      { id: 'b', text: '' },
      { id: 'c', text: 'Losses deepened and the shares slumped.' },
    ];
    writeFileSync(input, rows.map((r) => JSON.stringify(r)).join('\n'));
    const output = path.join(root, 'out.jsonl');
    const predict = headstart(
      'predict',
      '--model',
      model,
      '--input',
      input,
      '--id-field',
      'id',
      '--output',
      output,
      '--top-k',
      '2',
      '--json',
    );
    expect(predict.status).toBe(0);
    expect(predict.lastJson()).toMatchObject({ summary: true, rows: 3, empty: 1 });
    const written = readFileSync(output, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(written.map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(written[1].empty).toBe(true);
    expect(Object.keys(written[0].scores)).toHaveLength(2);

    const evaluation = headstart('eval', '--model', model, '--data', sampleCsv, '--json');
    expect(evaluation.status).toBe(0);
    expect(evaluation.stdout).toContain('confusion matrix');
    expect(evaluation.lastJson().accuracy).toBeGreaterThan(0.8);
  });

  it('predicts plain-text lines to stdout', () => {
    const predict = headstart('predict', '--model', model, '--input', newTexts);
    expect(predict.status).toBe(0);
    const lines = predict.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.length).toBe(
      readFileSync(newTexts, 'utf8')
        .split('\n')
        .filter((l) => l.trim()).length,
    );
    expect(lines[0]).toMatchObject({ line: 1, label: expect.any(String), score: expect.any(Number) });
  });

  it('cross-validates with a JSON summary', () => {
    const cv = headstart('cv', '--data', sampleCsv, '--folds', '3', '--epochs', '20', '--json');
    expect(cv.status).toBe(0);
    const result = cv.lastJson();
    expect(result).toMatchObject({ command: 'cv', folds: 3, seed: 42, recipe: 'auto' });
    expect(result.perFold).toHaveLength(3);
    expect(result.accuracy).toBeGreaterThan(0.3);
  });

  it('reports errors as one line with a distinct exit code and no stack trace', () => {
    const missing = headstart('train', '--data', path.join(root, 'nope.csv'), '--out', path.join(root, 'x'));
    expect(missing.status).toBe(3);
    expect(missing.stderr).toMatch(/^headstart: .*nope\.csv/m);
    expect(missing.stderr).not.toMatch(/\n\s+at /);

    const usage = headstart('train', '--data', sampleCsv);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain("required option '--out <dir>'");

    const notModel = headstart('predict', '--model', root, '--input', newTexts);
    expect(notModel.status).toBe(4);
    expect(notModel.stderr).toContain('not a headstart checkpoint');
  });
});
