import { readFileSync, writeFileSync, appendFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { TextClassifier } from '../src/classifier.js';
import {
  autoWorkers,
  cpuTimes,
  earlyWorkers,
  freeCoresSince,
  guessInputRows,
  THREADS_FROM_ROWS,
  threadsPerWorker,
} from '../src/predict/index.js';
import { readDataset } from '../src/data/index.js';
import { HeadSet } from '../src/predict/heads.js';
import { OutputJournal } from '../src/predict/journal.js';
import { classifyStream, type ChunkRunner } from '../src/predict/pipeline.js';
import { createRng } from '../src/util/random.js';
import { sampleCsv, tempDir } from './helpers.js';
import { headstartSync, headstartWithStdin, TOPICS, trainModel, writeInput } from './predict-helpers.js';

const root = tempDir('headstart-predict-');
const input = path.join(root, 'input.jsonl');
let models: { sentiment: string; topic: string };

beforeAll(async () => {
  models = { sentiment: await trainModel('sentiment', root), topic: await trainModel('topic', root) };
  await writeInput(input, 3000);
});

describe('classifyStream', () => {
  it('hands results over in input order with a bounded number of chunks in flight, whatever order they finish in', async () => {
    const rng = createRng(7);
    let inFlight = 0;
    let maxInFlight = 0;
    const runner: ChunkRunner = {
      parallelism: 3,
      async run(chunk) {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, Math.floor(rng() * 15)));
        inFlight--;
        return {
          first: chunk.first,
          rows: chunk.rows.length,
          text: chunk.rows.map((row) => `${row.id}\n`).join(''),
          truncated: 0,
          empty: 0,
          invalidUtf8: 0,
          unreadable: 0,
        };
      },
      close: async () => undefined,
    };
    // Blocks of 13 rows, as the reader hands them on: their edges fall across chunks and the skipped rows.
    async function* records() {
      for (let from = 0; from < 1000; from += 13) {
        const to = Math.min(from + 13, 1000);
        yield Array.from({ length: to - from }, (_, k) => ({
          id: String(from + k),
          line: from + k + 1,
          text: `t${from + k}`,
        }));
      }
    }
    let out = '';
    await classifyStream(records(), runner, {
      skip: 10,
      chunkRows: 7,
      maxInFlight: 4,
      onResult: async (result) => void (out += result.text),
    });
    expect(out).toBe(Array.from({ length: 990 }, (_, i) => `${i + 10}\n`).join(''));
    expect(maxInFlight).toBeLessThanOrEqual(4);
  });
});

describe('HeadSet', () => {
  it('embeds once for several heads and refuses heads on different encoders', async () => {
    const heads = await HeadSet.load([
      { name: 'sentiment', dir: models.sentiment },
      { name: 'topic', dir: models.topic },
    ]);
    const result = await heads.classify(
      {
        first: 0,
        rows: [
          { id: 'a', line: 1, text: 'Profit rose sharply.' },
          { id: 'b', line: 2, text: '' },
        ],
      },
      { format: 'jsonl', topK: 1 },
    );
    await heads.dispose();
    const rows = result.text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(rows[0]).toMatchObject({
      id: 'a',
      sentiment: { label: expect.any(String) },
      topic: { label: expect.any(String) },
    });
    expect(rows[1].empty).toBe(true);
    expect(result).toMatchObject({ rows: 2, empty: 1 });

    const tfidf = await TextClassifier.create({ encoder: 'tfidf' });
    const sample = await readDataset(sampleCsv);
    await tfidf.fit(
      sample.examples.map((e) => e.text),
      sample.examples.map((e) => e.labels[0]),
      { epochs: 2 },
    );
    await tfidf.save(path.join(root, 'tfidf'));
    await tfidf.dispose();
    await expect(
      HeadSet.load([
        { name: 's', dir: models.sentiment },
        { name: 't', dir: path.join(root, 'tfidf') },
      ]),
    ).rejects.toThrow(/different encoders/);
  });
});

