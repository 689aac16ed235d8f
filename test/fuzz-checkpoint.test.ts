/**
 * Checkpoints are data: whatever is done to a saved checkpoint, loading it (and predicting with it,
 * when it loads) either works or throws a typed HeadstartError; never another error, a crash or a hang.
 * Mutations: random values at random places in headstart.json, byte flips, truncation and appended
 * bytes in any file (optionally re-hashed so the mutation gets past the sha256 check to the parsers),
 * random JSON in place of a file, and files swapped for symlinks.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { TextClassifier } from '../src/classifier.js';
import { readDataset } from '../src/data/index.js';
import { HeadstartError } from '../src/errors.js';
import { sampleCsv, tempDir, writeResealed } from './helpers.js';

const root = tempDir();
const probe = ['Operating profit doubled on record sales.', 'The firm cut 500 jobs after losses widened.'];
const checkpoints: Record<string, string> = {};
const fileNames: Record<string, string[]> = {};
let caseCount = 0;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

beforeAll(async () => {
  const data = await readDataset(sampleCsv);
  const texts = data.examples.map((e) => e.text);
  const labels = data.examples.map((e) => e.labels[0]);
  for (const encoder of ['tfidf', 'potion', 'fused'] as const) {
    const classifier = await TextClassifier.create(
      encoder === 'fused' ? { encoder: 'potion', fuseWith: ['tfidf'] } : { encoder },
    );
    await classifier.fit(texts, labels, {
      recipe: 'single',
      seed: 1,
      epochs: 5,
      validationSplit: encoder === 'fused' ? 0.2 : 0,
    });
    checkpoints[encoder] = path.join(root, `saved-${encoder}`);
    await classifier.save(checkpoints[encoder]);
    const manifest = JSON.parse(
      await fs.readFile(path.join(checkpoints[encoder], 'headstart.json'), 'utf8'),
    ) as Required<FileRecords>;
    // Index 0 is headstart.json itself; the others are the files it lists.
    fileNames[encoder] = ['headstart.json', ...manifest.files.map((f) => f.name)];
    await classifier.dispose();
  }
});

/** Every path to a value in a JSON tree, the root included. */
function jsonPaths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const paths = [prefix];
  if (Array.isArray(value)) value.forEach((item, i) => paths.push(...jsonPaths(item, [...prefix, i])));
  else if (value !== null && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) paths.push(...jsonPaths(item, [...prefix, key]));
  return paths;
}

function setAt(rootValue: Json, at: (string | number)[], replacement: Json | undefined): Json {
  if (at.length === 0) return replacement ?? null;
  let parent = rootValue as Record<string | number, Json>;
  for (const key of at.slice(0, -1)) parent = parent[key] as Record<string | number, Json>;
  const last = at[at.length - 1];
  if (replacement === undefined) {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else parent[last] = replacement;
  return rootValue;
}

const hostile: Json[] = [
  '../outside.bin',
  '/etc/passwd',
  '..',
  '.',
  '',
  'a/b',
  'weights.bin\u0000',
  'ｗeights.bin',
  -1,
  0,
  1e308,
  2 ** 53 + 1,
  1.5,
  'f'.repeat(64),
  '0'.repeat(64),
  [],
  {},
  null,
  true,
  'x'.repeat(10_000),
];
const replacementValue = fc.oneof(
  fc.constantFrom(...hostile),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  fc.constant(undefined),
);

type Mutation =
  | { kind: 'manifest-value'; pick: number; value: Json | undefined }
  | { kind: 'bytes'; file: number; flips: [number, number][]; rehash: boolean }
  | { kind: 'truncate'; file: number; at: number; rehash: boolean }
  | { kind: 'append'; file: number; extra: Uint8Array; rehash: boolean }
  | { kind: 'random-json'; file: number; value: Json; rehash: boolean }
  | { kind: 'symlink'; file: number; target: 'outside' | 'sibling' };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('manifest-value' as const), pick: fc.nat(), value: replacementValue }),
  fc.record({
    kind: fc.constant('bytes' as const),
    file: fc.nat(),
    flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }),
    rehash: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('truncate' as const), file: fc.nat(), at: fc.nat(), rehash: fc.boolean() }),
  fc.record({
    kind: fc.constant('append' as const),
    file: fc.nat(),
    extra: fc.uint8Array({ minLength: 1, maxLength: 64 }),
    rehash: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('random-json' as const),
    file: fc.nat(),
    value: fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<Json>,
    rehash: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('symlink' as const),
    file: fc.nat(),
    target: fc.constantFrom('outside' as const, 'sibling' as const),
  }),
);

