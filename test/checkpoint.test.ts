import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TextClassifier } from '../src/classifier.js';
import { writeDirectoryAtomically } from '../src/checkpoint/files.js';
import { checkCheckpointTarget } from '../src/checkpoint/target.js';
import { EnvironmentError, ModelError, UsageError } from '../src/errors.js';
import { lockPath } from '../src/util/lock-file.js';
import { readDataset } from '../src/data/index.js';
import { sampleCsv, tempDir, writeResealed } from './helpers.js';

const root = tempDir();
const probe = [
  'Operating profit doubled on record sales.',
  'The firm cut 500 jobs after losses widened.',
  'The annual meeting will be held in Helsinki.',
];
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

/** A build step that writes a copy of the trained checkpoint (`extra` adds an unlisted file). */
function copyOf(extra?: string) {
  return async (tmp: string) => {
    for (const name of await fs.readdir(saved)) await fs.copyFile(path.join(saved, name), path.join(tmp, name));
    if (extra) writeFileSync(path.join(tmp, extra), 'x');
  };
}

describe('atomic writes', () => {
  it('keeps the previous directory intact and leaves no temporary directory when a save fails', async () => {
    const parent = path.join(root, 'atomic');
    const dir = path.join(parent, 'ckpt');
    await writeDirectoryAtomically(dir, copyOf());
    const before = readFileSync(path.join(dir, 'headstart.json'));
    await expect(
      writeDirectoryAtomically(dir, async (tmp) => {
        writeFileSync(path.join(tmp, 'headstart.json'), 'second');
        throw new Error('interrupted');
      }),
    ).rejects.toThrow('interrupted');
    expect(readFileSync(path.join(dir, 'headstart.json'))).toEqual(before);
    expect(await fs.readdir(parent)).toEqual(['ckpt']);
  });

  it('replaces a previous checkpoint only when the new one is complete, deleting only the files it listed', async () => {
    const parent = path.join(root, 'atomic');
    const dir = path.join(parent, 'ckpt');
    await writeDirectoryAtomically(dir, async (tmp) => {
      await copyOf()(tmp);
      writeFileSync(path.join(tmp, 'new.txt'), 'new');
    });
    expect((await fs.readdir(dir)).sort()).toEqual([...(await fs.readdir(saved)), 'new.txt'].sort());
    expect(await fs.readdir(parent)).toEqual(['ckpt']);
  });
});

describe('where a checkpoint may be written', () => {
  const place = path.join(root, 'targets');

  async function refusal(target: string): Promise<UsageError> {
    const error = await writeDirectoryAtomically(target, copyOf()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).code).toBe('OUT_NOT_CHECKPOINT');
    return error as UsageError;
  }

  it('refuses a data file, a directory of data, a symlink and a device, deleting nothing', async () => {
    const project = path.join(place, 'project');
    mkdirSync(project, { recursive: true });
    writeFileSync(path.join(project, 'data.csv'), 'text,label\nup,positive\n');
    symlinkSync(project, path.join(place, 'link'));

    expect((await refusal(path.join(project, 'data.csv'))).message).toMatch(/data\.csv is a file: refusing/);
    expect((await refusal(project)).message).toMatch(/project is a directory that is not a headstart checkpoint/);
    expect((await refusal(path.join(place, 'link'))).message).toMatch(/is a symbolic link/);
    expect((await refusal('/dev/null')).message).toMatch(/is a special file/);
    expect(readFileSync(path.join(project, 'data.csv'), 'utf8')).toBe('text,label\nup,positive\n');
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
    expect((await fs.readdir(place)).sort()).toEqual(['link', 'project']);
  });

  it('refuses a checkpoint holding a file its manifest does not list, and classifier.save does too', async () => {
    const dir = await copyCheckpoint('with-notes');
    writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    expect((await refusal(dir)).message).toMatch(/holding notes\.txt, which its headstart\.json does not list/);
    const classifier = await TextClassifier.load(saved);
    await expect(classifier.save(dir)).rejects.toThrow(/refusing to replace it with a checkpoint/);
    await classifier.dispose();
    expect(readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('refuses the working directory and a directory containing it', async () => {
    await expect(checkCheckpointTarget('.')).rejects.toThrow(/is the working directory/);
    await expect(checkCheckpointTarget(path.dirname(process.cwd()))).rejects.toThrow(/contains the working directory/);
  });

  it('refuses an input of the run (a distillation teacher)', async () => {
    await expect(checkCheckpointTarget(saved, [saved])).rejects.toThrow(/is an input of this run/);
  });

  it('writes a new path and an empty directory, and replaces a checkpoint', async () => {
    const fresh = path.join(place, 'new', 'deeper', 'model');
    const empty = path.join(place, 'empty');
    mkdirSync(empty);
    for (const dir of [fresh, empty, fresh]) {
      await writeDirectoryAtomically(dir, copyOf());
      expect((await fs.readdir(dir)).sort()).toEqual((await fs.readdir(saved)).sort());
    }
  });

  it('checks the target again at save time: a file that appeared during the build is kept', async () => {
    const dir = path.join(place, 'raced');
    await expect(
      writeDirectoryAtomically(dir, async (tmp) => {
        await copyOf()(tmp);
        mkdirSync(dir);
        writeFileSync(path.join(dir, 'data.csv'), 'precious');
      }),
    ).rejects.toThrow(/not a headstart checkpoint/);
    expect(await fs.readdir(dir)).toEqual(['data.csv']);
    expect((await fs.readdir(place)).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });

  it("is refused while another live process holds the lock, and takes over a dead one's", async () => {
    const dir = path.join(place, 'locked');
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
    writeFileSync(lockPath(dir), JSON.stringify({ pid: process.ppid, host: hostname() }));
    const error = await writeDirectoryAtomically(dir, copyOf()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as EnvironmentError).message).toContain(`locked by another headstart run (pid ${process.ppid}`);
    writeFileSync(lockPath(dir), JSON.stringify({ pid: deadPid, host: hostname() }));
    await writeDirectoryAtomically(dir, copyOf());
    expect(existsSync(lockPath(dir))).toBe(false);
    expect(existsSync(path.join(dir, 'headstart.json'))).toBe(true);
  });
});
