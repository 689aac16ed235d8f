/**
 * The chunk cache of chunk-table.wat in its own WebAssembly memory: a bounded open-addressing table
 * of UTF-8 chunks and their token ids, and a batch area after it for one window of texts (their
 * bytes, the chunks found, the ids written). batch-tokenizer.ts drives it.
 */
import { growMemory, padTo, wasmMemory } from '../../wasm/index.js';
import { WASM_BYTES } from './chunk-table-wasm.js';

const kernel = new WebAssembly.Module(WASM_BYTES);

const HEADER_BYTES = 64;
/** Int32 indexes of the header fields (chunk-table.wat). */
const SLOTS = 0;
const MASK = 1;
const MOST_ENTRIES = 2;
const ARENA_END = 3;
const ARENA_TOP = 4;
const ENTRIES = 5;
const FULL = 6;
const MISSES = 7;
const STOP_REASON = 8;
const SLOT_BYTES = 16;
/** Keys of at most this many bytes are held in their slot, not the arena (chunk-table.wat). */
const SLOT_KEY_BYTES = 8;
/** A slot's ids address marking a chunk whose rows JavaScript tokenizes. */
const CHUNK_FOR_JAVASCRIPT = -1;
/** `rowState` values: a row whose text was cut before tokenizing, and one left to JavaScript. */
export const ROW_CUT = 1;
export const ROW_FOR_JAVASCRIPT = 2;
/** Why `emit` stopped before the end. */
export const OUT_OF_ROOM = 1;
/** Initial room for a window's ids; the area grows when a row does not fit. */
const OUT_IDS_GUESS = 32;

export const DEFAULT_CHUNK_TABLE_ENTRIES = 100_000;
/** Arena bytes per entry: a chunk's UTF-8 key and ids average well under this on English text. */
const ARENA_BYTES_PER_ENTRY = 64;

/** Addresses (bytes) of a window's areas in the memory. */
interface BatchLayout {
  rows: number;
  byteOffsets: number;
  rowState: number;
  rowCounts: number;
  rowRecords: number;
  texts: number;
  records: number;
  misses: number;
  out: number;
  outEnd: number;
}

export class ChunkTable {
  private readonly memory: WebAssembly.Memory;
  private readonly lookupCall: (...args: number[]) => number;
  private readonly emitCall: (...args: number[]) => number;
  private readonly slots: number;
  private readonly arena: number;
  private readonly batchStart: number;
  private window!: BatchLayout;

  constructor(maxEntries = DEFAULT_CHUNK_TABLE_ENTRIES, arenaBytes = maxEntries * ARENA_BYTES_PER_ENTRY) {
    // Under half full, so probes stay short and an empty slot always ends them.
    const slotCount = 2 ** Math.ceil(Math.log2(maxEntries * 2 + 1));
    this.slots = HEADER_BYTES;
    this.arena = this.slots + slotCount * SLOT_BYTES;
    this.batchStart = padTo(this.arena + arenaBytes, 16);
    this.memory = wasmMemory(this.batchStart);
    const instance = new WebAssembly.Instance(kernel, { env: { memory: this.memory } });
    this.lookupCall = instance.exports.lookup as ChunkTable['lookupCall'];
    this.emitCall = instance.exports.emit as ChunkTable['emitCall'];
    const header = this.int32();
    header[SLOTS] = this.slots;
    header[MASK] = slotCount - 1;
    header[MOST_ENTRIES] = maxEntries;
    header[ARENA_END] = this.arena + arenaBytes;
    // A new memory is zeroed: empty slots, no entries. Not filling it leaves its pages untouched until used.
    header[ARENA_TOP] = this.arena;
    this.startWindow(0, 0);
  }

  get entries(): number {
    return this.int32()[ENTRIES]!;
  }

  /** Whether ids found no room in the arena: the table is to be cleared before the next window. */
  get full(): boolean {
    return this.int32()[FULL] === 1;
  }

  /** Empties the table wholesale; the frequent chunks come straight back. */
  clear(): void {
    new Uint8Array(this.memory.buffer, this.slots, this.arena - this.slots).fill(0);
    const header = this.int32();
    header[ARENA_TOP] = this.arena;
    header[ENTRIES] = 0;
    header[FULL] = 0;
  }

