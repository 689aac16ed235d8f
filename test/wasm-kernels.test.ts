// The WebAssembly kernels: the committed binaries are what their .wat assembles to, the table sums
// and the linear head's logits are bit-identical to scalar float64 sums in order (what
// behaviour-golden relies on), and the MLP head matches float64 arithmetic to float32 precision.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assemble, generatedPath, watFiles } from '../scripts/assemble-wasm.js';
import type { Matrix } from '../src/encoders/index.js';
import { embedTokenRows, kernelTable } from '../src/encoders/static/sum-rows.js';
import {
  compileLinear,
  type LinearKernel,
  linearLogits,
  linearProbabilities,
} from '../src/heads/dense/linear-kernel.js';
import { compileMlp, mlpProbabilities } from '../src/heads/dense/mlp-kernel.js';
import type { DenseLayerParameters } from '../src/heads/head.js';
import { gatherRows, type Standardization } from '../src/heads/standardize.js';
import { createRng } from '../src/util/index.js';
import { repoRoot } from './helpers.js';

describe('WebAssembly kernels', () => {
  it.each(watFiles())('%s is assembled into the committed module (npm run wasm)', async (watFile) => {
    const committed = (await import(pathToFileURL(path.join(repoRoot, generatedPath(watFile))).href)) as {
      WASM_BYTES: Uint8Array;
    };
    expect(new Uint8Array(committed.WASM_BYTES)).toEqual(await assemble(watFile));
  });
});

/** Each column's sum of the listed rows, one token at a time in order, in float64, L2-normalised as scalar JavaScript does. */
function scalarVector(table: Float32Array, dim: number, ids: readonly number[]): Float32Array {
  const sums = new Float64Array(dim);
  for (let d = 0; d < dim; d++) {
    let sum = 0;
    for (const id of ids) sum += table[id * dim + d]!;
    sums[d] = sum;
  }
  let squares = 0;
  for (let d = 0; d < dim; d++) squares += sums[d]! * sums[d]!;
  const vector = new Float32Array(dim);
  if (squares === 0) return vector;
  const scale = 1 / Math.sqrt(squares);
  for (let d = 0; d < dim; d++) vector[d] = sums[d]! * scale;
  return vector;
}

/** `embedTokenRows` into row 1 of a three-row matrix (rows 0 and 2 have no ids), whose other rows must stay zero. */
function kernelVector(table: Float32Array, dim: number, ids: readonly number[]): Float32Array {
  const out = new Float32Array(3 * dim).fill(-1);
  const squares = new Float64Array(3).fill(-1);
  const rows = { ids: Int32Array.from(ids), offsets: Int32Array.of(0, 0, ids.length, ids.length) };
  embedTokenRows(table, dim, rows, 0, 3, out, squares);
  expect(Number.isFinite(squares[1])).toBe(true);
  expect([squares[0], squares[2]]).toEqual([0, 0]);
  expect(out.subarray(0, dim).every((v) => v === 0) && out.subarray(2 * dim).every((v) => v === 0)).toBe(true);
  return out.slice(dim, 2 * dim);
}

/** Values over 40 binary orders of magnitude, so sums in any other order round differently. */
function randomTable(rows: number, dim: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: rows * dim }, () => (rng() - 0.5) * 2 ** Math.floor(rng() * 40 - 20));
}

function randomIds(count: number, rows: number, seed: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => Math.floor(rng() * rows));
}

/** `table` copied into kernel memory, as a loaded model's table is. */
function tableInKernelMemory(table: Float32Array, dim: number): Float32Array {
  const inMemory = kernelTable(table.length, dim);
  inMemory.set(table);
  return inMemory;
}

