/** Input a reader must survive: data quoted into errors as one short printable line, CR-only line endings, UTF-16 files. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDataset } from '../src/data/index.js';
import { crLinesAsLf } from '../src/data/line-breaks.js';
import { utf16ToUtf8 } from '../src/data/utf16.js';
import { DataError } from '../src/errors.js';
import { printable } from '../src/util/printable.js';
import { tempDir } from './helpers.js';

const dir = tempDir();
let count = 0;
function file(extension: string, content: string | Buffer): string {
  const name = path.join(dir, `f${count++}${extension}`);
  writeFileSync(name, content);
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

/** One line of printable characters, no longer than a message of this kind needs. */
function expectPrintableLine(message: string, maxLength: number): void {
  expect(message).not.toMatch(/[\u0000-\u001F\u007F-\u009F\u2028\u2029]/);
  expect(message.length).toBeLessThanOrEqual(maxLength);
}

describe('data quoted into error messages', () => {
  it('printable escapes control characters and cuts long text with an ellipsis', () => {
    expect(printable('a\u0000b\r\nc\td\u2028\u0085')).toBe('a\\x00b\\r\\nc\\td\\u2028\\x85');
    expect(printable('x'.repeat(80))).toBe('x'.repeat(80));
    expect(printable('x'.repeat(81))).toBe(`${'x'.repeat(79)}…`);
    expect(printable('\u0000'.repeat(50), 10)).toBe('\\x00\\x00…');
  });

  it('is one printable line of bounded length: header names with NUL bytes, invalid JSON with control characters', async () => {
    const header = Array.from({ length: 200 }, (_, i) => `col\u0000${i}`).join(',');
    const csv = file('.csv', `${header}\n`);
    const missing = await dataError(readDataset(csv));
    expect(missing.code).toBe('MISSING_COLUMN');
    expect(missing.message).toContain('columns found: col\\x000, col\\x001, ');
    expectPrintableLine(missing.message, csv.length + 200);

    const jsonl = file('.jsonl', `\u0001\u001b[2J${'y'.repeat(5000)}\n`);
    const invalid = await dataError(readDataset(jsonl));
    expect(invalid.code).toBe('INVALID_JSON');
    expectPrintableLine(invalid.message, jsonl.length + 200);

    const duplicate = await dataError(readDataset(file('.csv', 'text,label,a\u0007\u0007,a\u0007\u0007\nx,y,1,2\n')));
    expect(duplicate.message).toContain('field "a\\x07\\x07": column "a\\x07\\x07" appears twice');
  });
});

describe('UTF-16 files', () => {
  const csv = 'text,label\nProfit rose.,positive\nCafé sales fell.,negative\n';
  const expected = [
    [2, 'Profit rose.', 'positive'],
    [3, 'Café sales fell.', 'negative'],
  ];
  const rowsOf = (examples: { line: number; text: string; labels: string[] }[]) =>
    examples.map((e) => [e.line, e.text, e.labels.join()]);

  it('are read as UTF-16 LE (byte order mark) or BE (NUL bytes beside ASCII, no mark), and said so in a note', async () => {
    const notes: string[] = [];
    const onNote = (note: string) => notes.push(note);
    const little = file('.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csv, 'utf16le')]));
    expect(rowsOf((await readDataset(little, { onNote })).examples)).toEqual(expected);
    const big = file('.csv', Buffer.from(csv, 'utf16le').swap16());
    expect(rowsOf((await readDataset(big, { onNote })).examples)).toEqual(expected);
    expect(notes).toEqual([
      `${little}: read as UTF-16 LE (byte order mark), not UTF-8`,
      `${big}: read as UTF-16 BE (NUL bytes between ASCII characters), not UTF-8`,
    ]);
    // A .txt is sniffed as CSV after decoding, as its UTF-8 twin would be.
    const text = file('.txt', Buffer.from(csv, 'utf16le'));
    expect(rowsOf((await readDataset(text)).examples)).toEqual(expected);
  });

  it('read with --encoding utf-8 are refused as UTF-16 with the iconv hint, not diagnosed as latin-1', async () => {
    const little = file('.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csv, 'utf16le')]));
    const error = await dataError(readDataset(little, { encoding: 'utf-8' }));
    expect(error.code).toBe('UTF16_INPUT');
    expect(error.message).toBe(`${little}: the file is UTF-16 LE (byte order mark), not UTF-8`);
    expect(error.hint).toContain(`iconv -f UTF-16LE -t UTF-8 ${little}`);
    expect(error.message).not.toContain('latin-1');
    const big = await dataError(
      readDataset(file('.csv', Buffer.from(csv, 'utf16le').swap16()), { encoding: 'utf-8-replace' }),
    );
    expect(big.message).toMatch(/the file is UTF-16 BE \(NUL bytes between ASCII characters\), not UTF-8$/);
  });
});

describe('lines ending with CR alone', () => {
  it('are read as lines split at each CR, in CSV (quoted line breaks too) and plain lines, and said so', async () => {
    const notes: string[] = [];
    const csv = file('.csv', 'text,label\rProfit rose.,positive\r"Sales\rfell.",negative\rLast row,neutral');
    const data = await readDataset(csv, { onNote: (note) => notes.push(note) });
    expect(data.examples.map((e) => [e.line, e.text, e.labels[0]])).toEqual([
      [2, 'Profit rose.', 'positive'],
      [3, 'Sales\nfell.', 'negative'],
      [5, 'Last row', 'neutral'],
    ]);
    expect(notes).toEqual([`${csv}: its lines end with CR (\\r) alone; read as lines split at each CR`]);
    const lines = file('.txt', 'one\rtwo\r\rfour\r');
    expect((await readDataset(lines, { labelled: false })).examples.map((e) => [e.line, e.text])).toEqual([
      [1, 'one'],
      [2, 'two'],
      [3, ''],
      [4, 'four'],
    ]);
  });

  it('are split only when the first line break is a lone CR (CRLF files keep CRs inside quoted fields)', async () => {
    const crlf = file('.csv', 'text,label\r\n"a\rb",x\r\nc,y\r\n');
    expect((await readDataset(crlf)).examples.map((e) => e.text)).toEqual(['a\rb', 'c']);
  });
});

describe('chunk boundaries', () => {
  async function collect(chunks: AsyncIterable<Buffer>): Promise<string> {
    const parts: Buffer[] = [];
    for await (const chunk of chunks) parts.push(chunk);
    return Buffer.concat(parts).toString('utf8');
  }
  async function* from(...parts: (string | Buffer)[]): AsyncGenerator<Buffer> {
    for (const part of parts) yield Buffer.from(part);
  }

  it('decide CR-only line ends when the first CR ends a chunk, and convert UTF-16 split inside a character', async () => {
    let told = 0;
    expect(await collect(crLinesAsLf(from('no break yet ', 'abc\r', 'def\rghi'), () => told++))).toBe(
      'no break yet abc\ndef\nghi',
    );
    expect(await collect(crLinesAsLf(from('abc\r', '\ndef\r\n'), () => told++))).toBe('abc\r\ndef\r\n');
    expect(await collect(crLinesAsLf(from('abc\r'), () => told++))).toBe('abc\n');
    expect(told).toBe(2);
    const bytes = Buffer.from('é😀\n', 'utf16le');
    expect(
      await collect(utf16ToUtf8(from(bytes.subarray(0, 3), bytes.subarray(3, 5), bytes.subarray(5)), 'utf-16le')),
    ).toBe('é😀\n');
  });
});
