/** Saving and loading checkpoint directories: manifest, hashes, head and encoder state, model card. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Encoder, hasState } from '../encoders/index.js';
import { ModelError } from '../errors.js';
import type { AnyHead } from '../heads/index.js';
import { filesInMemory, type FileSource, lockPath } from '../util/index.js';
import { LIBRARY_VERSION } from '../version.js';
import { assertConfinedEncoder } from './encoder-paths.js';
import {
  describeFile,
  readListedFile,
  readRegularFile,
  verifyFile,
  writeDirectoryAtomically,
  type FileRecord,
} from './files.js';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_FORMAT_VERSION,
  MANIFEST_FILE,
  MAX_MANIFEST_BYTES,
  parseManifest,
  sealManifest,
  type Manifest,
} from './manifest.js';
import { renderModelCard, type ModelCardProse } from './model-card.js';

export { MANIFEST_FILE, type Manifest } from './manifest.js';
export type { ModelCardProse } from './model-card.js';

export interface CheckpointContents {
  encoder: Encoder;
  head: AnyHead;
  labels: string[];
  multiLabel: boolean;
  training: Record<string, unknown>;
  /** Other encoder+head pairs whose probabilities are averaged with the primary's. */
  fusion?: { weights: number[]; members: { encoder: Encoder; head: AnyHead }[] };
  calibration?: { temperature: number };
  priorCorrection?: { alpha: number; priors: number[] };
  /** Prose for the top of the model card (README.md); the generic facts follow it. */
  card?: ModelCardProse;
}

const MODEL_CARD = 'README.md';

export async function writeCheckpoint(dir: string, contents: CheckpointContents): Promise<void> {
  await writeDirectoryAtomically(dir, async (tmp) => {
    const headFiles = await contents.head.save(tmp);
    const stateFiles = hasState(contents.encoder) ? await contents.encoder.saveState(tmp) : [];
    const members: NonNullable<Manifest['fusion']>['members'] = [];
    for (const [index, member] of (contents.fusion?.members ?? []).entries()) {
      const prefix = `m${index + 1}-`;
      const saved = await saveWithPrefix(tmp, prefix, async (dir) => ({
        head: await member.head.save(dir),
        state: hasState(member.encoder) ? await member.encoder.saveState(dir) : [],
      }));
      members.push({
        prefix,
        encoder: { spec: member.encoder.spec, fingerprint: member.encoder.fingerprint, stateFiles: saved.state },
        head: { spec: member.head.spec, files: saved.head },
      });
    }
    const base: Omit<Manifest, 'files' | 'manifestSha256'> = {
      format: CHECKPOINT_FORMAT,
      formatVersion: CHECKPOINT_FORMAT_VERSION,
      libraryVersion: LIBRARY_VERSION,
      createdAt: new Date().toISOString(),
      encoder: { spec: contents.encoder.spec, fingerprint: contents.encoder.fingerprint, stateFiles },
      labels: contents.labels,
      multiLabel: contents.multiLabel,
      head: { spec: contents.head.spec, files: headFiles },
      ...(contents.fusion && { fusion: { weights: contents.fusion.weights, members } }),
      ...(contents.calibration && { calibration: contents.calibration }),
      ...(contents.priorCorrection && { priorCorrection: contents.priorCorrection }),
      training: contents.training,
    };
    const files: FileRecord[] = [];
    const memberFiles = members.flatMap((m) => [...m.head.files, ...m.encoder.stateFiles]);
    for (const name of [...headFiles, ...stateFiles, ...memberFiles]) files.push(await describeFile(tmp, name));
    const weightBytes = files.reduce((total, file) => total + file.bytes, 0);
    await fs.writeFile(path.join(tmp, MODEL_CARD), renderModelCard(base, weightBytes, contents.card));
    files.push(await describeFile(tmp, MODEL_CARD));
    await fs.writeFile(path.join(tmp, MANIFEST_FILE), sealManifest({ ...base, files }));
  });
}

export interface LoadedCheckpoint {
  dir: string;
  manifestPath: string;
  manifest: Manifest;
  /** Every listed file's bytes, as read when its size and sha256 were checked. */
  verified: Map<string, Buffer>;
}

/** How long reads are retried while the directory keeps being replaced under them (a count of tries runs out under CPU load). */
const REREAD_BUDGET_MS = 30_000;

/**
 * Reads and validates `headstart.json`, then checks every file it lists (plain name, regular file,
 * size, sha256) before any of them is parsed. Files the head or encoder need must be listed.
 *
 * A save replaces the whole directory by renaming (writeDirectoryAtomically), so a read that fails
 * while the directory was swapped under it (another inode at the path afterwards, or the path
 * missing while the save holds its lock) may have mixed two checkpoints: it is read again, whole.
 * A read that succeeds is consistent whatever happened, as every file matched the one manifest read.
 */
export async function readCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const deadline = Date.now() + REREAD_BUDGET_MS;
  for (let attempt = 1; ; attempt++) {
    const before = await directoryIdentity(dir);
    try {
      return await readCheckpointOnce(dir);
    } catch (error) {
      if (!(error instanceof ModelError) || Date.now() > deadline) throw error;
      const replaced = await replacement(dir, before);
      if (replaced === 'no') throw error;
      // A new directory is read at once, before the next save can replace it; a missing one is waited for.
      if (replaced === 'in progress') await sleep(Math.min(attempt, 50));
    }
  }
}

