/**
 * Batch prediction is permissive by default (like Spark's PERMISSIVE mode): every input row gets an
 * output row, rows that cannot be read cleanly are flagged and counted, on every runner; --strict
 * fails on the first one instead.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestInput } from '../src/predict/identity.js';
import { tempDir } from './helpers.js';
import { headstartAsync, headstartSync, trainModel, waitFor, type Running } from './predict-helpers.js';
import { redisAvailable, TestRedis } from './redis-helpers.js';

const root = tempDir('headstart-permissive-');
const jsonlInput = path.join(root, 'input.jsonl');
const csvInput = path.join(root, 'input.csv');
/** Rows of the JSONL input: every 7th has a latin-1 byte, every 11th is not JSON, every 13th has a number for a text. */
const ROWS = 60;
let model: string;

function jsonlRow(i: number): Buffer {
  if (i % 11 === 3) return Buffer.from(`not json \u0000 row ${i}\n`);
  if (i % 13 === 4) return Buffer.from(`${JSON.stringify({ id: `r${i}`, text: i })}\n`);
  const text = Buffer.from(
    `${JSON.stringify({ id: `r${i}`, text: `Profit rose for the caf_ chain, quarter ${i}.` })}\n`,
  );
  if (i % 7 === 2) text[text.indexOf('_')] = 0xe9;
  return text;
}

beforeAll(async () => {
  model = await trainModel('sentiment', root);
  writeFileSync(jsonlInput, Buffer.concat(Array.from({ length: ROWS }, (_, i) => jsonlRow(i))));
  writeFileSync(
    csvInput,
    Buffer.concat([
      Buffer.from('id,text\na,Operating profit doubled.\nb,Sales fell,badly,again\nc,caf'),
      Buffer.from([0xe9]),
      Buffer.from(' losses widened\n'),
    ]),
  );
});

const predict = (...args: string[]) => headstartSync('predict', '--model', model, '--id-field', 'id', ...args);

interface Row {
  id: string;
  line: number;
  label: string | null;
  score: number | null;
  invalid_utf8?: true;
  error?: string;
}

function rowsOf(text: string): Row[] {
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Row);
}

