/**
 * The encoder factory: one place that turns a user's choice (a name, a directory, `hf:<id>`, a
 * spec) into an Encoder, and a checkpoint's recorded spec back into the same encoder.
 * Unknown choices throw, like tokenizers.js's per-component factories.
 */
import { existsSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import path from 'node:path';
import type { Encoder, EncoderSpec } from './encoder.js';
import { ModelError, UsageError } from '../errors.js';
import {
  DEFAULT_STATIC_MODEL,
  downloadedModelHashes,
  resolveStaticModel,
  STATIC_MODEL_FILE,
  StaticEncoder,
} from './static/index.js';
import { downloadHubModel, locateModelDir, type TransformerEncoderOptions } from './transformer/index.js';
import { TfidfEncoder } from './lexical/index.js';
import { ConcatEncoder } from './concat.js';
import { cacheFor, type EmbeddingCache } from '../embedding-cache.js';
import type { FileSource } from '../util/index.js';

/** Whether `outer` is `inner` or embeds through it (a concatenation appending `inner`'s vectors). */
export function encoderUses(outer: Encoder, inner: Encoder): boolean {
  return outer === inner || (outer instanceof ConcatEncoder && outer.appends(inner));
}

/**
 * 'potion' (the embedded default), 'tfidf', 'hf:<hub id>[@revision]' (a Model2Vec or transformers.js
 * ONNX model), a model directory, or 'tfidf+<one of those pretrained>' (TF-IDF with that encoder's
 * embeddings appended, src/encoders/concat.ts).
 */
export type EncoderChoice = string;

export interface EncoderLoadOptions {
  /** Directory holding the model files, searched alone instead of `$HEADSTART_MODELS/<name>` and the packaged copy. */
  modelDir?: string | undefined;
  /**
   * Download a hub model that is in neither the model folders nor the cache (`$HEADSTART_CACHE`),
   * from `$HEADSTART_HUB_URL` (default https://huggingface.co). Default: HEADSTART_ALLOW_DOWNLOAD=1; never otherwise.
   */
  allowDownload?: boolean | undefined;
  /** A checkpoint's directory or its files already read, for encoders that keep their state there (TF-IDF, a fine-tuned table). */
  checkpointFiles?: string | FileSource;
  /** ONNX Runtime intra-op threads of a transformer encoder's session (default: physical cores). */
  threads?: number | undefined;
  /** Embeddings of the dense part of a concatenation, shared with a member over the same encoder. */
  cache?: EmbeddingCache | undefined;
  /**
   * An encoder already loaded (the classifier's primary, else one the caller holds): a concatenation whose dense part has the
   * same spec uses it instead of loading another copy, and leaves disposing it to its owner.
   */
  loaded?: Encoder | undefined;
}

export async function createEncoder(
  choice: EncoderChoice | EncoderSpec,
  options: EncoderLoadOptions = {},
): Promise<Encoder> {
  if (typeof choice !== 'string') return loadEncoderFromSpec(choice, options);
  if (choice === 'potion' || choice === DEFAULT_STATIC_MODEL) return loadStatic(DEFAULT_STATIC_MODEL, options);
  if (choice === 'tfidf') return new TfidfEncoder();
  if (choice.startsWith(CONCAT_PREFIX)) return concatOf(choice.slice(CONCAT_PREFIX.length), options);
  if (choice.startsWith('hf:')) return loadHubChoice(choice.slice(3), options);
  if (existsSync(choice)) {
    if (existsSync(path.join(choice, 'model.safetensors'))) return loadStatic(choice, options);
    // Recorded by its folder's name, as a static model is: a checkpoint finds it in the model folders.
    if (existsSync(path.join(choice, 'onnx')) || existsSync(path.join(choice, 'config.json')))
      return loadTransformer({
        model: choice,
        name: path.basename(path.resolve(choice)),
        intraOpNumThreads: options.threads,
      });
    throw new UsageError(
      'UNKNOWN_ENCODER_DIR',
      `${choice} holds neither a static model (model.safetensors) nor a transformer (onnx/, config.json)`,
    );
  }
  throw new UsageError('UNKNOWN_ENCODER', `unknown encoder ${JSON.stringify(choice)}`, {
    hint: 'use potion (the embedded default), tfidf, hf:<hub id>, an existing model directory, or tfidf+ before one of those',
  });
}

/**
 * Rebuilds the encoder a checkpoint was trained with, from its recorded spec. With `checkpointFiles`,
 * the spec is a checkpoint's: its model name is looked up in the model folders only
 * (src/checkpoint/encoder-paths.ts), never as a directory relative to the working directory.
 */
export async function loadEncoderFromSpec(spec: EncoderSpec, options: EncoderLoadOptions = {}): Promise<Encoder> {
  return loadSpec(spec, options, options.checkpointFiles !== undefined);
}

function loadSpec(spec: EncoderSpec, options: EncoderLoadOptions, confined: boolean): Promise<Encoder> {
  switch (spec.type) {
    case 'static':
      if (spec.tuned) return loadTunedStatic(spec, options);
      return loadStatic(spec.model, options, { maxTokens: spec.maxTokens, confined });
    case 'tfidf':
      if (!options.checkpointFiles) return Promise.resolve(new TfidfEncoder(spec));
      return TfidfEncoder.loadState(options.checkpointFiles);
    case 'transformer':
      return loadTransformer({
        ...spec,
        modelsDir: options.modelDir,
        intraOpNumThreads: options.threads,
        confined,
        allowDownload: options.allowDownload,
      });
    case 'concat':
      return loadConcat(spec, options, confined);
    default:
      throw new UsageError(
        'UNKNOWN_ENCODER_TYPE',
        `unknown encoder type ${JSON.stringify((spec as { type: unknown }).type)}`,
      );
  }
}

const CONCAT_PREFIX = 'tfidf+';

async function concatOf(denseChoice: EncoderChoice, options: EncoderLoadOptions): Promise<Encoder> {
  const { cache, loaded: _loaded, ...pretrained } = options;
  const dense = await createEncoder(denseChoice, pretrained);
  try {
    return new ConcatEncoder(new TfidfEncoder(), dense, { denseCache: cacheFor(cache, dense) });
  } catch (error) {
    await dense.dispose();
    throw error;
  }
}

/** The dense part is a pretrained encoder loaded like any other; the TF-IDF and z-score state come from the checkpoint. */
async function loadConcat(
  spec: Extract<EncoderSpec, { type: 'concat' }>,
  options: EncoderLoadOptions,
  confined: boolean,
): Promise<Encoder> {
  const { checkpointFiles, cache, loaded, ...pretrained } = options;
  const sharedDense = loaded !== undefined && isDeepStrictEqual(loaded.spec, spec.dense);
  const dense = sharedDense ? loaded : await loadSpec(spec.dense, pretrained, confined);
  try {
    if (!checkpointFiles)
      return new ConcatEncoder(new TfidfEncoder(spec.tfidf), dense, {
        denseWeight: spec.denseWeight,
        denseCache: cacheFor(cache, dense),
        sharedDense,
      });
    return await ConcatEncoder.loadState(checkpointFiles, await TfidfEncoder.loadState(checkpointFiles), dense, {
      denseWeight: spec.denseWeight,
      sharedDense,
    });
  } catch (error) {
    if (!sharedDense) await dense.dispose();
    throw error;
  }
}

/** A fine-tuned table lives in the checkpoint itself, so loading it needs no model directory. */
function loadTunedStatic(
  spec: Extract<EncoderSpec, { type: 'static' }>,
  options: EncoderLoadOptions,
): Promise<Encoder> {
  if (!options.checkpointFiles) {
    throw new UsageError(
      'TUNED_TABLE_NEEDS_CHECKPOINT',
      `the encoder spec of ${spec.model} names a fine-tuned table, which only a checkpoint directory holds`,
      {
        hint: 'load it with TextClassifier.load(dir)',
      },
    );
  }
  return StaticEncoder.load(options.checkpointFiles, {
    maxTokens: spec.maxTokens,
    modelName: spec.model,
    tuned: spec.tuned,
  });
}

async function loadStatic(
  nameOrDir: string,
  options: EncoderLoadOptions,
  { maxTokens, confined = false }: { maxTokens?: number; confined?: boolean } = {},
): Promise<Encoder> {
  const resolve = () =>
    resolveStaticModel(nameOrDir, { modelDir: options.modelDir, confined, allowDownload: options.allowDownload });
  let resolved: ReturnType<typeof resolveStaticModel>;
  try {
    resolved = resolve();
  } catch (error) {
    if (!(error instanceof ModelError && error.code === 'MODEL_NOT_FOUND') || options.modelDir !== undefined)
      throw error;
    if (!(await downloadHubModel(nameOrDir, 'static', { allowDownload: options.allowDownload }))) throw error;
    resolved = resolve();
  }
  return StaticEncoder.load(resolved.dir, {
    maxTokens,
    modelName: resolved.name,
    ...(resolved.sha256 && { sha256: resolved.sha256 }),
  });
}

/**
 * `hf:<id>`: a Model2Vec folder (model.safetensors, no onnx/) loads as a static encoder, recorded by
 * its hub id; anything else as a transformer. A download fetches what the repository's config.json says it is.
 */
async function loadHubChoice(model: string, options: EncoderLoadOptions): Promise<Encoder> {
  const transformer = () =>
    loadTransformer({
      model,
      modelsDir: options.modelDir,
      intraOpNumThreads: options.threads,
      allowDownload: options.allowDownload,
    });
  let dir: string;
  try {
    dir = await locateModelDir(model, {
      modelsDir: options.modelDir,
      allowDownload: options.allowDownload,
      kind: 'auto',
      verify: false,
    });
  } catch (error) {
    // Not found: reported as for any transformer (a missing @huggingface/transformers first).
    if (error instanceof ModelError && error.code === 'MODEL_NOT_FOUND') return transformer();
    throw error;
  }
  if (existsSync(path.join(dir, STATIC_MODEL_FILE)) && !existsSync(path.join(dir, 'onnx'))) {
    const sha256 = downloadedModelHashes(dir);
    return StaticEncoder.load(dir, { modelName: model, ...(sha256 && { sha256 }) });
  }
  return transformer();
}

/**
 * transformers.js pulls in onnxruntime-node and sharp (~0.8 s of start-up per process or worker
 * thread), so it is imported only when a transformer encoder is actually loaded.
 */
async function loadTransformer(options: TransformerEncoderOptions): Promise<Encoder> {
  const { loadTransformerEncoder } = await import('./transformer/transformer.js');
  return loadTransformerEncoder(options);
}
export { describeSpec, isPretrainedAsIs, modelsOf, shortSpecName } from './describe.js';
export {
  type EmbeddedTexts,
  type EmbedOptions,
  type EmbedResult,
  type Encoder,
  type EncoderSpec,
  type Features,
  type FittableEncoder,
  hasState,
  isEncoder,
  isFittable,
  isSparseEncoder,
  isSparseMatrix,
  isTunable,
  knowsVocabulary,
  type Matrix,
  type SparseEmbedResult,
  type SparseEncoder,
  type SparseMatrix,
  type SplitColumns,
  type TextInfo,
  type TunableEncoder,
} from './encoder.js';
export { isLexicalSpec, isTunedSpec, lexicalName, tfidfWithEmbeddingsOf } from './kinds.js';
export { DEFAULT_DENSE_WEIGHT } from './concat.js';
export { embedAll } from './embed-all.js';
export { l2NormalizeRows } from './pooling.js';
export {
  CHARS_PER_TOKEN,
  float16ToNumber,
  numberToFloat16,
  StaticEncoder,
  WHITESPACE_SEARCH_CHARS,
} from './static/index.js';
export { DEFAULT_TFIDF_OPTIONS, TfidfEncoder } from './lexical/index.js';
export { physicalCoreCount, TransformerEncoder } from './transformer/index.js';
