/** One-record-per-line formats: Financial PhraseBank, TREC question classification, and plain lines. */
import { mapBlocks } from './blocks.js';
import type { DecodedLine } from './decode.js';
import { BadRows, RowProblem, buildExample, missingLabel, type RowRules } from './rows.js';
import type { Example } from './types.js';

type LineParser = (line: string) => { text: string; labels: string[] };

/** One Example per non-blank line (every line for `lines`, whose blank lines are empty texts), a block at a time. */
export function readLineRecords(
  blocks: AsyncIterable<DecodedLine[]>,
  parseLine: LineParser | 'lines',
  rules: RowRules,
  badRows: BadRows,
): AsyncGenerator<Example[]> {
  return mapBlocks(blocks, (decoded) => lineExample(decoded, parseLine, rules, badRows));
}

function lineExample(
  decoded: DecodedLine,
  parseLine: LineParser | 'lines',
  rules: RowRules,
  badRows: BadRows,
): Example | undefined {
  const raw = decoded.text.endsWith('\r') ? decoded.text.slice(0, -1) : decoded.text;
  const id = String(decoded.line);
  let example: Example;
  if (parseLine === 'lines') {
    example = { id, line: decoded.line, text: raw, labels: [] };
  } else {
    if (raw.trim() === '') return undefined;
    try {
      const { text, labels } = parseLine(raw);
      example = buildExample(rules, decoded.line, id, text, labels);
    } catch (error) {
      if (!(error instanceof RowProblem)) throw error;
      const flagged = badRows.handle(decoded.line, error);
      if (!flagged) return undefined;
      example = flagged;
    }
  }
  if (decoded.invalidUtf8) example.invalidUtf8 = true;
  return example;
}

/** `sentence@label`, split on the last '@' (sentences may contain '@'). */
export function fpbParser(labelled: boolean): LineParser {
  return (line) => {
    const at = line.lastIndexOf('@');
    if (!labelled) return { text: at === -1 ? line : line.slice(0, at), labels: [] };
    const label = at === -1 ? '' : line.slice(at + 1).trim();
    if (label === '') throw missingLabel('label');
    return { text: line.slice(0, at), labels: [label] };
  };
}

const TREC_LINE = /^([^\s:]+):(\S+) (.*)$/;

/** `COARSE:fine question`; the label is COARSE, or COARSE:fine with `fine`. */
export function trecParser(labelled: boolean, fine: boolean): LineParser {
  return (line) => {
    const match = TREC_LINE.exec(line);
    if (!labelled) return { text: match ? match[3]! : line, labels: [] };
    if (!match) throw new RowProblem('BAD_LINE', 'expected "COARSE:fine question text"', 'label');
    const [, coarse, fineLabel, text] = match as unknown as [string, string, string, string];
    return { text, labels: [fine ? `${coarse}:${fineLabel}` : coarse] };
  };
}
