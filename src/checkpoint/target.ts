/**
 * Where a checkpoint may be written. Saving replaces the target directory, so only a target whose
 * every file headstart wrote may be replaced: a directory whose `headstart.json` parses as a
 * checkpoint manifest and which holds nothing but the manifest and the regular files it lists.
 * The names are enough (the files' hashes are not checked): a listed name is one headstart chose,
 * and a checkpoint whose weights were edited is still a checkpoint. Anything else (a file, a
 * symlink, a device, a directory with one foreign file, the working directory) is refused.
 */
import { constants, promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { UsageError, environmentError } from '../errors.js';
import { MANIFEST_FILE, MAX_MANIFEST_BYTES, parseManifest } from './manifest.js';

export type CheckpointTarget =
  /** Nothing there yet (missing parent directories are created). */
  | { kind: 'new' }
  | { kind: 'empty' }
  /** A checkpoint: `files` is every name in it, each one headstart wrote. */
  | { kind: 'checkpoint'; files: string[] };

/**
 * Checks `dir` may be written as a checkpoint; throws OUT_NOT_CHECKPOINT (usage) if it holds
 * anything headstart did not write, NOT_WRITABLE (environment) if its location cannot be written.
 * `protect` are paths that must survive the save (the distillation teacher, data files).
 */
export async function checkCheckpointTarget(dir: string, protect: readonly string[] = []): Promise<CheckpointTarget> {
  const target = path.resolve(dir);
  const refuse = (what: string) =>
    new UsageError('OUT_NOT_CHECKPOINT', `${dir} ${what}: refusing to replace it with a checkpoint`, {
      hint: 'give a new directory, an empty one, or an existing headstart checkpoint',
    });
  const cwd = process.cwd();
  if (target === cwd || cwd.startsWith(target.endsWith(path.sep) ? target : target + path.sep)) {
    throw refuse(target === cwd ? 'is the working directory' : 'contains the working directory');
  }
  for (const kept of protect) {
    const keptPath = path.resolve(kept);
    if (keptPath === target) throw refuse('is an input of this run');
    if (keptPath.startsWith(target + path.sep)) throw refuse(`holds ${kept}, an input of this run`);
  }
  let stat: Stats;
  try {
    stat = await fs.lstat(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw environmentError(error, target);
    await assertWritableLocation(target);
    return { kind: 'new' };
  }
  if (stat.isSymbolicLink()) throw refuse('is a symbolic link');
  if (stat.isFile()) throw refuse('is a file');
  if (!stat.isDirectory()) throw refuse('is a special file (device, FIFO or socket)');
  await assertWritableLocation(target);
  const names = await fs.readdir(target);
  if (names.length === 0) return { kind: 'empty' };
  const listed = await manifestFiles(target);
  if (typeof listed === 'string') throw refuse(`is a directory that is not a headstart checkpoint (${listed})`);
  for (const name of names) {
    if (!listed.has(name)) throw refuse(`is a checkpoint holding ${name}, which its ${MANIFEST_FILE} does not list`);
    const entry = await fs.lstat(path.join(target, name));
    if (!entry.isFile()) throw refuse(`is a checkpoint holding ${name}, which is not a regular file`);
  }
  return { kind: 'checkpoint', files: names };
}

/** The manifest's own name and every file it lists, or why there is no manifest this version reads. */
async function manifestFiles(dir: string): Promise<Set<string> | string> {
  const file = path.join(dir, MANIFEST_FILE);
  const stat = await fs.lstat(file).catch(() => undefined);
  if (!stat) return `no ${MANIFEST_FILE}`;
  if (!stat.isFile() || stat.size > MAX_MANIFEST_BYTES)
    return `${MANIFEST_FILE} is not a regular file under ${MAX_MANIFEST_BYTES} bytes`;
  try {
    const manifest = parseManifest(await fs.readFile(file), file);
    return new Set([MANIFEST_FILE, ...manifest.files.map((record) => record.name)]);
  } catch (error) {
    return `${MANIFEST_FILE}: ${(error as Error).message}`;
  }
}

/**
 * The save renames a sibling of `target` into place, so the parent (or, for a path not yet
 * there, its nearest existing ancestor) must be a writable directory.
 */
async function assertWritableLocation(target: string): Promise<void> {
  let ancestor = path.dirname(target);
  for (;;) {
    const stat = await fs.stat(ancestor).catch(() => undefined);
    if (stat) {
      if (!stat.isDirectory())
        throw new UsageError('OUT_NOT_CHECKPOINT', `cannot write ${target}: ${ancestor} is not a directory`);
      break;
    }
    const up = path.dirname(ancestor);
    if (up === ancestor) break;
    ancestor = up;
  }
  await fs.access(ancestor, constants.W_OK).catch((error: unknown) => {
    throw environmentError(error, ancestor);
  });
}
