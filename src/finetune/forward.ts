/**
 * The fine-tuning forward pass from summed table rows to the loss, written over explicit tensors so
 * that one `tf.valueAndGrads` call yields the gradient for the sums (which is scattered back to the
 * table rows in JS) and for every head weight. It computes what the frozen path computes:
 * L2-normalise (StaticEncoder.embed), standardise, then the head's dense layers.
 */
import type { Scalar, Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import type { Tf } from '../backend/index.js';
import type { DenseHeadSpec } from '../heads/index.js';
import { crossEntropy, distillationLoss, affineOfActivations } from '../heads/training/index.js';

/** What the forward pass needs besides the batch: the standardisation and the loss settings. */
export interface ForwardContext {
  spec: DenseHeadSpec;
  /** Standardisation mean and 1/std as `[dim]` tensors (absent when the head does not standardise). */
  mean?: Tensor1D;
  inverseStd?: Tensor1D;
  l2: number;
}

/** Rows of the sum of token vectors -> the head's input (unit length, standardised). */
export function headInput(tf: Tf, context: ForwardContext, sums: Tensor2D): Tensor2D {
  const squares = tf.sum(tf.square(sums), 1, true);
  // An empty text sums to zero and stays zero, as in StaticEncoder.embed.
  const unit = tf.mul(sums, tf.rsqrt(tf.maximum(squares, 1e-30)));
  return context.mean && context.inverseStd
    ? tf.mul(tf.sub(unit, context.mean), context.inverseStd)
    : (unit as Tensor2D);
}

/** Logits of the head's dense layers over explicit `weights` (kernel, bias per layer, in model order). */
export function logitsOf(
  tf: Tf,
  spec: DenseHeadSpec,
  x: Tensor2D,
  weights: readonly Tensor[],
  dropoutMask?: Tensor2D,
): Tensor2D {
  // Explicitly transposed gradients: tfjs' built-in MatMul gradient is several times slower on WASM (see network.ts).
  const affine = affineOfActivations(tf);
  // A linear head's variables are [kernel, bias]; an MLP's add the output layer's.
  const [kernel, bias, outputKernel, outputBias] = weights as [Tensor, Tensor, Tensor?, Tensor?];
  if (spec.type === 'linear') return affine(x, kernel, bias);
  let hidden = tf.relu(affine(x, kernel, bias));
  if (dropoutMask) hidden = tf.mul(hidden, dropoutMask);
  return affine(hidden, outputKernel!, outputBias!);
}

/** Soft targets' settings and, for rows with a label, the one-hot hard targets (see heads/dense/loss.ts). */
export interface BatchDistillation {
  temperature: number;
  alpha: number;
  hard?: Tensor2D;
}

/**
 * Mean cross-entropy (or, for soft targets, the distillation loss) plus `l2` times the squared
 * kernels (every even-indexed weight).
 */
export function lossOf(
  tf: Tf,
  context: ForwardContext,
  logits: Tensor2D,
  targets: Tensor2D,
  rowWeights: Tensor | undefined,
  weights: readonly Tensor[],
  distillation?: BatchDistillation,
): Scalar {
  const loss = distillation
    ? distillationLoss(tf, logits, targets, distillation.hard, rowWeights, distillation)
    : crossEntropy(tf, logits, targets, rowWeights, context.spec.multiLabel);
  if (context.l2 === 0) return loss;
  const kernels = weights.filter((_, i) => i % 2 === 0);
  return tf.add(loss, tf.mul(tf.addN(kernels.map((k) => tf.sum(tf.square(k)))), context.l2));
}
