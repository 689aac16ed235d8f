/** Checkpoint limits the other checkpoint tests do not reach: sizes, a symlinked manifest, an older format. */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TextClassifier } from '../src/classifier.js';
import { MAX_CHECKPOINT_FILE_BYTES } from '../src/checkpoint/files.js';
import { readCheckpoint, verifiedFiles } from '../src/checkpoint/index.js';
import { TfidfEncoder } from '../src/encoders/lexical/tfidf.js';
import { loadHead } from '../src/heads/factory.js';
import { MAX_MANIFEST_BYTES } from '../src/checkpoint/manifest.js';
import { ModelError } from '../src/errors.js';
import { tempDir, writeResealed } from './helpers.js';

const root = tempDir();
let saved: string;
let count = 0;

beforeAll(async () => {
  const classifier = await TextClassifier.create({ encoder: 'tfidf' });
  // An MLP head: dense rows and a TF.js model.json, which the corruption tests below rewrite.
  await classifier.fit(['profit rose', 'profit fell', 'sales rose', 'sales fell'], ['up', 'down', 'up', 'down'], {
    recipe: 'single',
    epochs: 2,
    validationSplit: 0,
    head: 'mlp',
    hidden: 4,
  });
  saved = path.join(root, 'saved');
  await classifier.save(saved);
  await classifier.dispose();
});

async function copy(): Promise<string> {
  const dir = path.join(root, `c${count++}`);
  await fs.cp(saved, dir, { recursive: true });
  return dir;
}

async function loadError(dir: string): Promise<ModelError> {
  const error = await TextClassifier.load(dir).then(
    async (classifier) => {
      await classifier.dispose();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelError);
  return error as ModelError;
}

describe('checkpoint limits', () => {
  it('refuses a listed file over the size limit before reading it (a sparse file, so the test stays cheap)', async () => {
    const dir = await copy();
    await fs.truncate(path.join(dir, 'weights.bin'), MAX_CHECKPOINT_FILE_BYTES + 1);
    const error = await loadError(dir);
    expect(error.code).toBe('CHECKPOINT_FILE_TOO_LARGE');
    expect(error.message).toContain('weights.bin');
  });

  it('refuses a manifest over its size limit, or one that is a symlink', async () => {
    const big = await copy();
    const manifest = path.join(big, 'headstart.json');
    await fs.truncate(manifest, MAX_MANIFEST_BYTES + 1);
    expect((await loadError(big)).code).toBe('CHECKPOINT_MANIFEST_INVALID');

    const linked = await copy();
    await fs.rename(path.join(linked, 'headstart.json'), path.join(root, `manifest-${count}.json`));
    await fs.symlink(path.join(root, `manifest-${count}.json`), path.join(linked, 'headstart.json'));
    const error = await loadError(linked);
    expect(error.code).toBe('CHECKPOINT_MANIFEST_INVALID');
    expect(error.message).toContain('not a regular file');
  });

  it('names an older format version and says to re-train', async () => {
    const dir = await copy();
    const file = path.join(dir, 'headstart.json');
    const manifest = JSON.parse(await fs.readFile(file, 'utf8')) as { formatVersion: number };
    await fs.writeFile(file, JSON.stringify({ ...manifest, formatVersion: 0 }));
    const error = await loadError(dir);
    expect(error.code).toBe('CHECKPOINT_FORMAT_VERSION');
    expect(error.message).toContain('checkpoint format version 0 is older than the supported version 2');
    expect(error.hint).toContain('re-train');
  });

  it('refuses a model.json that is valid JSON of the wrong shape, even with a matching hash', async () => {
    for (const body of [
      'null',
      '[]',
      '7',
      '{"modelTopology":{},"weightsManifest":[null]}',
      '{"modelTopology":{},"weightsManifest":[{"paths":["weights.bin"],"weights":[null]}]}',
    ]) {
      const dir = await copy();
      await fs.writeFile(path.join(dir, 'model.json'), body);
      const file = path.join(dir, 'headstart.json');
      const manifest = JSON.parse(await fs.readFile(file, 'utf8')) as {
        files: { name: string; bytes: number; sha256: string }[];
      };
      const record = manifest.files.find((f) => f.name === 'model.json')!;
      record.bytes = Buffer.byteLength(body);
      record.sha256 = createHash('sha256').update(body).digest('hex');
      writeResealed(file, manifest);
      const error = await loadError(dir);
      expect(error.code, body).toBe('HEAD_MODEL_INVALID');
      // The loaders parse the verified bytes in memory; the error still names the checkpoint's own file.
      expect(error.message).toContain(path.join(dir, 'model.json'));
      expect(error.location.file).toBe(path.join(dir, 'model.json'));
    }
  });

  it('loads the bytes it verified even when a file is replaced between the hash check and parsing', async () => {
    const dir = await copy();
    const encoder = await TfidfEncoder.loadState(dir);
    const rows = await encoder.embed(['profit rose', 'sales fell']);
    const checkpoint = await readCheckpoint(dir);
    const untouched = await loadHead(dir, checkpoint.manifest.head.spec);
    const expected = untouched.predictProba(rows);
    untouched.dispose();

    // Swapped after the check: a loader reading `dir` now would parse these bytes.
    await fs.writeFile(
      path.join(dir, 'weights.bin'),
      Buffer.alloc((await fs.stat(path.join(dir, 'weights.bin'))).size, 7),
    );
    const head = await loadHead(verifiedFiles(checkpoint), checkpoint.manifest.head.spec);
    const probabilities = head.predictProba(rows);
    head.dispose();
    expect(Array.from(probabilities)).toEqual(Array.from(expected));
    // And the next load, which checks again, refuses the swapped file.
    expect((await loadError(dir)).code).toBe('CHECKPOINT_HASH_MISMATCH');
  });
});
