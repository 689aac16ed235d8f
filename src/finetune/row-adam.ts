/**
 * Lazy ("sparse") Adam over the rows of a JS-held embedding table, like PyTorch's SparseAdam: a
 * step updates the moments and values of the rows the batch touched and nothing else. A batch of
 * 256 sentences touches a few thousand of potion's 29,528 rows, so a dense TF.js gradient and Adam
 * update over the whole table every step would cost ~10x more for the same result.
 */

export interface RowAdamOptions {
  learningRate: number;
  /** Pull towards `pretrained`: `l2Pull * (row - pretrainedRow)` is added to each touched row's gradient. */
  l2Pull: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

export class RowAdam {
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private steps = 0;

  constructor(
    private readonly table: Float32Array,
    private readonly dim: number,
    private readonly pretrained: Float32Array,
    private readonly options: RowAdamOptions,
  ) {
    this.m = new Float32Array(table.length);
    this.v = new Float32Array(table.length);
  }

  /** One step: `rows[k]`'s gradient is `grads[k * dim .. (k + 1) * dim)`. Rows must be distinct. */
  step(rows: Int32Array, grads: Float32Array): void {
    const { table, dim, pretrained, m, v } = this;
    const { learningRate, l2Pull, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8 } = this.options;
    this.steps++;
    // Bias correction with the global step count, as SparseAdam does.
    const stepSize = (learningRate * Math.sqrt(1 - beta2 ** this.steps)) / (1 - beta1 ** this.steps);
    for (let k = 0; k < rows.length; k++) {
      // Indices within the row's bounds by construction: '!' keeps this per-element loop check-free.
      for (let d = 0, i = rows[k]! * dim, g = k * dim; d < dim; d++, i++, g++) {
        const grad = grads[g]! + l2Pull * (table[i]! - pretrained[i]!);
        m[i] = beta1 * m[i]! + (1 - beta1) * grad;
        v[i] = beta2 * v[i]! + (1 - beta2) * grad * grad;
        table[i]! -= (stepSize * m[i]!) / (Math.sqrt(v[i]!) + epsilon);
      }
    }
  }
}
