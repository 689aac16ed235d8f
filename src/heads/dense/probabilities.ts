/** From a kernel's logits, read where the kernel wrote them, to a dense head's probabilities. */
import { DataError } from '../../errors.js';

/** Where a kernel call left its logits: `rows` rows of `stride` values (labels, then padding), in kernel memory. */
export interface KernelLogits {
  values: Float32Array | Float64Array;
  stride: number;
  rows: number;
}

/**
 * Rows `firstRow`.. of `out` (`[rows, labels]`): sigmoids (multi-label) or a softmax of each row's
 * logits in float64, `exps` holding one row's exponentials; a DataError names the first row that is
 * not finite.
 */
export function writeProbabilities(
  logits: KernelLogits,
  multiLabel: boolean,
  exps: Float64Array,
  out: Float32Array,
  firstRow: number,
): void {
  const { values, stride, rows } = logits;
  const labels = exps.length;
  for (let row = 0; row < rows; row++) {
    const from = row * stride;
    const to = (firstRow + row) * labels;
    if (multiLabel) for (let l = 0; l < labels; l++) out[to + l] = 1 / (1 + Math.exp(-values[from + l]!));
    else softmaxInto(values, from, exps, out, to);
    if (!Number.isFinite(out[to]!)) {
      throw new DataError('HEAD_OUTPUT_NOT_FINITE', `the head produced ${out[to]} for row ${firstRow + row}`, {
        location: { index: firstRow + row },
        hint: 'the head weights may be corrupt; retrain it',
      });
    }
  }
}

function softmaxInto(
  values: Float32Array | Float64Array,
  from: number,
  exps: Float64Array,
  out: Float32Array,
  to: number,
): void {
  const labels = exps.length;
  let max = -Infinity;
  for (let l = 0; l < labels; l++) if (values[from + l]! > max) max = values[from + l]!;
  let total = 0;
  for (let l = 0; l < labels; l++) {
    exps[l] = Math.exp(values[from + l]! - max);
    total += exps[l]!;
  }
  for (let l = 0; l < labels; l++) out[to + l] = exps[l]! / total;
}
