/**
 * The model directories of a queue job come from whoever can write to Redis, so a worker loads
 * only directories inside its models root (`headstart worker --models-root`), symlinks resolved.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';

/** The models root with symlinks resolved; a UsageError when it is not a directory. */
export async function resolveModelsRoot(root: string): Promise<string> {
  const real = await fs.realpath(root).catch(() => undefined);
  if (real === undefined || !(await fs.stat(real)).isDirectory()) {
    throw new UsageError('MODELS_ROOT_INVALID', `--models-root ${root} is not a directory`, {
      hint: 'give the folder holding the model directories the jobs name',
    });
  }
  return real;
}

/** The first of `dirs` (relative ones resolved against the working directory) outside `base` (a resolved models root), or undefined. */
export async function firstOutsideRoot(dirs: readonly string[], base: string): Promise<string | undefined> {
  for (const dir of dirs) {
    // A directory that is not there cannot lead elsewhere through a symlink; loading it fails on its own.
    const real = await fs.realpath(dir).catch(() => path.resolve(dir));
    if (real !== base && !real.startsWith(base.endsWith(path.sep) ? base : base + path.sep)) return dir;
  }
  return undefined;
}
