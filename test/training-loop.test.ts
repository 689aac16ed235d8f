import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadTf } from '../src/backend/tf.js';
import { readDataset } from '../src/data/read.js';
import { StaticEncoder } from '../src/encoders/static/static.js';
import { fineTuneStatic } from '../src/finetune/train.js';
import { createHead } from '../src/heads/factory.js';
import type { EpochLog, HeadSpec, TrainReport } from '../src/heads/head.js';
import {
  divergenceCheck,
  EarlyStopping,
  epochReporter,
  runEpochs,
  variableSnapshots,
  type Snapshots,
} from '../src/heads/loop.js';
import { resolveTrainOptions } from '../src/heads/options.js';
import { encodeTargets } from '../src/labels.js';
import { createRng } from '../src/util/random.js';
import { potionDir, sampleCsv } from './helpers.js';

/** A loop whose "weights" are the number of the epoch that last trained, with scripted validation losses. */
async function scriptedRun(valLosses: readonly number[], patience: number) {
  let weights = 0;
  let epoch = 0;
  const snapshots: Snapshots<number> = { take: () => weights, restore: (kept) => (weights = kept), release: () => {} };
  const earlyStopping = new EarlyStopping(patience, snapshots);
  const history = await runEpochs({
    rows: 4,
    epochs: valLosses.length,
    batchSize: 2,
    rng: createRng(1),
    step: () => {
      weights = epoch + 1;
      return 1;
    },
    evaluate: () => ({ valLoss: valLosses[epoch++], valAccuracy: 0 }),
    callbacks: [earlyStopping],
  });
  return { weights, report: earlyStopping.report(history, 0) };
}

describe('the training loop', () => {
  it('restores the weights of the epoch with the lowest validation loss', async () => {
    const { weights, report } = await scriptedRun([1, 0.5, 0.7, 0.4, 0.6, 0.8, 0.9, 0.1], 2);
    expect(weights).toBe(4);
    expect(report).toMatchObject({ epochsRun: 6, bestEpoch: 4, bestValLoss: 0.4 });
  });

  it('counts patience in epochs since the best one, and a tie is no improvement', async () => {
    expect((await scriptedRun([1, 1, 0.5], 1)).report).toMatchObject({ epochsRun: 2, bestEpoch: 1 });
    expect((await scriptedRun([1, 2, 3, 0.5, 4], 3)).report).toMatchObject({ epochsRun: 5, bestEpoch: 4 });
    expect((await scriptedRun([1, 2, 3, 4, 0.5], 3)).report).toMatchObject({ epochsRun: 4, bestEpoch: 1 });
    const improving = await scriptedRun([5, 4, 3, 2, 1], 1);
    expect(improving.report).toMatchObject({ epochsRun: 5, bestEpoch: 5, bestValLoss: 1 });
    expect(improving.weights).toBe(5);
  });

  it('without held-out rows runs every epoch and reports the last as best', async () => {
    const earlyStopping = new EarlyStopping(1, { take: () => 0, restore: () => {}, release: () => {} });
    const history = await runEpochs({
      rows: 3,
      epochs: 4,
      batchSize: 2,
      rng: createRng(1),
      step: () => 2,
      callbacks: [earlyStopping],
    });
    expect(earlyStopping.report(history, 0)).toEqual({
      epochsRun: 4,
      bestEpoch: 4,
      bestValLoss: undefined,
      history,
      seconds: 0,
    });
    expect(history[0]).toEqual({ epoch: 1, loss: 2 });
  });

  it('stops on a loss that is not finite, before evaluating or reporting that epoch', async () => {
    const evaluated: number[] = [];
    const reported: EpochLog[] = [];
    const run = runEpochs({
      rows: 2,
      epochs: 5,
      batchSize: 2,
      rng: createRng(1),
      step: () => (reported.length === 2 ? Number.NaN : 1),
      evaluate: () => {
        evaluated.push(reported.length + 1);
        return { valLoss: 1, valAccuracy: 1 };
      },
      callbacks: [divergenceCheck('training', 'lower learningRate'), epochReporter((log) => reported.push(log))],
    });
    await expect(run).rejects.toMatchObject({
      code: 'HEAD_DIVERGED',
      message: 'training loss became NaN in epoch 3',
      hint: 'lower learningRate',
    });
    expect(evaluated).toEqual([1, 2]);
    expect(reported.map((log) => log.epoch)).toEqual([1, 2]);
  });

  it('releases the kept weights however the loop ends, and leaves no tensors behind', async () => {
    const tf = await loadTf();
    const variable = tf.variable(tf.scalar(0));
    const before = tf.memory().numTensors;
    const losses = [3, 1, 2, 2];
    let epoch = 0;
    const run = (fail: boolean) => {
      epoch = 0;
      const earlyStopping = new EarlyStopping(2, variableSnapshots(tf, [variable]));
      return runEpochs({
        rows: 1,
        epochs: 4,
        batchSize: 1,
        rng: createRng(1),
        step: () => {
          tf.tidy(() => variable.assign(tf.scalar(epoch + 1)));
          return fail && epoch === 2 ? Number.POSITIVE_INFINITY : 1;
        },
        evaluate: () => ({ valLoss: losses[epoch++], valAccuracy: 0 }),
        callbacks: [divergenceCheck('training', ''), earlyStopping],
      });
    };
    await run(false);
    expect(variable.dataSync()[0]).toBe(2);
    expect(tf.memory().numTensors).toBe(before);
    await expect(run(true)).rejects.toMatchObject({ code: 'HEAD_DIVERGED' });
    expect(tf.memory().numTensors).toBe(before);
    variable.dispose();
  });
});

