/**
 * Fine-tuning a static (Model2Vec) encoder's embedding table together with its head.
 *
 * Per batch, the token-row sums of each text are formed in JS from a JS copy of the table, and
 * TF.js computes the loss of L2-normalise -> standardise -> head (exactly the frozen path) with
 * gradients for the sums and the head weights. The head steps with TF.js Adam; the sums' gradient
 * is scattered onto the rows the batch used and those rows step with a lazy row-wise Adam
 * (row-adam.ts). TF.js therefore only ever sees `[batch, dim]` tensors, never the whole table.
 * Early stopping keeps the table and head of the epoch with the best validation loss.
 */
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { loadTf, type Tf } from '../backend/tf.js';
import type { Matrix } from '../encoders/encoder.js';
import { l2NormalizeRows } from '../encoders/pooling.js';
import { StaticEncoder } from '../encoders/static.js';
import { copyRows, dropoutMask } from '../heads/batch.js';
import type { Head, HeadSpec, Targets, TrainOptions, TrainReport } from '../heads/head.js';
import { divergenceCheck, EarlyStopping, epochReporter, heldOutMetrics, readHeldOutMetrics, runEpochs, variableSnapshots, type HeldOutMetrics } from '../heads/loop.js';
import { buildNetwork, type Network } from '../heads/network.js';
import { predictProbabilities } from '../heads/predict.js';
import { validationSplit } from '../heads/split.js';
import { fitStandardization, type Standardization } from '../heads/standardize.js';
import { balancedWeights, denseTargets, distillationOf, type Distillation } from '../heads/targets.js';
import { TfHead } from '../heads/tf-head.js';
import { DEFAULT_THRESHOLD, tuneThresholds } from '../heads/thresholds.js';
import { createRng, type Rng } from '../util/random.js';
import { headInput, logitsOf, lossOf, type BatchDistillation, type ForwardContext } from './forward.js';
import type { FineTuneOptions } from './options.js';
import { RowAdam } from './row-adam.js';

export interface FineTuneResult {
  /** The encoder over the tuned table (rounded to float16, as checkpoints store it). */
  encoder: StaticEncoder;
  head: Head;
  report: TrainReport;
}


/** Token ids of every text, as the static encoder feeds them to its table. */
export function tokenizeAll(encoder: StaticEncoder, texts: readonly string[]): Int32Array[] {
  return texts.map((text) => Int32Array.from(encoder.tokenize(text).ids));
}

/**
 * Trains a fresh head of `spec` and a copy of `base`'s table on `texts`. `options` are resolved
 * head options (validation split, patience, seed, ... as for a frozen head); the table gets its own
 * step size and L2 pull from `fineTune`. Seeded and deterministic.
 */
export async function fineTuneStatic(
  base: StaticEncoder,
  texts: readonly string[],
  targets: Targets,
  spec: HeadSpec,
  options: TrainOptions,
  fineTune: FineTuneOptions,
  tokenIds: readonly Int32Array[] = tokenizeAll(base, texts),
): Promise<FineTuneResult> {
  const started = performance.now();
  const tf = await loadTf();
  const { dim } = base;
  const table = base.copyTable();
  scaleToUnitRms(table);
  const pretrained = table.slice();

  const split = validationSplit(targets, spec.numLabels, options.validationSplit, options.seed, options.validationGroups);
  const standardization = spec.standardize ? fitStandardization(pretrainedEmbeddings(table, dim, tokenIds), split.train) : undefined;
  const rng = createRng(options.initSeed ?? options.seed);
  const net = buildNetwork(tf, spec, () => Math.floor(rng() * 2 ** 31));
  try {
    const trainer = new Trainer(tf, net, { spec, options, fineTune, table, pretrained, dim, tokenIds, targets, trainRows: split.train, standardization, rng });
    let report: TrainReport;
    try {
      report = await trainer.run(split.validation);
    } finally {
      trainer.dispose();
    }
    const encoder = StaticEncoder.fromTable(base, table);
    let thresholds: Float32Array | undefined;
    if (spec.multiLabel) {
      thresholds = new Float32Array(spec.numLabels).fill(DEFAULT_THRESHOLD);
      if (split.validation.length > 0) {
        const embedded = await encoder.embed(Array.from(split.validation, (row) => texts[row]));
        const probabilities = predictProbabilities(tf, net, embedded, spec.numLabels, standardization);
        thresholds = tuneThresholds(probabilities, denseTargets(targets, split.validation, spec.numLabels), split.validation.length, spec.numLabels);
      }
    }
    const head = new TfHead(tf, spec, { net, standardization, thresholds });
    return { encoder, head, report: { ...report, seconds: (performance.now() - started) / 1000 } };
  } catch (error) {
    net.model.dispose();
    throw error;
  }
}

