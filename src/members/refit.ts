/**
 * The refit skeleton every trained member kind shares: an early-stopping run on the rows the head
 * holds out, the held-out probabilities of that run (for fusion weights and temperature scaling)
 * and, with `refit`, a second run on every row for the epoch count that did best on the held-out
 * rows (early stopping on validation loss stops before accuracy peaks; the figures:
 * docs/decisions/head-training.md). Multi-label members are not refitted. On request, the
 * early-stopping run's probabilities on its training rows too: soft labels from a head that never
 * trained on the held-out rows (the auto recipe checks its student on them: src/recipes/auto-student.ts).
 */
import type { TrainReport } from '../heads/index.js';

/** One training run: its report, and how to free what it made. */
export interface Run {
  report: TrainReport;
  dispose(): void;
}

export interface Refitted<R extends Run> {
  /** The run to keep: the all-rows one when there was one, else the early-stopping one. */
  final: R;
  /** The early-stopping run's report (the one with validation history). */
  report: TrainReport;
  validationProbabilities?: Float32Array | undefined;
  /** The early-stopping run's probabilities on the rows it trained on, when `trainingProbabilities` was given. */
  trainingProbabilities?: Float32Array | undefined;
  /** The all-rows run's report. */
  refitReport?: TrainReport;
}

export async function trainWithRefit<R extends Run>(options: {
  heldOut: boolean;
  refit: boolean;
  /**
   * A run stopping early on the held-out rows, or (given that run's report) on every row, for the
   * epoch count `refitEpochCount` reads from it. A run that fails frees what it made.
   */
  run: (earlyStopped?: TrainReport) => Promise<R>;
  /** The run's probabilities on the held-out rows. */
  heldOutProbabilities: (run: R) => Promise<Float32Array>;
  /** Opt-in: the run's probabilities on the rows it trained on (not held out), asked before it is disposed. */
  trainingProbabilities?: ((run: R) => Promise<Float32Array>) | undefined;
}): Promise<Refitted<R>> {
  const first = await options.run();
  let final: R | undefined;
  try {
    const validationProbabilities = options.heldOut ? await options.heldOutProbabilities(first) : undefined;
    const trainingProbabilities = await options.trainingProbabilities?.(first);
    const probabilities = { validationProbabilities, trainingProbabilities };
    if (!options.refit || !options.heldOut) return { final: first, report: first.report, ...probabilities };
    final = await options.run(first.report);
    first.dispose();
    return { final, report: first.report, ...probabilities, refitReport: final.report };
  } catch (error) {
    first.dispose();
    final?.dispose();
    throw error;
  }
}

/** The epoch count for the all-rows run: the earliest epoch with the best held-out accuracy. */
export function refitEpochCount(report: TrainReport): number {
  let best = report.history[0];
  if (!best) return 1;
  for (const log of report.history) if ((log.valAccuracy ?? -1) > (best.valAccuracy ?? -1)) best = log;
  return Math.max(1, best.epoch);
}
