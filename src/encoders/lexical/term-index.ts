/**
 * The TF-IDF vocabulary by word ids, built from the saved terms when the state is set (the state file
 * is unchanged): every word that is a term or half of a word-pair term gets an id, and a word pair's
 * column is found from the two ids without building the "a b" string. Words are never empty and never
 * hold a space, so splitting a term at its first space gives the only pair of words that can form it
 * (a term with an empty or spaced half gets ids no word has, and never matches, as before).
 *
 * A word is looked up by its offsets in the text (word-scanner.ts), in an open-addressing table of
 * the words' code units: a Map would need a string per word, hashed afresh each time.
 */
/** A term index's tables, for the WebAssembly kernel (tfidf-kernel.ts), which finds words the same way. */
export interface TermTables {
  units: Uint16Array;
  wordStarts: Int32Array;
  wordHashes: Int32Array;
  slots: Int32Array;
  unigramColumns: Int32Array;
  /** Each pair term as its first word id, its second word id and its column. */
  pairs: [number, number, number][];
}

export class TermIndex {
  /** Every word's code units, word after word; word `id` is `units[wordStarts[id]..wordStarts[id + 1]]`. */
  private readonly units: Uint16Array;
  private readonly wordStarts: Int32Array;
  private readonly wordHashes: Int32Array;
  /** Open addressing by hash: `id + 1` of the word in each slot, 0 for an empty slot. */
  private readonly slots: Int32Array;
  /** Column of the unigram term of each word id, -1 when the word is only half of pairs. */
  private readonly unigramColumns: Int32Array;
  /** Column of each pair term, keyed by `first * wordCount + second`. */
  private readonly pairColumns = new Map<number, number>();
  private readonly wordCount: number;

  constructor(terms: readonly string[]) {
    const ids = new Map<string, number>();
    const idOf = (word: string): number => {
      let id = ids.get(word);
      if (id === undefined) ids.set(word, (id = ids.size));
      return id;
    };
    const unigrams: [number, number][] = [];
    const pairs: [number, number, number][] = [];
    terms.forEach((term, column) => {
      const space = term.indexOf(' ');
      if (space < 0) unigrams.push([idOf(term), column]);
      else pairs.push([idOf(term.slice(0, space)), idOf(term.slice(space + 1)), column]);
    });
    this.wordCount = ids.size;
    const words = [...ids.keys()];
    this.wordStarts = new Int32Array(this.wordCount + 1);
    words.forEach((word, id) => (this.wordStarts[id + 1] = this.wordStarts[id]! + word.length));
    this.units = new Uint16Array(this.wordStarts[this.wordCount]!);
    this.wordHashes = new Int32Array(this.wordCount);
    this.slots = new Int32Array(2 ** Math.ceil(Math.log2(2 * this.wordCount + 2)));
    words.forEach((word, id) => {
      for (let i = 0; i < word.length; i++) this.units[this.wordStarts[id]! + i] = word.charCodeAt(i);
      const hash = hashOf(word, 0, word.length);
      this.wordHashes[id] = hash;
      let slot = hash & (this.slots.length - 1);
      while (this.slots[slot] !== 0) slot = (slot + 1) & (this.slots.length - 1);
      this.slots[slot] = id + 1;
    });
    this.unigramColumns = new Int32Array(this.wordCount).fill(-1);
    for (const [word, column] of unigrams) this.unigramColumns[word] = column;
    for (const [first, second, column] of pairs) this.pairColumns.set(first * this.wordCount + second, column);
  }

  tables(): TermTables {
    const { units, wordStarts, wordHashes, slots, unigramColumns, wordCount } = this;
    const pairs = [...this.pairColumns].map(([key, column]): [number, number, number] => [
      Math.floor(key / wordCount),
      key % wordCount,
      column,
    ]);
    return { units, wordStarts, wordHashes, slots, unigramColumns, pairs };
  }

  /** The id of the word `text.slice(start, end)`, -1 when no term holds it. */
  wordIdAt(text: string, start: number, end: number): number {
    const { slots, units, wordStarts } = this;
    const hash = hashOf(text, start, end);
    const mask = slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = slots[slot]!;
      if (entry === 0) return -1;
      const id = entry - 1;
      const from = wordStarts[id]!;
      if (this.wordHashes[id] !== hash || wordStarts[id + 1]! - from !== end - start) continue;
      let i = 0;
      while (i < end - start && units[from + i] === text.charCodeAt(start + i)) i++;
      if (i === end - start) return id;
    }
  }

  /** The column of the word's unigram term, -1 when it has none. */
  unigramColumn(wordId: number): number {
    return this.unigramColumns[wordId]!;
  }

  /** The column of the pair term "first second", -1 when there is none. */
  pairColumn(first: number, second: number): number {
    return this.pairColumns.get(first * this.wordCount + second) ?? -1;
  }
}

/** FNV-1a over the code units of `text.slice(start, end)`. */
function hashOf(text: string, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash;
}
