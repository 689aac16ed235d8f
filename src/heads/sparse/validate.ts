/** Checks of CSR inputs, before any training or prediction. */
import type { SparseMatrix, SplitColumns } from '../../encoders/index.js';
import { DataError, UsageError } from '../../errors.js';

/** Shape agrees with `inputDim`, the CSR arrays are consistent and every value is finite; names the first bad row. */
export function assertSparseMatrix(x: SparseMatrix, inputDim: number, name = 'x'): void {
  const { rows, dim, indptr, indices, values } = x;
  if (!(indptr instanceof Int32Array) || !(indices instanceof Int32Array) || !(values instanceof Float32Array)) {
    throw new UsageError('HEAD_INPUT', `${name} must hold Int32Array indptr and indices and Float32Array values`);
  }
  if (
    !Number.isSafeInteger(rows) ||
    rows < 0 ||
    !Number.isSafeInteger(dim) ||
    indptr.length !== rows + 1 ||
    indptr[0] !== 0 ||
    indices.length !== values.length ||
    indptr[rows] !== values.length
  ) {
    throw new UsageError(
      'HEAD_INPUT',
      `${name} claims ${rows} sparse rows but its indptr (${indptr.length} entries) does not match its ${values.length} values`,
    );
  }
  assertDim(x, inputDim, name);
  for (let row = 0; row < rows; row++) {
    if (indptr[row + 1]! < indptr[row]!) throw new UsageError('HEAD_INPUT', `${name} indptr decreases at row ${row}`);
    for (let k = indptr[row]!; k < indptr[row + 1]!; k++) {
      if (indices[k]! < 0 || indices[k]! >= dim)
        throw new UsageError('HEAD_INPUT', `${name} row ${row} has column ${indices[k]}, outside [0, ${dim - 1}]`);
      if (!Number.isFinite(values[k])) {
        throw new DataError('HEAD_INPUT_NOT_FINITE', `${name} row ${row}, column ${indices[k]} is ${values[k]}`, {
          location: { index: row, field: name },
          hint: 'embeddings must be finite numbers',
        });
      }
    }
  }
}

/** `x` in its two parts: the sparse part checked as any CSR matrix, the dense block sized and finite. */
export function assertSplitColumns(x: SparseMatrix, split: SplitColumns, inputDim: number, name = 'x'): void {
  assertDim(x, inputDim, name);
  const { sparse, dense, width } = split;
  assertSparseMatrix(sparse, inputDim - width, name);
  if (!(dense instanceof Float32Array) || sparse.rows !== x.rows || dense.length !== x.rows * width)
    throw new UsageError(
      'HEAD_INPUT',
      `${name} claims ${x.rows} rows but its dense block holds ${dense.length} values`,
    );
  for (let k = 0; k < dense.length; k++) {
    if (!Number.isFinite(dense[k])) {
      const row = Math.floor(k / width);
      throw new DataError(
        'HEAD_INPUT_NOT_FINITE',
        `${name} row ${row}, column ${sparse.dim + (k % width)} is ${dense[k]}`,
        {
          location: { index: row, field: name },
          hint: 'embeddings must be finite numbers',
        },
      );
    }
  }
}

function assertDim(x: SparseMatrix, inputDim: number, name: string): void {
  if (x.dim !== inputDim) {
    throw new DataError(
      'HEAD_INPUT_DIM',
      `${name} has shape [${x.rows}, ${x.dim}] but the head expects [rows, ${inputDim}]`,
      {
        hint: 'embed with the same encoder the head was created or trained for',
      },
    );
  }
}
