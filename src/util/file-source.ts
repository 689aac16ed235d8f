/**
 * The files a loader reads by name: a directory on disk, or bytes already read and verified (a
 * checkpoint's), so a loader parses exactly the bytes that were hashed, needs no temporary copy,
 * and still names the original file in its errors.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface FileSource {
  /** The path that names `name` in messages. */
  pathOf(name: string): string;
  /** The bytes of `name`; one that is not there rejects like `fs.readFile` (code ENOENT). */
  read(name: string): Promise<Buffer>;
}

export function directoryFiles(dir: string): FileSource {
  return { pathOf: (name) => path.join(dir, name), read: (name) => readFile(path.join(dir, name)) };
}

/**
 * Files held in memory, named as the files of `dir` they were read from. With `prefix`, `name` is
 * the entry `prefix + name` (a fused member's files in a checkpoint).
 */
export function filesInMemory(dir: string, files: ReadonlyMap<string, Buffer>, prefix = ''): FileSource {
  const pathOf = (name: string) => path.join(dir, prefix + name);
  return {
    pathOf,
    read: async (name) => {
      const bytes = files.get(prefix + name);
      // Shaped like fs's error so every loader reports a missing file the same way for both sources.
      if (bytes === undefined)
        throw Object.assign(new Error(`ENOENT: no such file, open '${pathOf(name)}'`), { code: 'ENOENT' });
      return bytes;
    },
  };
}

/** A directory path or a source, as loaders accept either. */
export function asFileSource(from: string | FileSource): FileSource {
  return typeof from === 'string' ? directoryFiles(from) : from;
}
