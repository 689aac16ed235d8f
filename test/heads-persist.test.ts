import { mkdir, readFile, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Tensor } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTf } from '../src/backend/tf.js';
import type { Matrix } from '../src/encoders/encoder.js';
import { ModelError } from '../src/errors.js';
import { createHead, loadHead } from '../src/heads/factory.js';
import type { Head, DenseHeadSpec, Targets } from '../src/heads/head.js';
import { PREDICT_BATCH_ROWS } from '../src/heads/dense/predict.js';
import { createRng } from '../src/util/random.js';
import { tempDir } from './helpers.js';

const DIM = 8;
const LABELS = 3;

/** Uniform rows; single label = the largest of the first 3 columns, multi labels = which of them are > 0.5. */
function data(rows: number, seed: number): { x: Matrix; single: Targets; multi: Targets } {
  const rng = createRng(seed);
  const x = Float32Array.from({ length: rows * DIM }, () => rng());
  const single = Int32Array.from({ length: rows }, (_, i) => {
    const row = x.subarray(i * DIM, i * DIM + LABELS);
    return row.indexOf(Math.max(...row));
  });
  const multi = Uint8Array.from({ length: rows * LABELS }, (_, j) =>
    Number(x[Math.floor(j / LABELS) * DIM + (j % LABELS)] > 0.5),
  );
  return {
    x: { data: x, rows, dim: DIM },
    single: { kind: 'single', labels: single },
    multi: { kind: 'multi', labels: multi },
  };
}

function spec(overrides: Partial<DenseHeadSpec>): DenseHeadSpec {
  return {
    type: 'linear',
    inputDim: DIM,
    numLabels: LABELS,
    multiLabel: false,
    hidden: 16,
    dropout: 0.1,
    standardize: true,
    ...overrides,
  };
}

const train = data(300, 1);
const root = tempDir('headstart-heads-');

async function trained(headSpec: DenseHeadSpec, dir: string): Promise<Head> {
  const head = await createHead(headSpec);
  await head.fit(train.x, headSpec.multiLabel ? train.multi : train.single, { epochs: 20 });
  await head.save(dir);
  return head;
}

describe('save and load', () => {
  it.each([
    ['linear single-label, standardised', spec({})],
    ['mlp multi-label, raw inputs', spec({ type: 'mlp', multiLabel: true, standardize: false })],
  ])('round-trips a %s head to identical probabilities', async (_name, headSpec) => {
    const dir = path.join(root, `${headSpec.type}-${headSpec.multiLabel}`);
    const head = await createHead(headSpec);
    await head.fit(train.x, headSpec.multiLabel ? train.multi : train.single, { epochs: 20 });
    expect(await head.save(dir)).toEqual(['head.json', 'model.json', 'weights.bin']);
    const loaded = await loadHead(dir, headSpec);
    expect(loaded.spec).toEqual(headSpec);
    // A linear head through its compiled kernel, fitted and loaded (without TF.js) alike; an MLP in TF.js.
    expect(loaded.predictProba(train.x)).toEqual(head.predictProba(train.x));
    expect(loaded.thresholds).toEqual(head.thresholds);
    head.dispose();
    loaded.dispose();
  });

  // A linear head predicts through its compiled kernel, so this is also its parity with TF.js.
  it.each([
    ['an mlp', spec({ type: 'mlp', standardize: false })],
    ['a linear', spec({ standardize: false })],
    ['a multi-label linear', spec({ multiLabel: true, standardize: false })],
  ])(
    'writes a model.json of %s head that TF.js loads on its own and that predicts the same',
    async (name, headSpec) => {
      const tf = await loadTf();
      const dir = path.join(root, `standalone-${name.replaceAll(' ', '-')}`);
      const head = await trained(headSpec, dir);
      const modelJson = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
      const weights = await readFile(path.join(dir, 'weights.bin'));
      const model = await tf.loadLayersModel(
        tf.io.fromMemory({
          modelTopology: modelJson.modelTopology,
          weightSpecs: modelJson.weightsManifest[0].weights,
          weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
        }),
      );
      const output = tf.tidy(() =>
        (model.predict(tf.tensor2d(train.x.data, [train.x.rows, DIM])) as Tensor).dataSync(),
      );
      const expected = head.predictProba(train.x);
      expect(output.length).toBe(expected.length);
      output.forEach((p, i) => expect(p).toBeCloseTo(expected[i], 5));
      model.dispose();
      head.dispose();
    },
  );

  it('predicts in batches: a large input gives the same rows as small calls', async () => {
    const head = await trained(spec({}), path.join(root, 'batched'));
    const big = data(PREDICT_BATCH_ROWS + 100, 2).x;
    const all = head.predictProba(big);
    const tailRows = 150;
    const tail = { data: big.data.subarray((big.rows - tailRows) * DIM), rows: tailRows, dim: DIM };
    expect(all.subarray((big.rows - tailRows) * LABELS)).toEqual(head.predictProba(tail));
    head.dispose();
  });
});