describe('embedTokenRows', () => {
  const rows = 300;

  it.each([1, 3, 15, 16, 17, 128, 130])('is bit-identical to scalar sums and normalisation with dim %i', (dim) => {
    const table = randomTable(rows, dim, dim);
    const inMemory = tableInKernelMemory(table, dim);
    expect(inMemory).toEqual(table);
    for (const count of [0, 1, 2, 29, 200]) {
      const ids = randomIds(count, rows, count + dim);
      expect(kernelVector(inMemory, dim, ids)).toEqual(scalarVector(table, dim, ids));
    }
  });

  it('continues each column in order across calls when a text has more ids than one call takes', () => {
    const dim = 20;
    const table = tableInKernelMemory(randomTable(rows, dim, 7), dim);
    const ids = randomIds(70_000, rows, 8);
    expect(kernelVector(table, dim, ids)).toEqual(scalarVector(table, dim, ids));
  });

  it('embeds many texts in one batch as one text at a time, across calls, empty texts as zeros', () => {
    const dim = 24;
    const table = tableInKernelMemory(randomTable(rows, dim, 12), dim);
    const rng = createRng(13);
    const texts = Array.from({ length: 1500 }, (_, i) => randomIds(i % 7 === 0 ? 0 : Math.floor(rng() * 200), rows, i));
    texts[700] = randomIds(66_000, rows, 14);
    const offsets = Int32Array.from({ length: texts.length + 1 }, (_, i) =>
      texts.slice(0, i).reduce((sum, text) => sum + text.length, 0),
    );
    const out = new Float32Array(texts.length * dim);
    const squares = new Float64Array(texts.length);
    embedTokenRows(table, dim, { ids: Int32Array.from(texts.flat()), offsets }, 1, texts.length, out, squares);
    expect(out.subarray(0, dim).every((v) => v === 0) && squares[0] === 0).toBe(true);
    for (let i = 1; i < texts.length; i++) {
      expect(out.slice(i * dim, (i + 1) * dim), `text ${i}`).toEqual(scalarVector(table, dim, texts[i]!));
      expect(squares[i] === 0, `text ${i}`).toBe(texts[i]!.length === 0);
    }
  });

  it('embeds with a table that was not loaded into kernel memory (copied there on its first call)', () => {
    const dim = 33;
    const table = randomTable(rows, dim, 9);
    const ids = randomIds(50, rows, 10);
    expect(kernelVector(table, dim, ids)).toEqual(scalarVector(table, dim, ids));
    expect(kernelVector(table, dim, ids.slice(0, 5))).toEqual(scalarVector(table, dim, ids.slice(0, 5)));
  });

  it('returns a non-finite squared norm and a zero vector when a row holds Inf or NaN', () => {
    const dim = 17;
    for (const bad of [Infinity, NaN]) {
      const table = tableInKernelMemory(randomTable(rows, dim, 11), dim);
      table[5 * dim + 16] = bad;
      const out = new Float32Array(2 * dim);
      const squares = new Float64Array(2);
      const ids = { ids: Int32Array.of(1, 5, 2, 1), offsets: Int32Array.of(0, 3, 4) };
      embedTokenRows(table, dim, ids, 0, 2, out, squares);
      expect(Number.isFinite(squares[0])).toBe(false);
      expect(out.subarray(0, dim).every((v) => v === 0)).toBe(true);
      expect(out.slice(dim)).toEqual(scalarVector(table, dim, [1]));
    }
  });
});

/** The MLP's probabilities in float64: (x - mean) / std, ReLU between the layers, softmax or sigmoids. */
function referenceMlp(
  layers: DenseLayerParameters[],
  standardization: Standardization | undefined,
  multiLabel: boolean,
  x: Matrix,
): Float64Array {
  const labels = layers.at(-1)!.units;
  const out = new Float64Array(x.rows * labels);
  for (let row = 0; row < x.rows; row++) {
    let values = Array.from(x.data.subarray(row * x.dim, (row + 1) * x.dim), (v, j) =>
      standardization ? (v - standardization.mean[j]!) / standardization.std[j]! : v,
    );
    layers.forEach((layer, i) => {
      const next = Array.from(layer.bias);
      for (let input = 0; input < layer.inputs; input++)
        for (let unit = 0; unit < layer.units; unit++)
          next[unit]! += values[input]! * layer.kernel[input * layer.units + unit]!;
      values = i < layers.length - 1 ? next.map((v) => Math.max(0, v)) : next;
    });
    const max = Math.max(...values);
    const total = values.reduce((sum, v) => sum + Math.exp(v - max), 0);
    values.forEach((v, l) => (out[row * labels + l] = multiLabel ? 1 / (1 + Math.exp(-v)) : Math.exp(v - max) / total));
  }
  return out;
}

function randomLayer(inputs: number, units: number, rng: () => number): DenseLayerParameters {
  const values = (count: number) => Float32Array.from({ length: count }, () => rng() - 0.5);
  return { kernel: values(inputs * units), bias: values(units), inputs, units };
}

