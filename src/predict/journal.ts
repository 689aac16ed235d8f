/**
 * Crash-safe output for `predict --output F`: rows are appended to `F.partial` in chunks, each chunk
 * fsynced before a progress record (`F.progress.json`, replaced atomically: temporary file, fsync,
 * rename) says how many rows and bytes are committed. After a SIGKILL, `--resume` cuts the partial
 * file back to the committed bytes and skips the committed rows, so no row is lost or repeated.
 * The record holds hashes of the input, the models and the output settings; a resume against
 * anything different is refused. When the run completes, `F.partial` is renamed to `F`.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { UsageError } from '../errors.js';

export interface RunIdentity {
  input: string;
  models: string;
  settings: string;
}

const JOURNAL_VERSION = 1;

const journalSchema = z.object({
  version: z.literal(JOURNAL_VERSION),
  identity: z.object({ input: z.string(), models: z.string(), settings: z.string() }),
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  truncated: z.number().int().nonnegative(),
  empty: z.number().int().nonnegative(),
});

type JournalState = z.infer<typeof journalSchema>;

const WHAT_CHANGED: Record<keyof RunIdentity, string> = {
  input: 'the input file changed',
  models: 'the model(s) changed',
  settings: 'the output options (--top-k, --output-format, fields or input format) changed',
};

export class OutputJournal {
  private constructor(
    private readonly output: string,
    private readonly file: fs.FileHandle,
    private state: JournalState,
  ) {}

  static partialPath(output: string): string {
    return `${output}.partial`;
  }

  static progressPath(output: string): string {
    return `${output}.progress.json`;
  }

  /**
   * Starts a journal for `output`, or with `resume` continues the one an interrupted run left.
   * `committedRows` says how many input records are already written.
   */
  static async open(output: string, identity: RunIdentity, resume: boolean): Promise<{ journal: OutputJournal; committedRows: number; resumed: boolean }> {
    const previous = resume ? await readJournal(output) : undefined;
    if (previous) {
      for (const key of Object.keys(WHAT_CHANGED) as (keyof RunIdentity)[]) {
        if (previous.identity[key] !== identity[key]) {
          throw new UsageError('RESUME_MISMATCH', `cannot resume ${output}: ${WHAT_CHANGED[key]} since the interrupted run (${key} sha256 ${previous.identity[key].slice(0, 12)}, now ${identity[key].slice(0, 12)})`, {
            hint: 'rerun without --resume to start over',
          });
        }
      }
      const file = await openPartial(output, 'r+');
      const size = (await file.stat()).size;
      if (size < previous.bytes) {
        await file.close();
        throw new UsageError('RESUME_PARTIAL_SHORT', `cannot resume ${output}: ${OutputJournal.partialPath(output)} has ${size} bytes but ${previous.bytes} were committed`, {
          hint: 'rerun without --resume to start over',
        });
      }
      await file.truncate(previous.bytes);
      return { journal: new OutputJournal(output, file, previous), committedRows: previous.rows, resumed: true };
    }
    await fs.mkdir(path.dirname(path.resolve(output)), { recursive: true });
    const file = await openPartial(output, 'w');
    const journal = new OutputJournal(output, file, { version: JOURNAL_VERSION, identity, rows: 0, bytes: 0, truncated: 0, empty: 0 });
    await journal.writeState();
    return { journal, committedRows: 0, resumed: false };
  }

  /** Rows committed so far, and how many of them were truncated or empty. */
  get counts(): { rows: number; truncated: number; empty: number } {
    return { rows: this.state.rows, truncated: this.state.truncated, empty: this.state.empty };
  }

  /** Appends `text` (holding `rows` rows), makes it durable, then records it as committed. */
  async commit({ text, rows, truncated, empty }: { text: string; rows: number; truncated: number; empty: number }): Promise<void> {
    const bytes = Buffer.from(text, 'utf8');
    let written = 0;
    while (written < bytes.length) {
      const { bytesWritten } = await this.file.write(bytes, written, bytes.length - written, this.state.bytes + written);
      written += bytesWritten;
    }
    await this.file.datasync();
    const { state } = this;
    this.state = { ...state, rows: state.rows + rows, bytes: state.bytes + bytes.length, truncated: state.truncated + truncated, empty: state.empty + empty };
    await this.writeState();
  }

  /** Puts the complete output in place and removes the journal. */
  async finish(): Promise<void> {
    await this.file.close();
    await fs.rename(OutputJournal.partialPath(this.output), this.output);
    await fs.rm(OutputJournal.progressPath(this.output), { force: true });
    await fs.rm(`${OutputJournal.progressPath(this.output)}.tmp`, { force: true });
  }

  /** Stops writing and leaves the partial output and its record for `--resume`. */
  async close(): Promise<void> {
    await this.file.close();
  }

  private async writeState(): Promise<void> {
    const target = OutputJournal.progressPath(this.output);
    const temporary = `${target}.tmp`;
    const handle = await fs.open(temporary, 'w');
    try {
      await handle.writeFile(`${JSON.stringify(this.state)}\n`);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await fs.rename(temporary, target);
  }
}

async function openPartial(output: string, mode: 'r+' | 'w'): Promise<fs.FileHandle> {
  const file = OutputJournal.partialPath(output);
  try {
    return await fs.open(file, mode);
  } catch (cause) {
    throw new UsageError('OUTPUT_UNWRITABLE', `cannot open ${file}: ${(cause as Error).message}`, { cause });
  }
}

async function readJournal(output: string): Promise<JournalState | undefined> {
  const file = OutputJournal.progressPath(output);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = journalSchema.safeParse(safeJson(text));
  if (!parsed.success) {
    throw new UsageError('RESUME_RECORD_INVALID', `cannot resume ${output}: ${file} is not a progress record this version wrote`, { hint: 'rerun without --resume to start over' });
  }
  return parsed.data;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