type FileRecords = { files?: { name: string; bytes: number; sha256: string }[] };

/** The manifest as it stands, or undefined once an earlier mutation has made it unreadable. */
async function currentManifest(file: string): Promise<(Json & FileRecords) | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as Json & FileRecords;
  } catch {
    return undefined;
  }
}

async function applyMutation(dir: string, names: string[], change: Mutation): Promise<void> {
  const manifestFile = path.join(dir, 'headstart.json');
  const manifest = await currentManifest(manifestFile);
  if (change.kind === 'manifest-value') {
    if (manifest === undefined) return;
    const paths = jsonPaths(manifest);
    const mutated = setAt(manifest, paths[change.pick % paths.length], change.value);
    // Sealed again, so the value reaches the schema and the loaders (the seal itself: checkpoint.test.ts).
    if (mutated !== null && typeof mutated === 'object' && !Array.isArray(mutated))
      writeResealed(manifestFile, mutated as Record<string, unknown>);
    else await fs.writeFile(manifestFile, JSON.stringify(mutated));
    return;
  }
  const name = names[change.file % names.length];
  const file = path.join(dir, name);
  if (change.kind === 'symlink') {
    const target =
      change.target === 'outside'
        ? path.join(root, 'outside.bin')
        : path.join(dir, names[(change.file + 1) % names.length]);
    await fs.writeFile(path.join(root, 'outside.bin'), 'not yours');
    const copy = await fs.readFile(target);
    await fs.rm(file);
    await fs.symlink(change.target === 'outside' ? target : `${target}.copy`, file);
    if (change.target === 'sibling') await fs.writeFile(`${target}.copy`, copy);
    return;
  }
  let bytes = await fs.readFile(file);
  if (change.kind === 'bytes') {
    bytes = Buffer.from(bytes);
    for (const [at, xor] of change.flips) if (bytes.length > 0) bytes[at % bytes.length] ^= xor;
  } else if (change.kind === 'truncate') bytes = bytes.subarray(0, change.at % (bytes.length + 1));
  else if (change.kind === 'append') bytes = Buffer.concat([bytes, change.extra]);
  else bytes = Buffer.from(JSON.stringify(change.value));
  await fs.writeFile(file, bytes);
  const record = Array.isArray(manifest?.files) ? manifest.files.find((f) => f?.name === name) : undefined;
  if (change.rehash && record) {
    record.bytes = bytes.length;
    record.sha256 = createHash('sha256').update(bytes).digest('hex');
    writeResealed(manifestFile, manifest as unknown as Record<string, unknown>);
  }
}

/** Loads and, if that works, predicts; returns the error thrown, if any. */
async function loadAndPredict(dir: string): Promise<unknown> {
  let classifier: TextClassifier | undefined;
  try {
    classifier = await TextClassifier.load(dir);
    const probabilities = await classifier.predictProba(probe);
    for (const p of probabilities.data) expect(p >= 0 && p <= 1).toBe(true);
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await classifier?.dispose();
  }
}

const RUNS = { tfidf: { numRuns: 200, seed: 42 }, potion: { numRuns: 60, seed: 43 }, fused: { numRuns: 80, seed: 44 } };

describe.each(['tfidf', 'potion', 'fused'] as const)('fuzzed %s checkpoints', (encoder) => {
  it('load with a typed HeadstartError or not at all broken, never another error or a hang', async () => {
    let refused = 0;
    const codes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 2 }), async (changes) => {
        const dir = path.join(root, `case-${caseCount++}`);
        await fs.cp(checkpoints[encoder], dir, { recursive: true });
        for (const change of changes) await applyMutation(dir, fileNames[encoder], change);
        const error = await loadAndPredict(dir);
        if (error !== undefined && !(error instanceof HeadstartError)) throw error;
        if (error !== undefined) refused++;
        const code = error === undefined ? 'LOADED' : (error as HeadstartError).code;
        codes.set(code, (codes.get(code) ?? 0) + 1);
        await fs.rm(dir, { recursive: true, force: true });
      }),
      { ...RUNS[encoder], timeout: 10_000 },
    );
    // Re-hashed mutations must reach the file parsers behind the hash check (a re-hashed flip inside
    // a float weight may legitimately load).
    expect(refused).toBeGreaterThan(0);
    expect([...codes.keys()].filter((code) => code.startsWith('HEAD_')).length).toBeGreaterThan(0);
  });
});
