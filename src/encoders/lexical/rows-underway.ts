export interface WeighedRows {
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
  /** Per text, how many of its terms are in the vocabulary. */
  tokens: Int32Array;
}

/** The CSR rows of one batch of texts while they are weighed, part by part; entries grow by doubling. */
export class RowsUnderway {
  readonly indptr: Int32Array;
  readonly tokens: Int32Array;
  indices: Int32Array;
  values: Float32Array;

  constructor(readonly rows: number) {
    this.indptr = new Int32Array(rows + 1);
    this.tokens = new Int32Array(rows);
    this.indices = new Int32Array(Math.max(16, rows * 16));
    this.values = new Float32Array(this.indices.length);
  }

  /** Makes room for `entries` entries in all. */
  reserve(entries: number): void {
    if (entries <= this.indices.length) return;
    const capacity = Math.max(2 * this.indices.length, entries);
    const indices = new Int32Array(capacity);
    const values = new Float32Array(capacity);
    indices.set(this.indices);
    values.set(this.values);
    this.indices = indices;
    this.values = values;
  }

  /** The rows, once every one is weighed: the entries copied to their exact length. */
  finish(): WeighedRows {
    const entries = this.indptr[this.rows]!;
    const { indptr, tokens } = this;
    return { indptr, indices: this.indices.slice(0, entries), values: this.values.slice(0, entries), tokens };
  }
}
