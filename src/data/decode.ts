/**
 * Turns a byte stream into numbered text lines. Splitting on the LF byte before decoding is safe in
 * UTF-8 and ISO-8859-1 alike, and lets an invalid UTF-8 sequence be reported by line and byte offset.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { DataError } from '../errors.js';

/** 'utf-8' refuses invalid bytes; 'utf-8-replace' turns each invalid sequence into U+FFFD and flags the line. */
export type ByteEncoding = 'utf-8' | 'utf-8-replace' | 'latin1';

export interface DecodedLine {
  /** The line's text without its '\n' (a '\r' before it is kept; callers that split lines drop it). */
  text: string;
  /** 1-based line number. */
  line: number;
  /** false only for a last line that the file does not end with '\n'. */
  terminated: boolean;
  /** Invalid UTF-8 bytes in the line were replaced by U+FFFD ('utf-8-replace' only). */
  invalidUtf8: boolean;
}

const LF = 0x0a;
/**
 * Lines are decoded and handed on this many bytes at a time, however large the reads: the rows of a
 * block then die young (blocks of a whole 1 MiB read cost 40 ms more CPU per 100k rows, mostly in GC).
 */
const BLOCK_BYTES = 64 * 1024;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * The lines of each block of bytes as one block, so readers pay one await per block rather than per
 * line. A line that cannot be decoded ends the stream: the lines before it in its block come first, then the error.
 */
export async function* decodeLineBlocks(
  chunks: AsyncIterable<Buffer>,
  file: string,
  encoding: ByteEncoding,
): AsyncGenerator<DecodedLine[]> {
  const decoder = new LineDecoder(file, encoding);
  let pending: Buffer[] = [];
  for await (const read of chunks)
    for (let at = 0; at < read.length; at += BLOCK_BYTES) {
      const chunk = read.subarray(at, at + BLOCK_BYTES);
      const firstLf = chunk.indexOf(LF);
      if (firstLf === -1) {
        pending.push(chunk);
        continue;
      }
      const block: DecodedLine[] = [];
      try {
        pending.push(chunk.subarray(0, firstLf));
        decoder.line((pending.length === 1 && pending[0]) || Buffer.concat(pending), true, block);
        pending = [];
        const lastLf = chunk.lastIndexOf(LF);
        if (lastLf > firstLf) decoder.lines(chunk.subarray(firstLf + 1, lastLf), block);
        if (lastLf + 1 < chunk.length) pending.push(chunk.subarray(lastLf + 1));
      } catch (error) {
        if (block.length > 0) yield block;
        throw error;
      }
      yield block;
    }
  if (pending.length > 0) {
    const last: DecodedLine[] = [];
    decoder.line(Buffer.concat(pending), false, last);
    yield last;
  }
}

/** Numbers and decodes lines in file order, keeping the byte offset of the next line's start for error messages. */
class LineDecoder {
  private next = 1;
  private nextStart = 0;

  constructor(
    private readonly file: string,
    private readonly encoding: ByteEncoding,
  ) {}

  /** One line's bytes, without its LF. */
  line(bytes: Buffer, terminated: boolean, into: DecodedLine[]): void {
    const line = this.next;
    const bomLength = line === 1 && bytes.subarray(0, 3).equals(UTF8_BOM) ? 3 : 0;
    const body = bytes.subarray(bomLength);
    let text: string;
    let invalid = false;
    if (this.encoding === 'latin1') text = body.toString('latin1');
    else {
      invalid = !isUtf8(body);
      if (invalid && this.encoding === 'utf-8') throw invalidUtf8(this.file, line, this.nextStart + bomLength, body);
      text = body.toString('utf8');
    }
    into.push({ text, line, terminated, invalidUtf8: invalid });
    this.nextStart += bytes.length + 1;
    this.next++;
  }

