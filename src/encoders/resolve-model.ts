/**
 * Finds the directory of a static (Model2Vec) model: `--model-dir` / `modelDir` alone when given;
 * else an existing directory named as the model, `$HEADSTART_MODELS/<name>`, then the copy packaged
 * with headstart (the default model ships in the package). Nothing is downloaded (see the remote branch below).
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { ModelError } from '../errors.js';
import { STATIC_MODEL_FILE, STATIC_TOKENIZER_FILE } from './static.js';
import { packagedModel, type PackagedModelHashes } from './packaged-models.js';

export const DEFAULT_STATIC_MODEL = 'potion-base-4m-int8';
/** The Hugging Face hub repository the default model was quantised from. */
export const DEFAULT_STATIC_HUB_ID = 'minishlab/potion-base-4M';

export interface ResolveModelOptions {
  /** `--model-dir`: the model's own directory, or a folder holding `<name>/`. Searched alone when given. */
  modelDir?: string;
  /** Defaults to `HEADSTART_ALLOW_REMOTE=1`. */
  allowRemote?: boolean;
  /** Look the name up in the model folders only, never as a directory of its own (a checkpoint's model name). */
  confined?: boolean;
  /** Environment to read HEADSTART_MODELS and HEADSTART_ALLOW_REMOTE from; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
}

export interface ResolvedModel {
  name: string;
  dir: string;
  /** Set for the packaged copy: the hashes its files must have. */
  sha256?: PackagedModelHashes;
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
  for (const candidate of candidates) {
    if (!holdsStaticModel(candidate)) continue;
    const dir = path.resolve(candidate);
    const resolved: ResolvedModel = { name: nameOrDir !== undefined && !nameIsDirectory ? nameOrDir : path.basename(dir), dir };
    return packaged && candidate === packaged.dir ? { ...resolved, sha256: packaged.sha256 } : resolved;
  }

  const looked = candidates.length ? candidates.map((dir) => path.resolve(dir)).join(', ') : 'nowhere, HEADSTART_MODELS is not set';
  let message = `model not found: ${name} (looked in: ${looked}). Set HEADSTART_MODELS to the folder that contains it, or pass the model directory (library: modelDir, CLI: --model-dir DIR).`;
  let hint: string | undefined;
  if (options.allowRemote ?? env.HEADSTART_ALLOW_REMOTE === '1') {
    // @huggingface/transformers 4.3 keeps its hub download helper (getModelFile) internal: its
    // exports map offers pipelines, models and ModelRegistry (which inspects the cache but does
    // not fetch arbitrary files), so this build has no way to fetch a Model2Vec model.
    message += ' Remote download (HEADSTART_ALLOW_REMOTE=1) is not available in this build.';
    const hubId = name === DEFAULT_STATIC_MODEL ? DEFAULT_STATIC_HUB_ID : name;
    hint = `download ${STATIC_MODEL_FILE} and ${STATIC_TOKENIZER_FILE} of ${hubId} from the Hugging Face hub into a folder and pass it as modelDir (CLI: --model-dir)`;
  }
  throw new ModelError('MODEL_NOT_FOUND', message, { hint });
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
