/** Writing rows as RFC 4180 CSV with a header (csv-stringify), readable back by readRecords. */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';

export type CsvValue = string | number | boolean | null | undefined;

/** Writes `rows` to `file` with the given columns, in that order; empty strings are quoted so no row becomes a blank line. */
export async function writeCsv(
  file: string,
  rows: Iterable<Record<string, CsvValue>> | AsyncIterable<Record<string, CsvValue>>,
  columns: readonly string[],
): Promise<void> {
  await pipeline(
    Readable.from(rows),
    stringify({ header: true, columns: [...columns], quoted_empty: true }),
    createWriteStream(file),
  );
}
