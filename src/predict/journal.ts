/**
 * Crash-safe output for `predict --output F`: rows are appended to `F.partial` in chunks, each chunk
 * fsynced before a progress record (`F.progress.json`, replaced atomically: temporary file, fsync,
 * rename) says how many rows and bytes are committed. After a SIGKILL, `--resume` cuts the partial
 * file back to the committed bytes and skips the committed rows, so no row is lost or repeated.
 * The record holds hashes of the input, the models and the output settings; a resume against
 * anything different is refused. When the run completes, `F.partial` is renamed to `F`.
 * The journal files are created with O_EXCL and opened with O_NOFOLLOW (a symbolic link planted
 * there is refused, never written through), and `F.lock` keeps a second run off `F`.
 */
import { promises as fs } from 'node:fs';
import { environmentError, UsageError } from '../errors.js';
import { acquireLock, type Lock } from '../util/index.js';
import { addCounts, NO_COUNTS, type ChunkText, type Counts } from './counts.js';
import {
  CREATE_NEW,
  JOURNAL_VERSION,
  type JournalState,
  leftovers,
  OPEN_EXISTING,
  openExclusive,
  openPartial,
  partialPath,
  progressPath,
  type RunIdentity,
  temporaryPath,
} from './journal-files.js';

export type { RunIdentity };

const WHAT_CHANGED: Record<keyof RunIdentity, string> = {
  input: 'the input file changed',
  models: 'the model(s) changed',
  settings:
    'the output or reading options (--top-k, --output-format, --strict, fields, encoding or input format) changed',
};

export class OutputJournal {
  private constructor(
    private readonly output: string,
    private readonly file: fs.FileHandle,
    private readonly lock: Lock,
    private state: JournalState,
  ) {}

  static readonly partialPath = partialPath;
  static readonly progressPath = progressPath;
  static readonly temporaryPath = temporaryPath;

  /**
   * Starts a journal for `output`, or with `resume` continues the one an interrupted run left.
   * `committedRows` says how many input records are already written. Holds a lock on `output`
   * until `finish` or `close`, so a second run writing the same output is refused.
   */
  static async open(
    output: string,
    identity: RunIdentity,
    resume: boolean,
  ): Promise<{ journal: OutputJournal; committedRows: number; resumed: boolean }> {
    const lock = await acquireLock(output);
    try {
      const previous = await leftovers(output, resume);
      // A run killed while replacing its progress record leaves the record's temporary (a regular file, checked above).
      if (previous) await fs.rm(OutputJournal.temporaryPath(output), { force: true });
      if (resume && previous) {
        for (const key of Object.keys(WHAT_CHANGED) as (keyof RunIdentity)[]) {
          if (previous.identity[key] !== identity[key]) {
            throw new UsageError(
              'RESUME_MISMATCH',
              `cannot resume ${output}: ${WHAT_CHANGED[key]} since the interrupted run (${key} sha256 ${previous.identity[key].slice(0, 12)}, now ${identity[key].slice(0, 12)})`,
              {
                hint: 'rerun without --resume to start over',
              },
            );
          }
        }
        const file = await openPartial(output, OPEN_EXISTING);
        const size = (await file.stat()).size;
        if (size < previous.bytes) {
          await file.close();
          throw new UsageError(
            'RESUME_PARTIAL_SHORT',
            `cannot resume ${output}: ${OutputJournal.partialPath(output)} has ${size} bytes but ${previous.bytes} were committed`,
            {
              hint: 'rerun without --resume to start over',
            },
          );
        }
        await file.truncate(previous.bytes);
        return {
          journal: new OutputJournal(output, file, lock, previous),
          committedRows: previous.rows,
          resumed: true,
        };
      }
      // Starting over: what an interrupted run left is ours to discard (leftovers checked it is).
      if (previous) await fs.rm(OutputJournal.partialPath(output), { force: true });
      const file = await openPartial(output, CREATE_NEW);
      const journal = new OutputJournal(output, file, lock, {
        version: JOURNAL_VERSION,
        identity,
        bytes: 0,
        ...NO_COUNTS,
      });
      await journal.writeState();
      return { journal, committedRows: 0, resumed: false };
    } catch (error) {
      await lock.release();
      throw environmentError(error, output);
    }
  }

  /** Rows committed so far, and how many of them were truncated, empty, read with replaced bytes or unreadable. */
  get counts(): Counts {
    const { rows, truncated, empty, invalidUtf8, unreadable } = this.state;
    return { rows, truncated, empty, invalidUtf8, unreadable };
  }

  /** Appends `result.text` (holding `result.rows` rows), makes it durable, then records it as committed. */
  async commit(result: ChunkText): Promise<void> {
    const { text } = result;
    const bytes = Buffer.from(text, 'utf8');
    let written = 0;
    try {
      while (written < bytes.length) {
        const { bytesWritten } = await this.file.write(
          bytes,
          written,
          bytes.length - written,
          this.state.bytes + written,
        );
        written += bytesWritten;
      }
      await this.file.datasync();
    } catch (error) {
      throw environmentError(error, OutputJournal.partialPath(this.output));
    }
    const { state } = this;
    this.state = { ...state, ...addCounts(this.counts, result), bytes: state.bytes + bytes.length };
    await this.writeState();
  }

  /** Puts the complete output in place (if `output` is still a regular file or absent), removes the journal and releases the lock. */
  async finish(): Promise<void> {
    try {
      await this.file.close();
      const existing = await fs.lstat(this.output).catch(() => undefined);
      if (existing && !existing.isFile()) {
        throw new UsageError(
          'OUTPUT_NOT_FILE',
          `${this.output} was replaced by something that is not a regular file during the run: the output is left in ${OutputJournal.partialPath(this.output)}`,
        );
      }
      await fs.rename(OutputJournal.partialPath(this.output), this.output);
      await fs.rm(OutputJournal.progressPath(this.output), { force: true });
    } catch (error) {
      throw environmentError(error, this.output);
    } finally {
      await this.lock.release();
    }
  }

  /** Stops writing and leaves the partial output and its record for `--resume`. */
  async close(): Promise<void> {
    try {
      await this.file.close();
    } finally {
      await this.lock.release();
    }
  }

  private async writeState(): Promise<void> {
    const target = OutputJournal.progressPath(this.output);
    const temporary = OutputJournal.temporaryPath(this.output);
    try {
      const handle = await openExclusive(temporary);
      try {
        await handle.writeFile(`${JSON.stringify(this.state)}\n`);
        await handle.datasync();
      } finally {
        await handle.close();
      }
      await fs.rename(temporary, target);
    } catch (error) {
      throw environmentError(error, target);
    }
  }
}
