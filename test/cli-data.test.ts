/** The CLI's data edges: CSV saved as .txt, plain lines given to a labelled command, --delimiter. */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { labelVocabulary } from '../src/labels.js';
import { headstart, repoRoot, sampleCsv, tempDir } from './helpers.js';

const root = tempDir();
const quick = ['--recipe', 'single', '--epochs', '5'];

/** The finance sample with `delimiter` between fields (its texts hold commas but no semicolons or tabs). */
function sampleWith(delimiter: string, name: string): string {
  const rows = parse(readFileSync(sampleCsv, 'utf8')) as string[][];
  const file = path.join(root, name);
  writeFileSync(file, rows.map((row) => row.join(delimiter)).join('\n') + '\n');
  return file;
}

describe('CSV saved as .txt', () => {
  it('train reads it as CSV with a one-line note on stderr', () => {
    const txt = path.join(root, 'finance.txt');
    copyFileSync(sampleCsv, txt);
    const train = headstart('train', '--data', txt, '--out', path.join(root, 'from-txt'), ...quick);
    expect(train.stderr).not.toContain('internal error');
    expect(train.status).toBe(0);
    expect(train.stderr).toContain(`${txt}: read as CSV (its first line is a header with "text" and "label" columns)`);
    expect(train.stderr).toContain(`read 60 examples, 3 labels from ${txt}`);
  });

  it('train, cv and eval given plain lines fail with one data error naming the file, not an internal error', () => {
    const lines = path.join(repoRoot, 'corpora/samples/finance-new.txt');
    for (const args of [
      ['train', '--data', lines, '--out', path.join(root, 'never')],
      ['cv', '--data', lines, '--folds', '2'],
      ['eval', '--model', path.join(root, 'from-txt'), '--data', lines],
    ]) {
      const result = headstart(...args);
      expect(result.status, args[0]).toBe(3);
      expect(result.stderr).toMatch(
        new RegExp(
          `^headstart: ${lines.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: plain lines \\(format "lines"\\) carry no labels`,
        ),
      );
      expect(result.stderr).not.toContain('internal error');
    }
  });

  it('a .txt whose header looks like CSV but whose rows do not fit it is a data error suggesting --format csv', () => {
    const file = path.join(root, 'ragged.txt');
    writeFileSync(file, 'text,label\nProfit rose,positive\nProfit rose, sharply,positive\n');
    const train = headstart('train', '--data', file, '--out', path.join(root, 'never'));
    expect(train.status).toBe(3);
    expect(train.stderr).toContain(`headstart: ${file}:3: looks like CSV`);
    expect(train.stderr).toContain('hint: to read it as CSV pass --format csv');
  });

  it('train refuses plain lines as --eval-data before training, and scores a good one after', () => {
    const lines = path.join(repoRoot, 'corpora/samples/finance-new.txt');
    const refused = headstart(
      'train',
      '--data',
      sampleCsv,
      '--eval-data',
      lines,
      '--out',
      path.join(root, 'never'),
      ...quick,
    );
    expect(refused.status).toBe(3);
    expect(refused.stderr).toContain('plain lines (format "lines") carry no labels');
    expect(refused.stderr).not.toContain('trained ');
    const scored = headstart(
      'train',
      '--data',
      sampleCsv,
      '--eval-data',
      sampleCsv,
      '--out',
      path.join(root, 'scored'),
      ...quick,
      '--json',
    );
    expect(scored.status).toBe(0);
    expect(scored.lastJson().metrics.accuracy).toBeGreaterThan(0.5);
  });

  it('a missing label reaching the library is a DataError naming the index, not a TypeError', () => {
    expect(() => labelVocabulary(['a', undefined as unknown as string])).toThrow(
      expect.objectContaining({
        code: 'MISSING_LABEL',
        message: 'text #1, field "label": missing label (got undefined)',
      }),
    );
  });
});

describe('--delimiter', () => {
  const semicolons = sampleWith(';', 'finance-semicolons.csv');
  const model = path.join(root, 'semicolons');

  it('train, eval, predict, cv and distill read semicolon-delimited csv with --delimiter', () => {
    const train = headstart('train', '--data', semicolons, '--delimiter', ';', '--out', model, ...quick);
    expect(train.status).toBe(0);
    expect(train.stderr).toContain('read 60 examples, 3 labels');
    const evaluation = headstart('eval', '--model', model, '--data', semicolons, '--delimiter', ';', '--json');
    expect(evaluation.status).toBe(0);
    expect(evaluation.lastJson().examples).toBe(60);
    const predict = headstart('predict', '--model', model, '--input', semicolons, '--delimiter', ';', '--json');
    expect(predict.status).toBe(0);
    expect(predict.lastJson()).toMatchObject({ summary: true, rows: 60 });
    const cv = headstart('cv', '--data', semicolons, '--delimiter', ';', '--folds', '2', '--epochs', '5', '--json');
    expect(cv.status).toBe(0);
    expect(cv.lastJson().examples).toBe(60);
    const distill = headstart(
      'distill',
      '--teacher',
      model,
      '--data',
      semicolons,
      '--delimiter',
      ';',
      '--out',
      path.join(root, 'student'),
      '--epochs',
      '5',
      '--json',
    );
    expect(distill.status).toBe(0);
    expect(distill.lastJson()).toMatchObject({ command: 'distill', skippedRows: 0 });
  });

  it('detects semicolons in a .csv header without commas, and says so', () => {
    const train = headstart('train', '--data', semicolons, '--out', path.join(root, 'detected'), ...quick);
    expect(train.status).toBe(0);
    expect(train.stderr).toContain(
      `${semicolons}: read with semicolon delimiters (its header has semicolons and no commas)`,
    );
  });

  it('takes tab by name or as \\t, also for a .txt file', () => {
    const tabs = sampleWith('\t', 'finance-tabs.txt');
    for (const name of ['tab', '\\t']) {
      const train = headstart(
        'train',
        '--data',
        tabs,
        '--format',
        'csv',
        '--delimiter',
        name,
        '--out',
        path.join(root, 'tabs'),
        ...quick,
      );
      expect(train.status, name).toBe(0);
      expect(train.stderr).toContain('read 60 examples, 3 labels');
    }
  });

  it('refuses a delimiter that is not one character (exit 2)', () => {
    const result = headstart('train', '--data', semicolons, '--delimiter', ';;', '--out', path.join(root, 'never'));
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(
      'headstart: the delimiter must be one character other than a quote or line break, got ";;"',
    );
  });
});
