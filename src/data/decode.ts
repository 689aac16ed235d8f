/**
 * Turns a byte stream into numbered text lines. Splitting on the LF byte before decoding is safe in
 * UTF-8 and ISO-8859-1 alike, and lets an invalid UTF-8 sequence be reported by line and byte offset.
 */
import { isUtf8 } from 'node:buffer';
import { DataError } from '../errors.js';

export type ByteEncoding = 'utf-8' | 'latin1';

export interface DecodedLine {
  /** The line's text without its '\n' (a '\r' before it is kept; callers that split lines drop it). */
  text: string;
  /** 1-based line number. */
  line: number;
  /** false only for a last line that the file does not end with '\n'. */
  terminated: boolean;
}

const LF = 0x0a;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export async function* decodeLines(
  chunks: AsyncIterable<Buffer>,
  file: string,
  encoding: ByteEncoding,
): AsyncGenerator<DecodedLine> {
  let pending: Buffer[] = [];
  let line = 1;
  let lineStart = 0;
  const decode = (bytes: Buffer): string => {
    const bomLength = line === 1 && bytes.subarray(0, 3).equals(UTF8_BOM) ? 3 : 0;
    const body = bytes.subarray(bomLength);
    if (encoding === 'latin1') return body.toString('latin1');
    if (isUtf8(body)) return body.toString('utf8');
    throw invalidUtf8(file, line, lineStart + bomLength + firstInvalidUtf8Offset(body));
  };

  for await (const chunk of chunks) {
    let from = 0;
    for (let lf = chunk.indexOf(LF, from); lf !== -1; lf = chunk.indexOf(LF, from)) {
      pending.push(chunk.subarray(from, lf));
      const bytes = pending.length === 1 ? pending[0] : Buffer.concat(pending);
      yield { text: decode(bytes), line, terminated: true };
      lineStart += bytes.length + 1;
      line++;
      pending = [];
      from = lf + 1;
    }
    if (from < chunk.length) pending.push(chunk.subarray(from));
  }
  if (pending.length > 0) yield { text: decode(Buffer.concat(pending)), line, terminated: false };
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

function invalidUtf8(file: string, line: number, byteOffset: number): DataError {
  return new DataError('INVALID_UTF8', `invalid UTF-8 at byte offset ${byteOffset}`, {
    location: { file, line },
    hint: 'the file is not UTF-8; if it is ISO-8859-1 (latin-1), pass --encoding latin1',
  });
}
