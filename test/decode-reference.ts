/**
 * The oracle for the fast paths of src/data/decode.ts: its decoder as it was before them (issue 23,
 * fourth round), one line at a time (a Buffer, a validity check and a decode per line).
 */
import { isUtf8 } from 'node:buffer';
import { DataError } from '../src/errors.js';
import type { ByteEncoding, DecodedLine } from '../src/data/decode.js';

const LF = 0x0a;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * The lines of each chunk as one block, so readers pay one await per chunk rather than per line. A
 * line that cannot be decoded ends the stream: the lines before it in its chunk come first, then the error.
 */
export async function* decodeLineBlocksOneByOne(
  chunks: AsyncIterable<Buffer>,
  file: string,
  encoding: ByteEncoding,
): AsyncGenerator<DecodedLine[]> {
  let pending: Buffer[] = [];
  let line = 1;
  let lineStart = 0;
  const decode = (bytes: Buffer, terminated: boolean): DecodedLine => {
    const bomLength = line === 1 && bytes.subarray(0, 3).equals(UTF8_BOM) ? 3 : 0;
    const body = bytes.subarray(bomLength);
    if (encoding === 'latin1') return { text: body.toString('latin1'), line, terminated, invalidUtf8: false };
    const valid = isUtf8(body);
    if (valid || encoding === 'utf-8-replace')
      return { text: body.toString('utf8'), line, terminated, invalidUtf8: !valid };
    throw invalidUtf8(file, line, lineStart + bomLength, body);
  };

  for await (const chunk of chunks) {
    const block: DecodedLine[] = [];
    let from = 0;
    try {
      for (let lf = chunk.indexOf(LF, from); lf !== -1; lf = chunk.indexOf(LF, from)) {
        pending.push(chunk.subarray(from, lf));
        const bytes = (pending.length === 1 && pending[0]) || Buffer.concat(pending);
        block.push(decode(bytes, true));
        lineStart += bytes.length + 1;
        line++;
        pending = [];
        from = lf + 1;
      }
    } catch (error) {
      if (block.length > 0) yield block;
      throw error;
    }
    if (block.length > 0) yield block;
    if (from < chunk.length) pending.push(chunk.subarray(from));
  }
  if (pending.length > 0) yield [decode(Buffer.concat(pending), false)];
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

function invalidUtf8(file: string, line: number, bodyStart: number, body: Buffer): DataError {
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
