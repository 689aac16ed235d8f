/**
 * The fast paths of the readers (issue 23, fourth round) against the paths they replaced, over random
 * bytes cut into random chunks: invalid UTF-8, CR, CRLF, byte order marks, empty and very long lines.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeLineBlocks, type ByteEncoding, type DecodedLine } from '../src/data/decode.js';
import { decodeLineBlocksOneByOne } from './decode-reference.js';

const utf8 = (text: string) => [...Buffer.from(text, 'utf8')];
/** Pieces that matter to line splitting and decoding, so that random inputs hit every path often. */
const pieces: number[][] = [
  utf8('a'),
  utf8('word '),
  utf8('\n'),
  utf8('\r\n'),
  utf8('\r'),
  [0xef, 0xbb, 0xbf],
  utf8('é'),
  utf8('€'),
  utf8('😀'),
  utf8('\uFFFD'),
  [0xff],
  [0xc3],
  [0x80],
  [0xe2, 0x82],
  [0xed, 0xa0, 0x80],
  [0x00],
  utf8('x'.repeat(3000)),
];
const bytes = fc
  .array(
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...pieces) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 8 }).map((b) => [...b]) },
    ),
    {
      maxLength: 80,
    },
  )
  .map((list) => Buffer.from(list.flat()));
/** Cut points, as fractions of the input's length. */
const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 });
const encodings: ByteEncoding[] = ['utf-8', 'utf-8-replace', 'latin1'];

function chunked(input: Buffer, fractions: number[]): Buffer[] {
  const points = [...new Set(fractions.map((f) => Math.floor(f * input.length)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of [...points, input.length]) {
    chunks.push(input.subarray(from, point));
    from = point;
  }
  return chunks;
}

async function* stream(chunks: Buffer[]): AsyncGenerator<Buffer> {
  yield* chunks;
}

/** Every block as yielded, and how the stream ended. */
async function outcome(blocks: AsyncIterable<DecodedLine[]>): Promise<{ blocks: DecodedLine[][]; error?: unknown }> {
  const seen: DecodedLine[][] = [];
  try {
    for await (const block of blocks) seen.push(block);
  } catch (error) {
    const { name, message, code, location, hint } = error as Record<string, unknown>;
    return { blocks: seen, error: { name, message, code, location, hint } };
  }
  return { blocks: seen };
}

describe('decodeLineBlocks: a block decoded at once', () => {
  it('yields the blocks, lines and errors of the line-at-a-time decoder', async () => {
    await fc.assert(
      fc.asyncProperty(bytes, cuts, fc.constantFrom(...encodings), async (input, fractions, encoding) => {
        const chunks = chunked(input, fractions);
        const expected = await outcome(decodeLineBlocksOneByOne(stream(chunks), 'in.txt', encoding));
        const actual = await outcome(decodeLineBlocks(stream(chunks), 'in.txt', encoding));
        expect(actual).toEqual(expected);
      }),
      { numRuns: 1500, seed: 23 },
    );
  });

  it('decodes 64 KiB chunks of mixed ASCII, multi-byte and invalid lines alike', async () => {
    const lines = ['plain ascii line', 'café au lait', '', 'emoji 😀 here', '\r', 'x'.repeat(5000)];
    const input = Buffer.concat(
      Array.from({ length: 4000 }, (_, i) =>
        i % 997 === 5 ? Buffer.from([0x62, 0xff, 0x0a]) : Buffer.from(`${lines[i % lines.length]}\n`),
      ),
    );
    const chunks = chunked(
      input,
      Array.from({ length: Math.ceil(input.length / 65_536) }, (_, i) => (i * 65_536) / input.length),
    );
    for (const encoding of encodings) {
      const expected = await outcome(decodeLineBlocksOneByOne(stream(chunks), 'in.txt', encoding));
      expect(await outcome(decodeLineBlocks(stream(chunks), 'in.txt', encoding))).toEqual(expected);
    }
  });
});