function sha256(...parts: (Float32Array | string)[]): string {
  const hash = createHash('sha256');
  for (const part of parts)
    hash.update(typeof part === 'string' ? part : new Uint8Array(part.buffer, part.byteOffset, part.byteLength));
  return hash.digest('hex');
}

const summary = ({ epochsRun, bestEpoch, bestValLoss, history }: TrainReport) =>
  JSON.stringify({ epochsRun, bestEpoch, bestValLoss, history });

/**
 * Golden hashes: the trained weights (through the probabilities they give) and the epoch logs of two
 * small seeded runs. They were produced by the epoch loops as they were before src/heads/loop.ts
 * (main at 5a4c062, heads/train.ts and finetune/train.ts each with their own loop) and must not
 * change when the loop does: same random draws in the same order, same float operations. The two MLP
 * hashes were regenerated once, when MLP prediction moved to the WebAssembly kernel (mlp-kernel.ts):
 * the old hashes still held with the probabilities computed by TensorFlow.js, so the weights, table
 * and logs are unchanged.
 */
describe('seeded training is unchanged', () => {
  it('trains a dense MLP head (dropout, early stopping) to the same weights', async () => {
    const tf = await loadTf();
    const rng = createRng(11);
    const rows = 150;
    const dim = 16;
    const data = Float32Array.from({ length: rows * dim }, () => rng() * 2 - 1);
    const labels = Int32Array.from(
      { length: rows },
      (_, row) => (data[row * dim] + data[row * dim + 1] > 0 ? 1 : 0) + (data[row * dim + 2] > 0.5 ? 1 : 0),
    );
    const spec: HeadSpec = {
      type: 'mlp',
      inputDim: dim,
      numLabels: 3,
      multiLabel: false,
      hidden: 24,
      dropout: 0.3,
      standardize: true,
    };
    const head = await createHead(spec);
    const before = tf.memory().numTensors;
    const report = await head.fit(
      { data, rows, dim },
      { kind: 'single', labels },
      { epochs: 40, batchSize: 16, validationSplit: 0.2, patience: 3, seed: 5 },
    );
    const afterFirst = tf.memory().numTensors;
    await head.fit(
      { data, rows, dim },
      { kind: 'single', labels },
      { epochs: 40, batchSize: 16, validationSplit: 0.2, patience: 3, seed: 5 },
    );
    expect(tf.memory().numTensors).toBe(afterFirst);
    expect(report.bestEpoch).toBeLessThan(report.epochsRun);
    expect(sha256(head.predictProba({ data, rows, dim }), summary(report))).toBe(
      'ff48143b8556717a0ab5e901fe0b8a54671fa757dadb9b90ec5b4b594f0c7357',
    );
    head.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('fine-tunes a static table and an MLP head to the same table and weights', async () => {
    const tf = await loadTf();
    const dataset = await readDataset(sampleCsv);
    const texts = dataset.examples.map((example) => example.text);
    const targets = encodeTargets(
      dataset.examples.map((example) => example.labels[0]),
      dataset.labelSet,
    );
    const base = await StaticEncoder.load(potionDir);
    const spec: HeadSpec = {
      type: 'mlp',
      inputDim: base.dim,
      numLabels: dataset.labelSet.length,
      multiLabel: false,
      hidden: 32,
      dropout: 0.2,
      standardize: true,
    };
    const options = resolveTrainOptions('mlp', {
      epochs: 25,
      batchSize: 8,
      validationSplit: 0.25,
      patience: 2,
      seed: 3,
    });
    const before = tf.memory().numTensors;
    const { encoder, head, report } = await fineTuneStatic(base, texts, targets, spec, options, {
      tableLearningRate: 0.01,
      l2Pull: 0,
    });
    const probabilities = head.predictProba(await encoder.embed(texts));
    expect(report.bestEpoch).toBeLessThan(report.epochsRun);
    expect(sha256(encoder.copyTable(), probabilities, summary(report))).toBe(
      'a3c6504d81160832cfb62228380530bfb14ca1ec8bbeb6adb81934051d19a5f6',
    );
    head.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('tunes multi-label thresholds on the held-out rows as before, frozen and fine-tuned', async () => {
    const dataset = await readDataset(sampleCsv);
    const texts = dataset.examples.map((example) => example.text);
    // The sentiment plus a fourth label, "long", so that rows have one or two labels.
    const numLabels = dataset.labelSet.length + 1;
    const labels = new Uint8Array(texts.length * numLabels);
    dataset.examples.forEach((example, row) => {
      labels[row * numLabels + dataset.labelSet.indexOf(example.labels[0])] = 1;
      if (example.text.length > 70) labels[row * numLabels + numLabels - 1] = 1;
    });
    const targets = { kind: 'multi' as const, labels };
    const base = await StaticEncoder.load(potionDir);
    const spec: HeadSpec = {
      type: 'linear',
      inputDim: base.dim,
      numLabels,
      multiLabel: true,
      hidden: 0,
      dropout: 0,
      standardize: true,
    };
    const options = resolveTrainOptions('linear', {
      epochs: 15,
      batchSize: 8,
      validationSplit: 0.3,
      patience: 2,
      seed: 4,
      classWeight: 'balanced',
    });
    const tuned = await fineTuneStatic(base, texts, targets, spec, options, { tableLearningRate: 0.01, l2Pull: 0.1 });
    const frozen = await createHead(spec);
    await frozen.fit(await base.embed(texts), targets, options);
    expect([...tuned.head.thresholds!, ...frozen.thresholds!].filter((t) => t !== 0.5).length).toBeGreaterThan(4);
    expect(sha256(tuned.head.thresholds!, frozen.thresholds!)).toBe(
      '15393da36b96a3e830777c4c5a1e6350f2828f9869c973c853ada09042f29a92',
    );
    tuned.head.dispose();
    frozen.dispose();
  });
});