describe('OutputJournal', () => {
  const identity = { input: 'a'.repeat(64), models: 'b'.repeat(64), settings: 'c'.repeat(64) };

  it('cuts uncommitted bytes on resume and refuses a changed input, model or options', async () => {
    const output = path.join(root, 'journal.jsonl');
    const first = await OutputJournal.open(output, identity, false);
    await first.journal.commit({ text: 'one\ntwo\n', rows: 2, truncated: 0, empty: 1, invalidUtf8: 0, unreadable: 0 });
    await first.journal.close();
    appendFileSync(OutputJournal.partialPath(output), 'half a ro');

    for (const key of ['input', 'models', 'settings'] as const) {
      await expect(OutputJournal.open(output, { ...identity, [key]: 'd'.repeat(64) }, true)).rejects.toThrow(
        /cannot resume .*changed/,
      );
    }
    const resumed = await OutputJournal.open(output, identity, true);
    expect(resumed).toMatchObject({ committedRows: 2, resumed: true });
    expect(resumed.journal.counts).toEqual({ rows: 2, truncated: 0, empty: 1, invalidUtf8: 0, unreadable: 0 });
    await resumed.journal.commit({ text: 'three\n', rows: 1, truncated: 0, empty: 0, invalidUtf8: 0, unreadable: 0 });
    await resumed.journal.finish();
    expect(readFileSync(output, 'utf8')).toBe('one\ntwo\nthree\n');
    expect(existsSync(OutputJournal.progressPath(output))).toBe(false);
  });
});

