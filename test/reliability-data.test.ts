/** Bad bytes and contradictory rows: replace-and-flag for invalid UTF-8, latin-1 diagnosis, label conflicts. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findLabelConflicts, readDataset, type Example } from '../src/data/index.js';
import { DataError } from '../src/errors.js';
import { tempDir } from './helpers.js';

const dir = tempDir();
let count = 0;
function file(extension: string, ...parts: (string | number[])[]): string {
  const name = path.join(dir, `f${count++}${extension}`);
  writeFileSync(
    name,
    Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part)))),
  );
  return name;
}

async function dataError(run: Promise<unknown>): Promise<DataError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DataError);
  return error as DataError;
}

describe('invalid UTF-8 with --encoding utf-8-replace', () => {
  it('csv: replaces each bad sequence with U+FFFD and flags only the rows that had one, quoted line breaks included', async () => {
    const csv = file('.csv', 'text,label\nfine,a\nbad ', [0xff], ' byte,b\n"two\nlines ', [0xc3], '",a\nalso fine,b\n');
    const data = await readDataset(csv, { encoding: 'utf-8-replace' });
    expect(data.examples.map((e) => [e.line, e.text, e.invalidUtf8 ?? false])).toEqual([
      [2, 'fine', false],
      [3, 'bad \uFFFD byte', true],
      [4, 'two\nlines \uFFFD', true],
      [6, 'also fine', false],
    ]);
  });

  it('jsonl, lines and tsv flag the record too', async () => {
    const jsonl = file('.jsonl', '{"text":"ok","label":"a"}\n{"text":"caf', [0xe9], '","label":"b"}\n');
    expect(
      (await readDataset(jsonl, { encoding: 'utf-8-replace' })).examples.map((e) => [e.text, e.invalidUtf8 ?? false]),
    ).toEqual([
      ['ok', false],
      ['caf\uFFFD', true],
    ]);
    const lines = file('.txt', 'one\n', [0x80], 'two\n');
    expect(
      (await readDataset(lines, { encoding: 'utf-8-replace' })).examples.map((e) => e.invalidUtf8 ?? false),
    ).toEqual([false, true]);
    const tsv = file('.tsv', 'text\tlabel\nx', [0xfe], '\ta\n');
    expect((await readDataset(tsv, { encoding: 'utf-8-replace' })).examples[0]).toMatchObject({
      text: 'x\uFFFD',
      invalidUtf8: true,
    });
  });

  it('the default still fails, naming file, line and byte offset', async () => {
    const csv = file('.csv', 'text,label\nbad ', [0xff], ',b\n');
    const error = await dataError(readDataset(csv));
    expect(error.code).toBe('INVALID_UTF8');
    expect(error.message).toContain(`${csv}:2: invalid UTF-8 at byte offset 15 (byte 0xFF`);
    expect(error.hint).toContain('--encoding utf-8-replace');
  });
});

describe('a latin-1 file read as UTF-8', () => {
  it('is recognised and reported with the character the byte would be and the --encoding latin1 hint', async () => {
    const latin1 = Buffer.from('text,label\nLe café était fermé,neutral\n', 'latin1');
    const csv = file('.csv', [...latin1]);
    const error = await dataError(readDataset(csv));
    expect(error.message).toContain(
      'invalid UTF-8 at byte offset 17 (byte 0xE9, which is "é" in ISO-8859-1: the file looks like latin-1, not UTF-8)',
    );
    expect(error.hint).toContain('--encoding latin1');
    const data = await readDataset(csv, { encoding: 'latin1' });
    expect(data.examples[0].text).toBe('Le café était fermé');
  });

  it('is not suspected when the line also holds valid multi-byte UTF-8', async () => {
    const csv = file('.csv', 'text,label\nnaïve ', [0xe9], ',a\n');
    const error = await dataError(readDataset(csv));
    expect(error.message).toMatch(/byte offset 18 \(byte 0xE9\)$/);
  });
});

describe('findLabelConflicts', () => {
  const example = (line: number, text: string, ...labels: string[]): Example => ({
    id: String(line),
    line,
    text,
    labels,
  });

  it('reports each text given different labels, with all its lines and distinct label sets', () => {
    const conflicts = findLabelConflicts([
      example(2, 'up', 'positive'),
      example(3, 'down', 'negative'),
      example(4, 'up', 'positive'),
      example(5, 'flat', 'neutral'),
      example(6, 'up', 'negative'),
      example(7, 'down', 'negative'),
      example(8, 'up', 'positive'),
    ]);
    expect(conflicts).toEqual([{ text: 'up', lines: [2, 4, 6, 8], labelSets: [['positive'], ['negative']] }]);
  });

  it('compares multi-label sets regardless of order, and is exact about the text', () => {
    const conflicts = findLabelConflicts([
      example(1, 'a', 'x', 'y'),
      example(2, 'a', 'y', 'x'),
      example(3, 'b', 'x'),
      example(4, 'b'),
      example(5, 'c', 'x'),
      example(6, 'c ', 'y'),
    ]);
    expect(conflicts).toEqual([{ text: 'b', lines: [3, 4], labelSets: [['x'], []] }]);
  });
});
