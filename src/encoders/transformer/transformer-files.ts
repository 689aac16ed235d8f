/**
 * Finds a transformer model on disk (a directory, a hub id under the models directory or in the
 * download cache) and reads what the encoder needs from its config files. Nothing here touches the network.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ModelError, UsageError } from '../../errors.js';
import {
  hasManifest,
  ALLOW_DOWNLOAD_ADVICE,
  cacheRoot,
  cachedModelDir,
  DOWNLOAD_NEEDS_HUB_ID,
  parseHubRef,
} from '../../hub/index.js';
import type { TransformerDtype } from '../encoder.js';
import type { TransformerSpec } from './transformer-options.js';

/** transformers.js' file name for each dtype (DEFAULT_DTYPE_SUFFIX_MAPPING), under `onnx/`. */
const ONNX_FILE_BY_DTYPE: Record<TransformerDtype, string> = {
  fp32: 'model.onnx',
  fp16: 'model_fp16.onnx',
  q8: 'model_quantized.onnx',
  int8: 'model_int8.onnx',
  uint8: 'model_uint8.onnx',
  q4: 'model_q4.onnx',
};

const TRANSFORMER_DTYPES = Object.keys(ONNX_FILE_BY_DTYPE) as TransformerDtype[];

/** The ONNX file transformers.js loads for `dtype`, relative to the model folder. */
export function onnxFileFor(dtype: TransformerDtype): string {
  return `onnx/${ONNX_FILE_BY_DTYPE[dtype]}`;
}

export interface TransformerModelFiles {
  /** Absolute model directory. */
  dir: string;
  /** Absolute path of the ONNX file for the chosen dtype. */
  onnxPath: string;
  configPath: string;
  tokenizerPath: string;
  tokenizerConfigPath: string;
  hiddenSize: number;
  /** The longest input the model takes: min(max_position_embeddings, model_max_length). */
  tokenLimit: number;
}

/**
 * Resolves `model` to a directory: an existing directory as given (relative to the working
 * directory; not when `confined`), else a hub id looked up as `<modelsDir>/<id>`,
 * `<modelsDir>/<last part of id>`, then as a complete download in the cache.
 */
export function resolveModelDir(
  model: string,
  modelsDir: string | undefined,
  { confined = false, env = process.env }: { confined?: boolean | undefined; env?: NodeJS.ProcessEnv } = {},
): string {
  const candidates = confined ? [] : [path.resolve(model)];
  if (modelsDir && !path.isAbsolute(model)) {
    candidates.push(path.resolve(modelsDir, model), path.resolve(modelsDir, path.basename(model)));
  }
  const found = candidates.find((dir) => existsSync(dir) && statSync(dir).isDirectory());
  if (found) return found;
  const ref = parseHubRef(model);
  const cached = ref && cachedModelDir(cacheRoot(env), ref);
  if (cached && hasManifest(cached)) return cached;
  if (cached) candidates.push(cached);
  throw new ModelError(
    'MODEL_NOT_FOUND',
    `model not found: "${model}" (looked in ${candidates.join(', ') || 'no folder: HEADSTART_MODELS is not set'}; offline, nothing is downloaded)`,
    {
      hint: `set HEADSTART_MODELS to the folder that holds the model, or pass the model directory; or ${ref ? ALLOW_DOWNLOAD_ADVICE : DOWNLOAD_NEEDS_HUB_ID}`,
    },
  );
}

export function locateModelFiles(dir: string, dtype: TransformerDtype): TransformerModelFiles {
  const onnxName = ONNX_FILE_BY_DTYPE[dtype];
  if (!onnxName)
    throw new UsageError('BAD_DTYPE', `unknown dtype "${dtype}"; expected one of ${TRANSFORMER_DTYPES.join(', ')}`);
  const file = (name: string, what: string) => {
    const full = path.join(dir, name);
    if (!existsSync(full)) {
      throw new ModelError('MODEL_FILE_MISSING', `${what} is missing`, {
        location: { file: full },
        hint: `a transformers.js model directory holds config.json, tokenizer.json, tokenizer_config.json and onnx/${onnxName} for dtype ${dtype}`,
      });
    }
    return full;
  };
  const configPath = file('config.json', 'model config');
  const tokenizerPath = file('tokenizer.json', 'tokenizer');
  const tokenizerConfigPath = file('tokenizer_config.json', 'tokenizer config');
  const onnxPath = file(path.join('onnx', onnxName), `ONNX weights for dtype ${dtype}`);

  const config = readJsonObject(configPath);
  const tokenizerConfig = readJsonObject(tokenizerConfigPath);
  const hiddenSize = positiveInteger(config, 'hidden_size', configPath, true)!;
  const limits = [
    positiveInteger(config, 'max_position_embeddings', configPath, false),
    positiveInteger(tokenizerConfig, 'model_max_length', tokenizerConfigPath, false),
  ].filter((n): n is number => n !== undefined);
  if (limits.length === 0) {
    throw new ModelError('MODEL_LIMIT_MISSING', 'neither max_position_embeddings nor model_max_length is set', {
      location: { file: configPath, field: 'max_position_embeddings' },
      hint: 'set max_position_embeddings in config.json or model_max_length in tokenizer_config.json',
    });
  }
  return { dir, onnxPath, configPath, tokenizerPath, tokenizerConfigPath, hiddenSize, tokenLimit: Math.min(...limits) };
}

function readJsonObject(file: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new ModelError('MODEL_FILE_INVALID', `not valid JSON: ${(cause as Error).message}`, {
      location: { file },
      cause,
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ModelError('MODEL_FILE_INVALID', 'expected a JSON object', { location: { file } });
  }
  return value as Record<string, unknown>;
}

/**
 * A positive integer field; `undefined` when absent and optional. Tokenizer configs write
 * "no limit" as a huge number (1e30), which counts as absent.
 */
function positiveInteger(
  json: Record<string, unknown>,
  field: string,
  file: string,
  required: boolean,
): number | undefined {
  const value = json[field];
  if (value === undefined || value === null || (typeof value === 'number' && value > Number.MAX_SAFE_INTEGER)) {
    if (!required) return undefined;
    throw new ModelError('MODEL_CONFIG_FIELD', 'required field is missing', { location: { file, field } });
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ModelError('MODEL_CONFIG_FIELD', `expected a positive integer, got ${JSON.stringify(value)}`, {
      location: { file, field },
    });
  }
  return value;
}

/** sha256 over the ONNX weights, config and tokenizer files, and the options that change vectors. */
export async function fingerprintOf(files: TransformerModelFiles, spec: TransformerSpec): Promise<string> {
  const hash = createHash('sha256');
  for (const file of [files.onnxPath, files.configPath, files.tokenizerPath, files.tokenizerConfigPath]) {
    hash.update(`${path.relative(files.dir, file)}\0`);
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  }
  hash.update(
    JSON.stringify({ dtype: spec.dtype, pooling: spec.pooling, normalize: spec.normalize, maxTokens: spec.maxTokens }),
  );
  return hash.digest('hex');
}
