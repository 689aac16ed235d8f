/** How many worker threads `predict --workers auto` starts, and how many encoder threads each gets. */
import { availableParallelism } from 'node:os';
import { physicalCoreCount } from '../encoders/index.js';

/**
 * Below this many rows, `--workers auto` classifies on the main thread: a worker thread takes
 * about a second to start (TensorFlow.js and the models, per thread), longer than ~20k rows take.
 */
export const THREADS_FROM_ROWS = 20_000;
/**
 * On 2 cores the main thread (reading, ordering, writing) shares a core with the workers, so
 * threads pay off only once their start-up is amortised: 2 workers measured 0.95x the main thread
 * on 100k rows and 1.46x on 1M rows with one MLP head (benchmarks/results/predict-throughput.md).
 */
export const TWO_CORE_THREADS_FROM_ROWS = 500_000;

/**
 * `--workers auto`: the main thread for small inputs and on one core; on 2 cores, 2 workers from
 * 500k rows up; with more cores, one thread per core but one (the main thread's parsing, ordering
 * and writing keeps a core busy). Stdin's size is unknown, so it counts as large.
 */
export function autoWorkers(rowsToDo: number | undefined, cores = availableParallelism()): number {
  const rows = rowsToDo ?? Number.POSITIVE_INFINITY;
  if (cores <= 1 || rows < THREADS_FROM_ROWS) return 0;
  if (cores === 2) return rows >= TWO_CORE_THREADS_FROM_ROWS ? 2 : 0;
  return cores - 1;
}

/**
 * ONNX Runtime threads per worker thread's encoder session: the physical cores shared out, so
 * workers do not oversubscribe the cores their sessions' matrix kernels saturate.
 */
export function threadsPerWorker(workers: number, cores = physicalCoreCount()): number {
  return Math.max(1, Math.floor(cores / Math.max(1, workers)));
}
