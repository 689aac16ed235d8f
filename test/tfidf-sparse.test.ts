import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTf } from '../src/backend/tf.js';
import { TextClassifier } from '../src/classifier.js';
import { loadLabelledData } from '../src/cli/data.js';
import type { SparseMatrix } from '../src/encoders/encoder.js';
import { TfidfEncoder } from '../src/encoders/lexical/tfidf.js';
import { predictMember, selectSparseRows } from '../src/members/member.js';
import { createHead, createSparseHead, loadAnyHead, loadHead } from '../src/heads/factory.js';
import type { SparseHeadSpec } from '../src/heads/head.js';
import { createRng } from '../src/util/random.js';
import { headstart, potionDir, sampleCsv, tempDir } from './helpers.js';

const root = tempDir();

const corpus = [
  'The cat sat on the mat.',
  'The dog sat!',
  'the cat ran, the CAT sat',
  'A bird flew over the dog',
  'cats and dogs',
  '',
];

function sparseSpec(inputDim: number, numLabels: number, multiLabel = false): SparseHeadSpec {
  return {
    type: 'linear',
    inputDim,
    numLabels,
    multiLabel,
    hidden: 0,
    dropout: 0,
    standardize: false,
    input: 'sparse',
  };
}

/**
 * A seeded separable task over `dim` sparse features: each row holds 3-6 random columns, its class
 * is the block (columns split into `classes` equal blocks) most of them fall in.
 */
function separableTask(
  rows: number,
  dim: number,
  classes: number,
  seed: number,
): { x: SparseMatrix; labels: Int32Array } {
  const rng = createRng(seed);
  const block = dim / classes;
  const indptr = new Int32Array(rows + 1);
  const indices: number[] = [];
  const values: number[] = [];
  const labels = new Int32Array(rows);
  for (let row = 0; row < rows; row++) {
    const label = Math.floor(rng() * classes);
    labels[row] = label;
    const columns = new Set<number>();
    const count = 3 + Math.floor(rng() * 4);
    for (let k = 0; k < count; k++) {
      // Two in three columns come from the row's own block, the rest from anywhere.
      const own = k < 2 || rng() < 0.5;
      columns.add(own ? label * block + Math.floor(rng() * block) : Math.floor(rng() * dim));
    }
    const sorted = [...columns].sort((a, b) => a - b);
    for (const column of sorted) {
      indices.push(column);
      values.push(1 / Math.sqrt(sorted.length));
    }
    indptr[row + 1] = indices.length;
  }
  return { x: { rows, dim, indptr, indices: Int32Array.from(indices), values: Float32Array.from(values) }, labels };
}

function accuracy(probabilities: Float32Array, labels: Int32Array, classes: number): number {
  let correct = 0;
  labels.forEach((label, row) => {
    let best = 0;
    for (let c = 1; c < classes; c++)
      if (probabilities[row * classes + c] > probabilities[row * classes + best]) best = c;
    if (best === label) correct++;
  });
  return correct / labels.length;
}

describe('sparse TF-IDF rows', () => {
  it('hold exactly the values of the dense rows', async () => {
    for (const options of [
      { ngramMax: 1 as const, minDf: 1, sublinearTf: false },
      { ngramMax: 2 as const, minDf: 1, sublinearTf: true },
    ]) {
      const encoder = new TfidfEncoder(options);
      await encoder.fit(corpus);
      const dense = await encoder.embed(corpus);
      const sparse = await encoder.embedSparse(corpus);
      expect(sparse.rows).toBe(dense.rows);
      expect(sparse.dim).toBe(dense.dim);
      expect(sparse.info).toEqual(dense.info);
      const rebuilt = new Float32Array(dense.rows * dense.dim);
      for (let row = 0; row < sparse.rows; row++) {
        const columns = Array.from(sparse.indices.subarray(sparse.indptr[row], sparse.indptr[row + 1]));
        expect(columns).toEqual([...columns].sort((a, b) => a - b));
        columns.forEach((column, k) => (rebuilt[row * dense.dim + column] = sparse.values[sparse.indptr[row] + k]));
      }
      expect(rebuilt).toEqual(dense.data);
      // Only non-zeros are stored; the empty text has none.
      expect(sparse.values.every((v) => v !== 0)).toBe(true);
      expect(sparse.indptr[corpus.length] - sparse.indptr[corpus.length - 1]).toBe(0);
    }
  });

  it('selects rows of a CSR matrix', () => {
    const { x } = separableTask(20, 12, 3, 1);
    const picked = selectSparseRows(x, Int32Array.from([5, 0, 19]));
    expect(picked.rows).toBe(3);
    [5, 0, 19].forEach((row, i) => {
      expect(Array.from(picked.indices.subarray(picked.indptr[i], picked.indptr[i + 1]))).toEqual(
        Array.from(x.indices.subarray(x.indptr[row], x.indptr[row + 1])),
      );
      expect(Array.from(picked.values.subarray(picked.indptr[i], picked.indptr[i + 1]))).toEqual(
        Array.from(x.values.subarray(x.indptr[row], x.indptr[row + 1])),
      );
    });
  });
});

