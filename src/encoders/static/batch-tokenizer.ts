/**
 * A batch's token ids through the WebAssembly chunk table (chunk-table.wat): texts written as UTF-8
 * into its memory, one call finds every chunk, JavaScript encodes only the chunks not seen before
 * (ChunkCacheTokenizer, so the same ids), one call writes the rows' ids. Rows the table cannot take
 * go through `fallback` (the encoder's `tokenize`), in place: texts that are not well-formed UTF-16
 * (UTF-8 would replace lone surrogates, merging different chunks), texts with a chunk touching an
 * added token (the library encodes them whole), and rows whose chunks do not fit an empty table.
 */
import type { TokenizedText } from '../encoder.js';
import { cutToCharBudget } from './char-budget.js';
import type { ChunkCacheTokenizer } from './chunk-cache-tokenizer.js';
import { ChunkTable, OUT_OF_ROOM, ROW_CUT, ROW_FOR_JAVASCRIPT } from './chunk-table.js';
import type { TokenIdRowsBuilder } from './token-id-rows.js';

/** UTF-8 bytes per window at most (one longer text is a window alone): bounds the batch area. */
const WINDOW_TEXT_BYTES = 1 << 22;
/** A UTF-16 unit is at most 3 UTF-8 bytes (a surrogate pair, two units, is 4). */
const UTF8_BYTES_PER_UNIT = 3;

export interface BatchTokenizeOptions {
  maxTokens: number;
  unknownId: number;
  /** UTF-16 units of a text tokenized at most (`cutToCharBudget`). */
  charBudget: number;
  /** A row's ids the way `tokenize` finds them, for rows the table does not take. */
  fallback: (text: string) => TokenizedText;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const tables = new WeakMap<ChunkCacheTokenizer, BatchTokenizer>();

/** The batch tokenizer over `tokenizer`'s chunks (one per tokenizer), or undefined when it has no fast path. */
export function batchTokenizerOf(tokenizer: ChunkCacheTokenizer): BatchTokenizer | undefined {
  if (!tokenizer.fastPath) return undefined;
  let batch = tables.get(tokenizer);
  if (batch === undefined) tables.set(tokenizer, (batch = new BatchTokenizer(tokenizer)));
  return batch;
}

export class BatchTokenizer {
  constructor(
    private readonly chunks: ChunkCacheTokenizer,
    private readonly table = new ChunkTable(),
  ) {}

  /** Number of chunks in the table. */
  get cacheSize(): number {
    return this.table.entries;
  }

  /** Appends the ids of `texts[from]` .. `texts[to - 1]` (all strings) to `out`, in order. */
  tokenize(
    texts: readonly string[],
    from: number,
    to: number,
    out: TokenIdRowsBuilder,
    options: BatchTokenizeOptions,
  ): void {
    let start = from;
    while (start < to) {
      let end = start;
      let bytes = 0;
      while (end < to) {
        const rowBytes = Math.min(texts[end]!.length, options.charBudget) * UTF8_BYTES_PER_UNIT;
        if (end > start && bytes + rowBytes > WINDOW_TEXT_BYTES) break;
        bytes += rowBytes;
        end++;
      }
      this.tokenizeWindow(texts, start, end, bytes, out, options);
      start = end;
    }
  }

  private tokenizeWindow(
    texts: readonly string[],
    from: number,
    to: number,
    textBytes: number,
    out: TokenIdRowsBuilder,
    options: BatchTokenizeOptions,
  ): void {
    const rows = to - from;
    const { bytes, byteOffsets, rowState } = this.table.startWindow(rows, textBytes);
    let at = 0;
    byteOffsets[0] = 0;
    for (let r = 0; r < rows; r++) {
      const budget = cutToCharBudget(texts[from + r]!, options.charBudget);
      if (isWellFormed(budget.text)) {
        rowState[r] = budget.cut ? ROW_CUT : 0;
        at += encoder.encodeInto(budget.text, bytes.subarray(at)).written;
      } else {
        rowState[r] = ROW_FOR_JAVASCRIPT;
      }
      byteOffsets[r + 1] = at;
    }
    let row = 0;
    while (row < rows) {
      const wasEmpty = this.table.entries === 0;
      let reached = this.table.lookup(row);
      this.encodeMisses();
      this.emitRows(texts, from, row, reached, out, options);
      if (reached < rows) {
        // Not even one row fits an empty table: JavaScript tokenizes it.
        if (reached === row && wasEmpty) out.add(options.fallback(texts[from + reached++]!));
        this.table.clear();
      } else if (this.table.full) {
        this.table.clear();
      }
      row = reached;
    }
  }

  /** The ids of the chunks the last lookup inserted, stored in the table. */
  private encodeMisses(): void {
    const misses = this.table.misses();
    for (let m = 0; m < misses.length; m++) {
      const slot = misses[m]!;
      this.table.setIds(slot, this.chunks.uncachedChunkIds(decoder.decode(this.table.key(slot))));
    }
  }

  /** Appends rows `from` .. `to - 1` of the window (looked up) to `out`, JavaScript's rows in their place. */
  private emitRows(
    texts: readonly string[],
    windowStart: number,
    from: number,
    to: number,
    out: TokenIdRowsBuilder,
    { maxTokens, unknownId, fallback }: BatchTokenizeOptions,
  ): void {
    let row = from;
    while (row < to) {
      const { reached, reason } = this.table.emit(row, to, maxTokens, unknownId);
      const emitted = this.table.emitted(row, reached);
      out.addRows(emitted.ids, emitted.counts, emitted.truncated);
      row = reached;
      if (row === to) break;
      if (reason === OUT_OF_ROOM) {
        this.table.growOut();
      } else {
        out.add(fallback(texts[windowStart + row]!));
        row++;
      }
    }
  }
}

/** `String.prototype.isWellFormed` (Node 20; TypeScript declares it from lib ES2024). */
function isWellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}
