/** JSON Lines: one object per line; a label may be a string, a number, or an array of them (multi-label). */
import { printable } from '../util/index.js';
import { mapBlocks } from './blocks.js';
import type { DecodedLine } from './decode.js';
import { BadRows, RowProblem, buildExample, joinText, missingLabel, type RowRules } from './rows.js';
import type { Example } from './types.js';

export interface JsonlSpec {
  textFields: string[];
  labelField: string;
  idField?: string | undefined;
  rules: RowRules;
  /** Called once the first array-valued label is seen. */
  onMultiLabel: () => void;
}

/** One Example per non-blank line, a block at a time. */
export function readJsonl(
  blocks: AsyncIterable<DecodedLine[]>,
  spec: JsonlSpec,
  badRows: BadRows,
): AsyncGenerator<Example[]> {
  const { textFields, idField, rules } = spec;
  const [only] = textFields;
  const loneText =
    only !== undefined && textFields.length === 1 && idField === undefined && !rules.labelled
      ? loneTextLine(only)
      : undefined;
  return mapBlocks(blocks, (decoded) => {
    const text = loneText?.exec(decoded.text)?.[1];
    if (text === undefined) return jsonlExample(decoded, spec, badRows);
    const example: Example = { id: String(decoded.line), line: decoded.line, text, labels: [] };
    if (decoded.invalidUtf8) example.invalidUtf8 = true;
    return example;
  });
}

/**
 * A line that is `{"FIELD": "TEXT"}` (JSON whitespace allowed between tokens) where TEXT holds no
 * quote, backslash (so no escape) or control character (which JSON refuses raw): JSON.parse would
 * give an object whose one key is FIELD, holding TEXT as it is, so the reader takes TEXT without
 * JSON.parse (in half its time). Group 1 is TEXT. Only for field names that need no escaping here.
 */
export function loneTextLine(field: string): RegExp | undefined {
  if (!/^\w+$/.test(field)) return undefined;
  const space = '[ \\t\\n\\r]*';
  return new RegExp(`^${space}\\{${space}"${field}"${space}:${space}"([^"\\\\\\u0000-\\u001f]*)"${space}\\}${space}$`);
}

function jsonlExample(
  { text: raw, line, invalidUtf8 }: DecodedLine,
  spec: JsonlSpec,
  badRows: BadRows,
): Example | undefined {
  if (raw.trim() === '') return undefined;
  let id: string | undefined;
  try {
    const record = parseObject(raw);
    id = spec.idField === undefined ? String(line) : idValue(record, spec.idField);
    const text = joinText(spec.textFields.map((field) => stringField(record, field)));
    const labels = spec.rules.labelled ? labelValues(record, spec) : [];
    const example = buildExample(spec.rules, line, id, text, labels);
    if (invalidUtf8) example.invalidUtf8 = true;
    if (spec.rules.labelled && Array.isArray(record[spec.labelField])) example.labelList = true;
    return example;
  } catch (error) {
    if (!(error instanceof RowProblem)) throw error;
    const flagged = badRows.handle(line, error, id);
    if (flagged && invalidUtf8) flagged.invalidUtf8 = true;
    return flagged;
  }
}

function parseObject(raw: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new RowProblem('INVALID_JSON', `invalid JSON (${printable((error as Error).message)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RowProblem('INVALID_JSON', `expected a JSON object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

function stringField(record: Record<string, unknown>, field: string): string {
  const value = record[field];
  if (value === undefined) throw new RowProblem('MISSING_FIELD', 'missing field', field);
  if (typeof value !== 'string') throw new RowProblem('FIELD_TYPE', `must be a string, got ${describe(value)}`, field);
  return value;
}

function idValue(record: Record<string, unknown>, field: string): string {
  const value = record[field];
  if (value === undefined) throw new RowProblem('MISSING_FIELD', 'missing field', field);
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  throw new RowProblem('FIELD_TYPE', `id must be a string or number, got ${describe(value)}`, field);
}

function labelValues(record: Record<string, unknown>, spec: JsonlSpec): string[] {
  const value = record[spec.labelField];
  if (value === undefined || value === null || value === '') throw missingLabel(spec.labelField);
  if (Array.isArray(value)) {
    spec.onMultiLabel();
    return value.map((item) => labelString(item, spec.labelField));
  }
  return [labelString(value, spec.labelField)];
}

function labelString(value: unknown, field: string): string {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new RowProblem('FIELD_TYPE', `a label must be a non-empty string or a number, got ${describe(value)}`, field);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `"${printable(value, 40)}"`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
