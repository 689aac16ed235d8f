/** Bad input through the CLI: counts and warnings at train time, encoding problems, huge texts, --debug. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TextClassifier } from '../src/classifier.js';
import { readDataset } from '../src/data/index.js';
import { headstart, sampleCsv, tempDir } from './helpers.js';

const root = tempDir();
const model = path.join(root, 'model');

const sample = readFileSync(sampleCsv);

beforeAll(async () => {
  const data = await readDataset(sampleCsv);
  const classifier = await TextClassifier.create();
  await classifier.fit(
    data.examples.map((e) => e.text),
    data.examples.map((e) => e.labels[0]),
    { recipe: 'single', epochs: 10 },
  );
  await classifier.save(model);
  await classifier.dispose();
});

describe('train on suspect data', () => {
  it('warns with counts and first examples about conflicting duplicates, skipped rows and replaced bytes, and records them', () => {
    const data = path.join(root, 'suspect.csv');
    const extra = Buffer.concat([
      Buffer.from(
        'Profit rose sharply.,positive\n"   ",neutral\nProfit rose sharply.,negative\nProfit rose sharply.,positive\nSales fell in caf',
      ),
      Buffer.from([0xe9]),
      Buffer.from('s.,negative\n'),
    ]);
    writeFileSync(data, Buffer.concat([sample, extra]));
    const sampleLines = sample.toString('utf8').trimEnd().split('\n').length;
    const train = headstart(
      'train',
      '--data',
      data,
      '--out',
      path.join(root, 'suspect-model'),
      '--epochs',
      '5',
      '--on-bad-row',
      'warn',
      '--encoding',
      'utf-8-replace',
      '--json',
    );
    expect(train.status, train.stderr).toBe(0);
    expect(train.stderr).toContain(
      `warning: skipped 1 bad row in ${data} (first: line ${sampleLines + 2}, field "text": empty text)`,
    );
    expect(train.stderr).toContain(
      `warning: 1 text in ${data} appears with conflicting labels (3 rows): lines ${sampleLines + 1}, ${sampleLines + 3}, ${sampleLines + 4}: positive vs negative for "Profit rose sharply."`,
    );
    expect(train.stderr).toContain(
      `warning: 1 row in ${data} had invalid UTF-8 replaced by U+FFFD (first: line ${sampleLines + 5})`,
    );
    expect(train.lastJson()).toMatchObject({ skippedRows: 1, conflictingTexts: 1, invalidUtf8Rows: 1 });
    const manifest = JSON.parse(readFileSync(path.join(root, 'suspect-model', 'headstart.json'), 'utf8')) as {
      training: { data: object };
    };
    expect(manifest.training.data).toMatchObject({ skippedRows: 1, conflictingTexts: 1, invalidUtf8Rows: 1 });
  });

  it('--on-bad-row skip drops bad rows quietly but still counts them', () => {
    const data = path.join(root, 'skip.csv');
    writeFileSync(data, Buffer.concat([sample, Buffer.from(',positive\nOnly a text,\n')]));
    const train = headstart(
      'train',
      '--data',
      data,
      '--out',
      path.join(root, 'skip-model'),
      '--epochs',
      '5',
      '--on-bad-row',
      'skip',
      '--json',
    );
    expect(train.status, train.stderr).toBe(0);
    expect(train.stderr).toMatch(/read \d+ examples, 3 labels from .*skip\.csv \(2 rows skipped\)/);
    expect(train.stderr).not.toContain('warning: skipped');
    expect(train.lastJson()).toMatchObject({ skippedRows: 2 });
  });

  it('refuses a latin-1 file read as UTF-8 with exit code 3, the byte, and the --encoding latin1 hint', () => {
    const data = path.join(root, 'latin1.csv');
    writeFileSync(data, Buffer.concat([sample, Buffer.from('Le café a fermé,neutral\n', 'latin1')]));
    const train = headstart('train', '--data', data, '--out', path.join(root, 'never'), '--epochs', '5');
    expect(train.status).toBe(3);
    expect(train.stderr).toMatch(
      /^headstart: .*latin1\.csv:\d+: invalid UTF-8 at byte offset \d+ \(byte 0xE9, which is "é" in ISO-8859-1/m,
    );
    expect(train.stderr).toMatch(/^ {2}hint: .*--encoding latin1/m);
  });

  it('prints the stack trace only with --debug', () => {
    const data = path.join(root, 'one-class.csv');
    writeFileSync(data, 'text,label\nup,a\ndown,a\n');
    const plain = headstart('train', '--data', data, '--out', path.join(root, 'never'));
    expect(plain.status).toBe(3);
    expect(plain.stderr).toContain('headstart: training data has only one class (a)');
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    const debug = headstart('--debug', 'train', '--data', data, '--out', path.join(root, 'never'));
    expect(debug.status).toBe(3);
    expect(debug.stderr).toMatch(/\n\s+at .*task-checks\.ts/);
  });
});

describe('predict on a 1 MB single-line text', () => {
  it('classifies it, flagged truncated, next to normal rows', () => {
    const input = path.join(root, 'huge.jsonl');
    const huge = 'The company reported record profits and raised its dividend. '.repeat(17_000);
    expect(huge.length).toBeGreaterThan(1_000_000);
    writeFileSync(
      input,
      [
        JSON.stringify({ text: 'Shares fell.' }),
        JSON.stringify({ text: huge }),
        JSON.stringify({ text: 'Sales rose.' }),
      ].join('\n'),
    );
    const output = path.join(root, 'huge-out.jsonl');
    const predict = headstart('predict', '--model', model, '--input', input, '--output', output);
    expect(predict.status, predict.stderr).toBe(0);
    const rows = readFileSync(output, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows.map((row) => [row.line, row.truncated ?? false])).toEqual([
      [1, false],
      [2, true],
      [3, false],
    ]);
    expect(typeof rows[1].label).toBe('string');
  });
});
