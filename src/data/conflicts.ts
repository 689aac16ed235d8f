/** Duplicate texts whose labels disagree: the data contradicts itself, and no model can fit both rows. */
import type { Example } from './types.js';

export interface LabelConflict {
  text: string;
  /** Lines of every row with this text, in file order. */
  lines: number[];
  /** The distinct label sets given to the text, in order of first appearance (one label each for single-label data). */
  labelSets: string[][];
}

/** Every text that appears with more than one label set, in order of first appearance. */
export function findLabelConflicts(examples: Iterable<Example>): LabelConflict[] {
  // A text's first row is kept as plain fields; arrays are only allocated once the text repeats.
  const seen = new Map<
    string,
    { line: number; key: string; labels: string[]; repeat?: LabelConflict & { keys: Set<string> } }
  >();
  const conflicts: LabelConflict[] = [];
  for (const example of examples) {
    const key = [...example.labels].sort().join('\u0000');
    const first = seen.get(example.text);
    if (!first) {
      seen.set(example.text, { line: example.line, key, labels: example.labels });
      continue;
    }
    first.repeat ??= { text: example.text, lines: [first.line], labelSets: [first.labels], keys: new Set([first.key]) };
    const repeat = first.repeat;
    repeat.lines.push(example.line);
    if (repeat.keys.has(key)) continue;
    repeat.keys.add(key);
    repeat.labelSets.push(example.labels);
    if (repeat.keys.size === 2) conflicts.push(repeat);
  }
  return conflicts.map(({ text, lines, labelSets }) => ({ text, lines, labelSets }));
}
