import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';
import { headstartAsync, headstartSync, trainModel, waitFor, writeInput, type Running } from './predict-helpers.js';
import { redisAvailable, TestRedis } from './redis-helpers.js';

if (!redisAvailable)
  console.warn('skipping the BullMQ tests: redis-server is not installed (apt-get install redis-server)');

describe.skipIf(!redisAvailable)('predict --queue with BullMQ workers', () => {
  const root = tempDir('headstart-queue-');
  const input = path.join(root, 'input.jsonl');
  const ROWS = 30_000;
  let redis: TestRedis;
  let url: string;
  let model: string;
  const workers: Running[] = [];

  beforeAll(async () => {
    redis = await TestRedis.start();
    url = redis.url;
    model = await trainModel('sentiment', root);
    await writeInput(input, ROWS);
  });

  afterAll(async () => {
    for (const worker of workers) worker.child.kill('SIGKILL');
    await redis?.kill();
  });

  it('completes, in order and without duplicates, when a worker is killed mid-chunk', async () => {
    const reference = path.join(root, 'reference.jsonl');
    expect(
      headstartSync(
        'predict',
        '--model',
        model,
        '--input',
        input,
        '--id-field',
        'id',
        '--output',
        reference,
        '--workers',
        '0',
      ).status,
    ).toBe(0);

    // A short lock so the dead worker's chunk goes back to the queue within about a second.
    const workerArgs = [
      'worker',
      '--queue',
      url,
      '--lock-ms',
      '1000',
      '--stalled-check-ms',
      '300',
      '--models-root',
      root,
      '--verbose',
    ];
    const doomed = headstartAsync(...workerArgs);
    const survivor = headstartAsync(...workerArgs);
    workers.push(doomed, survivor);
    await waitFor(
      () => doomed.stderr().includes('ready') && survivor.stderr().includes('ready'),
      60_000,
      'both workers to start',
    );

    const output = path.join(root, 'queued.jsonl');
    const coordinator = headstartAsync(
      'predict',
      '--model',
      model,
      '--input',
      input,
      '--id-field',
      'id',
      '--output',
      output,
      '--queue',
      url,
      '--batch-size',
      '2500',
      '--json',
    );
    const started = () => [...doomed.stderr().matchAll(/started chunk (\S+)/g)].map((m) => m[1]);
    // Its first chunk: under CPU load the survivor may take every later chunk before the doomed worker asks again.
    await waitFor(() => started().length >= 1, 60_000, 'the doomed worker to start a chunk');
    doomed.child.kill('SIGKILL');
    const lost = started().at(-1)!;
    expect(doomed.stderr()).not.toContain(`completed chunk ${lost}`);

    expect(await coordinator.exited).toBe(0);
    expect(readFileSync(output, 'utf8') === readFileSync(reference, 'utf8')).toBe(true);
    expect(survivor.stderr()).toContain(`completed chunk ${lost}`);
  }, 120_000);
});