/** The directory's inode and change time, or undefined when nothing is at `dir`. */
async function directoryIdentity(dir: string): Promise<string | undefined> {
  const stat = await fs.stat(dir, { bigint: true }).catch(() => undefined);
  // The change time tells a new directory from an old one whose inode number was reused.
  return stat && `${stat.dev}:${stat.ino}:${stat.ctimeNs}`;
}

/** Whether `dir` was replaced since it had identity `before`: done (another directory is there now), in progress (none is), or no. */
async function replacement(dir: string, before: string | undefined): Promise<'done' | 'in progress' | 'no'> {
  const now = await directoryIdentity(dir);
  if (now !== undefined) return now === before ? 'no' : 'done';
  // Nothing is there: a save is between its two renames if it holds the lock.
  return before !== undefined ||
    (await fs.lstat(lockPath(path.resolve(dir))).then(
      () => true,
      () => false,
    ))
    ? 'in progress'
    : 'no';
}

async function readCheckpointOnce(dir: string): Promise<LoadedCheckpoint> {
  const manifestPath = path.join(dir, MANIFEST_FILE);
  const invalid = () =>
    new ModelError('CHECKPOINT_MANIFEST_INVALID', `manifest is not a regular file under ${MAX_MANIFEST_BYTES} bytes`, {
      location: { file: manifestPath },
    });
  const bytes = await readRegularFile(manifestPath, MAX_MANIFEST_BYTES, {
    missing: () =>
      new ModelError('CHECKPOINT_NOT_FOUND', `no ${MANIFEST_FILE} in ${dir}: not a headstart checkpoint`, {
        location: { file: manifestPath },
      }),
    notRegular: invalid,
    tooLarge: invalid,
  });
  const manifest = parseManifest(bytes, manifestPath);
  assertConfinedEncoder(manifest.encoder.spec, manifestPath, 'encoder.spec');
  manifest.fusion?.members.forEach((member, i) =>
    assertConfinedEncoder(member.encoder.spec, manifestPath, `fusion.members.${i}.encoder.spec`),
  );
  const verified = new Map<string, Buffer>();
  for (const record of manifest.files) {
    if (verified.has(record.name)) {
      throw new ModelError('CHECKPOINT_MANIFEST_INVALID', `file ${record.name} is listed twice`, {
        location: { file: manifestPath, field: 'files' },
      });
    }
    verified.set(record.name, await readListedFile(dir, record, manifestPath));
  }
  for (const record of manifest.files) verifyFile(dir, record, verified.get(record.name)!);
  const memberFiles = (manifest.fusion?.members ?? []).flatMap((m) => {
    const names = [...m.head.files, ...m.encoder.stateFiles];
    for (const name of names) {
      if (!name.startsWith(m.prefix)) {
        throw new ModelError(
          'CHECKPOINT_MANIFEST_INVALID',
          `fusion member file ${JSON.stringify(name)} does not start with its prefix ${m.prefix}`,
          {
            location: { file: manifestPath, field: 'fusion.members' },
          },
        );
      }
    }
    return names;
  });
  for (const name of [...manifest.head.files, ...manifest.encoder.stateFiles, ...memberFiles]) {
    if (!verified.has(name)) {
      throw new ModelError(
        'CHECKPOINT_MANIFEST_INVALID',
        `file ${JSON.stringify(name)} is used but has no hash in "files"`,
        {
          location: { file: manifestPath, field: 'files' },
        },
      );
    }
  }
  return { dir, manifestPath, manifest, verified };
}

/**
 * Heads and encoder state use fixed file names, so a fused member is saved into a scratch
 * directory and its files moved into the checkpoint under `prefix`; returns the prefixed names.
 */
async function saveWithPrefix(
  dir: string,
  prefix: string,
  save: (dir: string) => Promise<{ head: string[]; state: string[] }>,
): Promise<{ head: string[]; state: string[] }> {
  const scratch = path.join(dir, `.${prefix}scratch`);
  await fs.mkdir(scratch);
  const written = await save(scratch);
  const move = async (names: string[]) => {
    for (const name of names) await fs.rename(path.join(scratch, name), path.join(dir, prefix + name));
    return names.map((name) => prefix + name);
  };
  const result = { head: await move(written.head), state: await move(written.state) };
  await fs.rmdir(scratch);
  return result;
}

/**
 * The checkpoint's files as `readCheckpoint` read and hashed them, for the head and encoder
 * loaders: they parse exactly the verified bytes (no time-of-check to time-of-use gap, no
 * temporary copy) and errors name the original files. With `prefix`, a fused member's files
 * under the fixed names its loaders expect.
 */
export function verifiedFiles(checkpoint: LoadedCheckpoint, prefix = ''): FileSource {
  return filesInMemory(path.resolve(checkpoint.dir), checkpoint.verified, prefix);
}
export { CHECKPOINT_FORMAT, CHECKPOINT_FORMAT_VERSION } from './manifest.js';
export { checkCheckpointTarget } from './target.js';
