/**
 * An exclusive lock on a path headstart writes (a predict output, a checkpoint directory): a file
 * `<path>.lock` created with O_EXCL holding the owner's pid and host. A lock whose owner is a dead
 * process on this host is stale and taken over.
 *
 * Hand-rolled rather than proper-lockfile: that library judges staleness by an mtime refreshed on a
 * timer and does not record the owner, and the refusal must name the owner's pid.
 */
import { constants, promises as fs } from 'node:fs';
import os from 'node:os';
import { EnvironmentError, environmentError } from '../errors.js';

const CREATE_EXCLUSIVE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

interface Owner {
  pid: number;
  host: string;
}

export interface Lock {
  readonly file: string;
  release(): Promise<void>;
}

export function lockPath(target: string): string {
  return `${target}.lock`;
}

/** Takes the lock on `target` or throws OUTPUT_LOCKED naming the lock file and its owner. */
export async function acquireLock(target: string): Promise<Lock> {
  const file = lockPath(target);
  const owner: Owner = { pid: process.pid, host: os.hostname() };
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await fs.open(file, CREATE_EXCLUSIVE, 0o644);
      try {
        await handle.writeFile(`${JSON.stringify(owner)}\n`);
      } finally {
        await handle.close();
      }
      return { file, release: () => fs.rm(file, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw environmentError(error, file);
    }
    const holder = await readOwner(file);
    if (holder && isAlive(holder)) {
      throw new EnvironmentError(
        'OUTPUT_LOCKED',
        `${target} is locked by another headstart run (pid ${holder.pid} on ${holder.host})`,
        {
          location: { file },
          hint: `wait for that run to finish; if pid ${holder.pid} is not headstart, delete ${file}`,
        },
      );
    }
    if (attempt > 0 || holder === undefined) {
      throw new EnvironmentError(
        'OUTPUT_LOCKED',
        `${target} is locked: ${file} exists but names no live owner this run can check`,
        {
          location: { file },
          hint: `if no other headstart run is writing ${target}, delete ${file}`,
        },
      );
    }
    // The owner died without releasing it (SIGKILL, crash): the lock is stale.
    await fs.rm(file, { force: true });
  }
}

async function readOwner(file: string): Promise<Owner | undefined> {
  try {
    const stat = await fs.lstat(file);
    if (!stat.isFile()) return undefined;
    const owner = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<Owner>;
    return Number.isInteger(owner.pid) && typeof owner.host === 'string' ? (owner as Owner) : undefined;
  } catch {
    return undefined;
  }
}

/** A process on another host cannot be checked, so it counts as alive. */
function isAlive(owner: Owner): boolean {
  if (owner.host !== os.hostname()) return true;
  if (owner.pid === process.pid) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
