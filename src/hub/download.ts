/**
 * Downloads a model's files from the Hugging Face hub (or any host with its URL layout) into the
 * cache, through @huggingface/hub (`fileDownloadInfo` for size and ETag, `downloadFile` for a blob
 * whose `slice(offset).stream()` is an HTTP Range request). That library only fetches: it neither
 * resumes, verifies, nor places files, so this module does, around it:
 * - resumable: bytes go to `<file>.part` (its ETag beside it); a later try asks only for the rest;
 * - verified: size and hash must match the ETag the hub advertises (sha256 for LFS files, git blob
 *   sha1 for small ones), else the bytes are dropped and nothing is placed;
 * - atomic: files gather in `<model>.partial/` and the folder is fsynced and renamed into place with
 *   its manifest (sha256 of each file), so a model folder in the cache is complete or absent;
 * - locked: one process downloads a model at a time (`<model>.lock`); another waits, then uses it.
 * transformers.js' own hub code (getModelFile) is not exported, writes without resume or checks,
 * and is an optional package, while Model2Vec models must download without it.
 */
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { EnvironmentError, environmentError } from '../errors.js';
import { acquireLock, type Lock } from '../util/index.js';
import {
  hasManifest,
  MANIFEST_FILE,
  manifestPath,
  readManifest,
  type DownloadedFile,
  type DownloadManifest,
} from './manifest.js';
import { etagMatches, hashFile } from './file-hashes.js';
import { describe, hubCall, interrupted, notFound } from './hub-errors.js';
import { cachedModelDir, type HubRef } from './settings.js';

export interface DownloadRequest {
  ref: HubRef;
  /** The files to fetch besides config.json, chosen from the repository's config.json. */
  filesFor: (config: Record<string, unknown>) => readonly string[];
  hubUrl: string;
  cacheRoot: string;
}

type HubModule = typeof import('@huggingface/hub');
type DownloadInfo = NonNullable<Awaited<ReturnType<HubModule['fileDownloadInfo']>>>;

/** How long a second process waits for another's download of the same model. */
const LOCK_WAIT_MS = 10 * 60_000;
const LOCK_POLL_MS = 200;

/**
 * Downloads the model into the cache unless it is there already; returns its folder. A cached
 * folder that lacks a file now asked for (another dtype's ONNX file) gets it added, each file
 * renamed in whole before the manifest that lists it.
 */
export async function downloadModel(request: DownloadRequest): Promise<string> {
  const target = cachedModelDir(request.cacheRoot, request.ref);
  if (hasManifest(target) && (await missingFiles(target, request)).length === 0) return target;
  await fs.mkdir(path.dirname(target), { recursive: true }).catch((error: unknown) => {
    throw environmentError(error, path.dirname(target));
  });
  const lock = await waitForLock(target);
  const staging = `${target}.partial`;
  try {
    // Another process may have placed it while this one waited for the lock.
    const missing = hasManifest(target) ? await missingFiles(target, request) : undefined;
    if (missing?.length === 0) return target;
    await fs.mkdir(staging, { recursive: true }).catch((error: unknown) => {
      throw environmentError(error, staging);
    });
    const hub = await import('@huggingface/hub');
    if (missing) {
      await addFiles(hub, request, staging, target, missing);
      return target;
    }
    const files: Record<string, DownloadedFile> = {};
    files['config.json'] = await fetchFile(hub, request, staging, 'config.json');
    for (const name of request.filesFor(await readConfig(path.join(staging, 'config.json')))) {
      files[name] ??= await fetchFile(hub, request, staging, name);
    }
    const manifest: DownloadManifest = {
      repo: request.ref.repo,
      revision: request.ref.revision,
      hub: request.hubUrl,
      files,
    };
    await place(staging, target, manifest, Object.keys(files));
    return target;
  } catch (error) {
    // Kept when it holds something to resume from; an empty one (nothing fetched, e.g. a wrong id) is not.
    await fs.rmdir(staging).catch(() => undefined);
    throw error;
  } finally {
    await lock.release();
  }
}

async function missingFiles(target: string, request: DownloadRequest): Promise<string[]> {
  const { files } = readManifest(target);
  return request
    .filesFor(await readConfig(path.join(target, 'config.json')))
    .filter((name) => !Object.hasOwn(files, name));
}

async function addFiles(
  hub: HubModule,
  request: DownloadRequest,
  staging: string,
  target: string,
  names: readonly string[],
): Promise<void> {
  const manifest = readManifest(target);
  for (const name of names) manifest.files[name] = await fetchFile(hub, request, staging, name);
  try {
    for (const name of names) {
      await syncPath(path.join(staging, name), 'r+');
      await fs.mkdir(path.dirname(path.join(target, name)), { recursive: true });
      await fs.rename(path.join(staging, name), path.join(target, name));
      await syncPath(path.dirname(path.join(target, name)), 'r');
    }
    const next = `${manifestPath(target)}.next`;
    await fs.writeFile(next, `${JSON.stringify(manifest, null, 2)}\n`);
    await syncPath(next, 'r+');
    await fs.rename(next, manifestPath(target));
    await syncPath(target, 'r');
    await fs.rm(staging, { recursive: true, force: true });
  } catch (error) {
    throw environmentError(error, target);
  }
}

