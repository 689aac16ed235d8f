/** Input a reader must survive: data quoted into errors as one short printable line, CR-only line endings, UTF-16 files. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDataset } from '../src/data/index.js';
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
  const error = await run.then(() => undefined, (e: unknown) => e);
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
