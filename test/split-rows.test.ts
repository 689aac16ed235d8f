// TF-IDF+embeddings rows in two parts (src/encoders/split-rows.ts): their CSR arrays are the TF-IDF
// entries then the dense columns of each row, and the sparse head reads the parts to the same bits
// as the joined rows, and checks them as it checks CSR rows.
import { describe, expect, it } from 'vitest';
import type { SparseMatrix } from '../src/encoders/encoder.js';
import { SplitSparseRows } from '../src/encoders/split-rows.js';
import { SparseLinearHead } from '../src/heads/sparse/linear.js';
import { createRng } from '../src/util/index.js';

/** Random TF-IDF-like rows (some empty) over `dim` columns and a `[rows, width]` dense block, over many magnitudes. */
function randomParts(rows: number, dim: number, width: number, seed: number) {
  const rng = createRng(seed);
  const magnitude = () => (rng() - 0.5) * 2 ** Math.floor(rng() * 30 - 15);
  const indptr = [0];
  const indices: number[] = [];
  const values: number[] = [];
  for (let row = 0; row < rows; row++) {
    const columns = new Set<number>();
    if (row % 5 !== 0) for (let k = Math.floor(rng() * 12); k > 0; k--) columns.add(Math.floor(rng() * dim));
    for (const column of [...columns].sort((a, b) => a - b)) {
      indices.push(column);
      values.push(magnitude());
    }
    indptr.push(indices.length);
  }
  const sparse: SparseMatrix = {
    rows,
    dim,
    indptr: Int32Array.from(indptr),
    indices: Int32Array.from(indices),
    values: Float32Array.from(values),
  };
  const dense = Float32Array.from({ length: rows * width }, magnitude);
  const info = Array.from({ length: rows }, () => ({ tokens: 1, truncated: false, empty: false }));
  return { split: new SplitSparseRows(sparse, dense, width, () => info), sparse, dense };
}

/** The same rows as a plain CSR matrix, with no parts to read. */
function joined(x: SparseMatrix): SparseMatrix {
  return { rows: x.rows, dim: x.dim, indptr: x.indptr.slice(), indices: x.indices.slice(), values: x.values.slice() };
}

function trainedHead(inputDim: number, numLabels: number, seed: number): SparseLinearHead {
  const rng = createRng(seed);
  const parameters = Float32Array.from({ length: (inputDim + 1) * numLabels }, () => (rng() - 0.5) * 4);
  const spec = { type: 'linear', inputDim, numLabels, multiLabel: false, hidden: 0, dropout: 0 } as const;
  return new SparseLinearHead({ ...spec, standardize: false, input: 'sparse' }, { parameters });
}

describe('TF-IDF+embeddings rows in two parts', () => {
  it("join into each row's TF-IDF entries, then its dense columns in order", () => {
    const { split, sparse, dense } = randomParts(20, 50, 6, 1);
    expect(split.dim).toBe(56);
    for (let row = 0; row < 20; row++) {
      const from = split.indptr[row]!;
      const to = split.indptr[row + 1]!;
      const own = Array.from(sparse.indices.subarray(sparse.indptr[row], sparse.indptr[row + 1]));
      expect(Array.from(split.indices.subarray(from, to))).toEqual([...own, 50, 51, 52, 53, 54, 55]);
      expect(Array.from(split.values.subarray(from, to))).toEqual([
        ...sparse.values.subarray(sparse.indptr[row], sparse.indptr[row + 1]),
        ...dense.subarray(row * 6, row * 6 + 6),
      ]);
    }
  });

  it.each([2, 3, 77])('give the sparse head bit-identical probabilities to the joined rows (%i labels)', (labels) => {
    // More rows than one kernel call takes (2048), so the dense block is read across windows.
    const { split } = randomParts(2100, 400, 128, labels);
    const head = trainedHead(528, labels, labels);
    expect(head.predictProba(split)).toEqual(head.predictProba(joined(split)));
  });

  it('are checked by the sparse head: a non-finite dense value, a short dense block, the wrong width', () => {
    const head = trainedHead(56, 3, 4);
    const { split, sparse, dense } = randomParts(20, 50, 6, 2);
    const bad = dense.slice();
    bad[6 * 7 + 2] = Number.NaN;
    const info = split.info;
    expect(() => head.predictProba(new SplitSparseRows(sparse, bad, 6, () => info))).toThrow(
      expect.objectContaining({ code: 'HEAD_INPUT_NOT_FINITE', message: expect.stringContaining('row 7, column 52') }),
    );
    expect(() => head.predictProba(new SplitSparseRows(sparse, dense.subarray(6), 6, () => info))).toThrow(
      expect.objectContaining({ code: 'HEAD_INPUT' }),
    );
    expect(() => head.predictProba(new SplitSparseRows(sparse, dense, 5, () => info))).toThrow(
      expect.objectContaining({ code: 'HEAD_INPUT_DIM' }),
    );
  });
});
