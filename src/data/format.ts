/**
 * Which format (and delimiter) a source is read in: the one asked for, else the extension's, else
 * what the first bytes show (CSV saved as .txt, a .csv delimited by semicolons). What was detected
 * rather than asked for is told through `onNote`.
 */
import { DataError, UsageError } from '../errors.js';
import { printable } from '../util/index.js';
import { csvHeaderDelimiter, delimiterName, guessDelimited } from './sniff.js';
import { readHead, resolveFormat, sourceName, STDIN } from './source.js';
import type { DataFormat, ReadOptions } from './types.js';

export const DEFAULT_FIELDS: Record<DataFormat, { text: string; label: string }> = {
  csv: { text: 'text', label: 'label' },
  tsv: { text: 'text', label: 'label' },
  jsonl: { text: 'text', label: 'label' },
  hoc: { text: 'sentence', label: 'labels' },
  fpb: { text: 'sentence', label: 'label' },
  trec: { text: 'question', label: 'label' },
  lines: { text: 'text', label: 'label' },
};

const DELIMITED: readonly DataFormat[] = ['csv', 'tsv', 'hoc'];

export interface FormatChoice {
  format: DataFormat;
  /** csv, tsv and hoc: the field delimiter; undefined for the format's own (',' or tab). */
  delimiter?: string | undefined;
}

export function chooseFormat(source: string, options: ReadOptions): FormatChoice {
  const file = sourceName(source);
  const requested = options.format ?? 'auto';
  const delimiter = options.delimiter === undefined ? undefined : checkedDelimiter(options.delimiter);
  const format = resolveFormat(source, requested);
  if (format === 'lines' && requested === 'auto') {
    const delimited = delimitedTextFile(source, options, delimiter);
    if (delimited) return delimited;
  }
  if (delimiter !== undefined && !DELIMITED.includes(format)) {
    throw new UsageError(
      'DELIMITER_FORMAT',
      `a delimiter applies to csv, tsv and hoc input, but ${file} is read as ${format}`,
      {
        hint: 'pass --format csv to read it as delimited text',
      },
    );
  }
  if (format === 'lines' && options.labelled === true) throw unlabelled(source, delimiter);
  if (format === 'csv' && delimiter === undefined && source !== STDIN) {
    const detected = csvHeaderDelimiter(readHead(source));
    if (detected) {
      const name = delimiterName(detected);
      options.onNote?.(
        `${file}: read with ${name} delimiters (its header has ${name}s and no commas); pass --delimiter to choose another`,
      );
      return { format, delimiter: detected };
    }
  }
  return { format, delimiter };
}

/**
 * A .txt file whose first line is a header naming the text (and, for labelled reads, label) fields
 * is read as CSV (TSV when tab-delimited) if the rows after it have as many fields. If they do not,
 * a labelled read (which plain lines cannot serve) fails saying so; an unlabelled one reads lines.
 */
function delimitedTextFile(
  source: string,
  options: ReadOptions,
  delimiter: string | undefined,
): FormatChoice | undefined {
  const file = sourceName(source);
  const fields = DEFAULT_FIELDS.csv;
  const wanted = [
    ...[options.textField ?? fields.text].flat(),
    ...(options.labelled !== false ? [options.labelField ?? fields.label] : []),
  ];
  // The head is ISO-8859-1 (one character per byte): the names are compared in the same form.
  const guess = guessDelimited(
    readHead(source),
    wanted.map((name) => Buffer.from(name).toString('latin1')),
    delimiter,
  );
  if (!guess) return undefined;
  const tsv = guess.delimiter === '\t' && delimiter === undefined;
  const kind = tsv ? 'TSV' : csvKind(guess.delimiter);
  const why = `its first line is a header with ${wanted.map((name) => `"${name}"`).join(' and ')} columns`;
  if (guess.consistent) {
    options.onNote?.(`${file}: read as ${kind} (${why}); pass --format lines to read plain lines`);
    return tsv ? { format: 'tsv' } : { format: 'csv', delimiter: guess.delimiter };
  }
  if (options.labelled !== true) return undefined;
  throw new DataError('AMBIGUOUS_FORMAT', `looks like ${kind} (${why}), but ${guess.problem}`, {
    location: { file, line: guess.line },
    hint: `to read it as CSV pass ${csvFlags(guess.delimiter)} (and quote fields that contain the delimiter); plain lines (--format lines) carry no labels`,
  });
}

/** Plain lines where labels are needed; the hint names the columns when the file looks delimited under other names. */
function unlabelled(source: string, delimiter: string | undefined): DataError {
  const guess = source === STDIN ? undefined : guessDelimited(readHead(source), [], delimiter);
  const hint = guess?.consistent
    ? `it looks like ${csvKind(guess.delimiter)} with the columns ${printable(guess.columns.join(', '))}: pass ${csvFlags(guess.delimiter)} with --text-field and --label-field naming the text and label columns`
    : 'give a csv, tsv or jsonl file with text and label fields, or fpb lines (text@label); if this file is delimited, pass --format csv (and --delimiter)';
  return new DataError(
    'UNLABELLED_DATA',
    'plain lines (format "lines") carry no labels, and this command needs labelled data',
    { location: { file: sourceName(source) }, hint },
  );
}

function csvKind(delimiter: string): string {
  return delimiter === ',' ? 'CSV' : `${delimiterName(delimiter)}-delimited CSV`;
}

function csvFlags(delimiter: string): string {
  return delimiter === ','
    ? '--format csv'
    : `--format csv --delimiter ${delimiter === '\t' ? 'tab' : `'${delimiter}'`}`;
}

/** One character, and not one the CSV syntax itself uses. */
function checkedDelimiter(delimiter: string): string {
  if ([...delimiter].length !== 1 || ['"', '\r', '\n'].includes(delimiter)) {
    throw new UsageError(
      'BAD_DELIMITER',
      `the delimiter must be one character other than a quote or line break, got ${JSON.stringify(delimiter)}`,
      {
        hint: "e.g. --delimiter ';' or --delimiter tab",
      },
    );
  }
  return delimiter;
}
