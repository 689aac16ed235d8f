/** Weighted cross-entropy on logits, averaged over the batch like Keras' sample weights. */
import type { Scalar, Tensor, Tensor2D } from '@tensorflow/tfjs';
import type { Tf } from '../backend/tf.js';

/**
 * Single-label: softmax cross-entropy per row; multi-label: sigmoid binary cross-entropy per row and
 * label (the stable max(z,0) - z*y + log(1 + e^-|z|) form). `weights` is per row (single) or per row
 * and label (multi); the mean is over all terms.
 */
export function crossEntropy(tf: Tf, logits: Tensor2D, targets: Tensor2D, weights: Tensor | undefined, multiLabel: boolean): Scalar {
  const terms = multiLabel
    ? tf.add(tf.sub(tf.relu(logits), tf.mul(logits, targets)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))))
    : tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1));
  return tf.mean(weights ? tf.mul(terms, weights) : terms);
}

/** l2 * sum of squared kernel entries. */
export function l2Penalty(tf: Tf, kernels: Tensor[], l2: number): Scalar {
  return tf.mul(tf.addN(kernels.map((k) => tf.sum(tf.square(k)))), l2);
}
