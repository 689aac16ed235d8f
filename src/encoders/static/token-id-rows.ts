/**
 * A batch's token ids gathered into one Int32Array with row offsets, instead of an array and an
 * object per text that live as long as the batch: fewer objects for the collector to copy.
 */
import type { TokenizedText } from '../encoder.js';

/** Initial room per row; English WordPiece averages ~28 ids a sentence, and the array doubles when short. */
const IDS_PER_ROW_GUESS = 32;

export interface TokenIdRows {
  ids: Int32Array;
  offsets: Int32Array;
  truncated: Uint8Array;
}

/** Rows appended in order and readable as they are added (`ids` has room beyond the last row), then taken with `rows()`. */
export class TokenIdRowsBuilder implements TokenIdRows {
  ids: Int32Array;
  readonly offsets: Int32Array;
  readonly truncated: Uint8Array;
  private count = 0;

  constructor(rows: number) {
    this.ids = new Int32Array(Math.max(IDS_PER_ROW_GUESS, rows * IDS_PER_ROW_GUESS));
    this.offsets = new Int32Array(rows + 1);
    this.truncated = new Uint8Array(rows);
  }

  /** Appends the next row; its ids are then `ids` from `offsets[row]` to `offsets[row + 1]`. */
  add({ ids, truncated }: TokenizedText): void {
    const start = this.offsets[this.count]!;
    const end = start + ids.length;
    this.reserve(start, end);
    for (let k = 0; k < ids.length; k++) this.ids[start + k] = ids[k]!;
    this.truncated[this.count] = truncated ? 1 : 0;
    this.offsets[++this.count] = end;
  }

  /** Appends rows whose ids are one run in `ids`: `counts[r]` ids each, `truncated[r]` 1 where cut. */
  addRows(ids: Int32Array, counts: Int32Array, truncated: Int32Array): void {
    const start = this.offsets[this.count]!;
    this.reserve(start, start + ids.length);
    this.ids.set(ids, start);
    let end = start;
    for (let r = 0; r < counts.length; r++) {
      end += counts[r]!;
      this.truncated[this.count] = truncated[r]!;
      this.offsets[++this.count] = end;
    }
  }

  /** The rows added so far (all of them, once the batch is done), `ids` cut to them. */
  rows(): TokenIdRows {
    return {
      ids: this.ids.subarray(0, this.offsets[this.count]),
      offsets: this.offsets,
      truncated: this.truncated,
    };
  }

  /** Room in `ids` up to `end`, keeping the first `kept`. */
  private reserve(kept: number, end: number): void {
    if (end <= this.ids.length) return;
    const grown = new Int32Array(Math.max(end, this.ids.length * 2));
    grown.set(this.ids.subarray(0, kept));
    this.ids = grown;
  }
}