async function waitForLock(target: string): Promise<Lock> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      return await acquireLock(target);
    } catch (error) {
      if (!(error instanceof EnvironmentError && error.code === 'OUTPUT_LOCKED') || Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}

/** Fetches one file into `staging/<name>`, resuming a `.part` left by an earlier try; returns its record. */
async function fetchFile(
  hub: HubModule,
  request: DownloadRequest,
  staging: string,
  name: string,
): Promise<DownloadedFile> {
  const { ref, hubUrl } = request;
  const repo = { type: 'model' as const, name: ref.repo };
  const info = await hubCall(request, name, () =>
    hub.fileDownloadInfo({ repo, path: name, revision: ref.revision, hubUrl }),
  );
  if (!info) throw notFound(request, name);
  const final = path.join(staging, name);
  const part = `${final}.part`;
  const etagFile = `${part}.etag`;
  try {
    await fs.mkdir(path.dirname(final), { recursive: true });
    const done = await fileSize(final);
    if (done !== undefined) {
      // Left by a try that failed on a later file: kept only if it is still the hub's current file.
      const hashes = await hashFile(final, done);
      if (done === info.size && etagMatches(info.etag, hashes))
        return { size: done, sha256: hashes.sha256, etag: info.etag };
      await fs.rm(final, { force: true });
    }
    let offset = (await fileSize(part)) ?? 0;
    const partEtag = await fs.readFile(etagFile, 'utf8').catch(() => undefined);
    if (offset > 0 && (partEtag !== info.etag || offset > info.size)) {
      await fs.rm(part, { force: true });
      offset = 0;
    }
    await fs.writeFile(etagFile, info.etag);
    if (offset < info.size) await transfer(hub, request, name, info, part, offset);

    const size = (await fileSize(part)) ?? 0;
    if (size < info.size) throw interrupted(request, name, size, info.size, 'the connection ended early');
    const hashes = await hashFile(part, size);
    if (size !== info.size || !etagMatches(info.etag, hashes)) {
      await fs.rm(part, { force: true });
      await fs.rm(etagFile, { force: true });
      throw new EnvironmentError(
        'DOWNLOAD_CORRUPT',
        `${name} of ${describe(ref)} from ${hubUrl} does not match what the hub advertises (${size} bytes, sha256 ${hashes.sha256}; expected ${info.size} bytes, ETag ${info.etag}): not placed`,
        {
          hint: 'run again to download it afresh; if it keeps failing, the host or a proxy alters the file',
        },
      );
    }
    await fs.rename(part, final);
    await fs.rm(etagFile, { force: true });
    return { size, sha256: hashes.sha256, etag: info.etag };
  } catch (error) {
    throw environmentError(error, final);
  }
}

/** Appends the bytes from `offset` on to `part` (an HTTP Range request when offset > 0), then fsyncs it. */
async function transfer(
  hub: HubModule,
  request: DownloadRequest,
  name: string,
  info: DownloadInfo,
  part: string,
  offset: number,
): Promise<void> {
  const { ref, hubUrl } = request;
  const blob = await hubCall(request, name, () =>
    hub.downloadFile({
      repo: { type: 'model', name: ref.repo },
      path: name,
      revision: ref.revision,
      hubUrl,
      downloadInfo: info,
    }),
  );
  if (!blob) throw notFound(request, name);
  const body = (offset > 0 ? blob.slice(offset) : blob).stream() as unknown as WebReadableStream<Uint8Array>;
  try {
    await pipeline(Readable.fromWeb(body), createWriteStream(part, { flags: 'a' }));
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException)?.syscall) throw cause;
    const got = (await fileSize(part)) ?? 0;
    throw interrupted(request, name, got, info.size, cause instanceof Error ? cause.message : String(cause));
  }
  const handle = await fs.open(part, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes the manifest, fsyncs every file and folder of `staging`, and renames it to `target`. */
async function place(
  staging: string,
  target: string,
  manifest: DownloadManifest,
  names: readonly string[],
): Promise<void> {
  try {
    const manifestFile = path.join(staging, MANIFEST_FILE);
    await fs.writeFile(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
    const dirs = new Set<string>([staging]);
    for (const name of [...names, MANIFEST_FILE]) {
      await syncPath(path.join(staging, name), 'r+');
      dirs.add(path.dirname(path.join(staging, name)));
    }
    for (const dir of dirs) await syncPath(dir, 'r');
    await fs.rename(staging, target);
    await syncPath(path.dirname(target), 'r');
  } catch (error) {
    throw environmentError(error, target);
  }
}

async function syncPath(file: string, flags: 'r' | 'r+'): Promise<void> {
  const handle = await fs.open(file, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function readConfig(file: string): Promise<Record<string, unknown>> {
  try {
    const config = JSON.parse(await fs.readFile(file, 'utf8')) as unknown;
    if (typeof config === 'object' && config !== null && !Array.isArray(config))
      return config as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new EnvironmentError('HUB_BAD_RESPONSE', 'the downloaded config.json is not a JSON object', {
    location: { file },
  });
}

async function fileSize(file: string): Promise<number | undefined> {
  const stat = await fs.stat(file).catch(() => undefined);
  return stat?.isFile() ? stat.size : undefined;
}
