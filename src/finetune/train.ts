/**
 * Fine-tuning a static (Model2Vec) encoder's embedding table together with its head: the head
 * network's training skeleton (heads/dense/fit-network.ts) and epoch loop (heads/loop.ts) driving the
 * table step (table-step.ts). Early stopping keeps the table and head of the epoch with the best
 * validation loss.
 */
import { loadTf } from '../backend/index.js';
import { type Matrix, l2NormalizeRows, type TunableEncoder } from '../encoders/index.js';
import {
  type Head,
  type DenseHeadSpec,
  type Targets,
  type TrainOptions,
  type TrainReport,
  fitStandardization,
  gatherRows,
} from '../heads/index.js';
import {
  fitNetwork,
  divergenceCheck,
  EarlyStopping,
  epochReporter,
  runEpochs,
  TfHead,
} from '../heads/training/index.js';
import type { Rng } from '../util/index.js';
import type { FineTuneOptions } from './options.js';
import { sumRows, TableTrainer } from './table-step.js';

export interface FineTuneResult {
  /** The encoder over the tuned table (rounded to float16, as checkpoints store it). */
  encoder: TunableEncoder;
  head: Head;
  report: TrainReport;
}

/** Token ids of every text, as the static encoder feeds them to its table. */
export function tokenizeAll(encoder: TunableEncoder, texts: readonly string[]): Int32Array[] {
  return texts.map((text) => Int32Array.from(encoder.tokenize(text).ids));
}

/**
 * Trains a fresh head of `spec` and a copy of `base`'s table on `texts`. `options` are resolved
 * head options (validation split, patience, seed, ... as for a frozen head); the table gets its own
 * step size and L2 pull from `fineTune`. Seeded and deterministic.
 */
export async function fineTuneStatic(
  base: TunableEncoder,
  texts: readonly string[],
  targets: Targets,
  spec: DenseHeadSpec,
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
  let encoder: TunableEncoder | undefined;
  const { state, report } = await fitNetwork(tf, spec, targets, options, (split) => {
    const standardization = spec.standardize
      ? fitStandardization(pretrainedEmbeddings(table, dim, tokenIds), split.train)
      : undefined;
    return {
      standardization,
      train: async (net, rng) => {
        const trainer = new TableTrainer(tf, net, {
          spec,
          options,
          fineTune,
          table,
          pretrained,
          dim,
          tokenIds,
          targets,
          trainRows: split.train,
          standardization,
          rng,
        });
        let trained: TrainReport;
        try {
          trained = await trainTable(trainer, split.validation, options, rng);
        } finally {
          trainer.dispose();
        }
        encoder = base.withTable(table);
        return trained;
      },
      heldOutInputs: async () => {
        const embedded = await encoder!.embed(Array.from(split.validation, (row) => texts[row]!));
        return { data: gatherRows(embedded, undefined, standardization), rows: embedded.rows, dim: embedded.dim };
      },
    };
  });
  return {
    encoder: encoder!,
    head: new TfHead(tf, spec, state),
    report: { ...report, seconds: (performance.now() - started) / 1000 },
  };
}

/** The epoch loop over the table and the head, with early stopping on the held-out rows. */
async function trainTable(
  trainer: TableTrainer,
  validationRows: Int32Array,
  options: TrainOptions,
  rng: Rng,
): Promise<TrainReport> {
  const heldOut = validationRows.length > 0 ? trainer.heldOut(validationRows) : undefined;
  const earlyStopping = new EarlyStopping(options.patience, trainer.snapshots());
  const history = await runEpochs({
    rows: trainer.trainRows.length,
    epochs: options.epochs,
    batchSize: options.batchSize,
    rng,
    signal: options.signal,
    step: (positions) => trainer.step(positions),
    evaluate: heldOut && (() => trainer.evaluate(heldOut)),
    callbacks: [
      divergenceCheck('fine-tuning', 'lower learningRate or fineTune.tableLearningRate'),
      epochReporter(options.onEpoch),
      earlyStopping,
    ],
  });
  return earlyStopping.report(history, 0);
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
  if (rms > 0) for (let i = 0; i < table.length; i++) table[i]! /= rms;
}
