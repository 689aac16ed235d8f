/**
 * Where models come from and where downloads are kept: the hub host, the cache folder, whether
 * downloading is allowed at all (never by default), and how a hub reference `owner/name@revision` reads.
 */
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../errors.js';

export const DEFAULT_HUB_URL = 'https://huggingface.co';
export const DEFAULT_REVISION = 'main';

export interface HubRef {
  /** `owner/name`. */
  repo: string;
  revision: string;
}

const REPO_PATTERN = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;
const REVISION_PATTERN = /^[\w.-]+$/;

/** `owner/name` or `owner/name@revision`; undefined for anything else (a plain name, a path). */
export function parseHubRef(ref: string): HubRef | undefined {
  const at = ref.lastIndexOf('@');
  const repo = at < 0 ? ref : ref.slice(0, at);
  const revision = at < 0 ? DEFAULT_REVISION : ref.slice(at + 1);
  const safe = (part: string) => part !== '.' && part !== '..';
  if (!REPO_PATTERN.test(repo) || !repo.split('/').every(safe)) return undefined;
  if (!REVISION_PATTERN.test(revision) || !safe(revision)) return undefined;
  return { repo, revision };
}

/** `--allow-download` / `allowDownload`, else `HEADSTART_ALLOW_DOWNLOAD=1`. */
export function downloadAllowed(option: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  return option ?? env.HEADSTART_ALLOW_DOWNLOAD === '1';
}

/** `$HEADSTART_HUB_URL`, default https://huggingface.co, without a trailing slash. */
export function hubUrl(env: NodeJS.ProcessEnv = process.env): string {
  const url = env.HEADSTART_HUB_URL || DEFAULT_HUB_URL;
  try {
    new URL(url);
  } catch {
    throw new UsageError('BAD_HUB_URL', `HEADSTART_HUB_URL is not a URL: ${JSON.stringify(url)}`, {
      hint: `unset it to use ${DEFAULT_HUB_URL}`,
    });
  }
  return url.replace(/\/+$/, '');
}

/** `$HEADSTART_CACHE`, else `$XDG_CACHE_HOME/headstart`, else `~/.cache/headstart`. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HEADSTART_CACHE) return path.resolve(env.HEADSTART_CACHE);
  return path.join(
    env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache'),
    'headstart',
  );
}

/** The folder a downloaded model is placed in: `<cache>/models/<owner>/<name>/<revision>`. */
export function cachedModelDir(root: string, ref: HubRef): string {
  return path.join(root, 'models', ...ref.repo.split('/'), ref.revision);
}

export const ALLOW_DOWNLOAD_ADVICE =
  'pass --allow-download (library: allowDownload: true; or HEADSTART_ALLOW_DOWNLOAD=1) to download it from the Hugging Face hub into the cache';
export const DOWNLOAD_NEEDS_HUB_ID =
  'name a hub model as owner/name[@revision] and pass --allow-download to download it';
