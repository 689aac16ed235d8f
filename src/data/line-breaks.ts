/**
 * Files whose lines end with a lone CR (classic Mac OS, some exports): read as lines split on CR, as
 * a user expects, rather than as one giant line. The first line break decides, as csv-parse's own
 * record delimiter detection does; CR and LF are one byte each, so byte offsets stay true.
 */
const CR = 0x0d;
const LF = 0x0a;

/** true when the first line break in `bytes` is a CR not followed by LF; undefined when `bytes` does not tell yet. */
export function endsLinesWithCr(bytes: Buffer, complete: boolean): boolean | undefined {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === LF) return false;
    if (bytes[i] !== CR) continue;
    if (i + 1 < bytes.length) return bytes[i + 1] !== LF;
    return complete ? true : undefined;
  }
  return complete ? false : undefined;
}

/** `chunks` with every CR turned into LF when the first line break is a lone CR; `onCr` is told once when so. */
export async function* crLinesAsLf(chunks: AsyncIterable<Buffer>, onCr: () => void): AsyncGenerator<Buffer> {
  // Chunks before the first line break is known (usually none: the first chunk tells).
  const held: Buffer[] = [];
  let heldEndsWithCr = false;
  let crOnly: boolean | undefined;
  const release = function* (decided: boolean) {
    crOnly = decided;
    if (decided) onCr();
    for (const bytes of held.splice(0)) yield decided ? crToLf(bytes) : bytes;
  };
  for await (const chunk of chunks) {
    if (crOnly !== undefined) {
      yield crOnly ? crToLf(chunk) : chunk;
      continue;
    }
    held.push(chunk);
    const decided = heldEndsWithCr ? (chunk.length > 0 ? chunk[0] !== LF : undefined) : endsLinesWithCr(chunk, false);
    if (decided === undefined) heldEndsWithCr ||= chunk.at(-1) === CR;
    else yield* release(decided);
  }
  if (crOnly === undefined) yield* release(heldEndsWithCr);
}

export function crToLf(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  for (let i = copy.indexOf(CR); i !== -1; i = copy.indexOf(CR, i + 1)) copy[i] = LF;
  return copy;
}