describe('sparse linear head', () => {
  const train = separableTask(600, 300, 3, 7);
  const test = separableTask(300, 300, 3, 8);

  it('learns a seeded separable task, deterministically', async () => {
    const fitOnce = async () => {
      const head = createSparseHead(sparseSpec(300, 3));
      const report = await head.fit(train.x, { kind: 'single', labels: train.labels }, { seed: 3 });
      const probabilities = head.predictProba(test.x);
      head.dispose();
      return { report, probabilities };
    };
    const first = await fitOnce();
    expect(accuracy(first.probabilities, test.labels, 3)).toBeGreaterThan(0.9);
    expect(first.report.epochsRun).toBeGreaterThan(1);
    expect(first.report.history[first.report.history.length - 1].valLoss).toBeLessThan(
      first.report.history[0].valLoss!,
    );
    for (let row = 0; row < test.x.rows; row++) {
      expect(
        first.probabilities[row * 3] + first.probabilities[row * 3 + 1] + first.probabilities[row * 3 + 2],
      ).toBeCloseTo(1, 5);
    }
    expect((await fitOnce()).probabilities).toEqual(first.probabilities);
  });

  it('bounds its L-BFGS iterations by maxIterations, its own option, not by epochs', async () => {
    const iterations = async (options: Record<string, number>) => {
      const head = createSparseHead(sparseSpec(300, 3));
      const report = await head.fit(train.x, { kind: 'single', labels: train.labels }, options);
      head.dispose();
      return report.epochsRun;
    };
    expect(await iterations({ maxIterations: 2 })).toBe(2);
    expect(await iterations({ maxIterations: 2, epochs: 1 })).toBe(2);
    expect(await iterations({ epochs: 1 })).toBe(await iterations({}));
    await expect(iterations({ maxIterations: 0 })).rejects.toMatchObject({ code: 'HEAD_OPTION' });
  });

  it('penalises weights by l2: a stronger penalty gives flatter probabilities', async () => {
    const maxProbability = async (l2: number) => {
      const head = createSparseHead(sparseSpec(300, 3));
      await head.fit(train.x, { kind: 'single', labels: train.labels }, { l2, validationSplit: 0 });
      const p = head.predictProba(test.x);
      return p.reduce((sum, v, i) => (i % 3 === 0 ? sum + Math.max(v, p[i + 1], p[i + 2]) : sum), 0) / test.x.rows;
    };
    expect(await maxProbability(5)).toBeLessThan(await maxProbability(0.01));
  });

  it('trains multi-label sigmoids with tuned thresholds', async () => {
    const labels = new Uint8Array(train.x.rows * 3);
    train.labels.forEach((label, row) => {
      labels[row * 3 + label] = 1;
      if (label === 0) labels[row * 3 + 2] = 1;
    });
    const head = createSparseHead(sparseSpec(300, 3, true));
    await head.fit(train.x, { kind: 'multi', labels }, { seed: 1 });
    expect(head.thresholds).toHaveLength(3);
    const p = head.predictProba(test.x);
    let correct = 0;
    test.labels.forEach((label, row) => {
      const expected = [label === 0, label === 1, label === 0 || label === 2];
      if (expected.every((on, c) => p[row * 3 + c] >= head.thresholds![c] === on)) correct++;
    });
    expect(correct / test.x.rows).toBeGreaterThan(0.85);
  });

  it('saves and loads with identical probabilities', async () => {
    const head = createSparseHead(sparseSpec(300, 3));
    await head.fit(train.x, { kind: 'single', labels: train.labels }, { seed: 2 });
    const dir = path.join(root, 'sparse-head');
    expect((await head.save(dir)).sort()).toEqual(['head.json', 'weights.bin']);
    const loaded = await loadAnyHead(dir, sparseSpec(300, 3));
    expect(loaded.spec).toEqual(head.spec);
    expect(predictMember(loaded, test.x)).toEqual(head.predictProba(test.x));
    await expect(loadHead(dir)).rejects.toMatchObject({ code: 'HEAD_SPEC_MISMATCH' });
    await expect(loadAnyHead(dir, { ...sparseSpec(300, 3), input: undefined })).rejects.toMatchObject({
      code: 'HEAD_SPEC_MISMATCH',
    });
    writeFileSync(path.join(dir, 'weights.bin'), readFileSync(path.join(dir, 'weights.bin')).subarray(4));
    await expect(loadAnyHead(dir)).rejects.toMatchObject({ code: 'HEAD_WEIGHTS_SIZE' });
  });

  it('refuses dense rows for a sparse head and sparse rows for a dense one', async () => {
    const sparse = createSparseHead(sparseSpec(300, 3));
    await sparse.fit(train.x, { kind: 'single', labels: train.labels }, { maxIterations: 3 });
    expect(() => predictMember(sparse, { data: new Float32Array(300), rows: 1, dim: 300 })).toThrow(
      expect.objectContaining({ code: 'HEAD_INPUT_KIND' }),
    );
    const dense = await createHead({ ...sparseSpec(300, 3), standardize: false, input: undefined });
    expect(() => predictMember(dense, test.x)).toThrow(expect.objectContaining({ code: 'HEAD_INPUT_KIND' }));
    dense.dispose();
    // @ts-expect-error a caller without types is refused at run time
    expect(() => createSparseHead({ ...sparseSpec(300, 3), type: 'mlp', hidden: 8 })).toThrow(/linear/);
    // @ts-expect-error a caller without types is refused at run time
    await expect(createHead(sparseSpec(300, 3))).rejects.toThrow(/createSparseHead/);
    const bad = { ...test.x, values: test.x.values.slice() };
    bad.values[bad.indptr[2]] = Number.NaN;
    expect(() => sparse.predictProba(bad)).toThrow(
      expect.objectContaining({ code: 'HEAD_INPUT_NOT_FINITE', location: expect.objectContaining({ index: 2 }) }),
    );
  });
});

