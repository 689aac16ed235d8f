/**
 * The files of the predict journal (src/predict/journal.ts) and how they are opened: the partial
 * output, the progress record and its temporary beside `F`, created with O_EXCL and opened with
 * O_NOFOLLOW, and what an interrupted run left there, checked before anything is written.
 */
import { constants, promises as fs } from 'node:fs';
import * as z from 'zod';
import { environmentError, UsageError } from '../errors.js';

export interface RunIdentity {
  input: string;
  models: string;
  settings: string;
}

export function partialPath(output: string): string {
  return `${output}.partial`;
}

export function progressPath(output: string): string {
  return `${output}.progress.json`;
}

export function temporaryPath(output: string): string {
  return `${progressPath(output)}.tmp`;
}

export const JOURNAL_VERSION = 1;

const journalSchema = z.object({
  version: z.literal(JOURNAL_VERSION),
  identity: z.object({ input: z.string(), models: z.string(), settings: z.string() }),
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  truncated: z.number().int().nonnegative(),
  empty: z.number().int().nonnegative(),
  // Absent in the records of versions that could not flag rows.
  invalidUtf8: z.number().int().nonnegative().default(0),
  unreadable: z.number().int().nonnegative().default(0),
});

export type JournalState = z.infer<typeof journalSchema>;

/** The journal's files beside `output`: the partial output, the progress record and its temporary. */
function journalFiles(output: string): [string, string, string] {
  return [partialPath(output), temporaryPath(output), progressPath(output)];
}

/** Creates a file that must not exist yet, never through a symbolic link. */
export const CREATE_NEW = constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
/** Opens the partial output of an interrupted run, never through a symbolic link. */
export const OPEN_EXISTING = constants.O_RDWR | constants.O_NOFOLLOW;

export async function openExclusive(file: string): Promise<fs.FileHandle> {
  try {
    return await fs.open(file, CREATE_NEW, 0o644);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ELOOP')
      throw unsafe(file, 'appeared while this run held the lock on the output');
    throw error;
  }
}

export async function openPartial(output: string, flags: number): Promise<fs.FileHandle> {
  const file = partialPath(output);
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, flags, 0o644);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ELOOP')
      throw unsafe(file, 'appeared while this run held the lock on the output');
    if (code === 'ENOENT' && flags === OPEN_EXISTING) {
      throw new UsageError('RESUME_PARTIAL_SHORT', `cannot resume ${output}: ${file} is missing`, {
        hint: 'rerun without --resume to start over',
      });
    }
    throw environmentError(cause, file);
  }
  if (!(await handle.stat()).isFile()) {
    await handle.close();
    throw unsafe(file, 'is not a regular file');
  }
  return handle;
}

function unsafe(file: string, what: string): UsageError {
  return new UsageError('JOURNAL_FILE_UNSAFE', `${file} ${what}: refusing to write through it`, {
    hint: 'headstart writes its journal under these names; move that file away (symbolic links there are never followed)',
  });
}

/**
 * Checks the journal names beside `output` before anything is written: each must be absent or a
 * regular file (a symbolic link planted there is refused, never followed), and files there are
 * only discarded or resumed when a progress record shows an interrupted headstart run left them.
 * Returns that record, if there is one.
 */
export async function leftovers(output: string, resume: boolean): Promise<JournalState | undefined> {
  const present: string[] = [];
  for (const file of journalFiles(output)) {
    const stat = await fs.lstat(file).catch(() => undefined);
    if (!stat) continue;
    if (!stat.isFile()) throw unsafe(file, stat.isSymbolicLink() ? 'is a symbolic link' : 'is not a regular file');
    present.push(file);
  }
  if (present.length === 0) return undefined;
  const record = await readJournal(output);
  if (record) return record;
  if (resume && present.includes(progressPath(output))) {
    throw new UsageError(
      'RESUME_RECORD_INVALID',
      `cannot resume ${output}: ${progressPath(output)} is not a progress record this version wrote`,
      { hint: 'rerun without --resume to start over' },
    );
  }
  throw new UsageError(
    'JOURNAL_FILE_UNSAFE',
    `${present.join(', ')} already exist${present.length === 1 ? 's' : ''} without a progress record of an interrupted headstart run: refusing to overwrite`,
    {
      hint: 'move or delete those files, or choose another --output',
    },
  );
}

async function readJournal(output: string): Promise<JournalState | undefined> {
  let text: string;
  try {
    text = await fs.readFile(progressPath(output), 'utf8');
  } catch {
    return undefined;
  }
  const parsed = journalSchema.safeParse(safeJson(text));
  return parsed.success ? parsed.data : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