describe('loading damaged or mismatched heads', () => {
  const dir = path.join(root, 'damaged-source');
  let weights: Buffer;
  beforeAll(async () => {
    (await trained(spec({}), dir)).dispose();
    weights = await readFile(path.join(dir, 'weights.bin'));
  });

  async function copyWith(name: string, edit: (files: Record<string, Buffer>) => void): Promise<string> {
    const target = path.join(root, name);
    const files: Record<string, Buffer> = {};
    for (const file of ['head.json', 'model.json', 'weights.bin']) files[file] = await readFile(path.join(dir, file));
    edit(files);
    await mkdir(target, { recursive: true });
    for (const [file, bytes] of Object.entries(files)) await writeFile(path.join(target, file), bytes);
    return target;
  }

  it('rejects a truncated weights.bin with a ModelError naming the file', async () => {
    const target = await copyWith('truncated', () => {});
    await truncate(path.join(target, 'weights.bin'), weights.length - 4);
    const error = await loadHead(target).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelError);
    expect(error).toMatchObject({ code: 'HEAD_WEIGHTS_SIZE', location: { file: path.join(target, 'weights.bin') } });
    expect((error as Error).message).toContain(
      `${weights.length - 4} bytes, but model.json lists ${weights.length} bytes`,
    );
  });

  it('rejects missing files, bad JSON, unknown head types and a spec that differs from the expected one', async () => {
    await expect(loadHead(path.join(root, 'nowhere'))).rejects.toMatchObject({ code: 'HEAD_FILE_MISSING' });
    const badJson = await copyWith('bad-json', (files) => (files['model.json'] = Buffer.from('{"modelTopology": ')));
    await expect(loadHead(badJson)).rejects.toThrow(ModelError);
    const unknownType = await copyWith('unknown-type', (files) => {
      const head = JSON.parse(files['head.json'].toString());
      head.spec.type = 'svm';
      files['head.json'] = Buffer.from(JSON.stringify(head));
    });
    await expect(loadHead(unknownType)).rejects.toMatchObject({ code: 'HEAD_TYPE_UNKNOWN', category: 'model' });
    await expect(loadHead(dir, spec({ numLabels: 4 }))).rejects.toMatchObject({ code: 'HEAD_SPEC_MISMATCH' });
    await expect(loadHead(dir, spec({ type: 'mlp' }))).rejects.toThrow(/stored type is "linear"/);
  });

  it('names the row when corrupt weights make the output NaN', async () => {
    const target = await copyWith('nan-weights', (files) => {
      const bytes = Buffer.from(files['weights.bin']);
      bytes.writeFloatLE(Number.NaN, 0);
      files['weights.bin'] = bytes;
    });
    const head = await loadHead(target);
    expect(() => head.predictProba(train.x)).toThrow(
      expect.objectContaining({ code: 'HEAD_OUTPUT_NOT_FINITE', location: { index: 0 } }),
    );
    head.dispose();
  });
});
