import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readDataset, writeCsv, type DataFormat } from '../src/data/index.js';
import { DataError } from '../src/errors.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'headstart-data-prop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCount = 0;
const nextFile = (suffix: string) => path.join(dir, `p${fileCount++}${suffix}`);

const anyText = fc.string({ unit: 'binary', maxLength: 40 });
const label = fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }).filter((s) => s.trim() === s && s !== '');

describe('CSV write -> read round trip', () => {
  it('keeps any unicode text exactly (unlabelled read keeps empty texts too)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyText, { minLength: 1, maxLength: 8 }), async (texts) => {
        const file = nextFile('.csv');
        await writeCsv(
          file,
          texts.map((text) => ({ text, label: 'x' })),
          ['text', 'label'],
        );
        const data = await readDataset(file, { labelled: false });
        expect(data.examples.map((e) => e.text)).toEqual(texts);
      }),
      { numRuns: 150, seed: 7 },
    );
  });

  it('keeps texts and labels of labelled rows exactly', async () => {
    const row = fc.record({ text: anyText.filter((s) => s.trim() !== ''), label });
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 8 }), async (rows) => {
        const file = nextFile('.csv');
        await writeCsv(file, rows, ['label', 'text']);
        const data = await readDataset(file);
        expect(data.examples.map((e) => ({ text: e.text, label: e.labels[0] }))).toEqual(rows);
      }),
      { numRuns: 150, seed: 11 },
    );
  });
});

describe('arbitrary bytes', () => {
  // Bytes that matter to some format, so that random files hit the interesting paths often.
  const special = [
    0x00, 0x0a, 0x0d, 0x2c, 0x22, 0x09, 0x40, 0x3a, 0x7b, 0x7d, 0x5f, 0x30, 0x31, 0x20, 0x61, 0x41, 0xc3, 0xa9, 0xff,
    0xef, 0xbb, 0xbf,
  ];
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 120 }),
    fc.array(fc.constantFrom(...special), { maxLength: 120 }).map((list) => Uint8Array.from(list)),
  );
  const formats: DataFormat[] = ['csv', 'tsv', 'jsonl', 'fpb', 'trec', 'hoc', 'lines'];
  const header: Partial<Record<DataFormat, string>> = {
    csv: 'text,label\n',
    tsv: 'text\tlabel\n',
    hoc: 'labels\tsentence\tindex\n',
  };

  it('never throw anything but DataError, whatever the format and policy', async () => {
    const options = fc.record({
      format: fc.constantFrom(...formats),
      withHeader: fc.boolean(),
      labelled: fc.boolean(),
      onBadRow: fc.constantFrom('fail' as const, 'skip' as const, 'flag' as const),
      encoding: fc.constantFrom('auto' as const, 'utf-8' as const, 'latin1' as const),
    });
    await fc.assert(
      fc.asyncProperty(bytes, options, async (body, { format, withHeader, labelled, onBadRow, encoding }) => {
        const file = nextFile('.data');
        const prefix = withHeader ? (header[format] ?? '') : '';
        writeFileSync(file, Buffer.concat([Buffer.from(prefix), body]));
        try {
          const data = await readDataset(file, { format, labelled, onBadRow, encoding });
          for (const example of data.examples) {
            expect(typeof example.text).toBe('string');
            if (example.error !== undefined) expect([onBadRow, example.text, example.labels]).toEqual(['flag', '', []]);
          }
        } catch (error) {
          if (!(error instanceof DataError)) throw error;
        }
      }),
      { numRuns: 400, seed: 3 },
    );
  });
});
