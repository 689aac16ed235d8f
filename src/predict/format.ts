/**
 * One output row per input record: JSONL or CSV, with one field (or column group) per head when there
 * are several. A record that could not be read is still a row: no prediction (null), and its `error`.
 */
import { stringify } from 'csv-stringify/sync';
import type { Prediction } from '../classifier.js';
import { UsageError } from '../errors.js';

export type OutputFormat = 'jsonl' | 'csv';

export interface HeadShape {
  /** Field name in the output; '' for a single head, whose fields sit at the top level. */
  name: string;
  multiLabel: boolean;
}

export interface RowSettings {
  format: OutputFormat;
  topK: number;
}

export interface InputRow {
  id: string;
  line: number;
  text: string;
  /** Invalid UTF-8 in the record was read as U+FFFD; it is classified all the same. */
  invalidUtf8?: true;
  /** The record could not be read (malformed CSV record, JSONL line that is not an object): not classified. */
  error?: string;
}

/** Per head, the prediction for each row; undefined for a row with an `error`. */
export type RowPredictions = (Prediction | undefined)[][];

const RESERVED_FIELDS = new Set(['id', 'line', 'truncated', 'empty', 'invalid_utf8', 'error']);

/** Head names must be usable as output fields: distinct, non-empty, not one of the row's own fields. */
export function checkHeadNames(names: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (name === '' || RESERVED_FIELDS.has(name)) {
      throw new UsageError('HEAD_NAME_INVALID', `head name "${name}" cannot be used as an output field`, {
        hint: 'name the model with --model NAME=DIR',
      });
    }
    if (seen.has(name))
      throw new UsageError('HEAD_NAME_DUPLICATE', `two models are both named "${name}"`, {
        hint: 'name them apart with --model NAME=DIR',
      });
    seen.add(name);
  }
}

/** The CSV header line for these heads (CSV output only). */
export function csvHeader(heads: readonly HeadShape[], settings: RowSettings): string {
  return stringify([csvColumns(heads, settings)]);
}

/** Output text for a chunk of rows; `predictions[h][i]` is head h's prediction for row i. */
export function formatRows(
  rows: readonly InputRow[],
  heads: readonly HeadShape[],
  predictions: RowPredictions,
  settings: RowSettings,
): string {
  if (settings.format === 'csv') {
    const records = rows.map((row, i) => csvRecord(row, heads, predictions, i, settings.topK));
    return stringify(records, { quoted_empty: true });
  }
  let out = '';
  const [lone] = heads;
  const [loneColumn] = predictions;
  if (heads.length === 1 && lone?.name === '' && loneColumn) {
    const label = quotedOnce();
    rows.forEach((row, i) => (out += singleHeadLine(row, loneColumn[i], lone.multiLabel, settings.topK, label)));
    return out;
  }
  rows.forEach((row, i) => (out += `${JSON.stringify(jsonRecord(row, heads, predictions, i, settings.topK))}\n`));
  return out;
}

/**
 * `JSON.stringify(jsonRecord(...))` of a lone head's row, written out directly: the same bytes
 * without an object per row and its fields (a third of serialisation time and garbage at 100k rows).
 * Fixed keys only, so the field order is the object's; `scores` (keys are labels, which
 * JSON.stringify may reorder) is still stringified as an object.
 */
function singleHeadLine(
  row: InputRow,
  prediction: Prediction | undefined,
  multiLabel: boolean,
  topK: number,
  quotedLabel: (label: string) => string,
): string {
  // An id that is the line number (all but --id-field) is digits, which JSON.stringify only quotes.
  const id = row.id === String(row.line) ? `"${row.id}"` : JSON.stringify(row.id);
  let line = `{"id":${id},"line":${row.line}`;
  if (multiLabel) line += `,"labels":${prediction ? JSON.stringify(prediction.labels) : 'null'}`;
  else
    line += prediction
      ? `,"label":${quotedLabel(prediction.label)},"score":${round(prediction.score)}`
      : ',"label":null,"score":null';
  if (topK > 1 || multiLabel) line += `,"scores":${prediction ? JSON.stringify(scoresOf(prediction)) : 'null'}`;
  if (prediction?.truncated) line += ',"truncated":true';
  if (prediction?.empty) line += ',"empty":true';
  if (row.invalidUtf8) line += ',"invalid_utf8":true';
  if (row.error !== undefined) line += `,"error":${JSON.stringify(row.error)}`;
  return `${line}}\n`;
}

