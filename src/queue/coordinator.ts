/**
 * `predict --queue`: each chunk becomes a BullMQ job whose id is derived from the run's identity
 * (input, models and settings hashes) and the chunk's rows, so adding it twice (a restarted or
 * resumed coordinator) is a no-op and a retried job's result is the same bytes. Results are read
 * back as jobs finish and written in input order by the ordinary pipeline; a worker that dies
 * mid-chunk loses its lock and BullMQ's stalled-job check hands the job to another worker.
 *
 * Nothing waits silently: the coordinator polls the state of every job it waits for (so a missed
 * event or a job lost with a restarted Redis is noticed, and a lost job is queued again from the
 * chunk it still holds), says every `statusMs` what it is waiting for, and gives up with
 * QUEUE_LOST once Redis has been unreachable for `outageMs`, leaving the journal for `--resume`.
 */
import { createHash } from 'node:crypto';
import type { EncoderLoadOptions } from '../encoders/index.js';
import type { RowSettings, Chunk, ChunkResult, ModelRef, RunIdentity, ChunkRunner } from '../predict/index.js';
import type { Queue, QueueEvents } from 'bullmq';
import { DataError, QueueLostError } from '../errors.js';
import { loadQueuePackages } from './bullmq.js';
import { connectionFrom } from './connection.js';
import { RedisHealth, secondsText } from './health.js';
import { dropLateConnectionErrors } from './late-errors.js';
import { CHUNK_JOB, type ChunkJobData } from './jobs.js';

export interface QueueConnectOptions {
  url: string;
  queueName: string;
  /** How often to say what the run is waiting for, when nothing has finished meanwhile. */
  statusMs: number;
  /** How long Redis may stay unreachable before the run stops with QUEUE_LOST. */
  outageMs: number;
  /** How long the first connection may take (default 10 s). */
  connectTimeoutMs?: number;
  log(message: string): void;
}

export interface QueueRunOptions {
  runId: RunIdentity;
  models: ModelRef[];
  loadOptions: EncoderLoadOptions;
  settings: RowSettings;
  /** Chunks queued at once (x2 in flight, with the ones waiting to be written). */
  parallelism?: number;
  /** Chunks the run is expected to have, for status lines (undefined for stdin). */
  expectedChunks?: number | undefined;
}

/** Enough queued chunks to keep a handful of workers busy while bounding Redis and coordinator memory. */
const DEFAULT_QUEUE_PARALLELISM = 8;
/** A job whose worker died is retried; a job that fails this many times fails the run. */
const ATTEMPTS = 3;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** How often the state of every job in flight is read back: the safety net under QueueEvents. */
const POLL_MS = 1000;
/** A graceful close that takes longer than this (Redis gone) is cut short. */
const CLOSE_TIMEOUT_MS = 2000;

interface Waiter {
  chunk: Chunk;
  /** Set once the first add returned: before that, an absent job is not yet a lost one. */
  queued: boolean;
  resolve(result: ChunkResult): void;
  reject(error: Error): void;
}

const rowsOf = (chunk: Chunk): string => `rows ${chunk.first + 1}-${chunk.first + chunk.rows.length}`;

export class QueueCoordinator {
  private readonly waiting = new Map<string, Waiter>();
  private failure: Error | undefined;
  private timers: NodeJS.Timeout[] = [];
  private closing: Promise<void> | undefined;
  private polling = false;
  private done = 0;
  private lastFinished = Date.now();
  private run?: QueueRunOptions & { runKey: string };

  private constructor(
    private readonly options: QueueConnectOptions,
    private readonly health: RedisHealth,
    private readonly queue: Queue<ChunkJobData, ChunkResult>,
    private readonly events: QueueEvents,
  ) {}

