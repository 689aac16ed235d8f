/** Batched inference, so large inputs never need one huge tensor. */
import type { Tf } from '../../backend/index.js';
import type { Matrix } from '../../encoders/index.js';
import { DataError } from '../../errors.js';
import type { Network } from './network.js';
import { gatherRows, type Standardization } from '../standardize.js';

export const PREDICT_BATCH_ROWS = 4096;

/** `[rows, numLabels]` probabilities; throws a DataError naming the first row that is not finite. */
export function predictProbabilities(
  tf: Tf,
  net: Network,
  x: Matrix,
  numLabels: number,
  standardization: Standardization | undefined,
): Float32Array {
  const out = new Float32Array(x.rows * numLabels);
  for (let start = 0; start < x.rows; start += PREDICT_BATCH_ROWS) {
    const end = Math.min(start + PREDICT_BATCH_ROWS, x.rows);
    const chunk = { data: x.data.subarray(start * x.dim, end * x.dim), rows: end - start, dim: x.dim };
    const probs = tf.tidy(() =>
      net.probabilities(tf.tensor2d(gatherRows(chunk, undefined, standardization), [chunk.rows, x.dim])),
    );
    out.set(probs.dataSync(), start * numLabels);
    probs.dispose();
  }
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) {
      const row = Math.floor(i / numLabels);
      throw new DataError('HEAD_OUTPUT_NOT_FINITE', `the head produced ${out[i]} for row ${row}`, {
        location: { index: row },
        hint: 'the head weights may be corrupt; retrain it',
      });
    }
  }
  return out;
}
