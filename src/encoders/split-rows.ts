/**
 * TF-IDF+embeddings rows kept in two parts (encoder.ts, `SplitColumns`): the TF-IDF rows and the
 * dense block. The sparse head reads the parts; any other reader (training, row selection,
 * densify) reads the CSR arrays, built from the parts on first read: each row's TF-IDF entries,
 * then its dense columns in order. The text info is made on first read too (prediction reads the
 * primary member's, not this member's).
 */
import type { SparseEmbedResult, SparseMatrix, SplitColumns, TextInfo } from './encoder.js';

export class SplitSparseRows implements SparseEmbedResult {
  readonly rows: number;
  readonly dim: number;
  readonly split: SplitColumns;
  private joined?: Pick<SparseMatrix, 'indptr' | 'indices' | 'values'>;
  private infoMade?: TextInfo[];

  constructor(
    sparse: SparseMatrix,
    dense: Float32Array,
    width: number,
    private readonly makeInfo: () => TextInfo[],
  ) {
    this.rows = sparse.rows;
    this.dim = sparse.dim + width;
    this.split = { sparse, dense, width };
  }

  get info(): TextInfo[] {
    return (this.infoMade ??= this.makeInfo());
  }

  get indptr(): Int32Array {
    return this.join().indptr;
  }

  get indices(): Int32Array {
    return this.join().indices;
  }

  get values(): Float32Array {
    return this.join().values;
  }

  private join(): Pick<SparseMatrix, 'indptr' | 'indices' | 'values'> {
    if (this.joined) return this.joined;
    const { sparse, dense, width } = this.split;
    const { rows } = this;
    const indptr = new Int32Array(rows + 1);
    for (let row = 0; row < rows; row++)
      indptr[row + 1] = indptr[row]! + (sparse.indptr[row + 1]! - sparse.indptr[row]!) + width;
    const indices = new Int32Array(indptr[rows]!);
    const values = new Float32Array(indptr[rows]!);
    for (let row = 0; row < rows; row++) {
      const from = sparse.indptr[row]!;
      const count = sparse.indptr[row + 1]! - from;
      const at = indptr[row]!;
      indices.set(sparse.indices.subarray(from, from + count), at);
      values.set(sparse.values.subarray(from, from + count), at);
      for (let j = 0; j < width; j++) indices[at + count + j] = sparse.dim + j;
      values.set(dense.subarray(row * width, (row + 1) * width), at + count);
    }
    return (this.joined = { indptr, indices, values });
  }
}
