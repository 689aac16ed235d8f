/** The worker-thread rows of `bench:predict`: one model on the main thread and on worker threads, by input size. */
import { round } from './measure.js';
import { table } from './output.js';
import { median } from './predict-compare.js';

export interface WorkerConfig {
  model: string;
  rows: number;
  workers: number;
}

export interface WorkerRun extends WorkerConfig {
  wallSeconds: number;
  cpuSeconds: number;
  peakRssMB: number;
  runRowsPerSecond: number;
}

export interface WorkerSummary extends WorkerConfig {
  corpus: string;
  /** From the models being loaded to the output renamed into place. */
  runRowsPerSecond: number;
  wallRowsPerSecond: number;
  wallSeconds: number;
  cpuSeconds: number;
  peakRssMB: number;
}

export function summariseWorkers(
  runs: readonly WorkerRun[],
  configs: readonly WorkerConfig[],
  corpus: string,
): WorkerSummary[] {
  return configs.map((config) => {
    const mine = runs.filter((r) => r.model === config.model && r.rows === config.rows && r.workers === config.workers);
    const wallSeconds = median(mine.map((r) => r.wallSeconds));
    return {
      ...config,
      corpus,
      runRowsPerSecond: Math.round(median(mine.map((r) => r.runRowsPerSecond))),
      wallRowsPerSecond: Math.round(config.rows / wallSeconds),
      wallSeconds: round(wallSeconds, 2),
      cpuSeconds: round(median(mine.map((r) => r.cpuSeconds)), 2),
      peakRssMB: round(median(mine.map((r) => r.peakRssMB)), 1),
    };
  });
}

export function workerTable(summaries: readonly WorkerSummary[]): string {
  return table(
    ['model', 'rows', 'workers', 'rows/s', 'wall s', 'wall rows/s', 'peak RSS MB', 'CPU s'],
    summaries.map((s) => [
      s.model,
      s.rows.toLocaleString('en'),
      s.workers === 0 ? 'main thread (0)' : s.workers,
      s.runRowsPerSecond.toLocaleString('en'),
      s.wallSeconds,
      s.wallRowsPerSecond.toLocaleString('en'),
      s.peakRssMB,
      s.cpuSeconds,
    ]),
    [false, true, false, true, true, true, true, true],
  );
}