  /**
   * Whole lines after the first line, joined by LF and without the last one's LF: read at once as
   * ISO-8859-1 (a character per byte) and split on '\n'. A line holding a byte above 0x7F is then
   * decoded apart as UTF-8 (once the whole is known valid), which gives each line the text it would
   * have had alone; decoding the whole as UTF-8 would make every line of a block with one such byte a
   * two-byte string, and was slower. With invalid UTF-8, one line at a time, so each is flagged or refused alone.
   */
  lines(bytes: Buffer, into: DecodedLine[]): void {
    const mayBeWide = this.encoding !== 'latin1' && !isAscii(bytes);
    if (mayBeWide && !isUtf8(bytes)) {
      let from = 0;
      for (let lf = bytes.indexOf(LF); lf !== -1; lf = bytes.indexOf(LF, from)) {
        this.line(bytes.subarray(from, lf), true, into);
        from = lf + 1;
      }
      this.line(bytes.subarray(from), true, into);
      return;
    }
    const text = bytes.toString('latin1');
    let nonAscii = mayBeWide ? nonAsciiFrom(text, 0) : Infinity;
    let line = this.next;
    let from = 0;
    for (;;) {
      const lf = text.indexOf('\n', from);
      const end = lf === -1 ? text.length : lf;
      let lineText: string;
      if (nonAscii < end) {
        lineText = bytes.toString('utf8', from, end);
        nonAscii = nonAsciiFrom(text, end);
      } else lineText = text.slice(from, end);
      into.push({ text: lineText, line: line++, terminated: true, invalidUtf8: false });
      if (lf === -1) break;
      from = lf + 1;
    }
    this.next = line;
    this.nextStart += bytes.length + 1;
  }
}

const NON_ASCII = /[\x80-\xff]/g;

/** Index of the first character above 0x7F in `text` at or after `from`; Infinity when there is none. */
function nonAsciiFrom(text: string, from: number): number {
  NON_ASCII.lastIndex = from;
  return NON_ASCII.exec(text)?.index ?? Infinity;
}

/**
 * Byte offset of the first invalid sequence in `bytes`. Everything before it decodes exactly, so the
 * UTF-8 length of the text before the first U+FFFD that is not a literal EF BF BD is that offset.
 */
function firstInvalidUtf8Offset(bytes: Buffer): number {
  const text = bytes.toString('utf8');
  for (let i = text.indexOf('\uFFFD'); i !== -1; i = text.indexOf('\uFFFD', i + 1)) {
    const offset = Buffer.byteLength(text.slice(0, i));
    if (!(bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd)) return offset;
  }
  return 0;
}

/** The error for a line that is not UTF-8: its first invalid byte, and whether the file looks like latin-1. */
export function invalidUtf8(file: string, line: number, bodyStart: number, body: Buffer): DataError {
  const offset = firstInvalidUtf8Offset(body);
  // The body failed to decode, so it has a byte at the first invalid offset.
  const byte = body[offset] ?? 0;
  return new DataError(
    'INVALID_UTF8',
    `invalid UTF-8 at byte offset ${bodyStart + offset} (byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')}${latin1Diagnosis(body, byte)})`,
    {
      location: { file, line },
      hint: 'if the file is ISO-8859-1 (latin-1), pass --encoding latin1; to read it anyway, --encoding utf-8-replace replaces bad bytes with U+FFFD and flags the rows',
    },
  );
}

/**
 * ISO-8859-1 text read as UTF-8 fails on its accented letters: a lone byte 0xA0-0xFF between ASCII
 * characters. When no byte of the line forms a valid multi-byte UTF-8 sequence, say what it would be.
 */
function latin1Diagnosis(body: Buffer, byte: number): string {
  if (byte < 0xa0 || /[\u0080-\uFFFC\u{10000}-\u{10FFFF}]/u.test(body.toString('utf8'))) return '';
  return `, which is "${String.fromCharCode(byte)}" in ISO-8859-1: the file looks like latin-1, not UTF-8`;
}
