/**
 * The oracle for the fast paths of src/data/decode.ts: its decoder as it was before them (issue 23,
 * fourth round), one line at a time (a Buffer, a validity check and a decode per line). The error it
 * throws is built by the decoder's own `invalidUtf8`: the fast paths changed how lines are split and
 * checked, not how an invalid one is described.
 */
import { isUtf8 } from 'node:buffer';
import { invalidUtf8, type ByteEncoding, type DecodedLine } from '../src/data/decode.js';

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
