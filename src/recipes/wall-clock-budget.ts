/**
 * The `auto` budget when the user gives one (`--budget`, `budgetSeconds`): wall-clock deadlines,
 * so what is trained depends on how busy the machine is (not reproducible). Without it, auto
 * decides from counted work (work-budget.ts).
 */
import type { FitOptions } from '../classifier.js';
import type { EpochLog } from '../heads/index.js';
import { EPOCHS_PROJECTED } from './work-budget.js';

/** One attempt at the fused training within the budget. */
export interface WallClockAttempt {
  /** Fires at the deadline or, when fine-tuning, when the projected fine-tuning overruns the budget. */
  signal: AbortSignal;
  /** The fine-tuned member's epoch callback (it calls the caller's); undefined when not fine-tuning. */
  onEpoch?: (log: EpochLog) => void;
  /** Why the attempt was stopped ('did not finish', 'would not finish (projected N s)'), or undefined if it was not. */
  overrun(): string | undefined;
}

/**
 * The deadline, and when fine-tuning a projection that fires at the primary member's second epoch
 * when, at the pace of that epoch, fine-tuning would not fit the budget: a large training set gives
 * up after two epochs instead of the whole budget. The first epoch is not the pace: it also pays
 * for tokenising and set-up.
 */
export function wallClockAttempt(
  budgetSeconds: number,
  fineTune: boolean,
  onEpoch: FitOptions['onEpoch'],
): WallClockAttempt {
  const deadline = AbortSignal.timeout(budgetSeconds * 1000);
  if (!fineTune) return { signal: deadline, overrun: () => (deadline.aborted ? 'did not finish' : undefined) };
  const projection = new AbortController();
  const started = performance.now();
  let firstEpochEnd = 0;
  let projected = 0;
  return {
    signal: AbortSignal.any([deadline, projection.signal]),
    onEpoch: (log) => {
      onEpoch?.(log);
      if (projected > 0) return;
      const elapsed = (performance.now() - started) / 1000;
      if (log.epoch === 1) firstEpochEnd = elapsed;
      if (log.epoch !== 2) return;
      projected = elapsed + (EPOCHS_PROJECTED - 2) * (elapsed - firstEpochEnd);
      if (projected > budgetSeconds) projection.abort();
    },
    overrun: () =>
      deadline.aborted
        ? 'did not finish'
        : projection.signal.aborted
          ? `would not finish (projected ${projected.toFixed(0)} s)`
          : undefined,
  };
}
