/** Weighted cross-entropy on logits, averaged over the batch like Keras' sample weights. */
import type { Scalar, Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import type { Tf } from '../../backend/index.js';

/**
 * Single-label: softmax cross-entropy per row; multi-label: sigmoid binary cross-entropy per row and
 * label (the stable max(z,0) - z*y + log(1 + e^-|z|) form). `weights` is per row (single) or per row
 * and label (multi); the mean is over all terms.
 */
export function crossEntropy(
  tf: Tf,
  logits: Tensor2D,
  targets: Tensor2D,
  weights: Tensor | undefined,
  multiLabel: boolean,
): Scalar {
  const terms = multiLabel
    ? tf.add(tf.sub(tf.relu(logits), tf.mul(logits, targets)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))))
    : tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1));
  return tf.mean(weights ? tf.mul(terms, weights) : terms);
}

/** l2 * sum of squared kernel entries. */
export function l2Penalty(tf: Tf, kernels: Tensor[], l2: number): Scalar {
  return tf.mul(tf.addN(kernels.map((k) => tf.sum(tf.square(k)))), l2);
}

/**
 * Knowledge distillation, per row: alpha * CE(hard) + (1 - alpha) * T^2 * KL(soft || softmax(logits / T))
 * on rows with a hard label (`hard` one-hot), T^2 * KL(...) on rows without one (an all-zero `hard`
 * row); weighted and averaged like crossEntropy. KL rather than soft cross-entropy so that a perfect
 * fit scores 0 (the two differ by the targets' entropy, a constant, so gradients are equal); T^2
 * keeps the soft gradients' scale independent of T (Hinton et al., 2015).
 */
export function distillationLoss(
  tf: Tf,
  logits: Tensor2D,
  soft: Tensor2D,
  hard: Tensor2D | undefined,
  weights: Tensor | undefined,
  distillation: { temperature: number; alpha: number },
): Scalar {
  const { temperature, alpha } = distillation;
  const negativeEntropy = tf.sum(tf.mul(soft, tf.log(tf.maximum(soft, 1e-30))), 1);
  const kl = tf.sub(negativeEntropy, tf.sum(tf.mul(soft, tf.logSoftmax(tf.div(logits, temperature))), 1));
  let terms = tf.mul(kl, temperature * temperature);
  if (hard) {
    const hardTerm = tf.neg(tf.sum(tf.mul(hard, tf.logSoftmax(logits)), 1));
    const softShare = tf.sub(1, tf.mul(tf.sum(hard, 1), alpha));
    terms = tf.add(tf.mul(hardTerm, alpha), tf.mul(terms, softShare));
  }
  return tf.mean(weights ? tf.mul(terms, weights) : terms);
}