  /** Checks the URL and that Redis answers before anything else happens (no output file is created first). */
  static async connect(options: QueueConnectOptions): Promise<QueueCoordinator> {
    const connection = connectionFrom(options.url);
    const { bullmq, Redis } = await loadQueuePackages('predict --queue');
    const { Queue, QueueEvents } = bullmq;
    const health = new RedisHealth(options.url, Redis, {
      onDown: (reason) =>
        options.log(
          `lost the connection to Redis at ${health.url} (${reason}); reconnecting, giving up after ${secondsText(options.outageMs)}`,
        ),
      onUp: (downForMs) =>
        options.log(`Redis at ${health.url} is back after ${secondsText(downForMs)}; checking the chunks in flight`),
    });
    try {
      await health.firstConnection(options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    } catch (error) {
      health.close();
      throw error;
    }
    const queue = new Queue<ChunkJobData, ChunkResult>(options.queueName, { connection });
    const events = new QueueEvents(options.queueName, { connection });
    const coordinator = new QueueCoordinator(options, health, queue, events);
    // Connection errors are reported once by `health`; without listeners BullMQ prints each one as a stack dump.
    queue.on('error', () => undefined);
    events.on('error', () => undefined);
    events.on('completed', ({ jobId, returnvalue }) =>
      coordinator.finish(jobId, returnvalue as unknown as ChunkResult),
    );
    events.on('failed', ({ jobId, failedReason }) => coordinator.fail(jobId, failedReason));
    // Redis could go again between the health check and BullMQ's own connections: wait for those with a bound too.
    try {
      await health.readyWithin(
        Promise.all([queue.waitUntilReady(), events.waitUntilReady()]),
        options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      );
    } catch (error) {
      await coordinator.close();
      throw error;
    }
    return coordinator;
  }

  runner(options: QueueRunOptions): ChunkRunner {
    const runKey = createHash('sha256').update(JSON.stringify(options.runId)).digest('hex').slice(0, 16);
    this.run = { ...options, runKey };
    this.lastFinished = Date.now();
    this.timers.push(
      setInterval(() => void this.poll(), POLL_MS),
      setInterval(() => void this.report(), this.options.statusMs),
    );
    return {
      parallelism: options.parallelism ?? DEFAULT_QUEUE_PARALLELISM,
      run: (chunk) => this.submit(chunk),
      close: () => this.close(),
    };
  }

  /** Idempotent; after a failure or with Redis gone, connections are dropped rather than closed politely. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const timer of this.timers) clearInterval(timer);
      dropLateConnectionErrors();
      this.stop(new QueueLostError('the queue connection was closed'));
      const polite = Promise.allSettled([this.events.close(), this.queue.close()]);
      const timedOut = await Promise.race([
        polite.then(() => false),
        new Promise<boolean>((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS, true).unref()),
      ]);
      if (timedOut) await Promise.allSettled([this.events.disconnect(), this.queue.disconnect()]);
      this.health.close();
    })();
    return this.closing;
  }

  private submit(chunk: Chunk): Promise<ChunkResult> {
    if (this.failure) return Promise.reject(this.failure);
    const jobId = this.jobId(chunk);
    const result = new Promise<ChunkResult>((resolve, reject) =>
      this.waiting.set(jobId, { chunk, queued: false, resolve, reject }),
    );
    // Not awaited: while Redis is down the commands wait in ioredis's offline queue, and the watchdog may give up first.
    const queued = () => {
      const waiter = this.waiting.get(jobId);
      if (waiter) waiter.queued = true;
    };
    this.enqueue(jobId, chunk)
      .then(() => {
        queued();
        return this.check(jobId);
      })
      .catch((error: Error) => {
        // A connection dropped mid-command: the poll finds the job (or its absence) and queues it again if need be.
        queued();
        if (!this.failure && !this.closing)
          this.options.log(`${rowsOf(chunk)}: could not queue the job (${error.message}); trying again`);
      });
    return result;
  }

  private jobId(chunk: Chunk): string {
    return `${this.run!.runKey}-${chunk.first}-${chunk.rows.length}`;
  }

  /**
   * Adds the chunk's job. A job of the same id that failed in an earlier run would make the add a
   * no-op and fail this run at once with the stale error, so it is removed first: a rerun retries.
   */
  private async enqueue(jobId: string, chunk: Chunk): Promise<void> {
    const run = this.run!;
    if ((await this.queue.getJobState(jobId)) === 'failed') await this.queue.remove(jobId);
    const data: ChunkJobData = {
      models: run.models,
      modelsDigest: run.runId.models,
      loadOptions: run.loadOptions,
      settings: run.settings,
      chunk,
    };
    await this.queue.add(CHUNK_JOB, data, { jobId, attempts: ATTEMPTS, backoff: { type: 'fixed', delay: 100 } });
  }

  /** Reads a job's state back: settles it if it finished unseen, queues it again if Redis lost it. */
  private async check(jobId: string): Promise<void> {
    const waiter = this.waiting.get(jobId);
    if (!waiter?.queued) return;
    const state = await this.queue.getJobState(jobId);
    if (state === 'completed' || state === 'failed') {
      const job = await this.queue.getJob(jobId);
      if (!job) return;
      if (state === 'completed') this.finish(jobId, job.returnvalue);
      else this.fail(jobId, job.failedReason);
    } else if (state === 'unknown' && this.waiting.has(jobId)) {
      this.options.log(
        `${rowsOf(waiter.chunk)}: the job is gone from Redis (restarted without persistence?); queuing it again`,
      );
      await this.enqueue(jobId, waiter.chunk);
    }
  }

  private async poll(): Promise<void> {
    if (this.polling || this.failure || this.health.downFor() !== undefined) return;
    this.polling = true;
    try {
      for (const jobId of [...this.waiting.keys()]) await this.check(jobId);
    } catch {
      // A connection error mid-poll: the watchdog reports the outage, the next poll tries again.
    } finally {
      this.polling = false;
    }
  }

  private finish(jobId: string, result: ChunkResult): void {
    this.settle(jobId, (waiter) => waiter.resolve(result));
    this.queue.remove(jobId).catch(() => undefined);
  }

  private fail(jobId: string, reason: string): void {
    this.settle(jobId, (waiter) =>
      waiter.reject(new DataError('CHUNK_FAILED', `${rowsOf(waiter.chunk)} failed on a worker: ${reason}`)),
    );
  }

  private settle(jobId: string, how: (waiter: Waiter) => void): void {
    const waiter = this.waiting.get(jobId);
    if (!waiter) return;
    this.waiting.delete(jobId);
    this.done++;
    this.lastFinished = Date.now();
    how(waiter);
  }

  /** Fails every chunk in flight, and every later one, with `error`. */
  private stop(error: Error): void {
    this.failure ??= error;
    for (const jobId of [...this.waiting.keys()]) this.settle(jobId, (waiter) => waiter.reject(this.failure!));
  }

  /** The watchdog: gives up on a long outage, else says what the run waits for when nothing moves. */
  private async report(): Promise<void> {
    if (this.failure) return;
    const { log, outageMs, statusMs } = this.options;
    await this.health.check();
    const downFor = this.health.downFor();
    if (downFor !== undefined) {
      if (downFor >= outageMs) {
        this.stop(
          new QueueLostError(
            `lost Redis at ${this.health.url}: unreachable for ${secondsText(downFor)} (${this.health.reason})`,
            {
              hint: 'the rows written so far are kept: once Redis is back, rerun the same command with --resume',
            },
          ),
        );
      } else
        log(
          `Redis at ${this.health.url} unreachable for ${secondsText(downFor)} (${this.health.reason}); giving up after ${secondsText(outageMs)}`,
        );
      return;
    }
    const idleMs = Date.now() - this.lastFinished;
    if (this.waiting.size === 0 || idleMs < statusMs) return;
    try {
      const counts = await this.queue.getJobCounts('active', 'waiting', 'delayed', 'prioritized');
      const queued = (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0);
      const total = this.run?.expectedChunks === undefined ? '' : ` of ${Math.max(this.run.expectedChunks, this.done)}`;
      const noWorker = counts.active === 0 ? `; is \`headstart worker --queue ${this.health.url}\` running?` : '';
      log(
        `waiting for workers: ${this.done}${total} chunks done, ${counts.active} active, ${queued} queued; none finished for ${secondsText(idleMs)}${noWorker}`,
      );
    } catch {
      // Redis went away between the check and the count: the next report says so.
    }
  }
}
