/**
 * Texts to L2-normalised TF-IDF rows in CSR form, by word ids (term-index.ts): term counts in a
 * reused array with a list of the columns touched, so a row allocates nothing but its words. The
 * arithmetic is the one scikit-learn's TfidfVectorizer does, in ascending column order: weights,
 * their sum of squares and the scaling are the same float64 operations in the same order as
 * counting terms in a Map and sorting its keys, so every value is bit-identical.
 */
import type { TfidfSettings } from '../encoder.js';
import type { TermIndex } from './term-index.js';
import { WordScanner } from './word-scanner.js';
import { checkedText } from '../checked-text.js';

export interface WeighedRows {
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
  /** Per text, how many of its terms are in the vocabulary. */
  tokens: Int32Array;
}

export class TfidfRows {
  /** Per column, the current text's term count (zero between texts). */
  private readonly counts: Int32Array;
  private readonly touched: Int32Array;
  private readonly weights: Float64Array;
  private wordIds = new Int32Array(64);
  private readonly scanner = new WordScanner();

  constructor(
    private readonly index: TermIndex,
    private readonly idf: Float32Array,
    private readonly options: Pick<TfidfSettings, 'ngramMax' | 'sublinearTf'>,
  ) {
    this.counts = new Int32Array(idf.length);
    this.touched = new Int32Array(idf.length);
    this.weights = new Float64Array(idf.length);
  }

  /** The rows of `texts[from]` to `texts[to - 1]`; `from` numbers the texts in errors. */
  weigh(texts: readonly string[], from: number, to: number): WeighedRows {
    const rows = to - from;
    const indptr = new Int32Array(rows + 1);
    const tokens = new Int32Array(rows);
    let indices = new Int32Array(Math.max(16, rows * 16));
    let values = new Float32Array(indices.length);
    for (let row = 0; row < rows; row++) {
      const start = indptr[row]!;
      const distinct = this.count(texts[from + row]!, from + row);
      if (start + distinct > indices.length) {
        const capacity = Math.max(2 * indices.length, start + distinct);
        indices = grow(indices, new Int32Array(capacity));
        values = grow(values, new Float32Array(capacity));
      }
      tokens[row] = this.writeRow(distinct, indices, values, start);
      indptr[row + 1] = start + distinct;
    }
    const entries = indptr[rows]!;
    return { indptr, indices: indices.slice(0, entries), values: values.slice(0, entries), tokens };
  }

  /** Counts the text's known terms into `counts`; returns how many distinct columns it touched. */
  private count(text: string, index: number): number {
    const lower = checkedText(text, index).toLowerCase();
    const { scanner } = this;
    const words = scanner.scan(lower);
    const terms = this.index;
    if (words > this.wordIds.length) this.wordIds = new Int32Array(2 * words);
    const ids = this.wordIds;
    let distinct = 0;
    for (let i = 0; i < words; i++) {
      const id = terms.wordIdAt(lower, scanner.starts[i]!, scanner.ends[i]!);
      ids[i] = id;
      if (id >= 0) distinct = this.tally(terms.unigramColumn(id), distinct);
    }
    if (this.options.ngramMax === 2) {
      for (let i = 1; i < words; i++) {
        if (ids[i - 1]! >= 0 && ids[i]! >= 0) distinct = this.tally(terms.pairColumn(ids[i - 1]!, ids[i]!), distinct);
      }
    }
    return distinct;
  }

  /** Counts one term (nothing for column -1); returns the number of distinct columns touched so far. */
  private tally(column: number, distinct: number): number {
    if (column < 0) return distinct;
    if (this.counts[column]!++ === 0) this.touched[distinct++] = column;
    return distinct;
  }

  /**
   * Writes the touched columns in ascending order with their normalised weights and clears their
   * counts; returns how many known terms the text had.
   */
  private writeRow(distinct: number, indices: Int32Array, values: Float32Array, at: number): number {
    const { counts, touched, weights, idf } = this;
    const columns = touched.subarray(0, distinct).sort();
    let squares = 0;
    let known = 0;
    for (let k = 0; k < distinct; k++) {
      const column = columns[k]!;
      const count = counts[column]!;
      counts[column] = 0;
      known += count;
      const weight = (this.options.sublinearTf ? 1 + Math.log(count) : count) * idf[column]!;
      weights[k] = weight;
      squares += weight * weight;
    }
    const scale = squares > 0 ? 1 / Math.sqrt(squares) : 0;
    for (let k = 0; k < distinct; k++) {
      indices[at + k] = columns[k]!;
      values[at + k] = weights[k]! * scale;
    }
    return known;
  }
}

function grow<T extends Int32Array | Float32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
