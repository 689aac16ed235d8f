/**
 * TF-IDF rows of ASCII texts in WebAssembly (tfidf-rows.wat): a window of consecutive texts is
 * copied in as bytes, lowercased, scanned, looked up in copies of the term index's tables and
 * weighed there with the float64 operations of tfidf-rows.ts in the same order, so the rows are
 * bit-identical (test/tfidf-kernel.test.ts). A text that is not ASCII or too long for the window, or
 * that has a count of 256 or more, is left to the JavaScript path. For an ASCII string `toLowerCase`
 * maps exactly A-Z to a-z, which is what the kernel does.
 */
import { padTo, wasmMemory } from '../../wasm/index.js';
import { checkedText } from '../checked-text.js';
import type { RowsUnderway } from './rows-underway.js';
import type { TermTables } from './term-index.js';
import { WASM_BYTES } from './tfidf-rows-wasm.js';

const kernel = new WebAssembly.Module(WASM_BYTES);
/** Bytes of text a window holds; a text needs room for three bytes a code unit (to tell ASCII by its UTF-8 length). */
const WINDOW_BYTES = 1 << 17;
const WINDOW_ROWS = 1024;
const HEADER_BYTES = 64;
/** Word slots hold four int32: the word's hash, its id + 1 (0 when empty), the address of its bytes, its length. */
const WORD_SLOT_INTS = 4;
/** Pair slots hold three int32: the first word's id + 1 (0 when empty), the second's id, the column. */
const PAIR_SLOT_INTS = 3;

/** Per byte, its lowercase if it is a word character in ASCII (natural's [\p{L}\p{N}_]), 0 otherwise. */
const BYTE_CLASSES = Uint8Array.from({ length: 256 }, (_, byte) => {
  const char = String.fromCharCode(byte);
  return /^[a-zA-Z0-9_]$/.test(char) ? char.toLowerCase().charCodeAt(0) : 0;
});

type Weigh = (
  rows: number,
  texts: number,
  textEnds: number,
  indices: number,
  values: number,
  entryEnds: number,
  tokens: number,
) => number;

/** Lays out arrays one after another in the kernel's memory, each at a multiple of 16 bytes. */
class Layout {
  bytes = HEADER_BYTES;

  take(bytes: number): number {
    const at = this.bytes;
    this.bytes = padTo(at + bytes, 16);
    return at;
  }
}

export class TfidfKernel {
  private readonly run: Weigh;
  private readonly text: Buffer;
  private readonly textsAt: number;
  private readonly textEnds: Int32Array;
  private readonly indices: Int32Array;
  private readonly values: Float32Array;
  private readonly entryEnds: Int32Array;
  private readonly tokens: Int32Array;

  constructor(tables: TermTables, idf: Float32Array, tf: Float64Array, ngramMax: number) {
    const layout = new Layout();
    const bitWords = Math.ceil(idf.length / 64);
    const topWords = Math.ceil(bitWords / 64);
    const pairSlots = 2 ** Math.max(1, Math.ceil(Math.log2(2 * tables.pairs.length + 2)));
    const header = [
      layout.take(tables.slots.length * WORD_SLOT_INTS * 4),
      tables.slots.length - 1,
      layout.take(tables.unigramColumns.byteLength),
      layout.take(pairSlots * PAIR_SLOT_INTS * 4),
      32 - Math.log2(pairSlots),
      layout.take(idf.length * 8),
      layout.take(tf.byteLength),
      layout.take(idf.length * 4),
      layout.take(bitWords * 8),
      layout.take(topWords * 8),
      topWords,
      layout.take(idf.length * 8),
      ngramMax,
      layout.take(256),
    ];
    const wordsAt = layout.take(tables.units.length);
    this.textsAt = layout.take(WINDOW_BYTES);
    const textEndsAt = layout.take(WINDOW_ROWS * 4);
    const entries = WINDOW_BYTES + WINDOW_ROWS;
    const indicesAt = layout.take(entries * 4);
    const valuesAt = layout.take(entries * 4);
    const entryEndsAt = layout.take(WINDOW_ROWS * 4);
    const tokensAt = layout.take(WINDOW_ROWS * 4);
    const memory = wasmMemory(layout.bytes);
    const { buffer } = memory;
    new Int32Array(buffer, 0, header.length).set(header);
    const [slotsAt, , unigramsAt, pairsAt, shift, idfAt, tfAt, , , , , , , classesAt] = header as number[];
    fillWordSlots(new Int32Array(buffer, slotsAt, tables.slots.length * WORD_SLOT_INTS), tables, wordsAt);
    new Uint8Array(buffer, wordsAt, tables.units.length).set(tables.units);
    new Int32Array(buffer, unigramsAt, tables.unigramColumns.length).set(tables.unigramColumns);
    fillPairSlots(new Int32Array(buffer, pairsAt, pairSlots * PAIR_SLOT_INTS), tables.pairs, shift!);
    new Float64Array(buffer, idfAt, idf.length).set(idf);
    new Float64Array(buffer, tfAt, tf.length).set(tf);
    new Uint8Array(buffer, classesAt, 256).set(BYTE_CLASSES);
    this.text = Buffer.from(buffer, this.textsAt, WINDOW_BYTES);
    this.textEnds = new Int32Array(buffer, textEndsAt, WINDOW_ROWS);
    this.indices = new Int32Array(buffer, indicesAt, entries);
    this.values = new Float32Array(buffer, valuesAt, entries);
    this.entryEnds = new Int32Array(buffer, entryEndsAt, WINDOW_ROWS);
    this.tokens = new Int32Array(buffer, tokensAt, WINDOW_ROWS);
    this.run = new WebAssembly.Instance(kernel, { env: { memory } }).exports.weigh as Weigh;
  }

