/** Replacing a file whole: readers see the old bytes or the new ones, never half of them. */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { environmentError } from '../errors.js';

/**
 * Writes `data` to an exclusively created temporary sibling of `file` (so never through a planted
 * symbolic link) and renames it over `file`; the temporary is removed if anything fails.
 */
export async function writeFileAtomically(file: string, data: Uint8Array | string): Promise<void> {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await fs.writeFile(temporary, data, { flag: 'wx' });
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw environmentError(error, file);
  }
}
