import { promises as fs, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TextClassifier } from '../src/classifier.js';
import { writeDirectoryAtomically } from '../src/checkpoint/files.js';
import { ModelError } from '../src/errors.js';
import { readDataset } from '../src/data/index.js';
import { sampleCsv, tempDir, writeResealed } from './helpers.js';

const root = tempDir();
const probe = ['Operating profit doubled on record sales.', 'The firm cut 500 jobs after losses widened.', 'The annual meeting will be held in Helsinki.'];
let saved: string;
let expected: Float32Array;

async function copyCheckpoint(name: string): Promise<string> {
  const dir = path.join(root, name);
  await fs.cp(saved, dir, { recursive: true });
  return dir;
}

function editManifest(dir: string, edit: (manifest: Record<string, any>) => void): void {
  const file = path.join(dir, 'headstart.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8'));
  edit(manifest);
  writeResealed(file, manifest);
}

async function loadError(dir: string): Promise<ModelError> {
  const error = await TextClassifier.load(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelError);
  return error as ModelError;
}

beforeAll(async () => {
  const data = await readDataset(sampleCsv);
  const classifier = await TextClassifier.create();
  await classifier.fit(
    data.examples.map((e) => e.text),
    data.examples.map((e) => e.labels[0]),
    { recipe: 'single', seed: 1, epochs: 30 },
  );
  expected = (await classifier.predictProba(probe)).data;
  saved = path.join(root, 'model');
  await classifier.save(saved);
  await classifier.dispose();
});

describe('checkpoint round trip', () => {
  it('gives identical probabilities after save and load', async () => {
    const loaded = await TextClassifier.load(saved);
    expect(Array.from((await loaded.predictProba(probe)).data)).toEqual(Array.from(expected));
    expect(loaded.labels).toEqual(['negative', 'neutral', 'positive']);
    await loaded.dispose();
  });

  it('writes a manifest with a hash for every file and a model card', async () => {
    const manifest = JSON.parse(readFileSync(path.join(saved, 'headstart.json'), 'utf8'));
    const names = manifest.files.map((f: { name: string }) => f.name).sort();
    expect(names).toEqual([...manifest.head.files, 'README.md'].sort());
    const card = readFileSync(path.join(saved, 'README.md'), 'utf8');
    expect(card).toContain('| positive |');
    expect(manifest.encoder.spec).toMatchObject({ type: 'static', model: 'potion-base-4m-int8' });
  });
});