  /**
   * Copies `texts[from]` onwards (before `to`) into the window while they are ASCII strings and fit;
   * returns how many it copied. A text that is not a string fails here, at its index.
   */
  fill(texts: readonly string[], from: number, to: number): number {
    const { text, textEnds } = this;
    let bytes = 0;
    let count = 0;
    while (from + count < to && count < WINDOW_ROWS) {
      const next = checkedText(texts[from + count], from + count);
      if (bytes + 3 * next.length > WINDOW_BYTES) break;
      // Every code unit that is not ASCII takes more than one UTF-8 byte (a lone surrogate three).
      const written = text.write(next, bytes);
      if (written !== next.length) break;
      bytes += written;
      textEnds[count++] = bytes;
    }
    return count;
  }

  /** Weighs the `count` texts `fill` copied into `rows` from row `first`; returns how many it weighed. */
  weigh(count: number, rows: RowsUnderway, first: number): number {
    const { indices, values, entryEnds, tokens } = this;
    const weighed = this.run(
      count,
      this.textsAt,
      this.textEnds.byteOffset,
      indices.byteOffset,
      values.byteOffset,
      entryEnds.byteOffset,
      tokens.byteOffset,
    );
    if (weighed === 0) return 0;
    const start = rows.indptr[first]!;
    const entries = entryEnds[weighed - 1]!;
    rows.reserve(start + entries);
    rows.indices.set(indices.subarray(0, entries), start);
    rows.values.set(values.subarray(0, entries), start);
    rows.tokens.set(tokens.subarray(0, weighed), first);
    for (let row = 0; row < weighed; row++) rows.indptr[first + row + 1] = start + entryEnds[row]!;
    return weighed;
  }
}

/**
 * The term index's word slots with each word's hash, bytes and length beside its id, so a lookup
 * reads one slot, not four tables. A word that is not ASCII gets length -1: no ASCII word matches it.
 */
function fillWordSlots(slots: Int32Array, tables: TermTables, wordsAt: number): void {
  const { units, wordStarts, wordHashes } = tables;
  tables.slots.forEach((entry, slot) => {
    if (entry === 0) return;
    const [from, to] = [wordStarts[entry - 1]!, wordStarts[entry]!];
    const ascii = units.subarray(from, to).every((unit) => unit < 0x80);
    slots.set([wordHashes[entry - 1]!, entry, wordsAt + from, ascii ? to - from : -1], slot * WORD_SLOT_INTS);
  });
}

/** The pair table the kernel probes: open addressing from the top bits of a multiplicative hash of the two ids. */
function fillPairSlots(slots: Int32Array, pairs: readonly [number, number, number][], shift: number): void {
  const mask = slots.length / PAIR_SLOT_INTS - 1;
  for (const [first, second, column] of pairs) {
    let slot = Math.imul(Math.imul(first, 0x9e3779b1) ^ second, 0x85ebca6b) >>> shift;
    while (slots[slot * PAIR_SLOT_INTS] !== 0) slot = (slot + 1) & mask;
    slots.set([first + 1, second, column], slot * PAIR_SLOT_INTS);
  }
}
