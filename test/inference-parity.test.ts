/**
 * The classifier's prediction path (dense heads through their compiled kernels: linear-kernel.ts, the
 * MLP in WebAssembly SIMD) against a plain float64 reading of the same weights, written here apart
 * from those kernels, mixed by src/fusion. Same label on every row, probabilities within 1e-5, on the
 * fpb50 and banking77 test rows; with an MLP, a fused TF-IDF member and a multi-label head.
 */
import { describe, expect, it } from 'vitest';
import { TextClassifier } from '../src/index.js';
import { readDataset, resolveDataSource } from '../src/data/index.js';
import { isSparseEncoder, type Matrix } from '../src/encoders/index.js';
import { applyMix } from '../src/fusion/index.js';
import { isSparseHead, type AnyHead, type DenseLayerParameters, type Standardization } from '../src/heads/index.js';
import { predictMember } from '../src/members/index.js';
import { describeWithCorpora } from './helpers.js';

async function labelled(source: string): Promise<{ texts: string[]; labels: string[] }> {
  const { path: file, options } = resolveDataSource(source);
  const examples = (await readDataset(file, options)).examples;
  return { texts: examples.map((e) => e.text), labels: examples.map((e) => e.labels[0]) };
}

interface DenseWeights {
  parameters(): { layers: DenseLayerParameters[]; standardization?: Standardization | undefined };
}

/** A dense head's probabilities in float64 from its weights: standardise, affine (ReLU between), softmax or sigmoids. */
function plainDenseProbabilities(head: AnyHead & DenseWeights, x: Matrix, multiLabel: boolean): Float32Array {
  const { layers, standardization } = head.parameters();
  const labels = layers.at(-1)!.units;
  const out = new Float32Array(x.rows * labels);
  for (let row = 0; row < x.rows; row++) {
    let values = Array.from(x.data.subarray(row * x.dim, (row + 1) * x.dim), (v, j) =>
      standardization ? Math.fround((v - standardization.mean[j]) / standardization.std[j]) : v,
    );
    for (const [index, { kernel, bias, inputs, units }] of layers.entries()) {
      const next = Array.from(bias, Number);
      for (let i = 0; i < inputs; i++) for (let u = 0; u < units; u++) next[u] += values[i] * kernel[i * units + u];
      values = index < layers.length - 1 ? next.map((v) => Math.max(0, v)) : next;
    }
    const top = Math.max(...values);
    const exps = values.map((v) => Math.exp(v - top));
    const total = exps.reduce((a, b) => a + b, 0);
    values.forEach((v, l) => (out[row * labels + l] = multiLabel ? 1 / (1 + Math.exp(-v)) : exps[l] / total));
  }
  return out;
}

/** Each member's head on its encoder's vectors, dense heads read as plain float64 arithmetic, mixed as the classifier mixes. */
async function referenceProbabilities(classifier: TextClassifier, texts: string[]): Promise<Float32Array> {
  const { members, weights, prior, temperature } = classifier.composition;
  const parts: (Float32Array | undefined)[] = [];
  for (const [i, { encoder, head }] of members.entries()) {
    if (weights[i] === 0) {
      parts.push(undefined);
      continue;
    }
    const features =
      isSparseHead(head) && isSparseEncoder(encoder) ? await encoder.embedSparse(texts) : await encoder.embed(texts);
    parts.push(
      'parameters' in head && !isSparseHead(head) && !('indptr' in features)
        ? plainDenseProbabilities(head as AnyHead & DenseWeights, features, classifier.multiLabel)
        : predictMember(head, features),
    );
  }
  return applyMix({ weights: [...weights], ...(prior && { prior }), temperature }, parts, classifier.labels.length);
}

function argmaxRows(data: Float32Array, dim: number): Int32Array {
  return Int32Array.from({ length: data.length / dim }, (_, row) => {
    let best = 0;
    for (let l = 1; l < dim; l++) if (data[row * dim + l] > data[row * dim + best]) best = l;
    return best;
  });
}

async function expectParity(classifier: TextClassifier, texts: string[]): Promise<void> {
  const compiled = await classifier.predictProba(texts);
  const reference = await referenceProbabilities(classifier, texts);
  expect(compiled.data.length).toBe(reference.length);
  let worst = 0;
  for (let i = 0; i < reference.length; i++) worst = Math.max(worst, Math.abs(compiled.data[i] - reference[i]));
  expect(worst).toBeLessThanOrEqual(1e-5);
  if (!classifier.multiLabel)
    expect(argmaxRows(compiled.data, compiled.dim)).toEqual(argmaxRows(reference, compiled.dim));
  else expect(compiled.data.map((p) => (p >= 0.5 ? 1 : 0))).toEqual(reference.map((p) => (p >= 0.5 ? 1 : 0)));
}

describeWithCorpora(['fpb50', 'banking77-test'], 'compiled heads predict as their weights say', () => {
  it.each([
    ['a linear', 'fpb50', 'linear'],
    ['a linear', 'banking77-test', 'linear'],
    ['an MLP', 'fpb50', 'mlp'],
  ] as const)('%s head over potion, on every %s row', async (_, source, head) => {
    const { texts, labels } = await labelled(source);
    const { classifier } = await TextClassifier.train(texts.slice(0, 1500), labels.slice(0, 1500), {
      recipe: 'single',
      head,
      seed: 3,
      epochs: 5,
    });
    try {
      await expectParity(classifier, texts);
    } finally {
      await classifier.dispose();
    }
  });

  it('a linear head fused with a TF-IDF member, on every fpb50 row', async () => {
    const { texts, labels } = await labelled('fpb50');
    const classifier = await TextClassifier.create({ fuseWith: ['tfidf'] });
    try {
      await classifier.fit(texts.slice(0, 1500), labels.slice(0, 1500), { head: 'linear', seed: 3, epochs: 5 });
      expect(classifier.composition.members.map(({ head }) => isSparseHead(head))).toEqual([false, true]);
      await expectParity(classifier, texts);
    } finally {
      await classifier.dispose();
    }
  });

  it('a multi-label linear head, on every fpb50 row', async () => {
    const { texts, labels } = await labelled('fpb50');
    const sets = labels.map((label, i) => (texts[i].length > 120 ? [label, 'long'] : [label]));
    const { classifier } = await TextClassifier.train(texts.slice(0, 1500), sets.slice(0, 1500), {
      recipe: 'single',
      head: 'linear',
      seed: 3,
      epochs: 5,
    });
    try {
      expect(classifier.multiLabel).toBe(true);
      await expectParity(classifier, texts);
    } finally {
      await classifier.dispose();
    }
  });
});

describe('the compiled path keeps the input checks', () => {
  it('refuses vectors of the wrong width as the head does', async () => {
    const { classifier } = await TextClassifier.train(['good', 'bad', 'fine', 'awful'], ['p', 'n', 'p', 'n'], {
      recipe: 'single',
      head: 'linear',
      seed: 1,
      epochs: 1,
    });
    try {
      const embedded = { data: new Float32Array(3 * 2), rows: 2, dim: 3, info: [] };
      await expect(classifier.predictProba(['a', 'b'], { embedded })).rejects.toMatchObject({ code: 'HEAD_INPUT_DIM' });
    } finally {
      await classifier.dispose();
    }
  });
});
