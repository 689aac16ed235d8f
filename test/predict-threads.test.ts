/**
 * The main thread and worker threads classifying one run together (src/predict/thread-runner.ts):
 * the main thread starts at once, a worker takes chunks once it is ready, the output stays in input
 * order, a run over before a worker is ready does not wait for it, and a worker's failure fails the
 * run. A stand-in worker (test/fixtures/fake-predict-worker.mjs) sets the timing; a real one checks
 * the output is byte for byte the main thread's.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { HeadSet, type Chunk, type ChunkResult } from '../src/predict/heads.js';
import { classifyStream, type ChunkRunner } from '../src/predict/pipeline.js';
import { localRunner } from '../src/predict/runners.js';
import { startWorkerThreads } from '../src/predict/thread-runner.js';
import { readRecords } from '../src/data/index.js';
import type { RowSettings } from '../src/predict/format.js';
import { repoRoot, tempDir } from './helpers.js';
import { trainModel, writeInput } from './predict-helpers.js';

const FAKE_WORKER = path.join(repoRoot, 'test/fixtures/fake-predict-worker.mjs');
const settings: RowSettings = { format: 'jsonl', topK: 1 };

async function* blocksOf(rows: number) {
  yield Array.from({ length: rows }, (_, i) => ({ id: String(i), line: i + 1, text: `text ${i}` }));
}

function resultOf(chunk: Chunk, by: string): ChunkResult {
  const text = chunk.rows.map(() => `${by} ${chunk.first}\n`).join('');
  return { first: chunk.first, rows: chunk.rows.length, text, truncated: 0, empty: 0, invalidUtf8: 0, unreadable: 0 };
}

/** The main thread's side: `delayMs` a chunk stands for its work; `chunks` lists the chunks it classified. */
function mainThread(delayMs: number) {
  const chunks: number[] = [];
  return {
    chunks,
    classify: async (chunk: Chunk) => {
      chunks.push(chunk.first);
      await sleep(delayMs);
      return resultOf(chunk, 'main');
    },
  };
}

function fakeWorkers(here: ReturnType<typeof mainThread>, fake: Record<string, unknown>): ChunkRunner {
  return startWorkerThreads(1, { refs: [], loadOptions: {}, settings, fake } as never, FAKE_WORKER).runner(here);
}

/** Fake workers started before the main thread has its models (`runner` is called later). */
function fakeWorkersAhead(count: number, fake: Record<string, unknown>) {
  return startWorkerThreads(count, { refs: [], loadOptions: {}, settings, fake } as never, FAKE_WORKER);
}

const workerChunksOf = (out: string) => new Set(out.split('\n').filter((line) => line.startsWith('worker')));

async function runAll(
  runner: ChunkRunner,
  blocks: AsyncIterable<readonly { id: string; line: number; text: string }[]>,
  chunkRows: number,
) {
  let out = '';
  try {
    await classifyStream(blocks, runner, {
      skip: 0,
      chunkRows,
      maxInFlight: runner.parallelism * 2,
      onResult: async (result) => void (out += result.text),
    });
  } finally {
    await runner.close();
  }
  return out;
}

describe('the main thread and worker threads together', () => {
  it('classifies on the main thread from the first chunk, a worker joining once ready, in input order', async () => {
    const here = mainThread(30);
    const out = await runAll(fakeWorkers(here, { readyAfterMs: 100 }), blocksOf(500), 5);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(500);
    // Each row's line names the first row of its chunk: in input order, five rows a chunk.
    expect(lines.map((line) => Number(line.split(' ')[1]))).toEqual(Array.from({ length: 500 }, (_, i) => i - (i % 5)));
    expect(here.chunks[0]).toBe(0);
    const workerChunks = new Set(lines.filter((line) => line.startsWith('worker')));
    expect(workerChunks.size).toBeGreaterThan(0);
    expect(here.chunks.length + workerChunks.size).toBe(100);
  });

  it('ends a run that is over before its worker is ready without waiting for the worker', async () => {
    const here = mainThread(1);
    const out = await runAll(fakeWorkers(here, { readyAfterMs: null }), blocksOf(20), 5);
    expect(out).toBe(Array.from({ length: 20 }, (_, i) => `main ${i - (i % 5)}\n`).join(''));
    expect(here.chunks).toEqual([0, 5, 10, 15]);
  });

  it('fails the run with the error of a worker that cannot load the models', async () => {
    const run = runAll(fakeWorkers(mainThread(50), { failLoad: true }), blocksOf(200), 5);
    await expect(run).rejects.toMatchObject({ code: 'FAKE_LOAD', message: 'cannot load the models' });
  });

  it('fails the run with the error of a chunk a worker could not classify', async () => {
    const run = runAll(fakeWorkers(mainThread(200), { readyAfterMs: 0, failChunks: true }), blocksOf(100), 5);
    await expect(run).rejects.toMatchObject({
      code: 'FAKE_CHUNK',
      message: expect.stringMatching(/^chunk \d+ failed$/),
    });
  });
  it('fails the run when a worker exits holding chunks, instead of waiting for them', async () => {
    const run = runAll(fakeWorkers(mainThread(200), { readyAfterMs: 0, exitOnChunk: true }), blocksOf(100), 5);
    await expect(run).rejects.toThrow('a prediction worker thread exited with code 0');
  });
});

