import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SparseMatrix } from '../src/encoders/encoder.js';
import { SparseLogitsKernel } from '../src/heads/sparse/logits-kernel.js';
import {
  linearObjective,
  linearProbabilities,
  logitsOf,
  probabilitiesOfLogits,
  type LinearShape,
} from '../src/heads/sparse/objective.js';
import { createRng } from '../src/util/index.js';

/** A random CSR matrix, targets and weights for `numLabels` labels, from fast-check's seeded draws. */
const problem = (numLabels: number, multiLabel: boolean) =>
  fc
    .record({
      cells: fc.array(
        fc.array(fc.option(fc.double({ min: -2, max: 2, noNaN: true }), { nil: undefined }), {
          minLength: 6,
          maxLength: 6,
        }),
        { minLength: 1, maxLength: 8 },
      ),
      weights: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), {
        minLength: 7 * numLabels,
        maxLength: 7 * numLabels,
      }),
      labels: fc.array(fc.nat(numLabels - 1), { minLength: 8, maxLength: 8 }),
    })
    .map(({ cells, weights, labels }) => {
      const dim = 6;
      const indptr = [0];
      const indices: number[] = [];
      const values: number[] = [];
      for (const row of cells) {
        row.forEach((value, column) => {
          if (value === undefined) return;
          indices.push(column);
          values.push(Math.fround(value));
        });
        indptr.push(indices.length);
      }
      const x: SparseMatrix = {
        rows: cells.length,
        dim,
        indptr: Int32Array.from(indptr),
        indices: Int32Array.from(indices),
        values: Float32Array.from(values),
      };
      const targets = new Float32Array(cells.length * numLabels);
      for (let row = 0; row < cells.length; row++) {
        targets[row * numLabels + labels[row]] = 1;
        if (multiLabel) targets[row * numLabels + ((labels[row] + 1) % numLabels)] = 1;
      }
      const shape: LinearShape = { dim, numLabels, multiLabel };
      return { x, targets, shape, w: Float64Array.from(weights) };
    });

/** The objective written the plain way, over dense rows. */
function referenceLoss(
  x: SparseMatrix,
  targets: Float32Array,
  shape: LinearShape,
  w: Float64Array,
  l2: number,
): number {
  const { dim, numLabels, multiLabel } = shape;
  let loss = 0;
  for (let row = 0; row < x.rows; row++) {
    const dense = new Array<number>(dim).fill(0);
    for (let k = x.indptr[row]; k < x.indptr[row + 1]; k++) dense[x.indices[k]] = x.values[k];
    const z = Array.from(
      { length: numLabels },
      (_, c) => w[dim * numLabels + c] + dense.reduce((sum, v, j) => sum + v * w[j * numLabels + c], 0),
    );
    if (multiLabel) {
      z.forEach((zc, c) => {
        const p = 1 / (1 + Math.exp(-zc));
        const y = targets[row * numLabels + c];
        loss -= y * Math.log(p) + (1 - y) * Math.log(1 - p);
      });
    } else {
      const logSum = Math.log(z.reduce((sum, zc) => sum + Math.exp(zc), 0));
      z.forEach((zc, c) => (loss -= targets[row * numLabels + c] * (zc - logSum)));
    }
  }
  for (let j = 0; j < dim * numLabels; j++) loss += l2 * w[j] * w[j];
  return loss;
}

describe('the sparse linear objective', () => {
  // 11 and 10 labels take the loop unrolled by eight, with a remainder.
  for (const [numLabels, multiLabel] of [
    [2, false],
    [3, false],
    [11, false],
    [2, true],
    [4, true],
    [10, true],
  ] as const) {
    it(`matches the plain formula and its finite-difference gradient (${numLabels} labels, ${multiLabel ? 'multi' : 'single'}-label)`, () => {
      fc.assert(
        fc.property(problem(numLabels, multiLabel), ({ x, targets, shape, w }) => {
          const part = { x, rows: Int32Array.from({ length: x.rows }, (_, i) => i), targets };
          const gradient = new Float64Array(w.length);
          const loss = linearObjective(part, w, shape, 0.05, gradient);
          expect(loss).toBeCloseTo(referenceLoss(x, targets, shape, w, 0.05), 8);
          const h = 1e-6;
          for (let j = 0; j < w.length; j++) {
            const plus = Float64Array.from(w);
            const minus = Float64Array.from(w);
            plus[j] += h;
            minus[j] -= h;
            const numeric =
              (referenceLoss(x, targets, shape, plus, 0.05) - referenceLoss(x, targets, shape, minus, 0.05)) / (2 * h);
            expect(gradient[j]).toBeCloseTo(numeric, 4);
          }
          const probabilities = linearProbabilities(x, w, shape);
          if (!multiLabel) {
            for (let row = 0; row < x.rows; row++) {
              const sum = probabilities.subarray(row * numLabels, (row + 1) * numLabels).reduce((a, b) => a + b, 0);
              expect(sum).toBeCloseTo(1, 5);
            }
          }
        }),
        { seed: 42, numRuns: 60 },
      );
    });
  }
});

