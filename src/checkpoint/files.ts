/** File-level safety for checkpoints: plain names, size limits, sha256, atomic directory writes. */
import { createHash, randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { environmentError, ModelError } from '../errors.js';
import { acquireLock } from '../util/index.js';
import { checkCheckpointTarget } from './target.js';

export interface FileRecord {
  name: string;
  bytes: number;
  sha256: string;
}

/** Largest file a checkpoint may reference (a fine-tuned 30k x 768 fp32 table is ~90 MB). */
export const MAX_CHECKPOINT_FILE_BYTES = 512 * 1024 * 1024;

const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** A referenced file must be a plain name inside the checkpoint directory: no separators, no `..`. */
export function assertPlainFileName(name: unknown, manifest: string): asserts name is string {
  if (typeof name !== 'string' || !PLAIN_NAME.test(name) || name.includes('..')) {
    throw new ModelError(
      'CHECKPOINT_BAD_FILE_NAME',
      `file name ${JSON.stringify(name)} is not a plain name inside the checkpoint`,
      {
        location: { file: manifest, field: 'files' },
        hint: 'checkpoints may only reference files in their own directory',
      },
    );
  }
}

export async function describeFile(dir: string, name: string): Promise<FileRecord> {
  const data = await fs.readFile(path.join(dir, name));
  return { name, bytes: data.byteLength, sha256: createHash('sha256').update(data).digest('hex') };
}

/**
 * Reads one listed file: a plain name, a regular file (not a symlink), within the size limit.
 * `verifyFile` then checks it against its record; reading every file before hashing any keeps the
 * window in which a concurrent save can mix two checkpoints short.
 */
export async function readListedFile(dir: string, record: FileRecord, manifest: string): Promise<Buffer> {
  assertPlainFileName(record.name, manifest);
  const file = path.join(dir, record.name);
  return readRegularFile(file, MAX_CHECKPOINT_FILE_BYTES, {
    missing: () => new ModelError('CHECKPOINT_FILE_MISSING', `checkpoint file is missing`, { location: { file } }),
    notRegular: () =>
      new ModelError('CHECKPOINT_NOT_REGULAR_FILE', `checkpoint file is not a regular file (symlinks are refused)`, {
        location: { file },
      }),
    tooLarge: (size) =>
      new ModelError(
        'CHECKPOINT_FILE_TOO_LARGE',
        `checkpoint file is ${size} bytes, over the ${MAX_CHECKPOINT_FILE_BYTES}-byte limit`,
        { location: { file } },
      ),
  });
}

/** Checks a listed file's bytes against the size and sha256 its record gives. */
export function verifyFile(dir: string, record: FileRecord, data: Buffer): void {
  const file = path.join(dir, record.name);
  if (data.byteLength !== record.bytes) {
    throw new ModelError(
      'CHECKPOINT_SIZE_MISMATCH',
      `checkpoint file is ${data.byteLength} bytes but headstart.json records ${record.bytes}`,
      {
        location: { file },
        hint: 'the checkpoint was modified or truncated after it was saved',
      },
    );
  }
  const digest = createHash('sha256').update(data).digest('hex');
  if (digest !== record.sha256) {
    throw new ModelError(
      'CHECKPOINT_HASH_MISMATCH',
      `sha256 ${digest} does not match ${record.sha256} recorded in headstart.json`,
      {
        location: { file },
        hint: 'the checkpoint was corrupted or tampered with; re-train or re-copy it',
      },
    );
  }
}

/** The errors `readRegularFile` throws, naming the file as its caller wants. */
export interface RegularFileErrors {
  missing(): Error;
  notRegular(): Error;
  tooLarge(size: number): Error;
}

/**
 * Reads a regular file through one open handle, so the file checked (not a symlink, not a FIFO or
 * device, at most `maxBytes`) is the file read, even if the path is replaced meanwhile.
 */
export async function readRegularFile(file: string, maxBytes: number, errors: RegularFileErrors): Promise<Buffer> {
  let handle;
  try {
    // O_NOFOLLOW refuses a symlink (ELOOP); O_NONBLOCK keeps a FIFO from blocking the open.
    handle = await fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw errors.missing();
    if (code === 'ELOOP') throw errors.notRegular();
    throw error;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw errors.notRegular();
    if (stat.size > maxBytes) throw errors.tooLarge(stat.size);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/**
 * Writes a checkpoint directory atomically: `build` fills a temporary sibling directory, which is
 * fsynced and renamed over `dir`. An interrupted save (Ctrl-C, crash) leaves the previous checkpoint
 * intact and at worst a `.tmp-*` sibling, never a half-written `dir`. Only a new path, an empty
 * directory or a headstart checkpoint is replaced (checked before building and again just before
 * the rename, under a lock on `dir`), and the old checkpoint is removed file by file, by the names
 * its manifest lists, so nothing headstart did not write is ever deleted.
 */
export async function writeDirectoryAtomically(dir: string, build: (tmpDir: string) => Promise<void>): Promise<void> {
  const target = path.resolve(dir);
  await checkCheckpointTarget(dir);
  const parent = path.dirname(target);
  await fs.mkdir(parent, { recursive: true }).catch((error: unknown) => {
    throw environmentError(error, parent);
  });
  const lock = await acquireLock(target);
  const tmp = path.join(parent, `.${path.basename(target)}.tmp-${randomBytes(6).toString('hex')}`);
  try {
    // mkdir fails if anything (a planted symlink included) is already at the temporary name.
    await fs.mkdir(tmp);
    try {
      await build(tmp);
      for (const name of await fs.readdir(tmp)) await fsyncPath(path.join(tmp, name));
      await fsyncPath(tmp);
      const existing = await checkCheckpointTarget(dir);
      const backup = `${tmp}-old`;
      if (existing.kind !== 'new') await fs.rename(target, backup);
      await fs.rename(tmp, target).catch(async (error: unknown) => {
        if (existing.kind !== 'new') await fs.rename(backup, target);
        throw error;
      });
      // The new checkpoint is in place; if the old one changed meanwhile, what is left of it stays in `backup`.
      const remove = existing.kind === 'checkpoint' ? existing.files : [];
      await Promise.all(remove.map((name) => fs.unlink(path.join(backup, name)).catch(() => undefined)));
      if (existing.kind !== 'new') await fs.rmdir(backup).catch(() => undefined);
      await fsyncPath(parent);
    } catch (error) {
      await fs.rm(tmp, { recursive: true, force: true });
      throw error;
    }
  } catch (error) {
    throw environmentError(error, target);
  } finally {
    await lock.release();
  }
}

async function fsyncPath(p: string): Promise<void> {
  const handle = await fs.open(p, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
