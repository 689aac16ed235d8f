/**
 * A bounded chaos check of `predict --queue`: the worker, the coordinator and redis-server are
 * killed at seeded random moments (see benchmarks/lib/queue-chaos.ts) and every trial must end with
 * a complete output, byte-identical to an uninterrupted local run, without any coordinator giving
 * up mid-run. Two trials here; `npx tsx benchmarks/queue-chaos.ts` runs more.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chaosTrial } from '../benchmarks/lib/queue-chaos.js';
import { tempDir } from './helpers.js';
import { headstartSync, trainModel, writeInput } from './predict-helpers.js';
import { redisAvailable, TestRedis } from './redis-helpers.js';

describe.skipIf(!redisAvailable)('predict --queue under chaos', () => {
  const root = tempDir('headstart-queue-chaos-');
  const input = path.join(root, 'input.jsonl');
  const reference = path.join(root, 'reference.jsonl');
  let redis: TestRedis;
  let model: string;

  beforeAll(async () => {
    redis = await TestRedis.start();
    model = await trainModel('sentiment', root);
    await writeInput(input, 12_000);
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
  }, 120_000);

  afterAll(async () => {
    await redis?.kill();
  });

  it('ends complete and byte-identical to a local run when worker, coordinator and Redis are killed at random', async () => {
    for (const seed of [1, 2]) {
      const trial = await chaosTrial(
        { redis, model, input, reference, output: path.join(root, `chaos-${seed}.jsonl`), batchSize: 300 },
        seed,
        3,
        3000,
        90_000,
      );
      expect(trial.identical, JSON.stringify(trial)).toBe(true);
      // The only acceptable early exit: redis-server killed while a coordinator starts, which then refuses at once (QUEUE_UNREACHABLE).
      const gaveUp = trial.faults.filter(
        (fault) => fault.includes('coordinator exited') && !fault.includes('cannot reach Redis'),
      );
      expect(gaveUp, JSON.stringify(trial)).toEqual([]);
      expect(trial.exits.at(-1)).toBe(0);
    }
  }, 240_000);
});
