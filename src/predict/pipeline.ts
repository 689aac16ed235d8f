/**
 * The streaming core of `predict`: records are grouped into chunks, at most `maxInFlight` chunks are
 * being classified at once (so memory stays bounded whatever the input size, and a slow writer
 * stalls the reader), and results are handed to `onResult` strictly in input order. One result is
 * written while the next chunks are read and classified: a journaled write waits on fsync, which
 * would otherwise leave the classifying thread idle (a quarter of a 100k-row run).
 */
import type { Chunk, ChunkResult } from './heads.js';
import type { InputRow } from './format.js';

/** Classifies chunks somewhere: this thread, worker threads, or queue workers on other machines. */
export interface ChunkRunner {
  /** How many chunks it can usefully work on at once. */
  readonly parallelism: number;
  run(chunk: Chunk): Promise<ChunkResult>;
  close(): Promise<void>;
}

export interface StreamOptions {
  /** Records already committed by an earlier run: read past, not classified. */
  skip: number;
  chunkRows: number;
  maxInFlight: number;
  onResult(result: ChunkResult): Promise<void>;
}

export async function classifyStream(
  blocks: AsyncIterable<readonly InputRow[]>,
  runner: ChunkRunner,
  options: StreamOptions,
): Promise<void> {
  const pending: Promise<ChunkResult>[] = [];
  const submit = (chunk: Chunk) => {
    const result = runner.run(chunk);
    // Awaited in order below; this only keeps a failure that arrives early from being "unhandled".
    result.catch(() => undefined);
    pending.push(result);
  };
  let writing: Promise<void> = Promise.resolve();
  const write = async (result: ChunkResult) => {
    await writing;
    writing = options.onResult(result);
    // Awaited before the next write and at the end; this only keeps an early failure from being "unhandled".
    writing.catch(() => undefined);
  };
  let index = 0;
  let rows: InputRow[] = [];
  for await (const block of blocks) {
    for (const record of block) {
      if (index++ < options.skip) continue;
      const row: InputRow = { id: record.id, line: record.line, text: record.text };
      if (record.invalidUtf8) row.invalidUtf8 = true;
      if (record.error !== undefined) row.error = record.error;
      rows.push(row);
      if (rows.length < options.chunkRows) continue;
      submit({ first: index - rows.length, rows });
      rows = [];
      while (pending.length >= options.maxInFlight) await write(await pending.shift()!);
    }
  }
  if (rows.length > 0) submit({ first: index - rows.length, rows });
  while (pending.length > 0) await write(await pending.shift()!);
  await writing;
}
