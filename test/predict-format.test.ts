/**
 * JSONL rows of `predict` with one head are written out field by field (src/predict/format.ts); they
 * must be the bytes JSON.stringify gives the row's object, whatever the row holds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Prediction } from '../src/classifier/index.js';
import { formatRows, type InputRow } from '../src/predict/format.js';

const prediction = (label: string, score: number, extra: Partial<Prediction> = {}): Prediction => ({
  label,
  score,
  top: [
    { label, score },
    { label: '2', score: 0.1 },
    { label: '1', score: 1e-7 },
  ],
  truncated: false,
  empty: false,
  ...extra,
});

const fixedRows: InputRow[] = [
  { id: '1', line: 1, text: 'plain' },
  { id: 'quote "and" \\ back\nslash \u2028', line: 2, text: 'x' },
  { id: '3', line: 3, text: '', invalidUtf8: true },
  { id: '4', line: 4, text: '', error: 'line 4: not a "JSON" object' },
  { id: '5', line: 5, text: 'long' },
];
const predictions: (Prediction | undefined)[] = [
  prediction('positive', 0.123456789),
  prediction('né "x"', 1 / 3, { empty: true }),
  prediction('3', 0.5, { truncated: true }),
  undefined,
  prediction('__proto__', 2.5e-7, { labels: ['__proto__', '2'], truncated: true, empty: true }),
];

/** The row objects the fast path replaces, as JSON.stringify writes them. */
function expected(given: (Prediction | undefined)[], multiLabel: boolean, topK: number, rows = fixedRows): string {
  const round = (x: number) => Math.round(x * 1e6) / 1e6;
  return rows
    .map((row, i) => {
      const p = given[i];
      const record: Record<string, unknown> = { id: row.id, line: row.line };
      if (multiLabel) record.labels = p?.labels ?? null;
      else Object.assign(record, { label: p?.label ?? null, score: p ? round(p.score) : null });
      if (topK > 1 || multiLabel)
        record.scores = p ? Object.fromEntries(p.top.map((t) => [t.label, round(t.score)])) : null;
      if (p?.truncated) record.truncated = true;
      if (p?.empty) record.empty = true;
      if (row.invalidUtf8) record.invalid_utf8 = true;
      if (row.error !== undefined) record.error = row.error;
      return `${JSON.stringify(record)}\n`;
    })
    .join('');
}

describe('single-head JSONL rows', () => {
  it.each([
    [false, 1],
    [false, 3],
    [true, 1],
  ])('are the bytes of JSON.stringify (multi-label %s, top-k %i)', (multiLabel, topK) => {
    const given = multiLabel ? predictions.map((p) => p && { ...p, labels: p.labels ?? [p.label] }) : predictions;
    const text = formatRows(fixedRows, [{ name: '', multiLabel }], [given], { format: 'jsonl', topK });
    expect(text).toBe(expected(given, multiLabel, topK));
  });

  it('are the bytes of JSON.stringify for random ids, labels, scores and flags (labels quoted once a chunk, line-number ids)', () => {
    const label = fc.oneof(
      fc.constantFrom('positive', 'négatif', '"q"', '\\', '__proto__', '1', ''),
      fc.string({ maxLength: 6 }),
    );
    const row = fc.record({
      line: fc.integer({ min: 1, max: 1e7 }),
      // Mostly the line number, as predict makes ids; else ids that look like it but are not.
      id: fc.option(fc.oneof(fc.string({ maxLength: 6 }), fc.integer({ min: 0, max: 99 }).map(String)), { freq: 3 }),
      invalidUtf8: fc.boolean(),
      error: fc.option(fc.string({ maxLength: 8 }), { freq: 5 }),
      prediction: fc.option(
        fc.record({
          label,
          score: fc.double({ min: 0, max: 1, noNaN: true }),
          truncated: fc.boolean(),
          empty: fc.boolean(),
        }),
        { freq: 6 },
      ),
    });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 30 }), fc.constantFrom(1, 3), (drawn, topK) => {
        const rows: InputRow[] = drawn.map(({ line, id, invalidUtf8, error }) => ({
          id: id ?? String(line),
          line,
          text: 'x',
          ...(invalidUtf8 ? { invalidUtf8: true as const } : {}),
          ...(error === null ? {} : { error }),
        }));
        const given = drawn.map(({ prediction: p }) => (p ? prediction(p.label, p.score, p) : undefined));
        const text = formatRows(rows, [{ name: '', multiLabel: false }], [given], { format: 'jsonl', topK });
        expect(text).toBe(expected(given, false, topK, rows));
      }),
      { numRuns: 500, seed: 23 },
    );
  });
});
