/** Saving and loading checkpoint directories: manifest, hashes, head and encoder state, model card. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Encoder } from '../encoders/encoder.js';
import { isFittable } from '../encoders/encoder.js';
import { ModelError } from '../errors.js';
import type { Head } from '../heads/head.js';
import { LIBRARY_VERSION } from '../version.js';
import { describeFile, readVerifiedFile, writeDirectoryAtomically, type FileRecord } from './files.js';
import { CHECKPOINT_FORMAT, CHECKPOINT_FORMAT_VERSION, MANIFEST_FILE, MAX_MANIFEST_BYTES, parseManifest, type Manifest } from './manifest.js';
import { renderModelCard } from './model-card.js';

export { MANIFEST_FILE, type Manifest } from './manifest.js';

export interface CheckpointContents {
  encoder: Encoder;
  head: Head;
  labels: string[];
  multiLabel: boolean;
  training: Record<string, unknown>;
}

const MODEL_CARD = 'README.md';

export async function writeCheckpoint(dir: string, contents: CheckpointContents): Promise<void> {
  await writeDirectoryAtomically(dir, async (tmp) => {
    const headFiles = await contents.head.save(tmp);
    const stateFiles = isFittable(contents.encoder) ? await contents.encoder.saveState(tmp) : [];
    const base: Omit<Manifest, 'files'> = {
      format: CHECKPOINT_FORMAT,
      formatVersion: CHECKPOINT_FORMAT_VERSION,
      libraryVersion: LIBRARY_VERSION,
      createdAt: new Date().toISOString(),
      encoder: { spec: contents.encoder.spec, fingerprint: contents.encoder.fingerprint, stateFiles },
      labels: contents.labels,
      multiLabel: contents.multiLabel,
      head: { spec: contents.head.spec, files: headFiles },
      training: contents.training,
    };
    await fs.writeFile(path.join(tmp, MODEL_CARD), renderModelCard(base));
    const files: FileRecord[] = [];
    for (const name of [...headFiles, ...stateFiles, MODEL_CARD]) files.push(await describeFile(tmp, name));
    const manifest: Manifest = { ...base, files };
    await fs.writeFile(path.join(tmp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  });
}

export interface LoadedCheckpoint {
  dir: string;
  manifestPath: string;
  manifest: Manifest;
}

/**
 * Reads and validates `headstart.json`, then checks every file it lists (plain name, regular file,
 * size, sha256) before any of them is parsed. Files the head or encoder need must be listed.
 */
export async function readCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const manifestPath = path.join(dir, MANIFEST_FILE);
  const stat = await fs.lstat(manifestPath).catch(() => undefined);
  if (!stat) {
    throw new ModelError('CHECKPOINT_NOT_FOUND', `no ${MANIFEST_FILE} in ${dir}: not a headstart checkpoint`, { location: { file: manifestPath } });
  }
  if (!stat.isFile() || stat.size > MAX_MANIFEST_BYTES) {
    throw new ModelError('CHECKPOINT_MANIFEST_INVALID', `manifest is not a regular file under ${MAX_MANIFEST_BYTES} bytes`, { location: { file: manifestPath } });
  }
  const manifest = parseManifest(await fs.readFile(manifestPath), manifestPath);
  const listed = new Set<string>();
  for (const record of manifest.files) {
    if (listed.has(record.name)) {
      throw new ModelError('CHECKPOINT_MANIFEST_INVALID', `file ${record.name} is listed twice`, { location: { file: manifestPath, field: 'files' } });
    }
    listed.add(record.name);
    await readVerifiedFile(dir, record, manifestPath);
  }
  for (const name of [...manifest.head.files, ...manifest.encoder.stateFiles]) {
    if (!listed.has(name)) {
      throw new ModelError('CHECKPOINT_MANIFEST_INVALID', `file ${JSON.stringify(name)} is used but has no hash in "files"`, {
        location: { file: manifestPath, field: 'files' },
      });
    }
  }
  return { dir, manifestPath, manifest };
}
