/**
 * `predict --queue`: each chunk becomes a BullMQ job whose id is derived from the run's identity
 * (input, models and settings hashes) and the chunk's rows, so adding it twice (a restarted or
 * resumed coordinator) is a no-op and a retried job's result is the same bytes. Results are read
 * back as jobs finish and written in input order by the ordinary pipeline; a worker that dies
 * mid-chunk loses its lock and BullMQ's stalled-job check hands the job to another worker.
 */
import { createHash } from 'node:crypto';
import type { EncoderLoadOptions } from '../encoders/index.js';
import type { RowSettings } from '../predict/format.js';
import type { ChunkResult, ModelRef } from '../predict/heads.js';
import type { RunIdentity } from '../predict/journal.js';
import type { ChunkRunner } from '../predict/pipeline.js';
import { DataError, UsageError } from '../errors.js';
import { loadBullmq } from './bullmq.js';
import { connectionFrom } from './connection.js';
import { CHUNK_JOB, type ChunkJobData } from './jobs.js';

export interface QueueRunOptions {
  url: string;
  queueName: string;
  runId: RunIdentity;
  models: ModelRef[];
  loadOptions: EncoderLoadOptions;
  settings: RowSettings;
  /** Chunks queued at once (x2 in flight, with the ones waiting to be written). */
  parallelism?: number;
}

/** Enough queued chunks to keep a handful of workers busy while bounding Redis and coordinator memory. */
const DEFAULT_QUEUE_PARALLELISM = 8;
/** A job whose worker died is retried; a job that fails this many times fails the run. */
const ATTEMPTS = 3;
const CONNECT_TIMEOUT_MS = 10_000;
const CONNECT_RETRIES = 10;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no connection after ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function queueRunner(options: QueueRunOptions): Promise<ChunkRunner> {
  const { Queue, QueueEvents } = await loadBullmq('predict --queue');
  // Reconnect a few times, then give up, so an unreachable Redis is an error rather than a hang.
  const connection = connectionFrom(options.url, CONNECT_RETRIES);
  const queue = new Queue<ChunkJobData, ChunkResult>(options.queueName, { connection });
  const events = new QueueEvents(options.queueName, { connection });
  const parallelism = options.parallelism ?? DEFAULT_QUEUE_PARALLELISM;
  // Every chunk in flight (up to 2 x parallelism) listens on these until its job finishes.
  queue.setMaxListeners(4 * parallelism + 10);
  events.setMaxListeners(4 * parallelism + 10);
  try {
    await withTimeout(Promise.all([queue.waitUntilReady(), events.waitUntilReady()]), CONNECT_TIMEOUT_MS);
  } catch (cause) {
    await Promise.allSettled([queue.disconnect(), events.disconnect()]);
    throw new UsageError('QUEUE_UNREACHABLE', `cannot reach Redis at ${options.url}: ${(cause as Error).message}`, { cause, hint: 'start redis-server, or check --queue' });
  }
  const runKey = createHash('sha256').update(JSON.stringify(options.runId)).digest('hex').slice(0, 16);
  return {
    parallelism,
    async run(chunk) {
      const data: ChunkJobData = { models: options.models, modelsDigest: options.runId.models, loadOptions: options.loadOptions, settings: options.settings, chunk };
      const job = await queue.add(CHUNK_JOB, data, {
        jobId: `${runKey}-${chunk.first}-${chunk.rows.length}`,
        attempts: ATTEMPTS,
        backoff: { type: 'fixed', delay: 100 },
      });
      let result: ChunkResult;
      try {
        result = (await job.waitUntilFinished(events)) as ChunkResult;
      } catch (cause) {
        throw new DataError('CHUNK_FAILED', `rows ${chunk.first + 1}-${chunk.first + chunk.rows.length} failed on a worker: ${(cause as Error).message}`, { cause });
      }
      await job.remove().catch(() => undefined);
      return result;
    },
    async close() {
      await events.close();
      await queue.close();
    },
  };
}