describe('the MLP kernel', () => {
  it.each([
    { inputs: 5, hidden: 13, labels: 3, rows: 7, multiLabel: false, standardize: true },
    { inputs: 128, hidden: 256, labels: 77, rows: 2050, multiLabel: false, standardize: false },
    { inputs: 16, hidden: 8, labels: 9, rows: 4, multiLabel: true, standardize: true },
    // Wide inputs (TF-IDF): 208 rows a call, so 700 rows take four.
    { inputs: 5000, hidden: 8, labels: 2, rows: 700, multiLabel: false, standardize: false },
  ])('matches float64 arithmetic to 1e-5: %o', ({ inputs, hidden, labels, rows, multiLabel, standardize }) => {
    const rng = createRng(inputs + hidden + labels);
    const layers = [randomLayer(inputs, hidden, rng), randomLayer(hidden, labels, rng)];
    const standardization = standardize
      ? {
          mean: Float32Array.from({ length: inputs }, () => rng() - 0.5),
          std: Float32Array.from({ length: inputs }, () => 0.5 + rng()),
        }
      : undefined;
    const x = { data: Float32Array.from({ length: rows * inputs }, () => rng() * 2 - 1), rows, dim: inputs };
    const got = mlpProbabilities(compileMlp(layers, standardization, multiLabel), x);
    const expected = referenceMlp(layers, standardization, multiLabel, x);
    expect(got).toHaveLength(expected.length);
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - expected[i]!));
    expect(worst).toBeLessThan(1e-5);
  });

  it('names the first row whose output is not finite (corrupt weights)', () => {
    const rng = createRng(3);
    const layers = [randomLayer(4, 8, rng), randomLayer(8, 2, rng)];
    layers[1]!.kernel[3] = Number.NaN;
    const data = Float32Array.from({ length: 12 }, () => rng());
    expect(() => mlpProbabilities(compileMlp(layers, undefined, false), { data, rows: 3, dim: 4 })).toThrow(
      expect.objectContaining({ code: 'HEAD_OUTPUT_NOT_FINITE', location: { index: 0 } }),
    );
  });

  it.each([4, 5, 37, 128])('standardises as gatherRows does, to the bit, with %i columns', (dim) => {
    const rng = createRng(dim);
    const rows = 9;
    const standardization = {
      mean: Float32Array.from({ length: dim }, () => rng() - 0.5),
      std: randomTable(1, dim, dim).map((v) => Math.abs(v) + 1e-8),
    };
    const x = { data: randomTable(rows, dim, dim + 1), rows, dim };
    const { inputs } = compileMlp([randomLayer(dim, 8, rng), randomLayer(8, 2, rng)], standardization, false);
    expect(inputs.load(x, 0)).toBe(rows);
    expect(inputs.values.subarray(0, rows * dim)).toEqual(gatherRows(x, undefined, standardization));
  });
});

describe("the kernels' input check", () => {
  const dim = 7;
  // 2048 rows a call, then 3 rows: 21 values, the last one past the whole vectors of four.
  const rows = 2051;
  const randomMlp = (inputs: number) => {
    const rng = createRng(inputs);
    return [randomLayer(inputs, 8, rng), randomLayer(8, 3, rng)];
  };
  const kernels = {
    linear: (x: Matrix) => linearProbabilities(compileLinear(randomLinear(dim, 3, 1).layer, undefined, false), x),
    mlp: (x: Matrix) => mlpProbabilities(compileMlp(randomMlp(dim), undefined, false), x),
    'standardised mlp': (x: Matrix) =>
      mlpProbabilities(compileMlp(randomMlp(dim), randomLinear(dim, 3, 2).standardization, false), x),
  };

  it.each(Object.keys(kernels).flatMap((kernel) => [0, 12, 14_336 + 6, rows * dim - 1].map((at) => ({ kernel, at }))))(
    'names the first value that is not finite: %o',
    ({ kernel, at }) => {
      const data = Float32Array.from({ length: rows * dim }, (_, i) => (i % 13) / 13);
      data[at] = Number.NEGATIVE_INFINITY;
      data[at + 1] = Number.NaN;
      const row = Math.floor(at / dim);
      expect(() => kernels[kernel as keyof typeof kernels]({ data, rows, dim })).toThrow(
        expect.objectContaining({
          code: 'HEAD_INPUT_NOT_FINITE',
          location: { index: row, field: 'x' },
          message: expect.stringContaining(`x row ${row}, column ${at % dim} is -Infinity`),
        }),
      );
    },
  );
});

/** A linear head's logits as the scalar JavaScript kernel summed them: the standardisation folded into float64 weights and bias, each label from its bias in input order. */
function scalarLinearLogits(layer: DenseLayerParameters, standardization: Standardization | undefined, x: Matrix) {
  const { inputs, units: labels, kernel } = layer;
  const weights = new Float64Array(inputs * labels);
  const bias = Float64Array.from(layer.bias);
  for (let i = 0; i < inputs; i++) {
    const std = standardization ? standardization.std[i]! : 1;
    const mean = standardization ? standardization.mean[i]! : 0;
    for (let l = 0; l < labels; l++) {
      weights[l * inputs + i] = kernel[i * labels + l]! / std;
      bias[l]! -= mean * weights[l * inputs + i]!;
    }
  }
  const logits = new Float64Array(x.rows * labels);
  for (let row = 0; row < x.rows; row++) {
    for (let l = 0; l < labels; l++) {
      let sum = bias[l]!;
      for (let i = 0; i < inputs; i++) sum += x.data[row * inputs + i]! * weights[l * inputs + i]!;
      logits[row * labels + l] = sum;
    }
  }
  return logits;
}