  /** Lays out a window of `rows` texts of at most `textBytes` UTF-8 bytes; returns where their bytes go. */
  startWindow(rows: number, textBytes: number): { bytes: Uint8Array; byteOffsets: Int32Array; rowState: Int32Array } {
    const byteOffsets = this.batchStart;
    const rowState = byteOffsets + (rows + 1) * 4;
    const rowCounts = rowState + rows * 4;
    const rowRecords = rowCounts + rows * 4;
    const texts = rowRecords + (rows + 1) * 4;
    // A row of b bytes has at most (b + 1) / 2 chunks.
    const recordCapacity = Math.ceil(textBytes / 2) + rows;
    const records = padTo(texts + textBytes, 4);
    const misses = records + recordCapacity * 4;
    const out = misses + recordCapacity * 4;
    this.window = { rows, byteOffsets, rowState, rowCounts, rowRecords, texts, records, misses, out, outEnd: out };
    this.growOut(rows * OUT_IDS_GUESS * 4);
    return {
      bytes: new Uint8Array(this.memory.buffer, texts, textBytes),
      byteOffsets: new Int32Array(this.memory.buffer, byteOffsets, rows + 1),
      rowState: new Int32Array(this.memory.buffer, rowState, rows),
    };
  }

  /** Room for at least `bytes` more of ids in the window's output area (which the memory ends with). */
  growOut(bytes = this.window.outEnd - this.window.out): void {
    const layout = this.window;
    layout.outEnd = Math.max(layout.outEnd, layout.out + Math.max(bytes, OUT_IDS_GUESS * 4) * 2);
    growMemory(this.memory, layout.outEnd);
  }

  /** Finds rows `from` .. of the window in the table (inserting unknown chunks); returns the first row not done. */
  lookup(from: number): number {
    const { texts, byteOffsets, rows, rowRecords, records, misses } = this.window;
    return this.lookupCall(texts, byteOffsets, from, rows, rowRecords, records, misses);
  }

  /** The slots the last `lookup` inserted, whose ids are not known yet. */
  misses(): Int32Array {
    return new Int32Array(this.memory.buffer, this.window.misses, this.int32()[MISSES]);
  }

  /** The UTF-8 key of `slot`: in the slot itself when it is short, else in the arena. */
  key(slot: number): Uint8Array {
    const fields = this.int32();
    const length = fields[(slot >> 2) + 2]!;
    const at = length <= SLOT_KEY_BYTES ? slot : fields[(slot >> 2) + 1]!;
    return new Uint8Array(this.memory.buffer, at, length);
  }

  /**
   * Stores `ids` for `slot`; null (an added token) or ids that do not fit in the arena mark it for
   * JavaScript. Not fitting also marks the table full, so nothing more is inserted until it is cleared.
   */
  setIds(slot: number, ids: readonly number[] | null): void {
    const fields = this.int32();
    if (ids === null) {
      fields[(slot >> 2) + 3] = CHUNK_FOR_JAVASCRIPT;
      return;
    }
    const at = padTo(fields[ARENA_TOP]!, 4);
    if (at + 4 + ids.length * 4 > fields[ARENA_END]!) {
      fields[(slot >> 2) + 3] = CHUNK_FOR_JAVASCRIPT;
      fields[FULL] = 1;
      return;
    }
    fields[at >> 2] = ids.length;
    for (let k = 0; k < ids.length; k++) fields[(at >> 2) + 1 + k] = ids[k]!;
    fields[(slot >> 2) + 3] = at;
    fields[ARENA_TOP] = at + 4 + ids.length * 4;
  }

  /**
   * Writes the ids of rows `from` .. `to - 1` (looked up, their misses set) from the start of the
   * output area; returns the first row not written and why (`OUT_OF_ROOM` or `ROW_FOR_JAVASCRIPT`).
   */
  emit(from: number, to: number, maxTokens: number, unknownId: number): { reached: number; reason: number } {
    const { rowRecords, records, rowState, rowCounts, out, outEnd } = this.window;
    const reached = this.emitCall(
      from,
      to,
      rowRecords,
      records,
      rowState,
      rowCounts,
      out,
      outEnd,
      maxTokens,
      unknownId,
    );
    return { reached, reason: reached < to ? this.int32()[STOP_REASON]! : 0 };
  }

  /** The last `emit`'s rows from `from` to `to`: their ids in one run, counts and state (1 = truncated). */
  emitted(from: number, to: number): { ids: Int32Array; counts: Int32Array; truncated: Int32Array } {
    const { rowCounts, rowState, out } = this.window;
    const counts = new Int32Array(this.memory.buffer, rowCounts + from * 4, to - from);
    let total = 0;
    for (let r = 0; r < counts.length; r++) total += counts[r]!;
    return {
      ids: new Int32Array(this.memory.buffer, out, total),
      counts,
      truncated: new Int32Array(this.memory.buffer, rowState + from * 4, to - from),
    };
  }

  private int32(): Int32Array {
    return new Int32Array(this.memory.buffer);
  }
}