/** JSON.stringify of a label, made once per label of a chunk (a chunk has thousands of rows and a few labels). */
function quotedOnce(): (label: string) => string {
  const quoted = new Map<string, string>();
  return (label) => {
    let json = quoted.get(label);
    if (json === undefined) quoted.set(label, (json = JSON.stringify(label)));
    return json;
  };
}

function jsonRecord(
  row: InputRow,
  heads: readonly HeadShape[],
  predictions: RowPredictions,
  i: number,
  topK: number,
): Record<string, unknown> {
  const record: Record<string, unknown> = { id: row.id, line: row.line };
  const first = predictions[0]?.[i];
  const [lone] = heads;
  if (heads.length === 1 && lone?.name === '') Object.assign(record, headFields(first, lone.multiLabel, topK));
  else heads.forEach((head, h) => (record[head.name] = headFields(predictions[h]?.[i], head.multiLabel, topK)));
  if (first?.truncated) record.truncated = true;
  if (first?.empty) record.empty = true;
  if (row.invalidUtf8) record.invalid_utf8 = true;
  if (row.error !== undefined) record.error = row.error;
  return record;
}

/** One text's fields of a single-head `predict` JSONL row, without id and line: what `headstart serve` answers per text. */
export function predictionFields(
  prediction: Prediction,
  multiLabel: boolean,
  topK: number,
  invalidUtf8: boolean,
): Record<string, unknown> {
  const fields = headFields(prediction, multiLabel, topK);
  if (prediction.truncated) fields.truncated = true;
  if (prediction.empty) fields.empty = true;
  if (invalidUtf8) fields.invalid_utf8 = true;
  return fields;
}

/** The fields stay when there is no prediction (null), so every row has the same shape. */
function headFields(prediction: Prediction | undefined, multiLabel: boolean, topK: number): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (multiLabel) fields.labels = prediction?.labels ?? null;
  else {
    fields.label = prediction?.label ?? null;
    fields.score = prediction ? round(prediction.score) : null;
  }
  if (topK > 1 || multiLabel) fields.scores = prediction ? scoresOf(prediction) : null;
  return fields;
}

function csvColumns(heads: readonly HeadShape[], settings: RowSettings): string[] {
  const columns = ['id', 'line'];
  for (const head of heads) {
    const prefix = head.name === '' ? '' : `${head.name}.`;
    if (head.multiLabel) columns.push(`${prefix}labels`);
    else columns.push(`${prefix}label`, `${prefix}score`);
    if (settings.topK > 1 || head.multiLabel) columns.push(`${prefix}scores`);
  }
  columns.push('truncated', 'empty', 'invalid_utf8', 'error');
  return columns;
}

/** CSV cells: multi-label sets joined with '|', scores as a JSON object; empty cells where there is no prediction. */
function csvRecord(
  row: InputRow,
  heads: readonly HeadShape[],
  predictions: RowPredictions,
  i: number,
  topK: number,
): (string | number)[] {
  const cells: (string | number)[] = [row.id, row.line];
  heads.forEach((head, h) => {
    const prediction = predictions[h]?.[i];
    if (head.multiLabel) cells.push(prediction ? prediction.labels!.join('|') : '');
    else cells.push(prediction?.label ?? '', prediction ? round(prediction.score) : '');
    if (topK > 1 || head.multiLabel) cells.push(prediction ? JSON.stringify(scoresOf(prediction)) : '');
  });
  const first = predictions[0]?.[i];
  cells.push(
    String(first?.truncated ?? false),
    String(first?.empty ?? false),
    String(row.invalidUtf8 ?? false),
    row.error ?? '',
  );
  return cells;
}

function scoresOf(prediction: Prediction): Record<string, number> {
  return Object.fromEntries(prediction.top.map((t) => [t.label, round(t.score)]));
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
