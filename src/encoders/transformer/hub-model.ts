/**
 * Models named by a hub id (`owner/name`, `owner/name@revision`): looked up in the model folders,
 * then in the download cache, and downloaded into it only when the caller opted in.
 */
import { ModelError } from '../../errors.js';
import {
  downloadModel,
  hasManifest,
  verifyCachedModel,
  cacheRoot,
  cachedModelDir,
  downloadAllowed,
  hubUrl,
  parseHubRef,
} from '../../hub/index.js';
import type { TransformerDtype } from '../encoder.js';
import { STATIC_MODEL_FILE, STATIC_TOKENIZER_FILE } from '../static/index.js';
import { onnxFileFor, resolveModelDir } from './transformer-files.js';

/** What to fetch: a Model2Vec model, an ONNX transformer, or whichever the repository's config.json says. */
export type HubModelKind = 'static' | 'transformer' | 'auto';

export interface HubModelOptions {
  /** `--allow-download`; defaults to HEADSTART_ALLOW_DOWNLOAD=1. */
  allowDownload?: boolean | undefined;
  /** Environment to read HEADSTART_* from; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
}

const STATIC_FILES = ['config.json', STATIC_TOKENIZER_FILE, STATIC_MODEL_FILE];

/** The files a transformers.js model needs for `dtype`. */
function transformerFiles(dtype: TransformerDtype): string[] {
  return ['config.json', 'tokenizer.json', 'tokenizer_config.json', onnxFileFor(dtype)];
}

/** The cache folder of `name` when it is a hub id with a complete download; nothing is read but its manifest's presence. */
function cachedHubModel(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const ref = parseHubRef(name);
  if (!ref) return undefined;
  const dir = cachedModelDir(cacheRoot(env), ref);
  return hasManifest(dir) ? dir : undefined;
}

/**
 * Downloads `name` into the cache when it is a hub id and downloading is allowed, returning its
 * folder; undefined otherwise, so that the caller reports the model as not found.
 */
export async function downloadHubModel(
  name: string,
  kind: HubModelKind,
  options: HubModelOptions & { dtype?: TransformerDtype } = {},
): Promise<string | undefined> {
  const env = options.env ?? process.env;
  const ref = parseHubRef(name);
  if (!ref || !downloadAllowed(options.allowDownload, env)) return undefined;
  const transformer = transformerFiles(options.dtype ?? 'fp32');
  return downloadModel({
    ref,
    hubUrl: hubUrl(env),
    cacheRoot: cacheRoot(env),
    filesFor: (config) =>
      kind === 'static' || (kind === 'auto' && config.model_type === 'model2vec') ? STATIC_FILES : transformer,
  });
}

/** Checks a folder from the download cache against its manifest; other folders are the user's own and are read as they are. */
async function verifyIfDownloaded(dir: string): Promise<void> {
  if (hasManifest(dir)) await verifyCachedModel(dir);
}

/**
 * The folder of a transformer (or, with kind auto, any) model named `model`: the model folders and
 * the cache (resolveModelDir), else a download when allowed. Downloaded folders are verified.
 */
export async function locateModelDir(
  model: string,
  options: HubModelOptions & {
    modelsDir?: string | undefined;
    confined?: boolean | undefined;
    kind: HubModelKind;
    dtype?: TransformerDtype;
    verify?: boolean;
  },
): Promise<string> {
  const env = options.env ?? process.env;
  let dir: string;
  try {
    dir = resolveModelDir(model, options.modelsDir ?? env.HEADSTART_MODELS, { confined: options.confined, env });
  } catch (error) {
    if (!(error instanceof ModelError && error.code === 'MODEL_NOT_FOUND')) throw error;
    const downloaded = await downloadHubModel(model, options.kind, options);
    if (!downloaded) throw error;
    dir = downloaded;
  }
  if (options.kind === 'transformer' && isCachedFolderOf(model, dir, env)) {
    // A download kept for one dtype may lack another's ONNX file: fetched into the same folder when allowed.
    await downloadHubModel(model, options.kind, options);
  }
  if (options.verify ?? true) await verifyIfDownloaded(dir);
  return dir;
}

function isCachedFolderOf(model: string, dir: string, env: NodeJS.ProcessEnv): boolean {
  return cachedHubModel(model, env) === dir;
}
