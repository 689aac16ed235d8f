/** One output row per input record: JSONL or CSV, with one field (or column group) per head when there are several. */
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
}

const RESERVED_FIELDS = new Set(['id', 'line', 'truncated', 'empty']);

/** Head names must be usable as output fields: distinct, non-empty, not one of the row's own fields. */
export function checkHeadNames(names: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (name === '' || RESERVED_FIELDS.has(name)) {
      throw new UsageError('HEAD_NAME_INVALID', `head name "${name}" cannot be used as an output field`, { hint: 'name the model with --model NAME=DIR' });
    }
    if (seen.has(name)) throw new UsageError('HEAD_NAME_DUPLICATE', `two models are both named "${name}"`, { hint: 'name them apart with --model NAME=DIR' });
    seen.add(name);
  }
}

/** The CSV header line for these heads (CSV output only). */
export function csvHeader(heads: readonly HeadShape[], settings: RowSettings): string {
  return stringify([csvColumns(heads, settings)]);
}

/** Output text for a chunk of rows; `predictions[h][i]` is head h's prediction for row i. */
export function formatRows(rows: readonly InputRow[], heads: readonly HeadShape[], predictions: Prediction[][], settings: RowSettings): string {
  if (settings.format === 'csv') {
    const records = rows.map((row, i) => csvRecord(row, heads, predictions, i, settings.topK));
    return stringify(records, { quoted_empty: true });
  }
  let out = '';
  for (let i = 0; i < rows.length; i++) out += `${JSON.stringify(jsonRecord(rows[i], heads, predictions, i, settings.topK))}\n`;
  return out;
}

function jsonRecord(row: InputRow, heads: readonly HeadShape[], predictions: Prediction[][], i: number, topK: number): Record<string, unknown> {
  const record: Record<string, unknown> = { id: row.id, line: row.line };
  const first = predictions[0][i];
  if (heads.length === 1 && heads[0].name === '') Object.assign(record, headFields(first, heads[0].multiLabel, topK));
  else heads.forEach((head, h) => (record[head.name] = headFields(predictions[h][i], head.multiLabel, topK)));
  if (first.truncated) record.truncated = true;
  if (first.empty) record.empty = true;
  return record;
}

function headFields(prediction: Prediction, multiLabel: boolean, topK: number): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (multiLabel) fields.labels = prediction.labels;
  else {
    fields.label = prediction.label;
    fields.score = round(prediction.score);
  }
  if (topK > 1 || multiLabel) fields.scores = scoresOf(prediction);
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
  columns.push('truncated', 'empty');
  return columns;
}

/** CSV cells: multi-label sets joined with '|', scores as a JSON object. */
function csvRecord(row: InputRow, heads: readonly HeadShape[], predictions: Prediction[][], i: number, topK: number): (string | number)[] {
  const cells: (string | number)[] = [row.id, row.line];
  heads.forEach((head, h) => {
    const prediction = predictions[h][i];
    if (head.multiLabel) cells.push(prediction.labels!.join('|'));
    else cells.push(prediction.label, round(prediction.score));
    if (topK > 1 || head.multiLabel) cells.push(JSON.stringify(scoresOf(prediction)));
  });
  const first = predictions[0][i];
  cells.push(String(first.truncated), String(first.empty));
  return cells;
}

function scoresOf(prediction: Prediction): Record<string, number> {
  return Object.fromEntries(prediction.top.map((t) => [t.label, round(t.score)]));
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
