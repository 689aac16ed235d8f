/**
 * The one epoch loop of every dense training run (a head over frozen embeddings, a fine-tuned
 * static table with its head, a distillation student): seeded shuffling, mini-batches, an optional
 * held-out evaluation per epoch, and callbacks in the manner of tfjs-layers' (`EarlyStopping`,
 * divergence check, progress). What a batch step or an evaluation computes is the caller's.
 */
import type { Scalar, Tensor, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import type { Tf } from '../backend/index.js';
import { DataError } from '../errors.js';
import { eventLoopCheckpoint, shuffleInPlace, type Rng } from '../util/index.js';
import type { EpochLog, TrainReport } from './head.js';

export interface HeldOutMetrics {
  valLoss: number;
  valAccuracy: number;
}

/** Hooks called by `runEpochs`; each is optional. */
export interface TrainingCallback {
  /** After the epoch's batches, before evaluation (`log` has the training loss only); may throw. */
  onEpochTrained?(log: EpochLog): void;
  /** After evaluation; returning true ends training. */
  onEpochEnd?(log: EpochLog): boolean | void;
  /** Once the loop ended without an error (not on a throw or an abort). */
  onTrainEnd?(): void;
  /** Always, last: releases what the callback holds. */
  dispose?(): void;
}

export interface EpochLoop {
  /** Training rows; batches are slices of a shuffled `0..rows-1` order. */
  rows: number;
  epochs: number;
  batchSize: number;
  /** Draws the shuffles (and whatever `step` draws, interleaved in call order). */
  rng: Rng;
  signal?: AbortSignal | undefined;
  /** Trains on the rows at `positions` and returns their mean loss. */
  step(positions: Int32Array): number;
  /** Held-out metrics of the current weights; absent without held-out rows. */
  evaluate?: (() => HeldOutMetrics) | undefined;
  /** Called in order; the loop disposes them all when it ends, however it ends. */
  callbacks: TrainingCallback[];
}

/** Runs the epochs and returns their logs. */
export async function runEpochs(loop: EpochLoop): Promise<EpochLog[]> {
  const { rows, epochs, batchSize, rng, step, evaluate, callbacks } = loop;
  const order = Int32Array.from({ length: rows }, (_, i) => i);
  const history: EpochLog[] = [];
  const checkpoint = eventLoopCheckpoint(loop.signal);
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      shuffleInPlace(order, rng);
      let lossSum = 0;
      for (let start = 0; start < rows; start += batchSize) {
        await checkpoint();
        const positions = order.subarray(start, Math.min(start + batchSize, rows));
        lossSum += step(positions) * positions.length;
      }
      const log: EpochLog = { epoch, loss: lossSum / rows };
      for (const callback of callbacks) callback.onEpochTrained?.(log);
      if (evaluate) Object.assign(log, evaluate());
      history.push(log);
      let stop = false;
      for (const callback of callbacks) stop = callback.onEpochEnd?.(log) === true || stop;
      if (stop) break;
    }
    for (const callback of callbacks) callback.onTrainEnd?.();
  } finally {
    for (const callback of callbacks) callback.dispose?.();
  }
  return history;
}

/** What early stopping copies at the best epoch and puts back at the end. */
export interface Snapshots<S> {
  take(): S;
  restore(snapshot: S): void;
  release(snapshot: S): void;
}

/**
 * Stops once the validation loss has not improved for `patience` epochs and restores the weights of
 * the epoch with the lowest one (tfjs-layers' EarlyStopping with restoreBestWeights). Epochs without
 * a validation loss are ignored.
 */
export class EarlyStopping<S> implements TrainingCallback {
  private best: { epoch: number; loss: number; snapshot: S } | undefined;

  constructor(
    private readonly patience: number,
    private readonly snapshots: Snapshots<S>,
  ) {}

  onEpochEnd(log: EpochLog): boolean {
    if (log.valLoss === undefined) return false;
    if (this.best === undefined || log.valLoss < this.best.loss) {
      if (this.best) this.snapshots.release(this.best.snapshot);
      this.best = { epoch: log.epoch, loss: log.valLoss, snapshot: this.snapshots.take() };
      return false;
    }
    return log.epoch - this.best.epoch >= this.patience;
  }

  onTrainEnd(): void {
    if (this.best) this.snapshots.restore(this.best.snapshot);
  }

  dispose(): void {
    if (this.best) this.snapshots.release(this.best.snapshot);
  }

  /** The report of a run with `history`: the best epoch is the last one when nothing was held out. */
  report(history: EpochLog[], seconds: number): TrainReport {
    return {
      epochsRun: history.length,
      bestEpoch: this.best?.epoch ?? history.length,
      bestValLoss: this.best?.loss,
      history,
      seconds,
    };
  }
}

/** Snapshots of a network's variables as cloned tensors. */
export function variableSnapshots(tf: Tf, variables: readonly Variable[]): Snapshots<Tensor[]> {
  return {
    take: () => variables.map((v) => tf.clone(v)),
    restore: (weights) => variables.forEach((v, i) => v.assign(weights[i]!)),
    release: (weights) => weights.forEach((w) => w.dispose()),
  };
}

/** Throws HEAD_DIVERGED as soon as an epoch's training loss is not finite. */
export function divergenceCheck(what: string, hint: string): TrainingCallback {
  return {
    onEpochTrained(log) {
      if (!Number.isFinite(log.loss))
        throw new DataError('HEAD_DIVERGED', `${what} loss became ${log.loss} in epoch ${log.epoch}`, { hint });
    },
  };
}

/** Passes each finished epoch's log to `onEpoch` (the hook fit-progress.ts and the CLI read). */
export function epochReporter(onEpoch: ((log: EpochLog) => void) | undefined): TrainingCallback {
  return { onEpochEnd: (log) => onEpoch?.(log) };
}

/**
 * Validation loss and accuracy as one tensor, inside the caller's tidy: argmax agreement for
 * single-label (for soft targets, agreement with the teacher's most probable class), per-label at
 * 0.5 for multi-label.
 */
export function heldOutMetrics(tf: Tf, multiLabel: boolean, logits: Tensor2D, targets: Tensor2D, loss: Scalar): Tensor {
  const correct = multiLabel
    ? tf.equal(tf.cast(tf.greater(logits, 0), 'float32'), targets)
    : tf.equal(tf.argMax(logits, 1), tf.argMax(targets, 1));
  return tf.stack([loss, tf.mean(tf.cast(correct, 'float32'))]);
}

/** Runs `metrics` in a tidy and reads its `[valLoss, valAccuracy]` back. */
export function readHeldOutMetrics(tf: Tf, metrics: () => Tensor): HeldOutMetrics {
  const result = tf.tidy(metrics);
  const [valLoss, valAccuracy] = result.dataSync();
  result.dispose();
  return { valLoss: valLoss!, valAccuracy: valAccuracy! };
}
