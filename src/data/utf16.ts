/**
 * UTF-16 files (Windows tools such as Excel's "Unicode text" and PowerShell write them): recognised
 * by their byte order mark, or without one by the NUL byte beside every ASCII character, so they are
 * read as what they are rather than failing as invalid UTF-8 (or passing as text full of NULs).
 * Two byte patterns do not warrant a charset-guessing dependency (chardet); TextDecoder decodes.
 */
export type Utf16Encoding = 'utf-16le' | 'utf-16be';

export interface Utf16 {
  encoding: Utf16Encoding;
  /** How it was recognised, for messages. */
  evidence: 'byte order mark' | 'NUL bytes between ASCII characters';
}

/** Byte pairs looked at without a byte order mark; an ASCII-heavy start of UTF-16 text is mostly NUL-paired. */
const SAMPLE_PAIRS = 512;
const MIN_PAIRS = 2;
const NUL_PAIR_SHARE = 0.75;

export function detectUtf16(head: Buffer): Utf16 | undefined {
  // FF FE 00 00 is the UTF-32 LE mark, not UTF-16.
  if (head[0] === 0xff && head[1] === 0xfe && !(head[2] === 0 && head[3] === 0))
    return { encoding: 'utf-16le', evidence: 'byte order mark' };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', evidence: 'byte order mark' };
  const pairs = Math.min(SAMPLE_PAIRS, Math.floor(head.length / 2));
  if (pairs < MIN_PAIRS) return undefined;
  let little = 0;
  let big = 0;
  for (let i = 0; i < pairs; i++) {
    const [even, odd] = [head[2 * i], head[2 * i + 1]];
    if (even !== 0 && odd === 0) little++;
    if (even === 0 && odd !== 0) big++;
  }
  if (little >= pairs * NUL_PAIR_SHARE) return { encoding: 'utf-16le', evidence: 'NUL bytes between ASCII characters' };
  if (big >= pairs * NUL_PAIR_SHARE) return { encoding: 'utf-16be', evidence: 'NUL bytes between ASCII characters' };
  return undefined;
}

export function utf16Name(encoding: Utf16Encoding): string {
  return encoding === 'utf-16le' ? 'UTF-16 LE' : 'UTF-16 BE';
}

/** The text of UTF-16 `chunks` as UTF-8 bytes (the byte order mark dropped; unpaired surrogates become U+FFFD). */
export async function* utf16ToUtf8(chunks: AsyncIterable<Buffer>, encoding: Utf16Encoding): AsyncGenerator<Buffer> {
  const decoder = new TextDecoder(encoding);
  for await (const chunk of chunks) {
    const text = decoder.decode(chunk, { stream: true });
    if (text !== '') yield Buffer.from(text, 'utf8');
  }
  const rest = decoder.decode();
  if (rest !== '') yield Buffer.from(rest, 'utf8');
}

/** `chunks` as UTF-8 when their first chunk shows UTF-16 (`utf16` then says which), else unchanged. */
export async function decodingUtf16(
  chunks: AsyncIterable<Buffer>,
): Promise<{ chunks: AsyncIterable<Buffer>; utf16?: Utf16 }> {
  const iterator = chunks[Symbol.asyncIterator]();
  const first = await iterator.next();
  const all = (async function* () {
    if (first.done) return;
    yield first.value;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  })();
  const utf16 = first.done ? undefined : detectUtf16(first.value);
  return utf16 ? { chunks: utf16ToUtf8(all, utf16.encoding), utf16 } : { chunks: all };
}
