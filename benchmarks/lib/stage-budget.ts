/**
 * Where one `predict` row's time goes, in process on one thread: µs per row for read/parse, tokenize,
 * embed, head, decide, serialise and write, through the classifier's public API (the CLI's pipeline
 * adds chunk ordering and the journal around the same steps). A static encoder tokenizes and sums in
 * one pass; embed is those sums timed again on the ids it found, tokenize the rest of the pass.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { type EmbedResult, StaticEncoder, TextClassifier } from '../../src/index.js';
import { readRecords } from '../../src/data/index.js';
import { formatRows, type InputRow } from '../../src/predict/format.js';

export const STAGES = ['readParse', 'tokenize', 'embed', 'head', 'decide', 'serialise', 'write'] as const;
export type Stage = (typeof STAGES)[number];

export interface StageBudget {
  rows: number;
  microsecondsPerRow: Record<Stage, number>;
  /** What a stage holds beyond its name, where the public API does not separate it. */
  notes: string[];
}

/** Splits `predict --format lines` of `input` with the checkpoint in `modelDir` into stages; output goes to `outputFile`. */
export async function measureStages(
  modelDir: string,
  input: string,
  outputFile: string,
  batch: number,
): Promise<StageBudget> {
  const classifier = await TextClassifier.load(modelDir);
  const seconds = Object.fromEntries(STAGES.map((stage) => [stage, 0])) as Record<Stage, number>;
  let mark = performance.now();
  const lap = (stage: Stage) => {
    const now = performance.now();
    seconds[stage] += (now - mark) / 1000;
    mark = now;
  };
  const rows: InputRow[] = [];
  for await (const record of readRecords(input, { labelled: false, format: 'lines' }))
    rows.push({ id: record.id, line: record.line, text: record.text });
  lap('readParse');
  const primary = classifier.encoder;
  const tokenizer = primary instanceof StaticEncoder ? primary : undefined;
  const notes = stageNotes(
    classifier.composition.weights.slice(1).filter((w) => w > 0).length,
    tokenizer !== undefined,
  );
  const output = openSync(outputFile, 'w');
  try {
    for (let start = 0; start < rows.length; start += batch) {
      const chunk = rows.slice(start, start + batch);
      const texts = chunk.map((row) => row.text);
      mark = performance.now();
      const embedded = await classifier.embedPrimary(texts);
      lap(tokenizer ? 'tokenize' : 'embed');
      if (tokenizer) {
        // The table sums again on the ids just found: embed's share, taken out of the tokenize lap above.
        await tokenizer.embed(texts, { tokenIds: (embedded as EmbedResult).tokenIds });
        const sums = (performance.now() - mark) / 1000;
        seconds.embed += sums;
        seconds.tokenize -= sums;
      }
      mark = performance.now();
      const probabilities = await classifier.predictProba(texts, { embedded });
      lap('head');
      const predictions = classifier.decide(probabilities);
      lap('decide');
      const text = formatRows(chunk, [{ name: '', multiLabel: false }], [predictions], { format: 'jsonl', topK: 1 });
      lap('serialise');
      writeSync(output, text);
      fsyncSync(output);
      lap('write');
    }
  } finally {
    closeSync(output);
    await classifier.dispose();
  }
  const perRow = (s: number) => Math.round((Math.max(0, s) / rows.length) * 1e6 * 100) / 100;
  return {
    rows: rows.length,
    microsecondsPerRow: Object.fromEntries(STAGES.map((stage) => [stage, perRow(seconds[stage])])) as Record<
      Stage,
      number
    >,
    notes,
  };
}

function stageNotes(otherMembers: number, staticPrimary: boolean): string[] {
  const notes: string[] = [];
  if (!staticPrimary) notes.push('tokenize is inside embed: the primary encoder is not a static one');
  if (otherMembers > 0)
    notes.push(
      `head includes the features of ${otherMembers} other member(s) with a non-zero weight (TF-IDF tokenizing and weighting, their tables), which the public API does not separate`,
    );
  return notes;
}
