/**
 * Finds the directory of a static (Model2Vec) model: an explicit directory, else
 * `$HEADSTART_MODELS/<name>`. Nothing is downloaded (see the remote branch below).
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { ModelError } from '../errors.js';
import { STATIC_MODEL_FILE, STATIC_TOKENIZER_FILE } from './static.js';

export const DEFAULT_STATIC_MODEL = 'potion-base-4m-int8';
/** The Hugging Face hub repository the default model was quantised from. */
export const DEFAULT_STATIC_HUB_ID = 'minishlab/potion-base-4M';

export interface ResolveModelOptions {
  /** `--model-dir`: the model's own directory, or a folder holding `<name>/`. Searched alone when given. */
  modelDir?: string;
  /** Defaults to `HEADSTART_ALLOW_REMOTE=1`. */
  allowRemote?: boolean;
  /** Environment to read HEADSTART_MODELS and HEADSTART_ALLOW_REMOTE from; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
}

export interface ResolvedModel {
  name: string;
  dir: string;
}

export function resolveStaticModel(nameOrDir: string | undefined, options: ResolveModelOptions = {}): ResolvedModel {
  const env = options.env ?? process.env;
  const name = nameOrDir ?? DEFAULT_STATIC_MODEL;
  const nameIsDirectory = isDirectory(name);
  const candidates: string[] = [];

  if (options.modelDir !== undefined) {
    candidates.push(options.modelDir, path.join(options.modelDir, name));
  } else {
    if (nameIsDirectory) candidates.push(name);
    if (env.HEADSTART_MODELS && !path.isAbsolute(name)) candidates.push(path.join(env.HEADSTART_MODELS, name));
  }
  for (const candidate of candidates) {
    if (!holdsStaticModel(candidate)) continue;
    const dir = path.resolve(candidate);
    return { name: nameOrDir !== undefined && !nameIsDirectory ? nameOrDir : path.basename(dir), dir };
  }

  const looked = candidates.length ? candidates.map((dir) => path.resolve(dir)).join(', ') : 'nowhere, HEADSTART_MODELS is not set';
  let message = `model not found: ${name} (looked in: ${looked}). Set HEADSTART_MODELS to the folder that contains it, or pass --model-dir DIR.`;
  let hint: string | undefined;
  if (options.allowRemote ?? env.HEADSTART_ALLOW_REMOTE === '1') {
    // @huggingface/transformers 4.3 keeps its hub download helper (getModelFile) internal: its
    // exports map offers pipelines, models and ModelRegistry (which inspects the cache but does
    // not fetch arbitrary files), so this build has no way to fetch a Model2Vec model.
    message += ' Remote download (HEADSTART_ALLOW_REMOTE=1) is not available in this build.';
    const hubId = name === DEFAULT_STATIC_MODEL ? DEFAULT_STATIC_HUB_ID : name;
    hint = `download ${STATIC_MODEL_FILE} and ${STATIC_TOKENIZER_FILE} of ${hubId} from the Hugging Face hub into a folder and pass it with --model-dir`;
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