interface TrainerSetup {
  spec: HeadSpec;
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

/** The early-stopping loop over one table and one network; holds the tensors that live across steps. */
class Trainer {
  private readonly spec: HeadSpec;
  private readonly options: TrainOptions;
  private readonly table: Float32Array;
  private readonly dim: number;
  private readonly tokenIds: readonly Int32Array[];
  private readonly targets: Targets;
  private readonly trainRows: Int32Array;
  private readonly rng: Rng;
  private readonly context: ForwardContext;
  private readonly optimizer: ReturnType<Tf['train']['adam']>;
  private readonly rowAdam: RowAdam;
  /** Table row -> its slot in the current batch's gradient buffer, -1 when unused. */
  private readonly slotOf: Int32Array;
  private gradBuffer = new Float32Array(0);
  private readonly trainTargets: Float32Array;
  private readonly trainWeights: Float32Array | undefined;
  /** Soft targets of the training rows (knowledge distillation), else undefined. */
  private readonly trainDistillation: Distillation | undefined;

  constructor(
    private readonly tf: Tf,
    private readonly net: Network,
    setup: TrainerSetup,
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
      ...(standardization && { mean: tf.tensor1d(standardization.mean), inverseStd: tf.tensor1d(standardization.std.map((s) => 1 / s)) }),
    };
    this.optimizer = tf.train.adam(options.learningRate);
    this.rowAdam = new RowAdam(table, dim, pretrained, { learningRate: fineTune.tableLearningRate, l2Pull: fineTune.l2Pull });
    this.slotOf = new Int32Array(table.length / dim).fill(-1);
    this.trainTargets = denseTargets(targets, trainRows, spec.numLabels);
    this.trainWeights = options.classWeight === 'balanced' ? balancedWeights(targets, trainRows, trainRows, spec.numLabels) : undefined;
    this.trainDistillation = distillationOf(targets, trainRows, spec.numLabels);
  }

  async run(validationRows: Int32Array): Promise<TrainReport> {
    const { options, tf, net, spec } = this;
    const validation = validationRows.length > 0 && {
      rows: validationRows,
      targets: denseTargets(this.targets, validationRows, spec.numLabels),
      weights: options.classWeight === 'balanced' ? balancedWeights(this.targets, this.trainRows, validationRows, spec.numLabels) : undefined,
      distillation: distillationOf(this.targets, validationRows, spec.numLabels),
    };
    const weights = variableSnapshots(tf, net.variables);
    const earlyStopping = new EarlyStopping(options.patience, {
      take: () => ({ weights: weights.take(), table: this.table.slice() }),
      restore: (best) => {
        weights.restore(best.weights);
        this.table.set(best.table);
      },
      release: (best) => weights.release(best.weights),
    });
    const history = await runEpochs({
      rows: this.trainRows.length,
      epochs: options.epochs,
      batchSize: options.batchSize,
      rng: this.rng,
      signal: options.signal,
      step: (positions) => this.step(positions),
      evaluate: validation ? () => this.evaluate(validation) : undefined,
      callbacks: [divergenceCheck('fine-tuning', 'lower learningRate or fineTune.tableLearningRate'), epochReporter(options.onEpoch), earlyStopping],
    });
    return earlyStopping.report(history, 0);
  }

  dispose(): void {
    this.optimizer.dispose();
    this.context.mean?.dispose();
    this.context.inverseStd?.dispose();
  }

  /** One batch of training rows (`positions` index `trainRows`); returns the batch loss. */
  private step(positions: Int32Array): number {
    const { tf, spec, net, dim } = this;
    const rows = Int32Array.from(positions, (p) => this.trainRows[p]);
    const sums = sumRows(this.table, dim, this.tokenIds, rows);
    let sumGradients: Float32Array | undefined;
    const lossValue = tf.tidy(() => {
      const batchTargets = tf.tensor2d(copyRows(this.trainTargets, spec.numLabels, positions), [rows.length, spec.numLabels]);
      const weightWidth = spec.multiLabel ? spec.numLabels : 1;
      const rowWeights = this.trainWeights && tf.tensor(copyRows(this.trainWeights, weightWidth, positions), spec.multiLabel ? [rows.length, spec.numLabels] : [rows.length]);
      const mask = spec.type === 'mlp' && spec.dropout > 0 ? tf.tensor2d(dropoutMask(rows.length * spec.hidden, spec.dropout, this.rng), [rows.length, spec.hidden]) : undefined;
      const distillation = this.trainDistillation && batchDistillation(tf, this.trainDistillation, spec.numLabels, positions);
      const lossFn = (s: Tensor, ...weights: Tensor[]) =>
        lossOf(tf, this.context, logitsOf(tf, spec, headInput(tf, this.context, s as Tensor2D), weights, mask), batchTargets, rowWeights, weights, distillation);
      const { value, grads } = tf.valueAndGrads(lossFn)([tf.tensor2d(sums, [rows.length, dim]), ...net.variables]);
      this.optimizer.applyGradients(net.variables.map((v, i) => ({ name: v.name, tensor: grads[i + 1] })));
      sumGradients = grads[0].dataSync() as Float32Array;
      return value;
    });
    const loss = lossValue.dataSync()[0];
    lossValue.dispose();
    this.updateTable(rows, sumGradients!);
    return loss;
  }

