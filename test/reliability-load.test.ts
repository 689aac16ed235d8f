/** Loading a checkpoint safely: no temporary copy, a directory replaced while it is read, encoder paths kept inside the model folders. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TextClassifier } from '../src/classifier.js';
import { tempDir } from './helpers.js';

const root = tempDir();
const TEXTS = ['profit rose sharply', 'profit fell again', 'sales rose', 'sales fell', 'revenue rose', 'revenue fell'];
const LABELS = ['up', 'down', 'up', 'down', 'up', 'down'];
const PROBES = ['profit rose', 'sales fell', 'revenue is flat'];
/** TF-IDF fused with the packaged static model: a sparse head, a TF.js head, TF-IDF state and a fused member's prefixed files. */
let fused: string;
let fusedProbabilities: number[][];

beforeAll(async () => {
  const classifier = await TextClassifier.create({ encoder: 'tfidf', fuseWith: ['potion'] });
  await classifier.fit(TEXTS, LABELS, { recipe: 'single', epochs: 3, validationSplit: 0, seed: 1 });
  fused = path.join(root, 'fused');
  await classifier.save(fused);
  fusedProbabilities = await probabilities(classifier);
  await classifier.dispose();
});

async function probabilities(classifier: TextClassifier): Promise<number[][]> {
  const result = await classifier.predictProba(PROBES);
  return Array.from({ length: result.rows }, (_, i) => Array.from(result.data.subarray(i * result.cols, (i + 1) * result.cols)));
}

async function withTmpdir<T>(dir: string, run: () => Promise<T>): Promise<T> {
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    expect(os.tmpdir()).toBe(dir);
    return await run();
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
}

async function loadAndPredict(dir: string): Promise<number[][]> {
  const classifier = await TextClassifier.load(dir);
  try {
    return await probabilities(classifier);
  } finally {
    await classifier.dispose();
  }
}

describe('loading without a temporary copy', () => {
  it('loads a fused checkpoint with TMPDIR missing, and writes nothing into an existing TMPDIR', async () => {
    expect(await withTmpdir(path.join(root, 'no-such-tmp'), () => loadAndPredict(fused))).toEqual(fusedProbabilities);
    const watched = path.join(root, 'watched-tmp');
    await fs.mkdir(watched);
    expect(await withTmpdir(watched, () => loadAndPredict(fused))).toEqual(fusedProbabilities);
    expect(await fs.readdir(watched)).toEqual([]);
  });
});
