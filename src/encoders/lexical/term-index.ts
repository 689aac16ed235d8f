/**
 * The TF-IDF vocabulary by word ids, built from the saved terms when the state is set (the state file
 * is unchanged): every word that is a term or half of a word-pair term gets an id, and a word pair's
 * column is found from the two ids without building the "a b" string. Words are never empty and never
 * hold a space, so splitting a term at its first space gives the only pair of words that can form it
 * (a term with an empty or spaced half gets ids no word has, and never matches, as before).
 */
export class TermIndex {
  private readonly wordIds = new Map<string, number>();
  /** Column of the unigram term of each word id, -1 when the word is only half of pairs. */
  private readonly unigramColumns: Int32Array;
  /** Column of each pair term, keyed by `first * wordCount + second`. */
  private readonly pairColumns = new Map<number, number>();
  private readonly wordCount: number;

  constructor(terms: readonly string[]) {
    const unigrams: [number, number][] = [];
    const pairs: [number, number, number][] = [];
    terms.forEach((term, column) => {
      const space = term.indexOf(' ');
      if (space < 0) unigrams.push([this.idOf(term), column]);
      else pairs.push([this.idOf(term.slice(0, space)), this.idOf(term.slice(space + 1)), column]);
    });
    this.wordCount = this.wordIds.size;
    this.unigramColumns = new Int32Array(this.wordCount).fill(-1);
    for (const [word, column] of unigrams) this.unigramColumns[word] = column;
    for (const [first, second, column] of pairs) this.pairColumns.set(first * this.wordCount + second, column);
  }

  /** The word's id, -1 when no term holds it. */
  wordId(word: string): number {
    return this.wordIds.get(word) ?? -1;
  }

  /** The column of the word's unigram term, -1 when it has none. */
  unigramColumn(wordId: number): number {
    return this.unigramColumns[wordId]!;
  }

  /** The column of the pair term "first second", -1 when there is none. */
  pairColumn(first: number, second: number): number {
    return this.pairColumns.get(first * this.wordCount + second) ?? -1;
  }

  private idOf(word: string): number {
    let id = this.wordIds.get(word);
    if (id === undefined) this.wordIds.set(word, (id = this.wordIds.size));
    return id;
  }
}