/** Logits the plain way: each label's sum from its bias, adding the row's entries in order. */
function plainLogits(x: SparseMatrix, row: number, w: Float64Array, shape: LinearShape): Float64Array {
  const { dim, numLabels } = shape;
  return Float64Array.from({ length: numLabels }, (_, c) => {
    let sum = w[dim * numLabels + c];
    for (let k = x.indptr[row]; k < x.indptr[row + 1]; k++) sum += x.values[k] * w[x.indices[k] * numLabels + c];
    return sum;
  });
}

describe('sparse linear logits', () => {
  // Labels go eight, then four, then one at a time: every remainder, two labels' own path and Banking77's 77.
  it.each([1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 15, 16, 77])(
    'are bit-identical to the plain loop with %i labels',
    (numLabels) => {
      fc.assert(
        fc.property(problem(numLabels, false), ({ x, shape, w }) => {
          const out = new Float64Array(numLabels);
          for (let row = 0; row < x.rows; row++) {
            logitsOf(x.indptr, x.indices, x.values, row, w, numLabels, shape.dim * numLabels, out);
            expect(out).toEqual(plainLogits(x, row, w, shape));
          }
        }),
        { seed: numLabels, numRuns: 40 },
      );
    },
  );
});

describe('the sparse head in WebAssembly SIMD (SparseLogitsKernel)', () => {
  /** Float32 parameters (as a trained head holds them) over 40 binary orders of magnitude, so any other order of adds rounds differently. */
  function randomProblem(rows: number, dim: number, numLabels: number, seed: number) {
    const rng = createRng(seed);
    const magnitude = () => (rng() - 0.5) * 2 ** Math.floor(rng() * 40 - 20);
    const parameters = Float32Array.from({ length: (dim + 1) * numLabels }, magnitude);
    const indptr = [0];
    const indices: number[] = [];
    const values: number[] = [];
    for (let row = 0; row < rows; row++) {
      // Some rows empty, some longer than the columns (a column may repeat, as CSR allows).
      const entries = row % 7 === 0 ? 0 : Math.floor(rng() * (dim + 5));
      for (let k = 0; k < entries; k++) {
        indices.push(Math.floor(rng() * dim));
        values.push(magnitude());
      }
      indptr.push(indices.length);
    }
    const x: SparseMatrix = {
      rows,
      dim,
      indptr: Int32Array.from(indptr),
      indices: Int32Array.from(indices),
      values: Float32Array.from(values),
    };
    return { x, parameters, shape: { dim, numLabels, multiLabel: false } };
  }

  // Sixteen, then four, then two, then one label at a time: every remainder, and Banking77's 77.
  it.each([1, 2, 3, 4, 5, 6, 7, 8, 15, 16, 17, 18, 19, 20, 22, 23, 33, 77])(
    'gives logits bit-identical to the plain loop with %i labels',
    (numLabels) => {
      const { x, parameters, shape } = randomProblem(60, 40, numLabels, numLabels);
      const w = Float64Array.from(parameters);
      const logits = new SparseLogitsKernel(parameters, numLabels).logits(x);
      for (let row = 0; row < x.rows; row++)
        expect(logits.subarray(row * numLabels, (row + 1) * numLabels)).toEqual(plainLogits(x, row, w, shape));
    },
  );

  it('grows its memory for a larger call and gives the same logits after', () => {
    const { x: small, parameters, shape } = randomProblem(5, 300, 77, 1);
    const { x: large } = randomProblem(3000, 300, 77, 2);
    const kernel = new SparseLogitsKernel(parameters, 77);
    const before = kernel.logits(small);
    const logits = kernel.logits(large);
    const w = Float64Array.from(parameters);
    for (const row of [0, 1, 1500, 2047, 2048, 2999])
      expect(logits.subarray(row * 77, (row + 1) * 77)).toEqual(plainLogits(large, row, w, shape));
    expect(kernel.logits(small)).toEqual(before);
  });

  it("holds one window of rows in its memory, not a whole batch's", () => {
    const { x, parameters, shape } = randomProblem(20_000, 300, 77, 3);
    const kernel = new SparseLogitsKernel(parameters, 77);
    const logits = kernel.logits(x);
    const w = Float64Array.from(parameters);
    for (const row of [0, 4095, 4096, 19_999])
      expect(logits.subarray(row * 77, (row + 1) * 77)).toEqual(plainLogits(x, row, w, shape));
    // The weights (~186 KB as float64) and 2048 rows' entries and logits: a few MB, where 20k rows need ~40.
    expect(kernel.memoryBytes).toBeLessThan(8 * 2 ** 20);
  });

  it('gives the probabilities linearProbabilities gives, single- and multi-label', () => {
    for (const multiLabel of [false, true]) {
      const { x, parameters } = randomProblem(50, 30, 9, 3);
      // Small weights, so the probabilities are not all 0 or 1.
      const scaled = parameters.map((v) => Math.fround(v * 1e-6));
      const shape = { dim: 30, numLabels: 9, multiLabel };
      expect(probabilitiesOfLogits(new SparseLogitsKernel(scaled, 9).logits(x), 9, multiLabel)).toEqual(
        linearProbabilities(x, Float64Array.from(scaled), shape),
      );
    }
  });
});
