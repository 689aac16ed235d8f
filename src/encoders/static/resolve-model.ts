/**
 * Finds the directory of a static (Model2Vec) model: `--model-dir` / `modelDir` alone when given;
 * else an existing directory named as the model, `$HEADSTART_MODELS/<name>`, the copy packaged
 * with headstart (the default model ships in the package), then a hub id's download in the cache.
 * Nothing is downloaded here (see encoders/index.ts, which downloads when allowed).
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { ModelError } from '../../errors.js';
import { STATIC_MODEL_FILE, STATIC_TOKENIZER_FILE } from './static.js';
import { packagedModel, type ExpectedModelHashes } from './packaged-models.js';
import {
  hasManifest,
  recordedHashes,
  ALLOW_DOWNLOAD_ADVICE,
  cacheRoot,
  cachedModelDir,
  downloadAllowed,
  DOWNLOAD_NEEDS_HUB_ID,
  parseHubRef,
} from '../../hub/index.js';

export const DEFAULT_STATIC_MODEL = 'potion-base-4m-int8';
/** The Hugging Face hub repository the default model was quantised from. */
const DEFAULT_STATIC_HUB_ID = 'minishlab/potion-base-4M';

export interface ResolveModelOptions {
  /** `--model-dir`: the model's own directory, or a folder holding `<name>/`. Searched alone when given. */
  modelDir?: string | undefined;
  /** Whether the caller downloads a hub id that is not found (only the error's advice depends on it). Defaults to `HEADSTART_ALLOW_DOWNLOAD=1`. */
  allowDownload?: boolean | undefined;
  /** Look the name up in the model folders only, never as a directory of its own (a checkpoint's model name). */
  confined?: boolean | undefined;
  /** Environment to read HEADSTART_MODELS, HEADSTART_CACHE and HEADSTART_ALLOW_DOWNLOAD from; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
}

export interface ResolvedModel {
  name: string;
  dir: string;
  /** The hashes its files must have: set for the packaged copy and for a download (from its record). */
  sha256?: ExpectedModelHashes;
}

export function resolveStaticModel(nameOrDir: string | undefined, options: ResolveModelOptions = {}): ResolvedModel {
  const env = options.env ?? process.env;
  const name = nameOrDir ?? DEFAULT_STATIC_MODEL;
  const nameIsDirectory = !options.confined && isDirectory(name);
  const candidates: string[] = [];

  if (options.modelDir !== undefined) {
    candidates.push(options.modelDir, path.join(options.modelDir, name));
  } else {
    if (nameIsDirectory) candidates.push(name);
    if (env.HEADSTART_MODELS && !path.isAbsolute(name)) candidates.push(path.join(env.HEADSTART_MODELS, name));
  }
  const packaged = options.modelDir === undefined && !nameIsDirectory ? packagedModel(name) : undefined;
  if (packaged) candidates.push(packaged.dir);
  const ref = options.modelDir === undefined && !nameIsDirectory ? parseHubRef(name) : undefined;
  const cached = ref && cachedModelDir(cacheRoot(env), ref);
  if (cached) candidates.push(cached);
  for (const candidate of candidates) {
    if (!holdsStaticModel(candidate) || (candidate === cached && !hasManifest(cached))) continue;
    const dir = path.resolve(candidate);
    const resolved: ResolvedModel = {
      name: nameOrDir !== undefined && !nameIsDirectory ? nameOrDir : path.basename(dir),
      dir,
    };
    if (packaged && candidate === packaged.dir) return { ...resolved, sha256: packaged.sha256 };
    return candidate === cached ? { ...resolved, sha256: downloadedModelHashes(dir)! } : resolved;
  }

  const looked = candidates.length
    ? candidates.map((dir) => path.resolve(dir)).join(', ')
    : 'nowhere, HEADSTART_MODELS is not set';
  const message = `model not found: ${name} (looked in: ${looked}). Set HEADSTART_MODELS to the folder that contains it, or pass the model directory (library: modelDir, CLI: --model-dir DIR).`;
  let hint: string;
  if (!downloadAllowed(options.allowDownload, env))
    hint = ref
      ? ALLOW_DOWNLOAD_ADVICE
      : `or ${DOWNLOAD_NEEDS_HUB_ID}${name === DEFAULT_STATIC_MODEL ? ` (the default model came from ${DEFAULT_STATIC_HUB_ID})` : ''}`;
  else hint = ref ? 'the download did not place it: run again' : DOWNLOAD_NEEDS_HUB_ID;
  throw new ModelError('MODEL_NOT_FOUND', message, { hint });
}

/**
 * The hashes recorded when `dir` was downloaded (undefined for a folder headstart did not download).
 * Only the files the encoder reads are checked, as it parses them: `config.json` and the rest were
 * checked at download and cannot change what the encoder computes.
 */
export function downloadedModelHashes(dir: string): ExpectedModelHashes | undefined {
  if (!hasManifest(dir)) return undefined;
  const { sha256, hint } = recordedHashes(dir, [STATIC_MODEL_FILE, STATIC_TOKENIZER_FILE]);
  const [table, tokenizer] = sha256 as [string, string];
  return { table, tokenizer, recordedAs: 'recorded when it was downloaded: the cached file was changed', hint };
}

function holdsStaticModel(dir: string): boolean {
  return isFile(path.join(dir, STATIC_MODEL_FILE)) && isFile(path.join(dir, STATIC_TOKENIZER_FILE));
}

function isDirectory(target: string): boolean {
  return statSync(target, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function isFile(target: string): boolean {
  return statSync(target, { throwIfNoEntry: false })?.isFile() ?? false;
}