/** The kernel's logits of every row of `x`, call by call, without the padding labels. */
function kernelLogits(kernel: LinearKernel, x: Matrix): Float64Array {
  const logits = new Float64Array(x.rows * kernel.labels);
  for (let start = 0; start < x.rows; start += kernel.rowsPerCall) {
    const { values, stride, rows } = linearLogits(kernel, x, start);
    for (let row = 0; row < rows; row++)
      logits.set(values.subarray(row * stride, row * stride + kernel.labels), (start + row) * kernel.labels);
  }
  return logits;
}

/** Softmax rows (sigmoids, multi-label) of float64 logits, as the scalar kernel computed them. */
function scalarProbabilities(logits: Float64Array, labels: number, multiLabel: boolean): Float32Array {
  const out = new Float32Array(logits.length);
  for (let at = 0; at < logits.length; at += labels) {
    const row = logits.subarray(at, at + labels);
    const max = Math.max(...row);
    const exps = row.map((v) => Math.exp(v - max));
    let total = 0;
    for (const e of exps) total += e;
    row.forEach((v, l) => (out[at + l] = multiLabel ? 1 / (1 + Math.exp(-v)) : exps[l]! / total));
  }
  return out;
}

function randomLinear(inputs: number, labels: number, seed: number) {
  const rng = createRng(seed);
  const layer = {
    kernel: randomTable(inputs, labels, seed),
    bias: randomTable(1, labels, seed + 1),
    inputs,
    units: labels,
  };
  const standardization = {
    mean: Float32Array.from({ length: inputs }, () => rng() - 0.5),
    std: Float32Array.from({ length: inputs }, () => 0.5 + rng()),
  };
  return { layer, standardization };
}

describe('the linear kernel', () => {
  const labelCounts = [...Array.from({ length: 16 }, (_, i) => i + 1), 77];

  it.each(labelCounts)('sums bit-identical to scalar float64 sums in input order with %i labels', (labels) => {
    const inputs = 37;
    const rows = 33;
    const { layer, standardization } = randomLinear(inputs, labels, labels);
    const x = { data: randomTable(rows, inputs, labels + 2), rows, dim: inputs };
    for (const folded of [standardization, undefined]) {
      const logits = kernelLogits(compileLinear(layer, folded, false), x);
      expect(logits).toEqual(scalarLinearLogits(layer, folded, x));
    }
  });

  it.each(labelCounts.flatMap((labels) => [false, true].map((multiLabel) => ({ labels, multiLabel }))))(
    "gives the scalar kernel's probabilities: %o",
    ({ labels, multiLabel }) => {
      const inputs = 29;
      const rows = 21;
      const rng = createRng(labels + 100);
      const layer = randomLayer(inputs, labels, rng);
      const { standardization } = randomLinear(inputs, labels, labels);
      const x = { data: Float32Array.from({ length: rows * inputs }, () => rng() * 2 - 1), rows, dim: inputs };
      const got = linearProbabilities(compileLinear(layer, standardization, multiLabel), x);
      expect(got).toEqual(scalarProbabilities(scalarLinearLogits(layer, standardization, x), labels, multiLabel));
      // Not saturated: the rows differ.
      if (labels > 1 || multiLabel) expect(new Set(got).size).toBeGreaterThanOrEqual(rows);
    },
  );

  it('continues across calls when the rows do not fit one (wide inputs)', () => {
    const inputs = 3000;
    const rows = 701;
    const { layer } = randomLinear(inputs, 5, 1);
    const x = { data: randomTable(rows, inputs, 3), rows, dim: inputs };
    const kernel = compileLinear(layer, undefined, false);
    expect(kernel.rowsPerCall).toBeLessThan(rows);
    expect(kernelLogits(kernel, x)).toEqual(scalarLinearLogits(layer, undefined, x));
  });

  it('names the first row whose output is not finite (corrupt weights)', () => {
    const { layer } = randomLinear(4, 3, 4);
    layer.kernel[2] = Number.NaN;
    const data = randomTable(3, 4, 6);
    expect(() => linearProbabilities(compileLinear(layer, undefined, false), { data, rows: 3, dim: 4 })).toThrow(
      expect.objectContaining({ code: 'HEAD_OUTPUT_NOT_FINITE', location: { index: 0 } }),
    );
  });
});