describe('headstart predict', () => {
  it('writes every row in input order, flagged, identically on the main thread alone and with 2 worker threads', () => {
    const outputs = [0, 2].map((workers) => {
      const output = path.join(root, `workers-${workers}.jsonl`);
      const run = headstartSync(
        'predict',
        '--model',
        models.sentiment,
        '--input',
        input,
        '--id-field',
        'id',
        '--output',
        output,
        '--batch-size',
        '300',
        '--workers',
        String(workers),
        '--json',
      );
      expect(run.stderr).not.toContain('headstart:');
      expect(run.lastJson()).toMatchObject({ summary: true, rows: 3000, empty: 31, truncated: 3 });
      return readFileSync(output, 'utf8');
    });
    expect(outputs[1]).toBe(outputs[0]);
    const rows = outputs[0]
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(rows.map((row) => row.id)).toEqual(Array.from({ length: 3000 }, (_, i) => `row-${i}`));
    expect(rows.map((row) => row.line)).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
    expect(rows[5]).toMatchObject({ empty: true, label: expect.any(String) });
    expect(rows[7].truncated).toBe(true);
  }, 120_000);

  it('classifies stdin with every head, as JSONL fields or CSV columns', () => {
    const small = path.join(root, 'small.jsonl');
    writeFileSync(small, readFileSync(input, 'utf8').split('\n').slice(0, 20).join('\n'));
    const heads = ['--model', `sentiment=${models.sentiment}`, '--model', `topic=${models.topic}`];
    const jsonl = headstartWithStdin(
      readFileSync(small, 'utf8'),
      'predict',
      ...heads,
      '--input',
      '-',
      '--format',
      'jsonl',
      '--id-field',
      'id',
      '--top-k',
      '2',
    );
    expect(jsonl.status).toBe(0);
    const rows = jsonl.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(rows).toHaveLength(20);
    expect(Object.keys(rows[0].sentiment.scores)).toHaveLength(2);
    expect(TOPICS).toContain(rows[0].topic.label);
    expect(['negative', 'neutral', 'positive']).toContain(rows[0].sentiment.label);

    const csvOut = path.join(root, 'heads.csv');
    const csv = headstartSync('predict', ...heads, '--input', small, '--id-field', 'id', '--output', csvOut);
    expect(csv.status).toBe(0);
    const records = parse(readFileSync(csvOut, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(records.map((r) => [r.id, r['sentiment.label'], r['topic.label']])).toEqual(
      rows.map((r) => [r.id, r.sentiment.label, r.topic.label]),
    );
  }, 120_000);

  it('needs --format for stdin and refuses --resume without files', () => {
    const noFormat = headstartSync('predict', '--model', models.sentiment, '--input', '-');
    expect(noFormat.status).toBe(2);
    expect(noFormat.stderr).toContain('cannot infer the format of stdin');
    const noOutput = headstartSync('predict', '--model', models.sentiment, '--input', input, '--resume');
    expect(noOutput.status).toBe(2);
    expect(noOutput.stderr).toContain('--resume needs');
  });

  it('starts a worker thread per idle core but the main thread, for large inputs only', () => {
    expect(autoWorkers(THREADS_FROM_ROWS - 1, 7, 8)).toBe(0);
    expect(autoWorkers(THREADS_FROM_ROWS, 1, 2)).toBe(1);
    expect(autoWorkers(1_000_000, 1, 1)).toBe(0);
    // Busy cores: a worker would only take time from the main thread.
    expect(autoWorkers(1_000_000, 0.3, 2)).toBe(0);
    expect(autoWorkers(THREADS_FROM_ROWS, 0.8, 2)).toBe(1);
    expect(autoWorkers(THREADS_FROM_ROWS, 2, 2)).toBe(1);
    expect(autoWorkers(THREADS_FROM_ROWS, 3.4, 8)).toBe(3);
    expect(autoWorkers(undefined, 7.5, 8)).toBe(7);
  });

  it('counts the cores free for workers between two readings of the CPU times, our own use included', () => {
    // Two cores over 1 s (2000 ms of CPU time): 500 ms busy, all of it another process's, leaves 1.5
    // cores, 0.5 beside the main thread.
    const before = { idle: 10_000, total: 40_000, own: 300 };
    expect(freeCoresSince(before, { idle: 11_500, total: 42_000, own: 300 }, 2)).toBe(0.5);
    // The same 500 ms used by this process (a worker loading its models) leaves a core beside the main thread.
    expect(freeCoresSince(before, { idle: 11_500, total: 42_000, own: 800 }, 2)).toBe(1);
    expect(freeCoresSince(before, { idle: 10_000, total: 42_000, own: 300 }, 2)).toBe(0);
    expect(freeCoresSince(before, before, 2)).toBe(0);
    const now = cpuTimes();
    expect(now.total).toBeGreaterThanOrEqual(now.idle);
    expect(now.own).toBeGreaterThan(0);
  });

  it('starts workers before the models load for a file guessed large, on cores the load average leaves', () => {
    expect(earlyWorkers(undefined, 0, 2)).toBe(0);
    expect(earlyWorkers(THREADS_FROM_ROWS - 1, 0, 2)).toBe(0);
    expect(earlyWorkers(THREADS_FROM_ROWS, 0.2, 2)).toBe(1);
    // A run just before leaves ~1 in the load average: the core is still measured once the models are loaded.
    expect(earlyWorkers(THREADS_FROM_ROWS, 1.4, 2)).toBe(1);
    expect(earlyWorkers(THREADS_FROM_ROWS, 2.1, 2)).toBe(0);
    expect(earlyWorkers(THREADS_FROM_ROWS, 5.5, 8)).toBe(3);
  });

  it("guesses a regular input file's rows from its size, and nothing for stdin or a missing file", async () => {
    const file = path.join(root, 'guess.txt');
    writeFileSync(file, 'x'.repeat(4800));
    expect(await guessInputRows(file)).toBe(100);
    expect(await guessInputRows('-')).toBeUndefined();
    expect(await guessInputRows(path.join(root, 'missing.txt'))).toBeUndefined();
  });

  it('shares the physical cores out among worker threads as ONNX Runtime threads, at least one each', () => {
    expect(threadsPerWorker(1, 2)).toBe(2);
    expect(threadsPerWorker(2, 2)).toBe(1);
    expect(threadsPerWorker(3, 2)).toBe(1);
    expect(threadsPerWorker(2, 8)).toBe(4);
    const zero = headstartSync('predict', '--model', models.sentiment, '--input', input, '--threads', '0');
    expect(zero.status).toBe(2);
    expect(zero.stderr).toContain('--threads');
  });
});
