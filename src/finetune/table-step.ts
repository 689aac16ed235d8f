/**
 * The table step of fine-tuning a static encoder: per batch, the token-row sums of each text are
 * formed in JS from a JS copy of the table, and TF.js computes the loss of L2-normalise ->
 * standardise -> head (exactly the frozen path) with gradients for the sums and the head weights.
 * The head steps with TF.js Adam; the sums' gradient is scattered onto the rows the batch used and
 * those rows step with a lazy row-wise Adam (row-adam.ts). TF.js therefore only ever sees
 * `[batch, dim]` tensors, never the whole table.
 */
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import type { Tf } from '../backend/index.js';
import {
  copyRows,
  dropoutMask,
  type DenseHeadSpec,
  type Targets,
  type TrainOptions,
  type Standardization,
  rowTargets,
  type Distillation,
  type RowTargets,
} from '../heads/index.js';
import {
  heldOutMetrics,
  readHeldOutMetrics,
  variableSnapshots,
  type HeldOutMetrics,
  type Snapshots,
  type Network,
} from '../heads/training/index.js';
import type { Rng } from '../util/index.js';
import { headInput, logitsOf, lossOf, type BatchDistillation, type ForwardContext } from './forward.js';
import type { FineTuneOptions } from './options.js';
import { RowAdam } from './row-adam.js';

/** Held-out rows with their dense targets and loss settings. */
export interface HeldOutRows extends RowTargets {
  rows: Int32Array;
}

export interface TableTrainerSetup {
  spec: DenseHeadSpec;
  options: TrainOptions;
  fineTune: FineTuneOptions;
  /** The table being tuned (in unit-RMS units), updated in place; and its pretrained values. */
  table: Float32Array;
  pretrained: Float32Array;
  dim: number;
  tokenIds: readonly Int32Array[];
  targets: Targets;
  trainRows: Int32Array;
  standardization: Standardization | undefined;
  rng: Rng;
}

/** The batch step and evaluation of one table and one network; holds the tensors that live across steps. */
export class TableTrainer {
  private readonly spec: DenseHeadSpec;
  private readonly options: TrainOptions;
  private readonly table: Float32Array;
  private readonly dim: number;
  private readonly tokenIds: readonly Int32Array[];
  private readonly targets: Targets;
  readonly trainRows: Int32Array;
  private readonly rng: Rng;
  private readonly context: ForwardContext;
  private readonly optimizer: ReturnType<Tf['train']['adam']>;
  private readonly rowAdam: RowAdam;
  /** Table row -> its slot in the current batch's gradient buffer, -1 when unused. */
  private readonly slotOf: Int32Array;
  private gradBuffer = new Float32Array(0);
  private readonly trainTargets: RowTargets;

  constructor(
    private readonly tf: Tf,
    private readonly net: Network,
    setup: TableTrainerSetup,
  ) {
    const { spec, options, fineTune, table, pretrained, dim, targets, trainRows, standardization } = setup;
    this.spec = spec;
    this.options = options;
    this.table = table;
    this.dim = dim;
    this.tokenIds = setup.tokenIds;
    this.targets = targets;
    this.trainRows = trainRows;
    this.rng = setup.rng;
    this.context = {
      spec,
      l2: options.l2,
      ...(standardization && {
        mean: tf.tensor1d(standardization.mean),
        inverseStd: tf.tensor1d(standardization.std.map((s) => 1 / s)),
      }),
    };
    this.optimizer = tf.train.adam(options.learningRate);
    this.rowAdam = new RowAdam(table, dim, pretrained, {
      learningRate: fineTune.tableLearningRate,
      l2Pull: fineTune.l2Pull,
    });
    this.slotOf = new Int32Array(table.length / dim).fill(-1);
    this.trainTargets = rowTargets(targets, trainRows, trainRows, spec.numLabels, options.classWeight);
  }

  /** The held-out rows' targets and loss settings, for `evaluate`. */
  heldOut(rows: Int32Array): HeldOutRows {
    return { rows, ...rowTargets(this.targets, this.trainRows, rows, this.spec.numLabels, this.options.classWeight) };
  }

  /** Snapshots of the head's weights together with the table, for early stopping. */
  snapshots(): Snapshots<{ weights: Tensor[]; table: Float32Array }> {
    const weights = variableSnapshots(this.tf, this.net.variables);
    return {
      take: () => ({ weights: weights.take(), table: this.table.slice() }),
      restore: (best) => {
        weights.restore(best.weights);
        this.table.set(best.table);
      },
      release: (best) => weights.release(best.weights),
    };
  }

  dispose(): void {
    this.optimizer.dispose();
    this.context.mean?.dispose();
    this.context.inverseStd?.dispose();
  }

