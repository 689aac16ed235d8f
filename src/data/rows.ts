/** Turning one parsed record into an Example, and the bad-row policy shared by every format. */
import { DataError } from '../errors.js';
import { printable } from '../util/index.js';
import type { BadRowPolicy, Example, SkippedRow } from './types.js';

/** A record that cannot become an Example; the reader decides (by policy) whether it is fatal. */
export class RowProblem extends Error {
  constructor(
    readonly code: string,
    readonly reason: string,
    readonly field?: string,
  ) {
    super(reason);
  }
}

export interface RowRules {
  labelled: boolean;
  textField: string;
  labelField: string;
  labelMap?: Record<string, string> | undefined;
}

/** Checks the text and maps the labels; throws RowProblem. Unlabelled rows keep empty texts (the predictor flags them). */
export function buildExample(rules: RowRules, line: number, id: string, text: string, labels: string[]): Example {
  if (!rules.labelled) return { id, line, text, labels: [] };
  if (text.trim() === '') throw new RowProblem('EMPTY_TEXT', 'empty text', rules.textField);
  return { id, line, text, labels: rules.labelMap ? labels.map((label) => mapLabel(rules, label)) : labels };
}

function mapLabel(rules: RowRules, label: string): string {
  const map = rules.labelMap!;
  const mapped = Object.hasOwn(map, label) ? map[label] : undefined;
  if (mapped !== undefined) return mapped;
  throw new RowProblem(
    'UNKNOWN_LABEL',
    `label "${printable(label)}" is not in the label map (known: ${Object.keys(map).join(', ')})`,
    rules.labelField,
  );
}

/** Joins several text fields with '. ', leaving out blank ones; a single field is kept exactly. */
export function joinText(parts: string[]): string {
  const [only] = parts;
  if (parts.length === 1 && only !== undefined) return only;
  return parts.filter((part) => part.trim() !== '').join('. ');
}

export function missingLabel(field: string): RowProblem {
  return new RowProblem('MISSING_LABEL', 'missing label', field);
}

export class BadRows {
  readonly skipped: SkippedRow[] = [];

  constructor(
    private readonly file: string,
    private readonly policy: BadRowPolicy,
  ) {}

  /** Throws (policy 'fail'), records the row as skipped ('skip', 'warn'), or returns it flagged with the problem ('flag'). */
  handle(line: number, problem: RowProblem, id = String(line)): Example | undefined {
    if (this.policy === 'fail') {
      throw new DataError(problem.code, problem.reason, {
        location: { file: this.file, line, field: problem.field },
        hint: 'fix the row, or drop bad rows with --on-bad-row skip (or warn); predict without --strict outputs such rows flagged',
      });
    }
    const reason = problem.field ? `field "${printable(problem.field)}": ${problem.reason}` : problem.reason;
    if (this.policy === 'flag') return { id, line, text: '', labels: [], error: reason };
    this.skipped.push({ line, reason });
    return undefined;
  }

  /** With policy 'warn', prints one summary line to stderr. */
  finish(): void {
    const [first] = this.skipped;
    if (this.policy !== 'warn' || !first) return;
    const count = this.skipped.length;
    process.stderr.write(
      `warning: skipped ${count} bad row${count === 1 ? '' : 's'} in ${this.file} (first: line ${first.line}, ${first.reason})\n`,
    );
  }
}
