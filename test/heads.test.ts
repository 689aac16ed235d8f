import { describe, expect, it } from 'vitest';
import { loadTf } from '../src/backend/tf.js';
import type { Matrix } from '../src/encoders/encoder.js';
import { DataError, ModelError, UsageError } from '../src/errors.js';
import { createHead } from '../src/heads/factory.js';
import type { DenseHeadSpec, Head, HeadType, Targets, TrainOptions } from '../src/heads/head.js';
import { validationSplit } from '../src/heads/split.js';
import { balancedWeights } from '../src/heads/targets.js';
import { tuneThresholds } from '../src/heads/thresholds.js';
import { createRng, type Rng } from '../src/util/random.js';

function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/** Row i belongs to class classOf(i); rows are the class centre plus N(0, spread^2) noise. */
function blobs(
  rows: number,
  dim: number,
  centres: Float32Array[],
  classOf: (i: number) => number,
  spread: number,
  seed: number,
) {
  const rng = createRng(seed);
  const data = new Float32Array(rows * dim);
  const labels = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    labels[i] = classOf(i);
    for (let j = 0; j < dim; j++) data[i * dim + j] = centres[labels[i]][j] + spread * gaussian(rng);
  }
  return { x: { data, rows, dim } as Matrix, y: { kind: 'single', labels } as Targets & { kind: 'single' } };
}

function randomCentres(count: number, dim: number, seed: number): Float32Array[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => Float32Array.from({ length: dim }, () => 2 * gaussian(rng)));
}

/** Multi-label rows: each label present with probability 0.4; x = sum of present labels' centres + noise. */
function multiLabelBlobs(rows: number, dim: number, centres: Float32Array[], seed: number) {
  const rng = createRng(seed);
  const numLabels = centres.length;
  const data = new Float32Array(rows * dim);
  const labels = new Uint8Array(rows * numLabels);
  for (let i = 0; i < rows; i++) {
    for (let label = 0; label < numLabels; label++) {
      if (rng() >= 0.4) continue;
      labels[i * numLabels + label] = 1;
      for (let j = 0; j < dim; j++) data[i * dim + j] += centres[label][j];
    }
    for (let j = 0; j < dim; j++) data[i * dim + j] += 0.3 * gaussian(rng);
  }
  return { x: { data, rows, dim } as Matrix, y: { kind: 'multi', labels } as Targets & { kind: 'multi' } };
}

function argmaxRows(probs: Float32Array, numLabels: number): Int32Array {
  const out = new Int32Array(probs.length / numLabels);
  for (let i = 0; i < out.length; i++) {
    for (let k = 1; k < numLabels; k++) if (probs[i * numLabels + k] > probs[i * numLabels + out[i]]) out[i] = k;
  }
  return out;
}

function spec(
  type: HeadType,
  inputDim: number,
  numLabels: number,
  overrides: Partial<DenseHeadSpec> = {},
): DenseHeadSpec {
  return { type, inputDim, numLabels, multiLabel: false, hidden: 32, dropout: 0.2, standardize: true, ...overrides };
}

const DIM = 16;
const fast: Partial<TrainOptions> = { epochs: 60, batchSize: 64, learningRate: 1e-2 };