  /** One batch of training rows (`positions` index `trainRows`); returns the batch loss. */
  step(positions: Int32Array): number {
    const { tf, spec, net, dim } = this;
    const rows = Int32Array.from(positions, (p) => this.trainRows[p]!);
    const sums = sumRows(this.table, dim, this.tokenIds, rows);
    let sumGradients: Float32Array | undefined;
    const lossValue = tf.tidy(() => {
      const batchTargets = tf.tensor2d(copyRows(this.trainTargets.targets, spec.numLabels, positions), [
        rows.length,
        spec.numLabels,
      ]);
      const weightWidth = spec.multiLabel ? spec.numLabels : 1;
      const rowWeights =
        this.trainTargets.weights &&
        tf.tensor(
          copyRows(this.trainTargets.weights, weightWidth, positions),
          spec.multiLabel ? [rows.length, spec.numLabels] : [rows.length],
        );
      const mask =
        spec.type === 'mlp' && spec.dropout > 0
          ? tf.tensor2d(dropoutMask(rows.length * spec.hidden, spec.dropout, this.rng), [rows.length, spec.hidden])
          : undefined;
      const distillation =
        this.trainTargets.distillation &&
        batchDistillation(tf, this.trainTargets.distillation, spec.numLabels, positions);
      const lossFn = (s: Tensor, ...weights: Tensor[]) =>
        lossOf(
          tf,
          this.context,
          logitsOf(tf, spec, headInput(tf, this.context, s as Tensor2D), weights, mask),
          batchTargets,
          rowWeights,
          weights,
          distillation,
        );
      const { value, grads } = tf.valueAndGrads(lossFn)([tf.tensor2d(sums, [rows.length, dim]), ...net.variables]);
      const [sumGradient, ...variableGradients] = grads;
      this.optimizer.applyGradients(net.variables.map((v, i) => ({ name: v.name, tensor: variableGradients[i]! })));
      sumGradients = sumGradient!.dataSync() as Float32Array;
      return value;
    });
    const loss = lossValue.dataSync()[0]!;
    lossValue.dispose();
    this.updateTable(rows, sumGradients!);
    return loss;
  }

  /** Scatters each text's sum gradient onto its tokens' rows (once per occurrence) and steps those rows. */
  private updateTable(rows: Int32Array, sumGradients: Float32Array): void {
    const { dim, slotOf } = this;
    let tokens = 0;
    for (const row of rows) tokens += this.tokenIds[row]!.length;
    if (this.gradBuffer.length < tokens * dim) this.gradBuffer = new Float32Array(tokens * dim);
    const grads = this.gradBuffer;
    const touched: number[] = [];
    for (let i = 0; i < rows.length; i++) {
      const ids = this.tokenIds[rows[i]!]!;
      for (let t = 0; t < ids.length; t++) {
        const id = ids[t]!;
        let slot = slotOf[id]!;
        if (slot === -1) {
          slot = slotOf[id] = touched.length;
          touched.push(id);
          grads.fill(0, slot * dim, (slot + 1) * dim);
        }
        for (let d = 0, target = slot * dim, source = i * dim; d < dim; d++)
          grads[target + d]! += sumGradients[source + d]!;
      }
    }
    const ids = Int32Array.from(touched);
    for (const id of ids) slotOf[id] = -1;
    this.rowAdam.step(ids, grads);
  }

  /** Validation loss (without the L2 term) and accuracy, as the frozen head's loop reports them. */
  evaluate({ rows, targets: dense, weights, distillation }: HeldOutRows): HeldOutMetrics {
    const { tf, spec, net } = this;
    return readHeldOutMetrics(tf, () => {
      const x = headInput(
        tf,
        this.context,
        tf.tensor2d(sumRows(this.table, this.dim, this.tokenIds, rows), [rows.length, this.dim]),
      );
      const targets = tf.tensor2d(dense, [rows.length, spec.numLabels]);
      const weightTensor =
        weights && tf.tensor(weights, spec.multiLabel ? [rows.length, spec.numLabels] : [rows.length]);
      const logits = logitsOf(tf, spec, x, net.variables);
      const all = Int32Array.from(rows.keys());
      const loss = lossOf(
        tf,
        { ...this.context, l2: 0 },
        logits,
        targets,
        weightTensor,
        net.variables,
        distillation && batchDistillation(tf, distillation, spec.numLabels, all),
      );
      return heldOutMetrics(tf, spec.multiLabel, logits, targets, loss);
    });
  }
}

/** The distillation settings for the batch at `positions` (indices into the rows `distillation` was built for). */
function batchDistillation(
  tf: Tf,
  distillation: Distillation,
  numLabels: number,
  positions: Int32Array,
): BatchDistillation {
  const { temperature, alpha, hardTargets } = distillation;
  return {
    temperature,
    alpha,
    ...(hardTargets && {
      hard: tf.tensor2d(copyRows(hardTargets, numLabels, positions), [positions.length, numLabels]),
    }),
  };
}

/** Per listed text, the sum of its tokens' table rows (`[rows.length, dim]`). */
export function sumRows(
  table: Float32Array,
  dim: number,
  tokenIds: readonly Int32Array[],
  rows: Int32Array,
): Float32Array {
  const out = new Float32Array(rows.length * dim);
  for (let i = 0; i < rows.length; i++) {
    const ids = tokenIds[rows[i]!]!;
    for (let t = 0; t < ids.length; t++) {
      for (let d = 0, source = ids[t]! * dim, target = i * dim; d < dim; d++) out[target + d]! += table[source + d]!;
    }
  }
  return out;
}
