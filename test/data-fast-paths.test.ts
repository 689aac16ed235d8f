/**
 * The fast paths of the readers (issue 23, fourth round) against the paths they replaced, over random
 * bytes cut into random chunks: invalid UTF-8, CR, CRLF, byte order marks, empty and very long lines.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeLineBlocks, type ByteEncoding, type DecodedLine } from '../src/data/decode.js';
import { loneTextLine } from '../src/data/jsonl.js';
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

/** Every line yielded, and how the stream ended (blocks may differ: the decoder cuts large reads into 64 KiB blocks). */
async function outcome(blocks: AsyncIterable<DecodedLine[]>): Promise<{ lines: DecodedLine[]; error?: unknown }> {
  const lines: DecodedLine[] = [];
  try {
    for await (const block of blocks) {
      expect(block.length).toBeGreaterThan(0);
      lines.push(...block);
    }
  } catch (error) {
    const { name, message, code, location, hint } = error as Record<string, unknown>;
    return { lines, error: { name, message, code, location, hint } };
  }
  return { lines };
}

describe('decodeLineBlocks: a block decoded at once', () => {
  it('yields the lines and errors of the line-at-a-time decoder', async () => {
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

  it('decodes 64 KiB reads and one 3 MB read of mixed ASCII, multi-byte and invalid lines alike', async () => {
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
    for (const encoding of encodings)
      for (const reads of [chunks, [input]]) {
        const expected = await outcome(decodeLineBlocksOneByOne(stream(reads), 'in.txt', encoding));
        expect(await outcome(decodeLineBlocks(stream(reads), 'in.txt', encoding))).toEqual(expected);
      }
  });
});

describe('JSONL lines read without JSON.parse', () => {
  const fields = ['text', 'sentence', '__proto__', 'a_1'];
  const tricky = fc.constantFrom(
    '"',
    '\\',
    '\\"',
    '\\u0041',
    '\\n',
    '\n',
    '\r',
    '\t',
    '\u0000',
    '\u001f',
    '\u007f',
    '\u2028',
    '\uFEFF',
    '\uD800',
    'é',
    '😀',
    '}',
    '{',
    ':',
    ',',
  );
  const content = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.array(fc.oneof(tricky, fc.string({ maxLength: 4 })), { maxLength: 8 }).map((parts) => parts.join('')),
  );
  // JSON's own whitespace and characters that are not: a line must match only where JSON.parse agrees.
  const space = fc
    .array(fc.constantFrom(' ', '\t', '\r', '\n', '\u00a0', '\uFEFF', '\u2028', '\u000b'), { maxLength: 3 })
    .map((s) => s.join(''));
  const line = fc
    .record({
      field: fc.constantFrom(...fields),
      key: fc.option(fc.constantFrom(...fields, 'Text', 'text ', '"text"')),
      value: content,
      escaped: fc.boolean(),
      spaces: fc.array(space, { minLength: 6, maxLength: 6 }),
      extra: fc.constantFrom('', ', "text": "x"', ', "other": 1', '}', ','),
    })
    .map(({ field, key, value, escaped, spaces: [a, b, c, d, e, f], extra }) => ({
      field,
      line: `${a}{${b}"${key ?? field}"${c}:${d}${escaped ? JSON.stringify(value) : `"${value}"`}${extra}${e}}${f}`,
    }));

  it('match only lines that JSON.parse reads as an object whose one key is the field, holding the matched text', () => {
    fc.assert(
      fc.property(line, ({ field, line }) => {
        const match = loneTextLine(field)?.exec(line);
        if (!match) return;
        const parsed = JSON.parse(line) as Record<string, unknown>;
        expect(Object.keys(parsed)).toEqual([field]);
        expect(parsed[field]).toBe(match[1]);
      }),
      { numRuns: 5000, seed: 23 },
    );
  });

  it('match the common shapes, with CRLF and spaces', () => {
    const text = loneTextLine('text')!;
    for (const common of ['{"text": "Plain words."}', '{"text":"é and 😀"}\r', ' { "text" : "" } '])
      expect(text.exec(common)?.[1]).toBe(JSON.parse(common).text);
    for (const other of [
      '{"text": "a\\"b"}',
      '{"text": "x", "text": "y"}',
      '\uFEFF{"text": "x"}',
      '{"text": "tab\there"}',
    ])
      expect(text.exec(other)).toBeNull();
  });
});
