/** How many worker threads `predict --workers auto` starts, and how many encoder threads each gets. */
import { availableParallelism, cpus } from 'node:os';
import { physicalCoreCount } from '../encoders/index.js';

/**
 * Below this many rows, `--workers auto` classifies on the main thread alone: a worker thread takes
 * 0.1-0.4 s CPU to start (its own modules and models) and more to warm its own kernels, and a shorter
 * run is over before it pays that back. At 100k rows, with a core idle, one worker measured about
 * even for one MLP head and 1.2x for the auto checkpoint (docs/decisions/performance.md).
 */
export const THREADS_FROM_ROWS = 100_000;

/**
 * How busy the machine is: `cpuTimes()` at the start of a run, then `idleCoresSince` once the models
 * are loaded, gives the cores no thread used meanwhile (ours included).
 */
export interface CpuTimes {
  idle: number;
  total: number;
}

export function cpuTimes(): CpuTimes {
  let idle = 0;
  let total = 0;
  for (const { times } of cpus()) {
    idle += times.idle;
    total += times.user + times.nice + times.sys + times.idle + times.irq;
  }
  return { idle, total };
}

/** Cores left idle since `before`, averaged over the time between (0 when too little time passed to tell). */
export function idleCoresSince(before: CpuTimes, now = cpuTimes(), cores = cpus().length): number {
  const elapsed = now.total - before.total;
  return elapsed > 0 ? (cores * (now.idle - before.idle)) / elapsed : 0;
}

/**
 * `--workers auto`. The main thread classifies too and the workers join as they become ready
 * (thread-runner.ts), so a worker can only cost what its start-up and its chunks take from other
 * work: it pays off on a core that would otherwise be idle. So one worker per idle core, rounded,
 * but for the main thread's own core, from THREADS_FROM_ROWS rows up; none on one core. Stdin's
 * size is unknown, so it counts as large. Measured crossover: docs/decisions/performance.md.
 */
export function autoWorkers(rowsToDo: number | undefined, idleCores: number, cores = availableParallelism()): number {
  const rows = rowsToDo ?? Number.POSITIVE_INFINITY;
  if (cores <= 1 || rows < THREADS_FROM_ROWS) return 0;
  return Math.max(0, Math.min(cores - 1, Math.round(idleCores)));
}

/**
 * ONNX Runtime threads per worker thread's encoder session: the physical cores shared out, so
 * workers do not oversubscribe the cores their sessions' matrix kernels saturate.
 */
export function threadsPerWorker(workers: number, cores = physicalCoreCount()): number {
  return Math.max(1, Math.floor(cores / Math.max(1, workers)));
}
