/**
 * Training a head's network over fixed inputs: Adam steps with seeded dropout, run by the shared
 * epoch loop (loop.ts) with early stopping on validation loss and the best weights restored. Every
 * step runs in tf.tidy and every long-lived tensor is disposed in `finally`, so neither success,
 * failure nor abort leaks tensors.
 */
import type { Scalar, Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import type { Tf } from '../../backend/index.js';
import type { Rng } from '../../util/index.js';
import { copyRows, dropoutMask } from '../batch.js';
import type { DenseHeadSpec, TrainOptions, TrainReport } from '../head.js';
import {
  divergenceCheck,
  EarlyStopping,
  epochReporter,
  heldOutMetrics,
  readHeldOutMetrics,
  runEpochs,
  variableSnapshots,
} from '../loop.js';
import { crossEntropy, distillationLoss, l2Penalty } from './loss.js';
import type { Network } from './network.js';
import type { Distillation } from '../targets.js';

/** Rows already standardised, with dense targets and optional loss weights. */
export interface TrainingPart {
  x: Float32Array;
  rows: number;
  targets: Float32Array;
  /** Per row (single-label) or per row and label (multi-label). */
  weights?: Float32Array | undefined;
  /** Soft targets (knowledge distillation): `targets` are probability rows learned with distillationLoss. */
  distillation?: Distillation | undefined;
}

interface PartTensors {
  x: Tensor2D;
  targets: Tensor2D;
  weights?: Tensor | undefined;
  hardTargets?: Tensor2D | undefined;
  distillation?: Distillation | undefined;
}

export async function trainNetwork(
  tf: Tf,
  net: Network,
  spec: DenseHeadSpec,
  train: TrainingPart,
  validation: TrainingPart | undefined,
  options: TrainOptions,
  rng: Rng,
): Promise<TrainReport> {
  const started = performance.now();
  const toTensors = (part: TrainingPart): PartTensors => ({
    x: tf.tensor2d(part.x, [part.rows, spec.inputDim]),
    targets: tf.tensor2d(part.targets, [part.rows, spec.numLabels]),
    weights:
      part.weights &&
      (spec.multiLabel ? tf.tensor2d(part.weights, [part.rows, spec.numLabels]) : tf.tensor1d(part.weights)),
    hardTargets:
      part.distillation?.hardTargets && tf.tensor2d(part.distillation.hardTargets, [part.rows, spec.numLabels]),
    distillation: part.distillation,
  });
  const validationTensors = validation && toTensors(validation);
  const optimizer = tf.train.adam(options.learningRate);

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
      const mask =
        spec.type === 'mlp' && spec.dropout > 0
          ? tf.tensor2d(dropoutMask(rows.length * spec.hidden, spec.dropout, rng), [rows.length, spec.hidden])
          : undefined;
      return optimizer.minimize(
        () => {
          const loss = partLoss(tf, net.trainingLogits(batch.x, mask), batch, spec);
          return options.l2 > 0 ? tf.add(loss, l2Penalty(tf, net.kernels, options.l2)) : loss;
        },
        true,
        net.variables,
      )!;
    });
    const value = cost.dataSync()[0]!;
    cost.dispose();
    return value;
  };
  // Validation loss without the L2 term.
  const evaluate =
    validationTensors &&
    (() =>
      readHeldOutMetrics(tf, () => {
        const logits = net.logits(validationTensors.x);
        return heldOutMetrics(
          tf,
          spec.multiLabel,
          logits,
          validationTensors.targets,
          partLoss(tf, logits, validationTensors, spec),
        );
      }));

  const earlyStopping = new EarlyStopping(options.patience, variableSnapshots(tf, net.variables));
  try {
    const history = await runEpochs({
      rows: train.rows,
      epochs: options.epochs,
      batchSize: options.batchSize,
      rng,
      signal: options.signal,
      step,
      evaluate,
      callbacks: [
        divergenceCheck('training', 'lower learningRate, or train with standardize on'),
        epochReporter(options.onEpoch),
        earlyStopping,
      ],
    });
    return earlyStopping.report(history, (performance.now() - started) / 1000);
  } finally {
    optimizer.dispose();
    validationTensors?.x.dispose();
    validationTensors?.targets.dispose();
    validationTensors?.weights?.dispose();
    validationTensors?.hardTargets?.dispose();
  }
}

function partLoss(tf: Tf, logits: Tensor2D, part: PartTensors, spec: DenseHeadSpec): Scalar {
  return part.distillation
    ? distillationLoss(tf, logits, part.targets, part.hardTargets, part.weights, part.distillation)
    : crossEntropy(tf, logits, part.targets, part.weights, spec.multiLabel);
}
