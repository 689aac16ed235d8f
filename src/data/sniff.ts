/**
 * Recognising delimited data from the first bytes of a file: CSV saved as .txt, and a .csv file
 * delimited by semicolons or tabs (spreadsheets in locales with a decimal comma write ';').
 */
import { CsvError, parse } from 'csv-parse/sync';

/** Delimiters tried, in order, on a .txt file whose first line might be a header. */
const TEXT_FILE_DELIMITERS = [',', '\t', ';', '|'];
/** What a .csv header with no comma may be delimited by instead. */
const CSV_ALTERNATIVES = [';', '\t'];

export const DELIMITER_NAMES: Record<string, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' };

export function delimiterName(delimiter: string): string {
  return DELIMITER_NAMES[delimiter] ?? `"${delimiter}"`;
}

/** ';' or tab when the header line has no comma but one of them; else undefined (a comma). */
export function csvHeaderDelimiter(head: string): string | undefined {
  const header = firstLine(head);
  if (header.includes(',')) return undefined;
  return CSV_ALTERNATIVES.find((candidate) => header.includes(candidate));
}

export type DelimitedGuess =
  | { delimiter: string; columns: string[]; consistent: true }
  /** The header names the fields, but a row does not fit it: `problem` says which and how. */
  | { delimiter: string; columns: string[]; consistent: false; line?: number; problem: string };

/**
 * Whether `head` (the start of a file) looks like delimited data: a first line that, split at one
 * of the delimiters (only `delimiter` when given), has two or more columns including every name in
 * `wanted`; and whether the rows in `head` then all have that many fields (`consistent`).
 */
export function guessDelimited(
  head: string,
  wanted: readonly string[],
  delimiter?: string,
): DelimitedGuess | undefined {
  for (const candidate of delimiter === undefined ? TEXT_FILE_DELIMITERS : [delimiter]) {
    const columns = parseRows(firstLine(head), candidate)?.[0]?.record.map((name) => name.trim());
    if (!columns || columns.length < 2 || !wanted.every((name) => columns.includes(name))) continue;
    // The last line of a sample cut at its size limit may be incomplete.
    const complete = head.length >= SAMPLE_BYTES ? head.slice(0, head.lastIndexOf('\n') + 1) : head;
    const rows = parseRows(complete, candidate);
    if (!rows) return { delimiter: candidate, columns, consistent: false, problem: 'a quoted field is never closed' };
    const odd = rows.find((row) => row.record.length !== columns.length);
    if (odd) {
      const problem = `line ${odd.info.lines} has ${odd.record.length} field${odd.record.length === 1 ? '' : 's'}, not ${columns.length}`;
      return { delimiter: candidate, columns, consistent: false, line: odd.info.lines, problem };
    }
    return { delimiter: candidate, columns, consistent: true };
  }
  return undefined;
}

/** How much of a file the guesses read. */
export const SAMPLE_BYTES = 64 * 1024;

function parseRows(text: string, delimiter: string): { record: string[]; info: { lines: number } }[] | undefined {
  try {
    return parse(text, {
      delimiter,
      quote: delimiter === '\t' ? false : '"',
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
      record_delimiter: ['\r\n', '\n'],
      info: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    if (error instanceof CsvError) return undefined;
    throw error;
  }
}

function firstLine(head: string): string {
  const end = head.indexOf('\n');
  const line = end === -1 ? head : head.slice(0, end);
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