describe.each(['linear', 'mlp'] as const)('%s head', (type) => {
  it('learns separable single-label blobs', async () => {
    const centres = randomCentres(3, DIM, 1);
    const train = blobs(300, DIM, centres, (i) => i % 3, 1, 2);
    const test = blobs(150, DIM, centres, (i) => i % 3, 1, 3);
    const head = await createHead(spec(type, DIM, 3));
    const report = await head.fit(train.x, train.y, fast);
    const predicted = argmaxRows(head.predictProba(test.x), 3);
    const accuracy = predicted.filter((label, i) => label === test.y.labels[i]).length / test.x.rows;
    expect(accuracy).toBeGreaterThan(0.95);
    expect(report.history).toHaveLength(report.epochsRun);
    expect(head.thresholds).toBeUndefined();
    head.dispose();
  });

  it('learns multi-label blobs with tuned per-label thresholds', async () => {
    const centres = randomCentres(4, DIM, 4);
    const train = multiLabelBlobs(400, DIM, centres, 5);
    const test = multiLabelBlobs(200, DIM, centres, 6);
    const head = await createHead(spec(type, DIM, 4, { multiLabel: true }));
    await head.fit(train.x, train.y, fast);
    const probs = head.predictProba(test.x);
    const thresholds = head.thresholds!;
    expect(thresholds).toHaveLength(4);
    for (const t of thresholds) expect(t > 0 && t < 1).toBe(true);
    const correct = test.y.labels.filter((target, i) => Number(probs[i] >= thresholds[i % 4]) === target).length;
    expect(correct / test.y.labels.length).toBeGreaterThan(0.95);
    head.dispose();
  });

  it('gives identical predictions for two fits with the same seed, different ones for another seed', async () => {
    const train = blobs(200, DIM, randomCentres(3, DIM, 7), (i) => i % 3, 2, 8);
    const fitPredict = async (seed: number) => {
      const head = await createHead(spec(type, DIM, 3));
      await head.fit(train.x, train.y, { ...fast, epochs: 15, seed });
      const probs = head.predictProba(train.x);
      head.dispose();
      return probs;
    };
    const first = await fitPredict(11);
    expect(await fitPredict(11)).toEqual(first);
    expect(await fitPredict(12)).not.toEqual(first);
  });

  // A linear head predicts through a kernel compiled from its weights: refitting must rebuild it.
  it('predicts with the weights of its latest fit, and not at all once disposed', async () => {
    const train = blobs(200, DIM, randomCentres(3, DIM, 7), (i) => i % 3, 2, 8);
    const fitted = async (head: Head, seed: number) => {
      await head.fit(train.x, train.y, { ...fast, epochs: 15, seed });
      return head.predictProba(train.x);
    };
    const fresh = await createHead(spec(type, DIM, 3));
    const expected = await fitted(fresh, 12);
    fresh.dispose();
    const head = await createHead(spec(type, DIM, 3));
    expect(await fitted(head, 11)).not.toEqual(expected);
    expect(await fitted(head, 12)).toEqual(expected);
    head.dispose();
    expect(() => head.predictProba(train.x)).toThrow(expect.objectContaining({ code: 'HEAD_NOT_TRAINED' }));
  });
});

describe('initialisation seed', () => {
  it('initSeed seeds the initial weights, batch order and dropout in place of seed, and must be an integer', async () => {
    const train = blobs(90, DIM, randomCentres(3, DIM, 31), (i) => i % 3, 1, 32);
    const probabilities = async (options: Partial<TrainOptions>) => {
      const head = await createHead(spec('mlp', DIM, 3, { hidden: 16, dropout: 0.1 }));
      try {
        await head.fit(train.x, train.y, { epochs: 5, validationSplit: 0.2, ...options });
        return Array.from(head.predictProba(train.x));
      } finally {
        head.dispose();
      }
    };
    const base = await probabilities({ seed: 4 });
    expect(await probabilities({ seed: 4, initSeed: 4 })).toEqual(base);
    expect(await probabilities({ seed: 4, initSeed: 5 })).not.toEqual(base);
    await expect(probabilities({ seed: 4, initSeed: 1.5 })).rejects.toMatchObject({
      code: 'HEAD_OPTION',
      message: expect.stringContaining('"initSeed"'),
    });
  });
});

