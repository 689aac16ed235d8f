/**
 * Where `predict`'s time goes, stage by stage, in CPU milliseconds per 100k rows (one thread, in
 * process): read+parse, tokenize+embed (and of it, the table sums timed again on the ids found), head, decide,
 * serialise, write (fsynced per chunk, as the journal does); start-up is a 1-row CLI run's CPU.
 * For a fused checkpoint with a sparse (TF-IDF) member, the head stage's share of that member is
 * timed again apart (not added to the stages): its TF-IDF rows, its dense part's table sums on the
 * primary's token ids with the dense block's z-scores, and its sparse head.
 * Used for the per-row budget in docs/decisions/performance.md.
 *
 *   npm run build && npx tsx benchmarks/predict-stages.ts MODEL_DIR INPUT.jsonl
 */
import { spawnSync } from 'node:child_process';
import { closeSync, fdatasyncSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TextClassifier } from '../src/classifier.js';
import { type EmbedResult, isSparseEncoder, StaticEncoder, TfidfEncoder } from '../src/encoders/index.js';
import { predictMember } from '../src/members/index.js';
import { readRecords } from '../src/data/index.js';
import { formatRows, type InputRow } from '../src/predict/format.js';

const [modelDir, input] = process.argv.slice(2);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CHUNK = 2048;
const cpu = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const stages: Record<string, number> = {};
const time = async <T>(stage: string, work: () => Promise<T> | T): Promise<T> => {
  const started = cpu();
  const value = await work();
  stages[stage] = (stages[stage] ?? 0) + cpu() - started;
  return value;
};

const one = path.join(os.tmpdir(), `predict-stages-${process.pid}.jsonl`);
writeFileSync(one, `${readFileSync(input, 'utf8').split('\n')[0]}\n`);
const cli = spawnSync(
  process.execPath,
  [path.join(root, 'dist/cli/main.js'), 'predict', '--model', modelDir, '--input', one, '--json'],
  { encoding: 'utf8' },
);
rmSync(one);
stages.startup = JSON.parse(cli.stdout.trim().split('\n').at(-1)!).cpuSeconds * 1000;

const classifier = await TextClassifier.load(modelDir);
const encoder = classifier.encoder;
if (!(encoder instanceof StaticEncoder)) throw new Error(`${modelDir}: the stages are those of a static encoder`);
const { members, weights } = classifier.composition;
const lexicalIndex = members.findIndex((member, i) => i > 0 && weights[i]! > 0 && isSparseEncoder(member.encoder));
const lexical = members[lexicalIndex];
/** The member's TF-IDF state loaded on its own (the manifest names its prefix), to time its rows alone. */
async function lexicalWords(): Promise<TfidfEncoder | undefined> {
  if (lexical === undefined) return undefined;
  const manifest = JSON.parse(readFileSync(path.join(modelDir, 'headstart.json'), 'utf8'));
  const prefix: string = manifest.fusion.members[lexicalIndex - 1].prefix;
  const pathOf = (name: string) => path.join(modelDir, prefix + name);
  return TfidfEncoder.loadState({ pathOf, read: async (name) => readFileSync(pathOf(name)) });
}
const words = await lexicalWords();
const rows = await time('readParse', async () => {
  const read: InputRow[] = [];
  for await (const r of readRecords(input, { labelled: false, onBadRow: 'flag', encoding: 'auto' }))
    read.push({ id: r.id, line: r.line, text: r.text });
  return read;
});
const output = path.join(os.tmpdir(), `predict-stages-${process.pid}.out`);
const fd = openSync(output, 'w');
for (let start = 0; start < rows.length; start += CHUNK) {
  const chunk = rows.slice(start, start + CHUNK);
  const texts = chunk.map((row) => row.text);
  const embedded = await time('tokenizeAndEmbed', () => classifier.embedPrimary(texts));
  // Again from the ids just found: the table sums' share of the line above (the rest is tokenizing).
  await time('embed', () => encoder.embed(texts, { tokenIds: (embedded as EmbedResult).tokenIds }));
  const probabilities = await time('head', () => classifier.predictProba(texts, { embedded }));
  if (lexical && words && isSparseEncoder(lexical.encoder)) {
    const sparse = lexical.encoder;
    const vectors = embedded as EmbedResult;
    await time('lexicalTfidf', () => words.embedSparse(texts));
    const features = await time('lexicalFeatures', () =>
      sparse.embedSparse(texts, { embedded: { fingerprint: encoder.fingerprint, vectors } }),
    );
    await time('lexicalHead', () => predictMember(lexical.head, features));
  }
  const predictions = await time('decide', () => classifier.decide(probabilities));
  const text = await time('serialise', () =>
    formatRows(chunk, [{ name: '', multiLabel: classifier.multiLabel }], [predictions], { format: 'jsonl', topK: 1 }),
  );
  await time('write', () => {
    writeSync(fd, text);
    fdatasyncSync(fd);
  });
}
closeSync(fd);
rmSync(output);
await classifier.dispose();
stages.tokenize = stages.tokenizeAndEmbed - stages.embed;
if (words) stages.lexicalDenseBlock = stages.lexicalFeatures - stages.lexicalTfidf;
const per100k = (ms: number) => Math.round((ms * 100_000) / rows.length);
console.log(`${rows.length} rows, ${modelDir}: CPU ms per 100k rows (µs per row = value / 100)`);
for (const stage of [
  'startup',
  'readParse',
  'tokenizeAndEmbed',
  'tokenize',
  'embed',
  'head',
  ...(words ? ['lexicalTfidf', 'lexicalDenseBlock', 'lexicalHead'] : []),
  'decide',
  'serialise',
  'write',
])
  console.log(`${stage.padEnd(18)} ${stage === 'startup' ? Math.round(stages[stage]!) : per100k(stages[stage]!)}`);