describe('checkpoint verification', () => {
  it('refuses a checkpoint with one byte of its weights changed, naming the file', async () => {
    const dir = await copyCheckpoint('tampered');
    const manifest = JSON.parse(readFileSync(path.join(dir, 'headstart.json'), 'utf8'));
    const weights = manifest.files.find((f: { name: string }) => f.name.endsWith('.bin')).name as string;
    const bytes = readFileSync(path.join(dir, weights));
    bytes[Math.floor(bytes.length / 2)] ^= 0x01;
    writeFileSync(path.join(dir, weights), bytes);
    const error = await loadError(dir);
    expect(error.code).toBe('CHECKPOINT_HASH_MISMATCH');
    expect(error.message).toContain(path.join(dir, weights));
  });

  it('refuses a truncated file before hashing it', async () => {
    const dir = await copyCheckpoint('truncated');
    const file = path.join(dir, 'README.md');
    writeFileSync(file, readFileSync(file).subarray(0, 10));
    expect((await loadError(dir)).code).toBe('CHECKPOINT_SIZE_MISMATCH');
  });

  it('refuses file names that leave the checkpoint directory', async () => {
    const dir = await copyCheckpoint('escape');
    editManifest(dir, (m) => (m.files[0].name = '../../etc/passwd'));
    const error = await loadError(dir);
    expect(error.code).toBe('CHECKPOINT_BAD_FILE_NAME');
  });

  it('refuses a symlinked file', async () => {
    const dir = await copyCheckpoint('symlink');
    const outside = path.join(root, 'outside.md');
    await fs.rename(path.join(dir, 'README.md'), outside);
    await fs.symlink(outside, path.join(dir, 'README.md'));
    expect((await loadError(dir)).code).toBe('CHECKPOINT_NOT_REGULAR_FILE');
  });

  it('names a newer format version', async () => {
    const dir = await copyCheckpoint('newer');
    editManifest(dir, (m) => (m.formatVersion = 99));
    const error = await loadError(dir);
    expect(error.code).toBe('CHECKPOINT_FORMAT_VERSION');
    expect(error.message).toMatch(/newer/);
  });

  it('refuses unknown manifest fields and wrong types, naming the field', async () => {
    const dir = await copyCheckpoint('schema');
    editManifest(dir, (m) => (m.head.spec.inputDim = 'big'));
    const error = await loadError(dir);
    expect(error.code).toBe('CHECKPOINT_MANIFEST_INVALID');
    expect(error.message).toContain('head.spec.inputDim');
  });

  it('refuses a manifest changed after saving: one bit of a label name or of a recorded option, or a second seal', async () => {
    const file = (dir: string) => path.join(dir, 'headstart.json');
    const flip = (dir: string, from: string, to: string) => {
      const text = readFileSync(file(dir), 'utf8');
      expect(text).toContain(from);
      writeFileSync(file(dir), text.replace(from, to));
    };
    const label = await copyCheckpoint('flipped-label');
    // 'p' (0x70) -> 'q' (0x71): the labels still match the head, so only the seal can tell.
    flip(label, '"positive"', '"qositive"');
    const error = await loadError(label);
    expect(error.code).toBe('CHECKPOINT_MANIFEST_HASH_MISMATCH');
    expect(error.location).toMatchObject({ file: file(label), field: 'manifestSha256' });
    const option = await copyCheckpoint('flipped-option');
    flip(option, '"seed": 1', '"seed": 3');
    expect((await loadError(option)).code).toBe('CHECKPOINT_MANIFEST_HASH_MISMATCH');
    const seal = await copyCheckpoint('two-seals');
    flip(seal, '"labels"', '"manifestSha256": "' + '0'.repeat(64) + '", "labels"');
    expect((await loadError(seal)).code).toBe('CHECKPOINT_MANIFEST_INVALID');
  });

  it('refuses a label list that does not match the head', async () => {
    const dir = await copyCheckpoint('labels');
    editManifest(dir, (m) => m.labels.push('mixed'));
    expect((await loadError(dir)).code).toBe('CHECKPOINT_LABELS_MISMATCH');
  });

  it('refuses an encoder other than the one it was trained with', async () => {
    const dir = await copyCheckpoint('fingerprint');
    editManifest(dir, (m) => (m.encoder.fingerprint = 'f'.repeat(64)));
    const error = await loadError(dir);
    expect(error.code).toBe('CHECKPOINT_ENCODER_MISMATCH');
  });

  it('says when a directory is not a checkpoint', async () => {
    expect((await loadError(root)).code).toBe('CHECKPOINT_NOT_FOUND');
  });
});

describe('atomic writes', () => {
  it('keeps the previous directory intact and leaves no temporary directory when a save fails', async () => {
    const parent = path.join(root, 'atomic');
    const dir = path.join(parent, 'ckpt');
    await writeDirectoryAtomically(dir, async (tmp) => writeFileSync(path.join(tmp, 'a.txt'), 'first'));
    await expect(
      writeDirectoryAtomically(dir, async (tmp) => {
        writeFileSync(path.join(tmp, 'a.txt'), 'second');
        throw new Error('interrupted');
      }),
    ).rejects.toThrow('interrupted');
    expect(readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('first');
    expect(await fs.readdir(parent)).toEqual(['ckpt']);
  });

  it('replaces a previous checkpoint only when the new one is complete', async () => {
    const dir = path.join(root, 'atomic', 'ckpt');
    await writeDirectoryAtomically(dir, async (tmp) => writeFileSync(path.join(tmp, 'b.txt'), 'new'));
    expect(await fs.readdir(dir)).toEqual(['b.txt']);
  });
});