describe('early stopping', () => {
  it('restores the weights of the epoch with the best validation loss', async () => {
    // Few noisy rows and a wide MLP without dropout or L2: validation loss bottoms out, then rises.
    const centres = randomCentres(3, DIM, 9).map((c) => c.map((v) => v / 4));
    const train = blobs(240, DIM, centres, (i) => i % 3, 1, 10);
    const head = await createHead(spec('mlp', DIM, 3, { hidden: 128, dropout: 0 }));
    const options = {
      epochs: 200,
      batchSize: 32,
      learningRate: 1e-2,
      l2: 0,
      patience: 5,
      validationSplit: 0.25,
      seed: 3,
    };
    const report = await head.fit(train.x, train.y, options);

    expect(report.epochsRun).toBe(report.bestEpoch + options.patience);
    expect(report.epochsRun).toBeLessThan(options.epochs);
    const valLosses = report.history.map((log) => log.valLoss!);
    expect(report.bestValLoss).toBe(Math.min(...valLosses));
    expect(valLosses.at(-1)!).toBeGreaterThan(report.bestValLoss!);

    const { validation } = validationSplit(train.y, 3, options.validationSplit, options.seed);
    const rows = validation.length;
    const x = { data: new Float32Array(rows * DIM), rows, dim: DIM };
    validation.forEach((row, i) => x.data.set(train.x.data.subarray(row * DIM, (row + 1) * DIM), i * DIM));
    const probs = head.predictProba(x);
    const loss =
      Array.from(validation).reduce((sum, row, i) => sum - Math.log(probs[i * 3 + train.y.labels[row]]), 0) / rows;
    expect(loss).toBeCloseTo(report.bestValLoss!, 4);
    head.dispose();
  });

  it('trains on everything for all epochs when no class can spare a validation row', async () => {
    const train = blobs(3, DIM, randomCentres(3, DIM, 12), (i) => i, 0.1, 13);
    const head = await createHead(spec('linear', DIM, 3));
    const report = await head.fit(train.x, train.y, { epochs: 30, validationSplit: 0.5 });
    expect(report.epochsRun).toBe(30);
    expect(report.bestValLoss).toBeUndefined();
    expect(report.history[0].valLoss).toBeUndefined();
    expect(argmaxRows(head.predictProba(train.x), 3)).toEqual(train.y.labels);
    head.dispose();
  });

  it('never holds out the only training example of a class', () => {
    const labels = Int32Array.from([0, 0, 0, 0, 0, 0, 1, 1, 2]);
    const { train, validation } = validationSplit({ kind: 'single', labels }, 3, 0.5, 1);
    expect(validation.length).toBeGreaterThan(0);
    expect(new Set(Array.from(train, (row) => labels[row]))).toEqual(new Set([0, 1, 2]));
    expect([...train, ...validation].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe('class weights', () => {
  it("'balanced' gives the minority class more predictions on imbalanced, overlapping data", async () => {
    const centres = [new Float32Array(DIM).fill(0), new Float32Array(DIM).fill(0.15)];
    const train = blobs(400, DIM, centres, (i) => (i % 10 === 0 ? 1 : 0), 1, 14);
    const test = blobs(400, DIM, centres, (i) => i % 2, 1, 15);
    const minorityPredictions = async (classWeight: 'balanced' | 'none') => {
      const head = await createHead(spec('linear', DIM, 2));
      await head.fit(train.x, train.y, { ...fast, classWeight, validationSplit: 0, epochs: 40 });
      const count = argmaxRows(head.predictProba(test.x), 2).filter((label) => label === 1).length;
      head.dispose();
      return count;
    };
    const unweighted = await minorityPredictions('none');
    const balanced = await minorityPredictions('balanced');
    expect(balanced).toBeGreaterThan(unweighted + 50);
  });

  it('weighs rows by n / (classes * class count), and multi-label positives and negatives per label', () => {
    const rows = Int32Array.from([0, 1, 2, 3]);
    const single = balancedWeights({ kind: 'single', labels: Int32Array.from([0, 0, 0, 1]) }, rows, rows, 2);
    expect(Array.from(single)).toEqual([4 / 6, 4 / 6, 4 / 6, 2].map(Math.fround));
    const multi = balancedWeights({ kind: 'multi', labels: Uint8Array.from([1, 1, 0, 1, 0, 1, 0, 1]) }, rows, rows, 2);
    // label 0: 1 positive of 4 -> positives 2, negatives 4/6; label 1 is always positive -> weight 1.
    expect(Array.from(multi)).toEqual([2, 1, 4 / 6, 1, 4 / 6, 1, 4 / 6, 1].map(Math.fround));
  });
});

describe('threshold tuning', () => {
  it('cuts halfway between the lowest positive-predicted score and the next, maximising F1', () => {
    // label 0 separates cleanly between 0.2 and 0.3; label 1 has no positives and keeps 0.5.
    const probs = Float32Array.from([0.1, 0.9, 0.2, 0.8, 0.3, 0.7, 0.35, 0.6]);
    const targets = Float32Array.from([0, 0, 0, 0, 1, 0, 1, 0]);
    const thresholds = tuneThresholds(probs, targets, 4, 2);
    expect(thresholds[0]).toBeCloseTo(0.25, 6);
    expect(thresholds[1]).toBe(0.5);
  });
});

describe('resources and cancellation', () => {
  it('does not leak tensors across repeated fit and predictProba calls', async () => {
    const tf = await loadTf();
    const train = blobs(200, DIM, randomCentres(3, DIM, 16), (i) => i % 3, 1, 17);
    const head = await createHead(spec('mlp', DIM, 3));
    await head.fit(train.x, train.y, { epochs: 3 });
    head.predictProba(train.x);
    const baseline = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      await head.fit(train.x, train.y, { epochs: 3, seed: i });
      head.predictProba(train.x);
      const other = await createHead(spec('linear', DIM, 3, { multiLabel: true }));
      await other.fit(
        train.x,
        {
          kind: 'multi',
          labels: Uint8Array.from({ length: 600 }, (_, j) => (j % 3 === train.y.labels[Math.floor(j / 3)] ? 1 : 0)),
        },
        { epochs: 3 },
      );
      other.predictProba(train.x);
      other.dispose();
    }
    expect(tf.memory().numTensors).toBe(baseline);
    head.dispose();
  });

  it('stops between batches with an AbortError, keeps the previous state and leaks nothing', async () => {
    const tf = await loadTf();
    const train = blobs(200, DIM, randomCentres(3, DIM, 18), (i) => i % 3, 1, 19);
    const head = await createHead(spec('linear', DIM, 3));
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const epochsSeen: number[] = [];
    const fit = head.fit(train.x, train.y, {
      epochs: 50,
      signal: controller.signal,
      onEpoch: (log) => {
        epochsSeen.push(log.epoch);
        if (log.epoch === 2) controller.abort();
      },
    });
    await expect(fit).rejects.toMatchObject({ name: 'AbortError' });
    expect(epochsSeen).toEqual([1, 2]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => head.predictProba(train.x)).toThrow(expect.objectContaining({ code: 'HEAD_NOT_TRAINED' }));
  });

  it('lets a timer abort a long fit (the loop yields to the event loop)', async () => {
    const train = blobs(2000, DIM, randomCentres(3, DIM, 20), (i) => i % 3, 1, 21);
    const head = await createHead(spec('mlp', DIM, 3));
    await expect(
      head.fit(train.x, train.y, { epochs: 100_000, validationSplit: 0, signal: AbortSignal.timeout(100) }),
    ).rejects.toMatchObject({
      name: 'TimeoutError',
    });
  });
});

describe('input validation', () => {
  const train = blobs(30, DIM, randomCentres(3, DIM, 22), (i) => i % 3, 1, 23);

  it('rejects a matrix whose width differs from inputDim', async () => {
    const head = await createHead(spec('linear', DIM + 1, 3));
    await expect(head.fit(train.x, train.y)).rejects.toThrow(DataError);
    await expect(head.fit(train.x, train.y)).rejects.toThrow(
      `x has shape [30, ${DIM}] but the head expects [rows, ${DIM + 1}]`,
    );
  });

  it('names the row and column of a NaN or Inf input', async () => {
    const head = await createHead(spec('linear', DIM, 3));
    const data = train.x.data.slice();
    data[7 * DIM + 5] = Number.NaN;
    const error = await head.fit({ ...train.x, data }, train.y).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect(error).toMatchObject({ code: 'HEAD_INPUT_NOT_FINITE', location: { index: 7 } });
    expect((error as Error).message).toContain('row 7, column 5 is NaN');
    await head.fit(train.x, train.y, { epochs: 2 });
    data[7 * DIM + 5] = 0;
    data[3 * DIM] = Number.POSITIVE_INFINITY;
    expect(() => head.predictProba({ ...train.x, data })).toThrow('row 3, column 0 is Infinity');
  });

  it('rejects label and row-count problems precisely', async () => {
    const head = await createHead(spec('linear', DIM, 3));
    const labels = train.y.labels.slice();
    labels[4] = 3;
    await expect(head.fit(train.x, { kind: 'single', labels })).rejects.toMatchObject({
      code: 'HEAD_LABEL_RANGE',
      location: { index: 4 },
    });
    await expect(head.fit(train.x, { kind: 'single', labels: labels.subarray(0, 29) })).rejects.toThrow(UsageError);
    await expect(head.fit(train.x, { kind: 'single', labels: new Int32Array(30).fill(2) })).rejects.toThrow(
      /needs at least 2 classes/,
    );
    await expect(head.fit(train.x, { kind: 'multi', labels: new Uint8Array(90) })).rejects.toThrow(UsageError);
    const multi = await createHead(spec('linear', DIM, 3, { multiLabel: true }));
    const multiLabels = new Uint8Array(90);
    multiLabels[10] = 2;
    await expect(multi.fit(train.x, { kind: 'multi', labels: multiLabels })).rejects.toMatchObject({
      code: 'HEAD_LABEL_RANGE',
      location: { index: 3 },
    });
  });

  it('rejects bad specs and options', async () => {
    await expect(createHead({ ...spec('linear', DIM, 3), type: 'svm' as HeadType })).rejects.toThrow(ModelError);
    await expect(createHead(spec('linear', DIM, 1))).rejects.toThrow(/at least 2 classes/);
    await expect(createHead(spec('mlp', DIM, 3, { dropout: 1 }))).rejects.toThrow(UsageError);
    const head = await createHead(spec('linear', DIM, 3));
    await expect(head.fit(train.x, train.y, { validationSplit: 1 })).rejects.toThrow(/validationSplit/);
    await expect(head.fit(train.x, train.y, { batchSize: 0 })).rejects.toThrow(/batchSize/);
    await expect(head.fit(train.x, train.y, { classWeight: 'auto' as 'none' })).rejects.toThrow(/classWeight/);
    expect(() => head.predictProba(train.x)).toThrow(/not been trained/);
  });
});
