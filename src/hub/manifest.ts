/**
 * The record a downloaded model folder carries: where it came from and the sha256 and size of each
 * file. It is written last, inside the folder before the folder is renamed into place, and checked
 * every time the model is loaded from the cache, so a file changed since the download is refused.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ModelError } from '../errors.js';
import { hashFile } from './file-hashes.js';

export const MANIFEST_FILE = 'headstart-download.json';

export interface DownloadedFile {
  size: number;
  sha256: string;
  /** The hub's ETag for the file: its sha256 (LFS files) or git blob sha1 (small files). */
  etag: string;
}

export interface DownloadManifest {
  repo: string;
  revision: string;
  hub: string;
  files: Record<string, DownloadedFile>;
}

export function manifestPath(dir: string): string {
  return path.join(dir, MANIFEST_FILE);
}

export function hasManifest(dir: string): boolean {
  return statSync(manifestPath(dir), { throwIfNoEntry: false })?.isFile() ?? false;
}

export function readManifest(dir: string): DownloadManifest {
  const file = manifestPath(dir);
  let manifest: Partial<DownloadManifest>;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8')) as Partial<DownloadManifest>;
  } catch (cause) {
    throw new ModelError('MODEL_FILE_INVALID', `not a readable download record: ${(cause as Error).message}`, {
      location: { file },
      cause,
      hint: redownloadHint(dir),
    });
  }
  if (typeof manifest.files !== 'object' || manifest.files === null || Object.keys(manifest.files).length === 0) {
    throw new ModelError('MODEL_FILE_INVALID', 'the download record lists no files', {
      location: { file, field: 'files' },
      hint: redownloadHint(dir),
    });
  }
  return manifest as DownloadManifest;
}

/**
 * The sha256 recorded at download for each of `names`, for a loader that hashes the bytes it parses
 * (so nothing is read twice and nothing changes between the check and the read), with the hint to give
 * when one differs. A file the record does not list is refused: it cannot be checked.
 */
export function recordedHashes(dir: string, names: readonly string[]): { sha256: string[]; hint: string } {
  const manifest = readManifest(dir);
  const sha256 = names.map((name) => {
    const recorded = Object.hasOwn(manifest.files, name) ? manifest.files[name] : undefined;
    if (typeof recorded?.sha256 !== 'string') {
      throw new ModelError('MODEL_FILE_INVALID', `the download record has no sha256 for ${name}`, {
        location: { file: manifestPath(dir), field: `files.${name}` },
        hint: redownloadHint(dir),
      });
    }
    return recorded.sha256;
  });
  return { sha256, hint: redownloadHint(dir) };
}

/** Refuses a cached model whose files are missing or differ from the sha256 recorded at download. */
export async function verifyCachedModel(dir: string): Promise<void> {
  const manifest = readManifest(dir);
  for (const [name, recorded] of Object.entries(manifest.files)) {
    const file = path.join(dir, name);
    if (!statSync(file, { throwIfNoEntry: false })?.isFile()) {
      throw new ModelError('MODEL_FILE_MISSING', `a downloaded file is missing from the cache`, {
        location: { file },
        hint: redownloadHint(dir),
      });
    }
    const { sha256: digest } = await hashFile(file);
    if (digest !== recorded.sha256) {
      throw new ModelError(
        'MODEL_HASH_MISMATCH',
        `sha256 ${digest} does not match ${recorded.sha256}, recorded when it was downloaded: the cached file was changed`,
        {
          location: { file },
          hint: redownloadHint(dir),
        },
      );
    }
  }
}

function redownloadHint(dir: string): string {
  return `delete ${dir} and run again with --allow-download to download it afresh`;
}
