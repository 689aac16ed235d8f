/** Loading a checkpoint safely: no temporary copy, a directory replaced while it is read, encoder paths kept inside the model folders. */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TextClassifier } from '../src/classifier.js';
import { ModelError } from '../src/errors.js';
import { TINY_BERT_DIR } from './fixtures/generate-bert.js';
import { potionDir, repoRoot, tempDir, writeResealed } from './helpers.js';

const root = tempDir();
const TEXTS = ['profit rose sharply', 'profit fell again', 'sales rose', 'sales fell', 'revenue rose', 'revenue fell'];
const LABELS = ['up', 'down', 'up', 'down', 'up', 'down'];
const PROBES = ['profit rose', 'sales fell', 'revenue is flat'];
/** TF-IDF fused with the packaged static model: a sparse head, a TF.js head, TF-IDF state and a fused member's prefixed files. */
let fused: string;
let fusedProbabilities: number[][];
/** Over the packaged static model alone. */
let potion: string;
let potionProbabilities: number[][];

beforeAll(async () => {
  const classifier = await TextClassifier.create({ encoder: 'tfidf', fuseWith: ['potion'] });
  await classifier.fit(TEXTS, LABELS, { recipe: 'single', epochs: 3, validationSplit: 0, seed: 1 });
  fused = path.join(root, 'fused');
  await classifier.save(fused);
  fusedProbabilities = await probabilities(classifier);
  await classifier.dispose();
  const single = await TextClassifier.create({ encoder: 'potion' });
  await single.fit(TEXTS, LABELS, { recipe: 'single', epochs: 3, validationSplit: 0, seed: 1 });
  potion = path.join(root, 'potion');
  await single.save(potion);
  potionProbabilities = await probabilities(single);
  await single.dispose();
});

async function probabilities(classifier: TextClassifier): Promise<number[][]> {
  const result = await classifier.predictProba(PROBES);
  return Array.from({ length: result.rows }, (_, i) =>
    Array.from(result.data.subarray(i * result.dim, (i + 1) * result.dim)),
  );
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

describe('loading while another process replaces the checkpoint', () => {
  it('sees the old or the new checkpoint whole, never a mix, over 40 loads', async () => {
    const saves = await Promise.all(
      [LABELS, LABELS.map((label) => (label === 'up' ? 'down' : 'up'))].map(async (labels, i) => {
        const classifier = await TextClassifier.create({ encoder: 'tfidf' });
        await classifier.fit(TEXTS, labels, { recipe: 'single', epochs: 3, validationSplit: 0, seed: 1 });
        const dir = path.join(root, `model-${i}`);
        await classifier.save(dir);
        await classifier.dispose();
        return { dir, expected: await loadAndPredict(dir) };
      }),
    );
    expect(saves[0].expected).not.toEqual(saves[1].expected);
    const target = path.join(root, 'replaced');
    const writer = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(repoRoot, 'test/fixtures/resave-loop.ts'), target, saves[0].dir, saves[1].dir],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        writer.stdout.setEncoding('utf8').on('data', (chunk: string) => chunk.includes('saving') && resolve());
        writer.on('exit', (code) => reject(new Error(`the writer exited with ${code} before saving`)));
      });
      const seen = new Set<number>();
      const deadline = Date.now() + 15_000;
      for (let i = 0; i < 40 || (seen.size < 2 && Date.now() < deadline); i++) {
        const predicted = await loadAndPredict(target);
        const which = saves.findIndex((save) => JSON.stringify(save.expected) === JSON.stringify(predicted));
        expect(which, `load ${i} predicted ${JSON.stringify(predicted)}`).toBeGreaterThanOrEqual(0);
        seen.add(which);
      }
      // Both models were loaded: the directory really was replaced while the test read it.
      expect(seen.size).toBe(2);
    } finally {
      writer.kill('SIGKILL');
    }
  }, 30_000);
});

let copies = 0;

/** A copy of `dir` whose manifest `edit` changed (sealed again, so the edit reaches the checks after the seal). */
async function editedCopy(dir: string, edit: (manifest: Record<string, any>) => void): Promise<string> {
  const copy = path.join(root, `edited-${copies++}`);
  await fs.cp(dir, copy, { recursive: true });
  const file = path.join(copy, 'headstart.json');
  const manifest = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, any>;
  edit(manifest);
  writeResealed(file, manifest);
  return copy;
}

async function loadError(dir: string): Promise<ModelError> {
  const error = await loadAndPredict(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelError);
  return error as ModelError;
}

async function withModelsFolder<T>(dir: string | undefined, run: () => Promise<T>): Promise<T> {
  const saved = process.env.HEADSTART_MODELS;
  if (dir === undefined) delete process.env.HEADSTART_MODELS;
  else process.env.HEADSTART_MODELS = dir;
  try {
    return await run();
  } finally {
    if (saved === undefined) delete process.env.HEADSTART_MODELS;
    else process.env.HEADSTART_MODELS = saved;
  }
}

describe("a checkpoint's encoder model stays inside the model folders", () => {
  it('refuses an absolute model path or one climbing out with .., naming headstart.json and the field, even where the model is real', async () => {
    const climbing = path.relative(process.cwd(), potionDir);
    expect(climbing.split(path.sep)[0]).not.toBe('..');
    const outside = `../${path.basename(process.cwd())}/${climbing}`;
    for (const model of [potionDir, outside]) {
      const dir = await editedCopy(potion, (manifest) => (manifest.encoder.spec.model = model));
      const error = await loadError(dir);
      expect(error.code, model).toBe('CHECKPOINT_ENCODER_PATH_OUTSIDE');
      expect(error.location).toEqual({ file: path.join(dir, 'headstart.json'), field: 'encoder.spec.model' });
      expect(error.message).toContain(JSON.stringify(model));
      expect(error.hint).toContain('HEADSTART_MODELS');
    }
    const member = await editedCopy(fused, (manifest) => (manifest.fusion.members[0].encoder.spec.model = potionDir));
    expect((await loadError(member)).location.field).toBe('fusion.members.0.encoder.spec.model');
  });

  it('records a transformer given as a directory by its folder name, so its checkpoint loads from the model folder', async () => {
    const classifier = await TextClassifier.create({ encoder: TINY_BERT_DIR });
    try {
      expect(classifier.encoder.spec).toMatchObject({ type: 'transformer', model: 'tiny-bert' });
      await classifier.fit(TEXTS, LABELS, { recipe: 'single', epochs: 3, validationSplit: 0, seed: 1 });
      const dir = path.join(root, 'transformer');
      await classifier.save(dir);
      const loaded = await TextClassifier.load(dir, { modelDir: path.dirname(TINY_BERT_DIR) });
      try {
        expect(await probabilities(loaded)).toEqual(await probabilities(classifier));
      } finally {
        await loaded.dispose();
      }
    } finally {
      await classifier.dispose();
    }
  });

  it('looks a relative model name up in the model folders, not in the working directory', async () => {
    // `models/potion-base-4m-int8` is a directory under the working directory (the repository root).
    const nested = path.relative(process.cwd(), potionDir);
    const dir = await editedCopy(potion, (manifest) => (manifest.encoder.spec.model = nested));
    expect((await withModelsFolder(undefined, () => loadError(dir))).code).toBe('MODEL_NOT_FOUND');
    expect(await withModelsFolder(process.cwd(), () => loadAndPredict(dir))).toEqual(potionProbabilities);
  });
});
