/** `headstart worker`: processes chunk jobs from a BullMQ queue, loading each model set once. */
import type { Job } from 'bullmq';
import { HeadstartError } from '../errors.js';
import { HeadSet, digestModels, heapCollector, type ChunkResult } from '../predict/index.js';
import { loadQueuePackages } from './bullmq.js';
import { firstOutsideRoot, resolveModelsRoot } from './models-root.js';
import { connectionFrom } from './connection.js';
import { RedisHealth, secondsText } from './health.js';
import { dropLateConnectionErrors } from './late-errors.js';
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
  /** How often to say what the worker waits for (Redis, or chunks) while it has nothing to do. */
  statusMs: number;
  /** Model directories (and a `modelDir`) a job names must be inside this directory (default: the working directory). */
  modelsRoot?: string | undefined;
  /** Download missing hub models (default: HEADSTART_ALLOW_DOWNLOAD=1): the worker's choice, never a job's. */
  allowDownload?: boolean | undefined;
  log(message: string): void;
  onJob?: ((event: 'started' | 'completed', job: Job<ChunkJobData>) => void) | undefined;
}

export interface QueueWorker {
  /** Resolves once connected to Redis (it may never be: the caller races it against a signal). */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** Starts at once and keeps trying to reach Redis, saying every `statusMs` what it is waiting for. */
export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const { bullmq, Redis } = await loadQueuePackages('headstart worker');
  const { UnrecoverableError, Worker } = bullmq;
  const { log } = options;
  const modelsRoot = await resolveModelsRoot(options.modelsRoot ?? process.cwd());
  const who = `worker ${process.pid}`;
  const health = new RedisHealth(options.url, Redis, {
    onDown: (reason) => log(`${who}: lost the connection to Redis at ${health.url} (${reason}); reconnecting`),
    onUp: (downForMs) => log(`${who}: Redis at ${health.url} is back after ${secondsText(downForMs)}`),
  });
  let active = 0;
  let done = 0;
  let idleSince = Date.now();
  const loaded = new Map<string, Promise<HeadSet>>();
  const headsFor = async (data: ChunkJobData): Promise<HeadSet> => {
    const key = JSON.stringify([data.modelsDigest, data.models, data.loadOptions]);
    let heads = loaded.get(key);
    if (!heads) {
      heads = (async () => {
        const named = [
          ...data.models.map((model) => model.dir),
          ...(data.loadOptions.modelDir === undefined ? [] : [data.loadOptions.modelDir]),
        ];
        const outside = await firstOutsideRoot(named, modelsRoot);
        if (outside !== undefined) {
          throw new UnrecoverableError(
            `the model directory ${outside} is outside this worker's models root ${modelsRoot}; start the worker with --models-root set to a folder that holds it`,
          );
        }
        const local = await digestModels(data.models);
        if (local !== data.modelsDigest) {
          throw new UnrecoverableError(
            `the models at ${data.models.map((m) => m.dir).join(', ')} on this worker differ from the coordinator's`,
          );
        }
        return HeadSet.load(data.models, { ...data.loadOptions, allowDownload: options.allowDownload });
      })();
      heads.catch(() => loaded.delete(key));
      loaded.set(key, heads);
    }
    return heads;
  };

  const collect = heapCollector();
  const worker = new Worker<ChunkJobData, ChunkResult>(
    options.queueName,
    async (job) => {
      options.onJob?.('started', job);
      active++;
      try {
        const heads = await headsFor(job.data);
        const result = await heads.classify(job.data.chunk, job.data.settings);
        collect();
        return result;
      } catch (error) {
        // Bad data or models fail the same way on every worker: do not retry them.
        if (error instanceof HeadstartError) throw new UnrecoverableError(error.message);
        throw error;
      } finally {
        active--;
        done++;
        idleSince = Date.now();
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
  // Connection errors are reported by `health`; others (say, a job's lock lost while Redis restarted) once each.
  let lastError = '';
  worker.on('error', (error) => {
    if (health.downFor() !== undefined || error.message === lastError) return;
    lastError = error.message;
    log(`${who}: ${error.message}`);
  });
  const status = setInterval(() => {
    const downFor = health.downFor();
    if (downFor !== undefined)
      log(`${who}: waiting for Redis at ${health.url} (unreachable for ${secondsText(downFor)}: ${health.reason})`);
    else if (active === 0 && Date.now() - idleSince >= options.statusMs)
      log(
        `${who}: waiting for chunks on ${options.queueName} (idle for ${secondsText(Date.now() - idleSince)}; ${done} done so far)`,
      );
    else void health.check();
  }, options.statusMs);
  return {
    ready: worker.waitUntilReady().then(() => undefined),
    async close() {
      clearInterval(status);
      dropLateConnectionErrors();
      await worker.close();
      health.close();
      for (const heads of loaded.values()) await heads.then((h) => h.dispose()).catch(() => undefined);
    },
  };
}
