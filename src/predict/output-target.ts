/**
 * What `predict --output` points at, checked before any model is loaded or row classified. A new
 * path or a regular file gets the journal (written beside it, renamed over it when complete); a
 * character device or FIFO (/dev/null, /dev/stdout on a terminal or pipe, `>(...)`) is written
 * directly, never replaced; anything else is refused.
 */
import { constants, promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { STDIN } from '../data/index.js';
import { UsageError, environmentError } from '../errors.js';

export const STDOUT = '-';
/** Written as process.stdout: /dev/stdout cannot be opened again when it is a socket (ENXIO), as Node's child-process pipes are. */
const STDOUT_DEVICE = '/dev/stdout';

export type OutputTarget =
  | { kind: 'stdout' }
  /** Written directly through `path`: no journal, no lock, no resume. */
  | { kind: 'stream'; path: string }
  /** Journaled; `path` is the real path (a symbolic link to a file is resolved, and survives). */
  | { kind: 'file'; path: string };

export async function inspectOutput(output: string | undefined, input: string): Promise<OutputTarget> {
  if (output === undefined || output === STDOUT || output === STDOUT_DEVICE) return { kind: 'stdout' };
  const linked = await fs.lstat(output).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw environmentError(error, output);
  });
  if (!linked) {
    await assertWritableDirectory(path.dirname(path.resolve(output)), output);
    return { kind: 'file', path: output };
  }
  const stat = await fs.stat(output).catch(() => undefined);
  if (!stat) throw notAFile(output, 'is a symbolic link to nothing');
  if (stat.isDirectory()) throw notAFile(output, 'is a directory');
  if (stat.isCharacterDevice() || stat.isFIFO()) return { kind: 'stream', path: output };
  if (!stat.isFile()) throw notAFile(output, 'is a block device or socket');
  if (input !== STDIN && sameFile(stat, await fs.stat(input).catch(() => undefined))) {
    throw new UsageError(
      'OUTPUT_IS_INPUT',
      `--output ${output} is the --input file: the predictions would replace the data`,
      { hint: 'write the predictions to another file' },
    );
  }
  const real = await fs.realpath(output);
  await assertWritableDirectory(path.dirname(real), output);
  return { kind: 'file', path: real };
}

function sameFile(a: Stats, b: Stats | undefined): boolean {
  return b !== undefined && a.dev === b.dev && a.ino === b.ino;
}

function notAFile(output: string, what: string): UsageError {
  return new UsageError('OUTPUT_NOT_FILE', `--output ${output} ${what}`, {
    hint: 'give a regular file, a new path, a character device or FIFO, or leave --output out for stdout',
  });
}

/** The journal and the final rename need the output's directory to exist and be writable. */
async function assertWritableDirectory(dir: string, output: string): Promise<void> {
  const stat = await fs.stat(dir).catch(() => undefined);
  if (!stat?.isDirectory()) {
    throw new UsageError('OUTPUT_DIR_MISSING', `cannot write --output ${output}: directory ${dir} does not exist`, {
      hint: 'create the directory first, or fix the path',
    });
  }
  await fs.access(dir, constants.W_OK).catch((error: unknown) => {
    throw environmentError(error, dir);
  });
}
