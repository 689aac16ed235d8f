/**
 * CSV, TSV and BLUE HoC readers on top of csv-parse. TSV is read without quoting, as in the GLUE and
 * BLUE files, whose texts contain bare '"' characters. Line numbers are counted here from the
 * parsed fields, because csv-parse's own count drifts on CRLF inside quoted fields.
 */
import { Readable, pipeline } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { DataError } from '../errors.js';
import { printable } from '../util/index.js';
import type { DecodedLine } from './decode.js';
import { BadRows, RowProblem, buildExample, joinText, missingLabel, type RowRules } from './rows.js';
import type { Example } from './types.js';

export interface DelimitedSpec {
  file: string;
  format: 'csv' | 'tsv' | 'hoc';
  /** Default ',' for csv, tab for tsv and hoc. */
  delimiter?: string | undefined;
  textFields: string[];
  labelField: string;
  idField?: string | undefined;
  header: boolean | string[];
  rules: RowRules;
}

export async function* readDelimited(
  lines: AsyncIterable<DecodedLine[]>,
  spec: DelimitedSpec,
  badRows: BadRows,
): AsyncGenerator<Example> {
  // Lines are counted as the parser emits records (queued until the loop below takes them), so a
  // syntax error knows where its record starts even while parsed records wait in the stream buffer.
  let nextLine = 1;
  const recordLines: { line: number; span: number }[] = [];
  const invalidUtf8Lines = new Set<number>();
  const parser = parse({
    delimiter: spec.delimiter ?? (spec.format === 'csv' ? ',' : '\t'),
    quote: spec.format === 'csv' ? '"' : false,
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: false,
    record_delimiter: ['\r\n', '\n'],
    on_record: (fields: string[]) => {
      const span = 1 + countNewlines(fields);
      recordLines.push({ line: nextLine, span });
      nextLine += span;
      return fields;
    },
  });
  // Errors from either side reach the parser (pipeline destroys it with them) and so the loop below.
  pipeline(Readable.from(asText(lines, invalidUtf8Lines)), parser, () => undefined);

  const parseLabels = spec.format === 'hoc' ? parseHocLabels : singleLabel;
  let columns = Array.isArray(spec.header) ? spec.header : undefined;
  let picks = columns ? pickColumns(spec, columns, undefined) : undefined;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      const { line, span } = recordLines.shift()!;
      const blankLine = record.length === 1 && record[0] === '';
      if (blankLine && (columns === undefined || columns.length > 1)) continue;
      if (columns === undefined || picks === undefined) {
        columns = spec.header === true ? record.map((name) => name.trim()) : record.map((_, i) => String(i + 1));
        picks = pickColumns(spec, columns, line);
        if (spec.header === true) continue;
      }
      let example: Example | undefined;
      try {
        if (record.length !== columns.length) {
          throw new RowProblem(
            'FIELD_COUNT',
            `expected ${columns.length} fields (${printable(columns.join(', '))}), found ${record.length}`,
          );
        }
        const text = joinText(picks.text.map((i) => fieldAt(record, i)));
        const id = picks.id === undefined ? String(line) : fieldAt(record, picks.id);
        const labels = spec.rules.labelled ? parseLabels(fieldAt(record, picks.label!), spec.labelField) : [];
        example = buildExample(spec.rules, line, id, text, labels);
      } catch (error) {
        if (!(error instanceof RowProblem)) throw error;
        example = badRows.handle(line, error, picks.id === undefined ? undefined : record[picks.id]);
      }
      if (anyIn(invalidUtf8Lines, line, span) && example) example.invalidUtf8 = true;
      if (example) yield example;
    }
  } catch (error) {
    throw error instanceof CsvError ? syntaxError(spec.file, nextLine, error) : error;
  }
}

/**
 * Re-joins decoded lines into blocks of about 64 KiB: the parser is much faster on large writes.
 * Lines whose invalid UTF-8 was replaced go into `invalidUtf8Lines` (before the parser sees them).
 */
