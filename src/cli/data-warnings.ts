/** Warnings about training data that is usable but suspect: contradictory duplicates, replaced bytes. */
import { findLabelConflicts, type Dataset, type TaskWarning } from '../data/index.js';
import { printable } from '../util/index.js';
import { info } from './output.js';

export interface DataWarnings {
  /** Distinct texts that appear with different labels. */
  conflictingTexts: number;
  /** Rows whose invalid UTF-8 was replaced by U+FFFD (--encoding utf-8-replace). */
  invalidUtf8Rows: number;
}

const SHOWN = 3;

/** Prints one warning line per kind of problem (with a count and the first examples) and returns the counts. */
export function reportDataWarnings(dataset: Dataset): DataWarnings {
  const conflicts = findLabelConflicts(dataset.examples);
  if (conflicts.length > 0) {
    const rows = conflicts.reduce((sum, conflict) => sum + conflict.lines.length, 0);
    const shown = conflicts
      .slice(0, SHOWN)
      .map(
        (c) =>
          `lines ${c.lines.join(', ')}: ${c.labelSets.map((set) => set.join('+') || '(none)').join(' vs ')} for ${quote(c.text)}`,
      )
      .join('; ');
    info(
      `warning: ${conflicts.length} text${conflicts.length === 1 ? '' : 's'} in ${dataset.file} appear${conflicts.length === 1 ? 's' : ''} with conflicting labels (${rows} rows): ${shown}${conflicts.length > SHOWN ? '; ...' : ''}`,
    );
  }
  const replaced = dataset.examples.filter((example) => example.invalidUtf8);
  const [firstReplaced] = replaced;
  if (firstReplaced) {
    info(
      `warning: ${replaced.length} row${replaced.length === 1 ? '' : 's'} in ${dataset.file} had invalid UTF-8 replaced by U+FFFD (first: line ${firstReplaced.line})`,
    );
  }
  return { conflictingTexts: conflicts.length, invalidUtf8Rows: replaced.length };
}

/** A warning from the training checks (src/data/task-checks.ts), as training finds it. */
export function printTaskWarning(warning: TaskWarning): void {
  info(`warning: ${warning.message}`);
}

function quote(text: string): string {
  return `"${printable(text, 60)}"`;
}
