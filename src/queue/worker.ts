/** `headstart worker`: processes chunk jobs from a BullMQ queue, loading each model set once. */
import type { Job } from 'bullmq';
import { HeadstartError } from '../errors.js';
import { HeadSet } from '../predict/heads.js';
import { digestModels } from '../predict/identity.js';
import { rowCollector } from '../predict/memory.js';
import type { ChunkResult } from '../predict/heads.js';
import { loadBullmq } from './bullmq.js';
import { connectionFrom } from './connection.js';
import type { ChunkJobData } from './jobs.js';

export interface QueueWorkerOptions {
  url: string;
  queueName: string;
  /** Chunks processed at once by this worker (they share its one event loop). */
  concurrency: number;
  /** How long a job's lock lasts without renewal: a dead worker's job is retried after about this long. */
  lockMs: number;
  /** How often this worker looks for stalled jobs (of any worker). */
  stalledCheckMs: number;
  onJob?(event: 'started' | 'completed', job: Job<ChunkJobData>): void;
}

export interface QueueWorker {
  close(): Promise<void>;
}

export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const { UnrecoverableError, Worker } = await loadBullmq('headstart worker');
  const loaded = new Map<string, Promise<HeadSet>>();
  const headsFor = async (data: ChunkJobData): Promise<HeadSet> => {
    const key = JSON.stringify([data.modelsDigest, data.models, data.loadOptions]);
    let heads = loaded.get(key);
    if (!heads) {
      heads = (async () => {
        const local = await digestModels(data.models);
        if (local !== data.modelsDigest) {
          throw new UnrecoverableError(`the models at ${data.models.map((m) => m.dir).join(', ')} on this worker differ from the coordinator's`);
        }
        return HeadSet.load(data.models, data.loadOptions);
      })();
      heads.catch(() => loaded.delete(key));
      loaded.set(key, heads);
    }
    return heads;
  };

  const collect = rowCollector();
  const worker = new Worker<ChunkJobData, ChunkResult>(
    options.queueName,
    async (job) => {
      options.onJob?.('started', job);
      try {
        const heads = await headsFor(job.data);
        const result = await heads.classify(job.data.chunk, job.data.settings);
        collect(result.rows);
        return result;
      } catch (error) {
        // Bad data or models fail the same way on every worker: do not retry them.
        if (error instanceof HeadstartError) throw new UnrecoverableError(error.message);
        throw error;
      }
    },
    {
      connection: connectionFrom(options.url),
      concurrency: options.concurrency,
      lockDuration: options.lockMs,
      stalledInterval: options.stalledCheckMs,
      maxStalledCount: 2,
    },
  );
  worker.on('completed', (job) => options.onJob?.('completed', job));
  await worker.waitUntilReady();
  return {
    async close() {
      await worker.close();
      for (const heads of loaded.values()) await heads.then((h) => h.dispose()).catch(() => undefined);
    },
  };
}
