/**
 * Texts to L2-normalised TF-IDF rows in CSR form, by word ids (term-index.ts): term counts in a
 * reused array with a list of the columns touched, so a row allocates nothing but its lowercased
 * text, and the rows of a whole batch are written into one set of arrays (`RowsUnderway`). The
 * arithmetic is the one scikit-learn's TfidfVectorizer does, in ascending column order: weights,
 * their sum of squares and the scaling are the same float64 operations in the same order as
 * counting terms in a Map and sorting its keys, so every value is bit-identical.
 */
import type { TfidfSettings } from '../encoder.js';
import { checkedText } from '../checked-text.js';
import type { RowsUnderway } from './rows-underway.js';
import type { TermIndex } from './term-index.js';
import { TfidfKernel } from './tfidf-kernel.js';
import { WordScanner } from './word-scanner.js';

/** Term frequencies below this are read from a table of `1 + ln(count)` (or `count`), not computed per term. */
const TF_TABLE_SIZE = 256;

export class TfidfRows {
  /** Per column, the current text's term count (zero between texts). */
  private readonly counts: Int32Array;
  private readonly touched: Int32Array;
  private readonly weights: Float64Array;
  /** Per small count, its term frequency: the very float64 `1 + Math.log(count)` (or `count`) gives. */
  private readonly tf: Float64Array;
  private wordIds = new Int32Array(64);
  private readonly scanner = new WordScanner();
  private readonly kernel: TfidfKernel;

  constructor(
    private readonly index: TermIndex,
    private readonly idf: Float32Array,
    private readonly options: Pick<TfidfSettings, 'ngramMax' | 'sublinearTf'>,
  ) {
    this.counts = new Int32Array(idf.length);
    this.touched = new Int32Array(idf.length);
    this.weights = new Float64Array(idf.length);
    this.tf = Float64Array.from({ length: TF_TABLE_SIZE }, (_, count) => this.termFrequency(count));
    this.kernel = new TfidfKernel(index.tables(), idf, this.tf, options.ngramMax);
  }

  /**
   * Weighs `texts[from]` to `texts[to - 1]` into `rows` (which numbers them from 0); `from` numbers the texts in errors.
   * Runs of ASCII texts go to the kernel; a text it leaves is weighed here, in its place.
   */
  weigh(texts: readonly string[], from: number, to: number, rows: RowsUnderway): void {
    for (let text = from; text < to;) {
      const copied = this.kernel.fill(texts, text, to);
      const weighed = copied > 0 ? this.kernel.weigh(copied, rows, text) : 0;
      text += weighed;
      if (copied === 0 || weighed < copied) this.weighOne(texts[text]!, text++, rows);
    }
  }

  private weighOne(text: string, index: number, rows: RowsUnderway): void {
    const start = rows.indptr[index]!;
    const distinct = this.count(text, index);
    rows.reserve(start + distinct);
    rows.tokens[index] = this.writeRow(distinct, rows.indices, rows.values, start);
    rows.indptr[index + 1] = start + distinct;
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
   * Writes the touched columns in ascending order at `at` with their normalised weights and clears
   * their counts; returns how many known terms the text had.
   */
  private writeRow(distinct: number, indices: Int32Array, values: Float32Array, at: number): number {
    const { counts, touched, weights, idf, tf } = this;
    const end = at + distinct;
    for (let k = 0; k < distinct; k++) indices[at + k] = touched[k]!;
    indices.subarray(at, end).sort();
    let squares = 0;
    let known = 0;
    for (let k = at; k < end; k++) {
      const column = indices[k]!;
      const count = counts[column]!;
      counts[column] = 0;
      known += count;
      const weight = (count < TF_TABLE_SIZE ? tf[count]! : this.termFrequency(count)) * idf[column]!;
      weights[k - at] = weight;
      squares += weight * weight;
    }
    const scale = squares > 0 ? 1 / Math.sqrt(squares) : 0;
    for (let k = at; k < end; k++) values[k] = weights[k - at]! * scale;
    return known;
  }

  private termFrequency(count: number): number {
    return this.options.sublinearTf ? 1 + Math.log(count) : count;
  }
}