describe('worker threads started before the main thread has loaded its models', () => {
  it('classify from the first chunk when they were ready before the run, in input order', async () => {
    const threads = fakeWorkersAhead(1, { readyAfterMs: 0 });
    // The main thread loading its models meanwhile; the worker's "ready" arrives before there is a runner.
    await sleep(300);
    const here = mainThread(30);
    const out = await runAll(threads.runner(here), blocksOf(100), 5);
    expect(
      out
        .trimEnd()
        .split('\n')
        .map((line) => Number(line.split(' ')[1])),
    ).toEqual(Array.from({ length: 100 }, (_, i) => i - (i % 5)));
    expect(out.startsWith('worker 0\n')).toBe(true);
    expect(here.chunks.length + workerChunksOf(out).size).toBe(20);
  });

  it('stop the workers a run keeps no use for, without failing it', async () => {
    const threads = fakeWorkersAhead(2, { readyAfterMs: 0 });
    await sleep(300);
    const runner = threads.runner(mainThread(30), 1);
    expect(runner.parallelism).toBe(2);
    const out = await runAll(runner, blocksOf(100), 5);
    expect(out.trimEnd().split('\n')).toHaveLength(100);
    expect(workerChunksOf(out).size).toBeGreaterThan(0);
  });

  it('fail the run they are kept for when one could not load the models', async () => {
    const threads = fakeWorkersAhead(1, { failLoad: true });
    await sleep(300);
    const run = runAll(threads.runner(mainThread(50)), blocksOf(200), 5);
    await expect(run).rejects.toMatchObject({ code: 'FAKE_LOAD', message: 'cannot load the models' });
  });

  it('are stopped by close when the run will not use them (too small, or failed before)', async () => {
    const threads = fakeWorkersAhead(2, { readyAfterMs: null });
    await threads.close();
    await threads.close();
  });
});

describe('a real worker thread beside the main thread', () => {
  const root = tempDir('headstart-predict-threads-');
  const input = path.join(root, 'input.jsonl');
  let model: string;

  beforeAll(async () => {
    model = await trainModel('sentiment', root);
    await writeInput(input, 3000);
  });

  it('writes byte for byte what the main thread alone writes, flagged rows included', async () => {
    const heads = await HeadSet.load([{ name: '', dir: model }]);
    try {
      const blocks = () =>
        readRecords(input, { format: 'jsonl', idField: 'id', labelled: false, onBadRow: 'flag' }).blocks();
      const alone = await runAll(localRunner(heads, settings), blocks(), 75);
      // The main thread slowed down, so the worker (started through tsx here) is ready before the input ends.
      const chunks: number[] = [];
      const slowed = {
        classify: async (chunk: Chunk, given: RowSettings) => {
          chunks.push(chunk.first);
          await sleep(400);
          return heads.classify(chunk, given);
        },
      };
      const job = { refs: [{ name: '', dir: model }], loadOptions: {}, settings };
      const together = await runAll(startWorkerThreads(1, job).runner(slowed), blocks(), 75);
      expect(chunks.length).toBeLessThan(40);
      expect(together).toBe(alone);
      expect(alone.trimEnd().split('\n')).toHaveLength(3000);
    } finally {
      await heads.dispose();
    }
  }, 120_000);
});
