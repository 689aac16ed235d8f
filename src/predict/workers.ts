/** How many worker threads `predict --workers auto` starts, and how many encoder threads each gets. */
import { promises as fs } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { STDIN } from '../data/index.js';
import { physicalCoreCount } from '../encoders/index.js';

/**
 * Below this many rows, `--workers auto` classifies on the main thread alone: a worker thread takes
 * 0.1-0.2 s CPU to start (its own modules and models) and more to warm its own kernels, and a shorter
 * run is over before it pays that back. On 2 idle cores one worker measured 0.93x the main thread for
 * one MLP head at 100k rows and 1.09x at 200k (auto's checkpoint 1.06x and 1.19x): docs/decisions/performance.md.
 */
export const THREADS_FROM_ROWS = 200_000;

/**
 * An input file's rows guessed from its size before it is read, to start workers while the models
 * load: a short text per line (Banking77's questions are ~59 bytes, FPB's sentences ~123), so that a
 * file of THREADS_FROM_ROWS short lines does not miss its early worker. A guess too high costs a worker
 * stopped once the lines are counted.
 */
const BYTES_PER_ROW_GUESS = 48;

/** Undefined for stdin, a FIFO or a device, whose size is unknown, and for a path that does not exist. */
export async function guessInputRows(input: string): Promise<number | undefined> {
  if (input === STDIN) return undefined;
  const stat = await fs.stat(input).catch(() => undefined);
  return stat?.isFile() ? Math.floor(stat.size / BYTES_PER_ROW_GUESS) : undefined;
}

/**
 * How busy the machine is: `cpuTimes()` at the start of a run, then `freeCoresSince` once the models
 * are loaded, gives the cores other processes left idle meanwhile, less the main thread's own.
 */
export interface CpuTimes {
  idle: number;
  total: number;
  /** This process's CPU time, worker threads included (ms, like the others). */
  own: number;
}

export function cpuTimes(): CpuTimes {
  let idle = 0;
  let total = 0;
  for (const { times } of cpus()) {
    idle += times.idle;
    total += times.user + times.nice + times.sys + times.idle + times.irq;
  }
  const { user, system } = process.cpuUsage();
  return { idle, total, own: (user + system) / 1000 };
}

/**
 * Cores free for worker threads since `before`: those no other process used, averaged over the time
 * between, less one for the main thread. This process's own CPU counts as free, so a worker started
 * early (loading its models meanwhile) does not hide the core it runs on. 0 when too little time passed to tell.
 */
export function freeCoresSince(before: CpuTimes, now = cpuTimes(), cores = cpus().length): number {
  const elapsed = now.total - before.total;
  if (elapsed <= 0) return 0;
  const busy = elapsed - (now.idle - before.idle) - (now.own - before.own);
  return Math.max(0, cores - 1 - (cores * busy) / elapsed);
}

/**
 * `--workers auto`. The main thread classifies too and the workers join as they become ready
 * (thread-runner.ts), so a worker can only cost what its start-up and its chunks take from other
 * work: it pays off on a core that would otherwise be idle. So one worker per free core, rounded,
 * from THREADS_FROM_ROWS rows up; none on one core. Stdin's size is unknown, so it counts as large.
 * Measured crossover: docs/decisions/performance.md.
 */
export function autoWorkers(rowsToDo: number | undefined, freeCores: number, cores = availableParallelism()): number {
  const rows = rowsToDo ?? Number.POSITIVE_INFINITY;
  if (cores <= 1 || rows < THREADS_FROM_ROWS) return 0;
  return Math.max(0, Math.min(cores - 1, Math.round(freeCores)));
}

/**
 * `--workers auto` before the models load, from a regular input file's guessed rows (undefined for
 * a stream: its workers start once the models are loaded, as `autoWorkers` decides then) and the
 * one-minute load average. Generous on purpose: the main thread is not counted in the load (a run just
 * before leaves ~1 in it) and a partly loaded core counts, since once the models are loaded
 * `autoWorkers` stops the workers the lines counted and the cores measured meanwhile do not justify.
 */
export function earlyWorkers(
  rowsGuess: number | undefined,
  loadAverage: number,
  cores = availableParallelism(),
): number {
  if (rowsGuess === undefined) return 0;
  return autoWorkers(rowsGuess, Math.ceil(cores - loadAverage), cores);
}

/**
 * ONNX Runtime threads per worker thread's encoder session: the physical cores shared out, so
 * workers do not oversubscribe the cores their sessions' matrix kernels saturate.
 */
export function threadsPerWorker(workers: number, cores = physicalCoreCount()): number {
  return Math.max(1, Math.floor(cores / Math.max(1, workers)));
}