  /** Scatters each text's sum gradient onto its tokens' rows (once per occurrence) and steps those rows. */
  private updateTable(rows: Int32Array, sumGradients: Float32Array): void {
    const { dim, slotOf } = this;
    let tokens = 0;
    for (const row of rows) tokens += this.tokenIds[row].length;
    if (this.gradBuffer.length < tokens * dim) this.gradBuffer = new Float32Array(tokens * dim);
    const grads = this.gradBuffer;
    const touched: number[] = [];
    for (let i = 0; i < rows.length; i++) {
      const ids = this.tokenIds[rows[i]];
      for (let t = 0; t < ids.length; t++) {
        const id = ids[t];
        let slot = slotOf[id];
        if (slot === -1) {
          slot = slotOf[id] = touched.length;
          touched.push(id);
          grads.fill(0, slot * dim, (slot + 1) * dim);
        }
        for (let d = 0, target = slot * dim, source = i * dim; d < dim; d++) grads[target + d] += sumGradients[source + d];
      }
    }
    const ids = Int32Array.from(touched);
    for (const id of ids) slotOf[id] = -1;
    this.rowAdam.step(ids, grads);
  }

  /** Validation loss (without the L2 term) and accuracy, as the frozen head's loop reports them. */
  private evaluate({ rows, targets: dense, weights, distillation }: { rows: Int32Array; targets: Float32Array; weights?: Float32Array; distillation?: Distillation }): HeldOutMetrics {
    const { tf, spec, net } = this;
    return readHeldOutMetrics(tf, () => {
      const x = headInput(tf, this.context, tf.tensor2d(sumRows(this.table, this.dim, this.tokenIds, rows), [rows.length, this.dim]));
      const targets = tf.tensor2d(dense, [rows.length, spec.numLabels]);
      const weightTensor = weights && tf.tensor(weights, spec.multiLabel ? [rows.length, spec.numLabels] : [rows.length]);
      const logits = logitsOf(tf, spec, x, net.variables);
      const all = Int32Array.from(rows.keys());
      const loss = lossOf(tf, { ...this.context, l2: 0 }, logits, targets, weightTensor, net.variables, distillation && batchDistillation(tf, distillation, spec.numLabels, all));
      return heldOutMetrics(tf, spec.multiLabel, logits, targets, loss);
    });
  }
}

/** The distillation settings for the batch at `positions` (indices into the rows `distillation` was built for). */
function batchDistillation(tf: Tf, distillation: Distillation, numLabels: number, positions: Int32Array): BatchDistillation {
  const { temperature, alpha, hardTargets } = distillation;
  return { temperature, alpha, ...(hardTargets && { hard: tf.tensor2d(copyRows(hardTargets, numLabels, positions), [positions.length, numLabels]) }) };
}

/** Per listed text, the sum of its tokens' table rows (`[rows.length, dim]`). */
function sumRows(table: Float32Array, dim: number, tokenIds: readonly Int32Array[], rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * dim);
  for (let i = 0; i < rows.length; i++) {
    const ids = tokenIds[rows[i]];
    for (let t = 0; t < ids.length; t++) {
      for (let d = 0, source = ids[t] * dim, target = i * dim; d < dim; d++) out[target + d] += table[source + d];
    }
  }
  return out;
}

/** Every text's embedding under `table` (L2-normalised sums), for the standardisation statistics. */
function pretrainedEmbeddings(table: Float32Array, dim: number, tokenIds: readonly Int32Array[]): Matrix {
  const data = sumRows(table, dim, tokenIds, Int32Array.from(tokenIds.keys()));
  l2NormalizeRows({ data, rows: tokenIds.length, dim });
  return { data, rows: tokenIds.length, dim };
}

/** Divides the table by the root mean square of its entries (see options.ts for why). */
function scaleToUnitRms(table: Float32Array): void {
  let squares = 0;
  for (const v of table) squares += v * v;
  const rms = Math.sqrt(squares / table.length);
  if (rms > 0) for (let i = 0; i < table.length; i++) table[i] /= rms;
}
