/** headstart `predict` beside `fasttext predict`: medians of interleaved runs, ratios to fastText, the report tables. */
import { round } from './measure.js';
import { table } from './output.js';
import { STAGES, type StageBudget } from './stage-budget.js';

/** The model every ratio is taken against, per corpus. */
export const REFERENCE_MODEL = 'fasttext-default';

export interface CompareRun {
  corpus: string;
  model: string;
  rows: number;
  /** Whole process: start-up, model load, the run, exit. */
  wallSeconds: number;
  cpuSeconds: number;
  peakRssMB: number;
}

export interface CompareSummary {
  corpus: string;
  model: string;
  rows: number;
  /** Rows over the median wall time: end to end, start-up included. */
  rowsPerSecond: number;
  /** rowsPerSecond over fastText default's on the same corpus in the same run. */
  vsFastText: number;
  /** Rows over the median CPU time: what a loaded machine's sharing of the cores does not change as much. */
  rowsPerCpuSecond: number;
  vsFastTextCpu: number;
  wallSeconds: number;
  cpuSeconds: number;
  peakRssMB: number;
  runs: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One summary per (corpus, model), in first-run order; the ratio is NaN where a corpus has no fastText default run. */
export function summariseComparison(runs: readonly CompareRun[]): CompareSummary[] {
  const groups = new Map<string, CompareRun[]>();
  for (const run of runs) {
    const key = `${run.corpus}\u0000${run.model}`;
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  const summaries = [...groups.values()].map((group) => {
    const wallSeconds = median(group.map((run) => run.wallSeconds));
    const cpuSeconds = median(group.map((run) => run.cpuSeconds));
    return {
      corpus: group[0].corpus,
      model: group[0].model,
      rows: group[0].rows,
      rowsPerSecond: Math.round(group[0].rows / wallSeconds),
      vsFastText: Number.NaN,
      rowsPerCpuSecond: Math.round(group[0].rows / cpuSeconds),
      vsFastTextCpu: Number.NaN,
      wallSeconds: round(wallSeconds, 2),
      cpuSeconds: round(cpuSeconds, 2),
      peakRssMB: round(median(group.map((run) => run.peakRssMB)), 1),
      runs: group.length,
    };
  });
  for (const summary of summaries) {
    const reference = summaries.find((s) => s.corpus === summary.corpus && s.model === REFERENCE_MODEL);
    if (!reference) continue;
    summary.vsFastText = round(summary.rowsPerSecond / reference.rowsPerSecond, 3);
    summary.vsFastTextCpu = round(summary.rowsPerCpuSecond / reference.rowsPerCpuSecond, 3);
  }
  return summaries;
}

const ratio = (value: number) => (Number.isNaN(value) ? 'n/a' : `${value}x`);

export function comparisonTable(summaries: readonly CompareSummary[]): string {
  return table(
    [
      'corpus',
      'model',
      'rows',
      'rows/s',
      'vs fastText default',
      'peak RSS MB',
      'wall s',
      'CPU s',
      'rows/CPU s',
      'vs fastText (CPU)',
    ],
    summaries.map((s) => [
      s.corpus,
      s.model,
      s.rows.toLocaleString('en'),
      s.rowsPerSecond.toLocaleString('en'),
      ratio(s.vsFastText),
      s.peakRssMB,
      s.wallSeconds,
      s.cpuSeconds,
      s.rowsPerCpuSecond.toLocaleString('en'),
      ratio(s.vsFastTextCpu),
    ]),
    [false, false, true, true, true, true, true, true, true, true],
  );
}

export interface BudgetRow extends StageBudget {
  corpus: string;
  model: string;
}

/** µs per row by stage, and their total with the rows/s it implies. */
export function budgetTable(budgets: readonly BudgetRow[]): string {
  return table(
    ['corpus', 'model', ...STAGES, 'total µs', 'implied rows/s'],
    budgets.map((b) => {
      const total = STAGES.reduce((sum, stage) => sum + b.microsecondsPerRow[stage], 0);
      return [
        b.corpus,
        b.model,
        ...STAGES.map((stage) => b.microsecondsPerRow[stage]),
        round(total, 2),
        Math.round(1e6 / total).toLocaleString('en'),
      ];
    }),
    [false, false, ...STAGES.map(() => true), true, true],
  );
}