describe('predict is permissive by default', () => {
  it('outputs every row: invalid UTF-8 read as U+FFFD and classified (invalid_utf8), unreadable records with label null and an error, counted on stderr', () => {
    const run = predict('--input', jsonlInput, '--workers', '0', '--json');
    expect(run.status, run.stderr).toBe(0);
    const rows = rowsOf(run.stdout.slice(0, run.stdout.lastIndexOf('\n{"command"')));
    expect(rows.map((row) => row.line)).toEqual(Array.from({ length: ROWS }, (_, i) => i + 1));
    const notJson = rows.filter((_, i) => i % 11 === 3);
    const numberText = rows.filter((_, i) => i % 13 === 4 && i % 11 !== 3);
    const latin1 = rows.filter((_, i) => i % 7 === 2 && i % 11 !== 3 && i % 13 !== 4);
    for (const row of notJson) {
      expect(row).toMatchObject({ id: String(row.line), label: null, score: null });
      expect(row.error).toMatch(/^invalid JSON \(.*\\x00.*\)$/);
    }
    for (const row of numberText)
      expect(row).toMatchObject({
        id: `r${row.line - 1}`,
        label: null,
        score: null,
        error: 'field "text": must be a string, got number ' + (row.line - 1),
      });
    for (const row of latin1) {
      expect(row.invalid_utf8).toBe(true);
      expect(row.label).toMatch(/^(positive|negative|neutral)$/);
      expect(row.error).toBeUndefined();
    }
    const unreadable = notJson.length + numberText.length;
    expect(rows.filter((row) => row.error !== undefined)).toHaveLength(unreadable);
    expect(rows.filter((row) => row.invalid_utf8)).toHaveLength(latin1.length);
    expect(run.stderr).toMatch(
      new RegExp(
        `^classified ${ROWS} rows in .*; truncated 0, empty 0, invalid UTF-8 ${latin1.length}, unreadable ${unreadable}$`,
        'm',
      ),
    );
    expect(run.lastJson()).toMatchObject({ rows: ROWS, invalidUtf8: latin1.length, unreadable });
  });

  it('writes the flags as invalid_utf8 and error columns in CSV output, from CSV input', () => {
    const run = predict('--input', csvInput, '--workers', '0', '--output-format', 'csv');
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe('id,line,label,score,truncated,empty,invalid_utf8,error');
    expect(lines[1]).toMatch(/^a,2,\w+,[\d.]+,false,false,false,""$/);
    expect(lines[2]).toBe('b,3,"","",false,false,false,"expected 2 fields (id, text), found 4"');
    expect(lines[3]).toMatch(/^c,4,\w+,[\d.]+,false,false,true,""$/);
  });

  it('gives the same rows with --workers 2 (worker threads) as on the main thread', () => {
    const main = predict('--input', jsonlInput, '--workers', '0', '--batch-size', '8');
    const threads = predict('--input', jsonlInput, '--workers', '2', '--batch-size', '8');
    expect(threads.status, threads.stderr).toBe(0);
    expect(threads.stdout).toBe(main.stdout);
    expect(rowsOf(threads.stdout).filter((row) => row.error !== undefined).length).toBeGreaterThan(0);
    expect(threads.stderr).toMatch(/invalid UTF-8 [1-9]\d*, unreadable [1-9]\d*$/m);
  });

  it('--strict fails on the first such row with one line naming file and line (exit 3)', () => {
    const run = predict('--input', jsonlInput, '--workers', '0', '--strict');
    expect(run.status).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      new RegExp(
        `^headstart: ${jsonlInput.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3: invalid UTF-8 at byte offset \\d+ \\(byte 0xE9`,
        'm',
      ),
    );
    const csv = predict('--input', csvInput, '--workers', '0', '--strict', '--encoding', 'latin1');
    expect(csv.status).toBe(3);
    expect(csv.stderr).toMatch(/^headstart: .*input\.csv:3: expected 2 fields \(id, text\), found 4$/m);
    expect(predict('--input', csvInput, '--strict', '--on-bad-row', 'skip').status).toBe(2);
  });
});

describe('predict input with lines ending in CR alone', () => {
  it('is read as one row per CR-ended line, said so on stderr, and its rows estimated from the CRs', async () => {
    const input = path.join(root, 'mac.txt');
    writeFileSync(input, 'Operating profit doubled.\rThe firm cut 500 jobs.\r\rSales rose.\r');
    expect((await digestInput(input)).lines).toBe(4);
    const run = headstartSync('predict', '--model', model, '--input', input, '--workers', '0');
    expect(run.status, run.stderr).toBe(0);
    expect(rowsOf(run.stdout).map((row) => [row.line, row.label === null])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, false],
    ]);
    expect(run.stderr).toContain(`${input}: its lines end with CR (\\r) alone; read as lines split at each CR`);
    expect(run.stderr).toMatch(/truncated 0, empty 1, invalid UTF-8 0, unreadable 0$/m);
  });
});

describe.skipIf(!redisAvailable)('predict --queue keeps flagged rows', () => {
  let redis: TestRedis;
  let worker: Running | undefined;

  beforeAll(async () => {
    redis = await TestRedis.start();
  });

  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    await redis?.kill();
  });

  it('writes the same rows through a BullMQ worker as on the main thread', async () => {
    worker = headstartAsync('worker', '--queue', redis.url, '--models-root', root);
    await waitFor(() => worker!.stderr().includes('ready'), 60_000, 'the worker to start');
    const output = path.join(root, 'queued.jsonl');
    const queued = predict('--input', jsonlInput, '--queue', redis.url, '--batch-size', '8', '--output', output);
    expect(queued.status, queued.stderr).toBe(0);
    const main = predict('--input', jsonlInput, '--workers', '0');
    expect(readFileSync(output, 'utf8')).toBe(main.stdout);
  }, 120_000);
});
