/** Writing rows as RFC 4180 CSV with a header (csv-stringify), readable back by readRecords. */
import { randomBytes } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { environmentError, UsageError } from '../errors.js';

export type CsvValue = string | number | boolean | null | undefined;

/**
 * Writes `rows` to `file` with the given columns, in that order; empty strings are quoted so no row
 * becomes a blank line. The rows go to a new temporary sibling (created exclusively, so never through
 * a symbolic link) renamed over `file` when complete; `file` must be absent or a regular file.
 */
export async function writeCsv(
  file: string,
  rows: Iterable<Record<string, CsvValue>> | AsyncIterable<Record<string, CsvValue>>,
  columns: readonly string[],
): Promise<void> {
  const existing = await fs.lstat(file).catch(() => undefined);
  if (existing && !existing.isFile()) {
    throw new UsageError(
      'OUTPUT_NOT_FILE',
      `${file} is not a regular file (a directory, symbolic link or device): refusing to replace it`,
    );
  }
  const temporary = `${file}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    await pipeline(
      Readable.from(rows),
      stringify({ header: true, columns: [...columns], quoted_empty: true }),
      createWriteStream(temporary, { flags: 'wx' }),
    );
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw environmentError(error, file);
  }
}
