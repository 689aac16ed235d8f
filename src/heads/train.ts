/**
 * The training loop: seeded shuffling and dropout, Adam, early stopping on validation loss with the
 * best weights restored. Every step runs in tf.tidy and every long-lived tensor is disposed in
 * `finally`, so neither success, failure nor abort leaks tensors.
 */
import type { Scalar, Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import type { Tf } from '../backend/tf.js';
import { DataError } from '../errors.js';
import { shuffleInPlace, type Rng } from '../util/random.js';
import type { EpochLog, HeadSpec, TrainOptions, TrainReport } from './head.js';
import { crossEntropy, distillationLoss, l2Penalty } from './loss.js';
import type { Network } from './network.js';
import { eventLoopCheckpoint } from '../util/event-loop.js';

/** Rows already standardised, with dense targets and optional loss weights. */
export interface TrainingPart {
  x: Float32Array;
  rows: number;
  targets: Float32Array;
  /** Per row (single-label) or per row and label (multi-label). */
  weights?: Float32Array;
  /** Soft targets (knowledge distillation): `targets` are probability rows learned with distillationLoss. */
  distillation?: Distillation;
}

export interface Distillation {
  temperature: number;
  alpha: number;
  /** One-hot hard labels, all-zero rows where there is none. */
  hardTargets?: Float32Array;
}

interface PartTensors {
  x: Tensor2D;
  targets: Tensor2D;
  weights?: Tensor;
  hardTargets?: Tensor2D;
  distillation?: Distillation;
}


export async function trainNetwork(
  tf: Tf,
  net: Network,
  spec: HeadSpec,
  train: TrainingPart,
  validation: TrainingPart | undefined,
  options: TrainOptions,
  rng: Rng,
): Promise<TrainReport> {
  const started = performance.now();
  const toTensors = (part: TrainingPart): PartTensors => ({
    x: tf.tensor2d(part.x, [part.rows, spec.inputDim]),
    targets: tf.tensor2d(part.targets, [part.rows, spec.numLabels]),
    weights: part.weights && (spec.multiLabel ? tf.tensor2d(part.weights, [part.rows, spec.numLabels]) : tf.tensor1d(part.weights)),
    hardTargets: part.distillation?.hardTargets && tf.tensor2d(part.distillation.hardTargets, [part.rows, spec.numLabels]),
    distillation: part.distillation,
  });
  const validationTensors = validation && toTensors(validation);
  const optimizer = tf.train.adam(options.learningRate);
  const order = Int32Array.from({ length: train.rows }, (_, i) => i);
  const history: EpochLog[] = [];
  let best: { epoch: number; loss: number; weights: Tensor[] } | undefined;
  const checkpoint = eventLoopCheckpoint(options.signal);

  // Batches are copied out in JS and uploaded: cheaper than tf.gather/slice on the WASM backend,
  // which copy or walk the whole source tensor.
  const step = (rows: Int32Array): number => {
    const cost = tf.tidy(() => {
      const batch = toTensors({
        x: copyRows(train.x, spec.inputDim, rows),
        rows: rows.length,
        targets: copyRows(train.targets, spec.numLabels, rows),
        weights: train.weights && copyRows(train.weights, spec.multiLabel ? spec.numLabels : 1, rows),
        distillation: train.distillation && {
          ...train.distillation,
          hardTargets: train.distillation.hardTargets && copyRows(train.distillation.hardTargets, spec.numLabels, rows),
        },
      });
      const mask = spec.type === 'mlp' && spec.dropout > 0 ? tf.tensor2d(dropoutMask(rows.length * spec.hidden, spec.dropout, rng), [rows.length, spec.hidden]) : undefined;
      return optimizer.minimize(() => {
        const loss = partLoss(tf, net.trainingLogits(batch.x, mask), batch, spec);
        return options.l2 > 0 ? tf.add(loss, l2Penalty(tf, net.kernels, options.l2)) : loss;
      }, true, net.variables)!;
    });
    const value = cost.dataSync()[0];
    cost.dispose();
    return value;
  };

  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      shuffleInPlace(order, rng);
      let lossSum = 0;
      for (let start = 0; start < train.rows; start += options.batchSize) {
        await checkpoint();
        const rows = order.subarray(start, Math.min(start + options.batchSize, train.rows));
        lossSum += step(rows) * rows.length;
      }
      const log: EpochLog = { epoch, loss: lossSum / train.rows };
      if (!Number.isFinite(log.loss)) {
        throw new DataError('HEAD_DIVERGED', `training loss became ${log.loss} in epoch ${epoch}`, {
          hint: 'lower learningRate, or train with standardize on',
        });
      }
      if (validationTensors) Object.assign(log, evaluate(tf, net, spec, validationTensors));
      history.push(log);
      options.onEpoch?.(log);
      if (log.valLoss === undefined) continue;
      if (best === undefined || log.valLoss < best.loss) {
        best?.weights.forEach((w) => w.dispose());
        best = { epoch, loss: log.valLoss, weights: net.variables.map((v) => tf.clone(v)) };
      } else if (epoch - best.epoch >= options.patience) {
        break;
      }
    }
    if (best) net.variables.forEach((v, i) => v.assign(best!.weights[i]));
  } finally {
    best?.weights.forEach((w) => w.dispose());
    optimizer.dispose();
    validationTensors?.x.dispose();
    validationTensors?.targets.dispose();
    validationTensors?.weights?.dispose();
    validationTensors?.hardTargets?.dispose();
  }
  return {
    epochsRun: history.length,
    bestEpoch: best?.epoch ?? history.length,
    bestValLoss: best?.loss,
    history,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * Weighted validation loss (without the L2 term) and accuracy: argmax for single-label (for soft
 * targets, agreement with the teacher's most probable class), per-label at 0.5 for multi-label.
 */
function evaluate(tf: Tf, net: Network, spec: HeadSpec, part: PartTensors): { valLoss: number; valAccuracy: number } {
  const result = tf.tidy(() => {
    const logits = net.logits(part.x);
    const loss = partLoss(tf, logits, part, spec);
    const correct = spec.multiLabel
      ? tf.equal(tf.cast(tf.greater(logits, 0), 'float32'), part.targets)
      : tf.equal(tf.argMax(logits, 1), tf.argMax(part.targets, 1));
    return tf.stack([loss, tf.mean(tf.cast(correct, 'float32'))]);
  });
  const [valLoss, valAccuracy] = result.dataSync();
  result.dispose();
  return { valLoss, valAccuracy };
}

function partLoss(tf: Tf, logits: Tensor2D, part: PartTensors, spec: HeadSpec): Scalar {
  return part.distillation
    ? distillationLoss(tf, logits, part.targets, part.hardTargets, part.weights, part.distillation)
    : crossEntropy(tf, logits, part.targets, part.weights, spec.multiLabel);
}

/** The given rows of a row-major array whose rows are `width` long. */
export function copyRows(source: Float32Array, width: number, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * width);
  rows.forEach((row, i) => out.set(source.subarray(row * width, (row + 1) * width), i * width));
  return out;
}

/** Inverted dropout: each unit kept with probability 1 - rate and scaled by 1 / (1 - rate). */
export function dropoutMask(size: number, rate: number, rng: Rng): Float32Array {
  const keep = 1 - rate;
  const mask = new Float32Array(size);
  for (let i = 0; i < size; i++) mask[i] = rng() < keep ? 1 / keep : 0;
  return mask;
}