async function* asText(lines: AsyncIterable<DecodedLine[]>, invalidUtf8Lines: Set<number>): AsyncGenerator<string> {
  let block = '';
  for await (const decoded of lines)
    for (const { text, terminated, line, invalidUtf8 } of decoded) {
      if (invalidUtf8) invalidUtf8Lines.add(line);
      block += terminated ? text + '\n' : text;
      if (block.length >= 65_536) {
        yield block;
        block = '';
      }
    }
  if (block !== '') yield block;
}

/** Whether any of the `span` lines from `first` is in `lines` (which then forgets them). */
function anyIn(lines: Set<number>, first: number, span: number): boolean {
  if (lines.size === 0) return false;
  let found = false;
  for (let line = first; line < first + span; line++) found = lines.delete(line) || found;
  return found;
}

function countNewlines(record: string[]): number {
  let count = 0;
  for (const field of record) for (let i = field.indexOf('\n'); i !== -1; i = field.indexOf('\n', i + 1)) count++;
  return count;
}

interface ColumnPicks {
  text: number[];
  label?: number | undefined;
  id?: number | undefined;
}

function pickColumns(spec: DelimitedSpec, columns: string[], headerLine: number | undefined): ColumnPicks {
  const location = (field: string) => ({ file: spec.file, line: headerLine, field });
  const duplicate = columns.find((name, i) => columns.indexOf(name) !== i);
  if (duplicate !== undefined) {
    throw new DataError('DUPLICATE_COLUMN', `column "${printable(duplicate)}" appears twice in the header`, {
      location: location(duplicate),
    });
  }
  const find = (field: string, role: string, option: string): number => {
    const index = columns.indexOf(field);
    if (index !== -1) return index;
    throw new DataError(
      'MISSING_COLUMN',
      `no ${role} column "${field}"; columns found: ${printable(columns.join(', '))}`,
      {
        location: location(field),
        hint: `name the ${role} column with ${option}${spec.format === 'tsv' ? ' (BLUE HoC files need --format hoc)' : ''}`,
      },
    );
  };
  return {
    text: spec.textFields.map((field) => find(field, 'text', '--text-field')),
    label: spec.rules.labelled ? find(spec.labelField, 'label', '--label-field') : undefined,
    id: spec.idField === undefined ? undefined : find(spec.idField, 'id', '--id-field'),
  };
}

function singleLabel(raw: string, field: string): string[] {
  const label = raw.trim();
  if (label === '') throw missingLabel(field);
  return [label];
}

/** The record's field at a picked column: the record was checked to have one field per column. */
function fieldAt(record: readonly string[], column: number): string {
  const value = record[column];
  if (value === undefined) throw new RowProblem('FIELD_COUNT', `no field ${column + 1}`);
  return value;
}

const HOC_ITEM = /^(\d+)_([01])$/;

/** BLUE HoC labels: "0_1,1_0,...,9_0" -> the ids marked 1, e.g. ['0']; all-zero is a valid empty set. */
function parseHocLabels(raw: string, field: string): string[] {
  const value = raw.trim();
  if (value === '') return [];
  const present: string[] = [];
  for (const item of value.split(',')) {
    const match = HOC_ITEM.exec(item.trim());
    if (!match)
      throw new RowProblem('BAD_LABEL', `label item "${printable(item)}" is not of the form ID_0 or ID_1`, field);
    if (match[2] === '1') present.push(match[1]!);
  }
  return present;
}

const SYNTAX_PROBLEMS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted field starting in this record is never closed',
  CSV_INVALID_CLOSING_QUOTE: 'a closing quote is followed by other characters',
  CSV_MAX_RECORD_SIZE: 'the record is too long',
};

function syntaxError(file: string, line: number, error: CsvError): DataError {
  return new DataError('CSV_SYNTAX', SYNTAX_PROBLEMS[error.code] ?? printable(error.message, 200), {
    location: { file, line },
    hint: 'a field with a comma, quote or line break must be in double quotes, with inner quotes doubled ("")',
    cause: error,
  });
}
