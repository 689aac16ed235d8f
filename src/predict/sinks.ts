/** Where ordered chunk results go: a stream (stdout), or a journaled file that a killed run can resume. */
import { once } from 'node:events';
import { constants, promises as fs } from 'node:fs';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { environmentError } from '../errors.js';
import { addCounts, NO_COUNTS, type ChunkText, type Counts } from './counts.js';
import { OutputJournal, type RunIdentity } from './journal.js';

export interface Sink {
  /** Rows (of the input, in order) already written before this run started. */
  readonly resumedRows: number;
  readonly counts: Counts;
  write(result: ChunkText): Promise<void>;
  /** The run completed: make the output final. */
  finish(): Promise<void>;
  /** The run failed: release the output, leaving whatever allows a resume. */
  abandon(): Promise<void>;
}

export function streamSink(stream: Writable): Sink {
  let counts = NO_COUNTS;
  return {
    resumedRows: 0,
    get counts() {
      return counts;
    },
    async write(result) {
      if (!stream.write(result.text)) await once(stream, 'drain');
      counts = addCounts(counts, result);
    },
    finish: async () => undefined,
    abandon: async () => undefined,
  };
}

/** A character device or FIFO, opened for writing without creating or truncating anything, and written in order. */
export async function deviceSink(file: string): Promise<Sink> {
  const handle = await fs.open(file, constants.O_WRONLY).catch((error: unknown) => {
    throw environmentError(error, file);
  });
  const stream = handle.createWriteStream();
  // A failed write (ENOSPC on /dev/full, EPIPE) is reported by the next write or by finish, not left uncaught.
  let failure: unknown;
  stream.on('error', (error) => (failure ??= environmentError(error, file)));
  const sink = streamSink(stream);
  const check = () => {
    if (failure !== undefined) throw failure;
  };
  return {
    resumedRows: 0,
    get counts() {
      return sink.counts;
    },
    async write(result) {
      check();
      await sink.write(result).catch(() => check());
      check();
    },
    async finish() {
      stream.end();
      await finished(stream).catch(() => undefined);
      check();
    },
    abandon: async () => {
      stream.destroy();
    },
  };
}

export async function journalSink(
  output: string,
  identity: RunIdentity,
  resume: boolean,
): Promise<Sink & { resumed: boolean }> {
  const { journal, committedRows, resumed } = await OutputJournal.open(output, identity, resume);
  return {
    resumed,
    resumedRows: committedRows,
    get counts() {
      return journal.counts;
    },
    write: (result) => journal.commit(result),
    finish: () => journal.finish(),
    abandon: () => journal.close(),
  };
}
