/**
 * TF-IDF's words found without making strings: the maximal runs of two or more letter, number or
 * underscore code points, which is what natural's RegexpTokenizer matches with the pattern
 * /[\p{L}\p{N}_]{2,}/gu (words.ts; fitting still uses it). The regular expression, its match array
 * and a string per word cost more than the rest of a row's weighing; test/tfidf-fast-path.test.ts
 * proves the words identical on random Unicode and on every text of the shared corpora.
 */
const WORD_CODE_POINT = /^[\p{L}\p{N}_]$/u;
const UNCLASSIFIED = 0;
const WORD = 1;
const OTHER = 2;
/** Per BMP code unit, whether it is a word character: classified on first sight by the pattern. */
const bmpClasses = new Uint8Array(0x10000);

function isWordCodePoint(codePoint: number): boolean {
  if (codePoint > 0xffff) return WORD_CODE_POINT.test(String.fromCodePoint(codePoint));
  let known = bmpClasses[codePoint]!;
  if (known === UNCLASSIFIED)
    bmpClasses[codePoint] = known = WORD_CODE_POINT.test(String.fromCharCode(codePoint)) ? WORD : OTHER;
  return known === WORD;
}

/** Scans texts into word offsets, in arrays reused from text to text. */
export class WordScanner {
  /** Code-unit offsets of the last scanned text's words: word `i` is `text.slice(starts[i], ends[i])`. */
  starts: Int32Array = new Int32Array(64);
  ends: Int32Array = new Int32Array(64);

  /** Finds the words of `text`; returns how many there are. */
  scan(text: string): number {
    let count = 0;
    let runStart = 0;
    let runLength = 0;
    const length = text.length;
    for (let i = 0; i < length;) {
      const unit = text.charCodeAt(i);
      let width = 1;
      let codePoint = unit;
      if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < length) {
        const low = text.charCodeAt(i + 1);
        if (low >= 0xdc00 && low <= 0xdfff) {
          codePoint = (unit - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
          width = 2;
        }
      }
      if (isWordCodePoint(codePoint)) {
        if (runLength++ === 0) runStart = i;
      } else {
        if (runLength >= 2) count = this.push(count, runStart, i);
        runLength = 0;
      }
      i += width;
    }
    if (runLength >= 2) count = this.push(count, runStart, length);
    return count;
  }

  private push(count: number, start: number, end: number): number {
    if (count === this.starts.length) {
      this.starts = grow(this.starts);
      this.ends = grow(this.ends);
    }
    this.starts[count] = start;
    this.ends[count] = end;
    return count + 1;
  }
}

function grow(from: Int32Array): Int32Array {
  const to = new Int32Array(2 * from.length);
  to.set(from);
  return to;
}
