/** Hashes that identify a prediction run, for the resume journal and idempotent queue job ids. */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { MANIFEST_FILE } from '../checkpoint/index.js';
import { DataError } from '../errors.js';
import type { ModelRef } from './heads.js';

/** sha256 of the input file's bytes, and its newline count (a cheap row estimate for the ETA). */
export async function digestInput(file: string): Promise<{ sha256: string; lines: number }> {
  const hash = createHash('sha256');
  let lines = 0;
  try {
    for await (const chunk of createReadStream(file)) {
      hash.update(chunk as Buffer);
      for (let at = (chunk as Buffer).indexOf(10); at !== -1; at = (chunk as Buffer).indexOf(10, at + 1)) lines++;
    }
  } catch (cause) {
    throw new DataError('FILE_UNREADABLE', `cannot read: ${(cause as Error).message}`, { location: { file }, cause });
  }
  return { sha256: hash.digest('hex'), lines };
}

/** sha256 over each head's name and checkpoint manifest (which itself holds the sha256 of every checkpoint file). */
export async function digestModels(refs: readonly ModelRef[]): Promise<string> {
  const hash = createHash('sha256');
  for (const ref of refs) {
    hash.update(`${ref.name}\0`);
    hash.update(await fs.readFile(path.join(ref.dir, MANIFEST_FILE)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

export function digestSettings(settings: Record<string, unknown>): string {
  const sorted = Object.fromEntries(Object.entries(settings).sort(([a], [b]) => a.localeCompare(b)));
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex');
}