describe('TF-IDF classifiers', () => {
  let rows: { text: string; label: string }[] = [];
  beforeAll(async () => {
    const { texts, labels } = await loadLabelledData(sampleCsv, { format: 'auto', encoding: 'auto', onBadRow: 'fail' });
    rows = texts.map((text, i) => ({ text, label: labels[i] as string }));
  });

  it('train a sparse head by default, keep dense heads loading, and leave no tensors behind', async () => {
    const tf = await loadTf();
    const before = tf.memory().numTensors;
    const sparse = await TextClassifier.create({ encoder: 'tfidf' });
    await sparse.fit(
      rows.map((r) => r.text),
      rows.map((r) => r.label),
      { recipe: 'single', seed: 0 },
    );
    expect(sparse.training.head).toMatchObject({ type: 'linear', input: 'sparse' });
    const sparseDir = path.join(root, 'tfidf-sparse');
    await sparse.save(sparseDir);
    const reloaded = await TextClassifier.load(sparseDir);
    // Training texts: TF-IDF fitted on 60 sentences knows little else.
    const probe = [rows.find((r) => r.label === 'positive')!.text, rows.find((r) => r.label === 'negative')!.text];
    expect((await reloaded.predictProba(probe)).data).toEqual((await sparse.predictProba(probe)).data);
    expect((await reloaded.predict(probe)).map((p) => p.label)).toEqual(['positive', 'negative']);

    // A standardised head needs dense rows: the pre-sparse behaviour, which must still save and load.
    const dense = await TextClassifier.create({ encoder: 'tfidf' });
    await dense.fit(
      rows.map((r) => r.text),
      rows.map((r) => r.label),
      { recipe: 'single', seed: 0, standardize: true, epochs: 20 },
    );
    expect(dense.training.head).not.toHaveProperty('input');
    const denseDir = path.join(root, 'tfidf-dense');
    await dense.save(denseDir);
    const denseReloaded = await TextClassifier.load(denseDir);
    expect((await denseReloaded.predictProba(probe)).data).toEqual((await dense.predictProba(probe)).data);

    for (const classifier of [sparse, reloaded, dense, denseReloaded]) await classifier.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('fit to convergence, also in the refit on all rows, so a few examples of many classes are learnt', async () => {
    // 20 classes, 4 texts each: the held-out split has 8 rows, whose loss bottoms out after an
    // iteration or two; a refit stopped there would leave the weights near zero.
    const rng = createRng(11);
    const word = (c: number) => `topic${c}word${Math.floor(rng() * 3)}`;
    const texts: string[] = [];
    const labels: string[] = [];
    for (let c = 0; c < 20; c++) {
      for (let i = 0; i < 4; i++) {
        texts.push(`${word(c)} ${word(c)} common filler text ${i}`);
        labels.push(`class${c}`);
      }
    }
    const { classifier, report } = await TextClassifier.train(
      texts,
      labels,
      { recipe: 'single', seed: 1 },
      { encoder: 'tfidf' },
    );
    expect(report.members[0].refitEpochs).toBeGreaterThan(3);
    const probe = Array.from({ length: 20 }, (_, c) => `topic${c}word0 topic${c}word1`);
    const predicted = (await classifier.predict(probe)).map((p) => p.label);
    expect(predicted.filter((label, c) => label === `class${c}`).length).toBeGreaterThanOrEqual(18);
    await classifier.dispose();
  });

  it('predict through the CLI from a TF-IDF checkpoint and a fused one', async () => {
    const tfidfModel = path.join(root, 'cli-tfidf');
    const train = headstart(
      'train',
      '--data',
      sampleCsv,
      '--out',
      tfidfModel,
      '--encoder',
      'tfidf',
      '--recipe',
      'single',
      '--json',
    );
    expect(train.stderr).not.toContain('headstart:');
    expect(train.status).toBe(0);
    // The sample is too small for `auto` to fuse, so the fused checkpoint is made with the library.
    const fused = await TextClassifier.create({ encoder: potionDir, fuseWith: ['tfidf'] });
    await fused.fit(
      rows.map((r) => r.text),
      rows.map((r) => r.label),
      { recipe: 'single', seed: 0, epochs: 30, fusionWeights: [0.5, 0.5] },
    );
    const fusedModel = path.join(root, 'cli-fused');
    await fused.save(fusedModel);
    await fused.dispose();

    const input = path.join(root, 'input.jsonl');
    const texts = [rows.find((r) => r.label === 'positive')!.text, '', rows.find((r) => r.label === 'negative')!.text];
    writeFileSync(input, texts.map((text, i) => JSON.stringify({ id: i, text })).join('\n'));
    for (const model of [tfidfModel, fusedModel]) {
      const output = `${model}.jsonl`;
      const predict = headstart(
        'predict',
        '--model',
        model,
        '--input',
        input,
        '--id-field',
        'id',
        '--output',
        output,
        '--json',
      );
      expect(predict.stderr).not.toContain('headstart:');
      expect(predict.lastJson()).toMatchObject({ summary: true, rows: 3, empty: 1 });
      const written = readFileSync(output, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(written.map((r) => r.id)).toEqual(['0', '1', '2']);
      expect(written[0].label).toBe('positive');
      expect(written[2].label).toBe('negative');
    }
  }, 120_000);
});
