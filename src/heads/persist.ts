/**
 * A head on disk: TF.js `model.json` + `weights.bin` (loadable with tf.loadLayersModel on their own)
 * and `head.json` with what TF.js does not store (spec, standardisation, thresholds). The files are
 * written and read here rather than through `file://`, which only tfjs-node provides.
 * Heads over sparse rows store plain arrays instead of a TF.js model (src/heads/sparse-persist.ts).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { io } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Tf } from '../backend/index.js';
import { HeadstartError, ModelError } from '../errors.js';
import { asFileSource, definedOnly, type FileSource } from '../util/index.js';
import type { HeadSpec } from './head.js';
import type { Standardization } from './standardize.js';
import { assertSparseSpec } from './sparse-validate.js';
import { assertHeadSpec } from './validate.js';

export const HEAD_FILE = 'head.json';
export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';
const FORMAT = 'headstart-head';
const FORMAT_VERSION = 1;

export interface HeadState {
  spec: HeadSpec;
  standardization?: Standardization | undefined;
  thresholds?: Float32Array | undefined;
}

interface HeadJson {
  format: string;
  version: number;
  spec: HeadSpec;
  standardization: { mean: number[]; std: number[] } | null;
  thresholds: number[] | null;
}

/** Writes the three files into `dir` (created if missing); returns their names. */
export async function writeHead(tf: Tf, dir: string, model: LayersModel, state: HeadState): Promise<string[]> {
  let artifacts: io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (saved) => {
      artifacts = saved;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(saved) };
    }),
  );
  const { modelTopology, weightSpecs, weightData, format, generatedBy, convertedBy } = artifacts!;
  const modelJson: io.ModelJSON = {
    ...definedOnly({ format, generatedBy, convertedBy }),
    modelTopology: modelTopology as object,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: weightSpecs ?? [] }],
  };
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, WEIGHTS_FILE), new Uint8Array(tf.io.concatenateArrayBuffers(weightData ?? [])));
  await writeFile(path.join(dir, MODEL_FILE), JSON.stringify(modelJson));
  await writeHeadState(dir, state);
  return [HEAD_FILE, MODEL_FILE, WEIGHTS_FILE];
}

/** Writes `head.json` (spec, standardisation, thresholds) into `dir`, which must exist. */
export async function writeHeadState(dir: string, state: HeadState): Promise<void> {
  const headJson: HeadJson = {
    format: FORMAT,
    version: FORMAT_VERSION,
    spec: state.spec,
    standardization: state.standardization
      ? { mean: Array.from(state.standardization.mean), std: Array.from(state.standardization.std) }
      : null,
    thresholds: state.thresholds ? Array.from(state.thresholds) : null,
  };
  await writeFile(path.join(dir, HEAD_FILE), `${JSON.stringify(headJson, null, 2)}\n`);
}

/** Reads and checks `head.json` in `from` (a directory, or files already read). */
export async function readHeadState(from: string | FileSource): Promise<HeadState> {
  const files = asFileSource(from);
  return parseHeadJson(await readJson(files, HEAD_FILE), files.pathOf(HEAD_FILE));
}

/** Reads a head written by `writeHead`; every inconsistency is a ModelError naming the file. */
export async function readHead(tf: Tf, from: string | FileSource): Promise<{ state: HeadState; model: LayersModel }> {
  const files = asFileSource(from);
  const state = await readHeadState(files);
  const modelFile = files.pathOf(MODEL_FILE);
  const raw = await readJson(files, MODEL_FILE);
  // Anything but an object fails the layout check in manifestWeights with a ModelError.
  const modelJson = (isObject(raw) ? raw : {}) as Partial<io.ModelJSON>;
  const weightSpecs = manifestWeights(modelJson, modelFile);
  const weightsFile = files.pathOf(WEIGHTS_FILE);
  const weights = await readBytes(files, WEIGHTS_FILE);
  const expected = weightSpecs.reduce((total, w) => total + weightBytes(w, modelFile), 0);
  if (weights.byteLength !== expected) {
    throw new ModelError(
      'HEAD_WEIGHTS_SIZE',
      `${weights.byteLength} bytes, but ${MODEL_FILE} lists ${expected} bytes of weights`,
      {
        location: { file: weightsFile },
        hint: 'the file is truncated or belongs to another model; save the head again',
      },
    );
  }
  try {
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology,
        format: modelJson.format,
        generatedBy: modelJson.generatedBy,
        convertedBy: modelJson.convertedBy,
        weightSpecs,
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
      }),
    );
    return { state, model };
  } catch (error) {
    throw new ModelError(
      'HEAD_MODEL_INVALID',
      `TF.js cannot build the model: ${error instanceof Error ? error.message : String(error)}`,
      {
        location: { file: modelFile },
        cause: error,
      },
    );
  }
}

function parseHeadJson(value: unknown, file: string): HeadState {
  const json = value as Partial<HeadJson>;
  const fail = (field: string, message: string) =>
    new ModelError('HEAD_FILE_INVALID', message, { location: { file, field } });
  if (json?.format !== FORMAT) throw fail('format', `expected "${FORMAT}", got ${JSON.stringify(json?.format)}`);
  if (json.version !== FORMAT_VERSION) {
    throw fail(
      'version',
      `format version ${JSON.stringify(json.version)} is not supported (expected ${FORMAT_VERSION})`,
    );
  }
  if (typeof json.spec !== 'object' || json.spec === null) throw fail('spec', 'missing head spec');
  const { type, inputDim, numLabels, multiLabel, hidden, dropout, standardize, input } = json.spec;
  const spec: HeadSpec = {
    type,
    inputDim,
    numLabels,
    multiLabel,
    hidden,
    dropout,
    standardize,
    ...(input !== undefined && { input }),
  };
  try {
    assertHeadSpec(spec);
    if (input !== undefined) assertSparseSpec(spec);
  } catch (error) {
    if (!(error instanceof HeadstartError)) throw error;
    throw new ModelError(error instanceof ModelError ? error.code : 'HEAD_FILE_INVALID', error.message, {
      location: { file, field: 'spec' },
      cause: error,
    });
  }
  const state: HeadState = { spec };
  if (json.standardization != null) {
    const { mean, std } = json.standardization;
    state.standardization = {
      mean: finiteArray(mean, spec.inputDim, () =>
        fail('standardization.mean', `must be ${spec.inputDim} finite numbers`),
      ),
      std: finiteArray(std, spec.inputDim, () =>
        fail('standardization.std', `must be ${spec.inputDim} finite numbers`),
      ),
    };
    if (state.standardization.std.some((s) => s <= 0)) throw fail('standardization.std', 'must be positive');
  } else if (spec.standardize) {
    throw fail('standardization', 'spec.standardize is true but no mean/std is stored');
  }
  if (json.thresholds != null) {
    state.thresholds = finiteArray(json.thresholds, spec.numLabels, () =>
      fail('thresholds', `must be ${spec.numLabels} finite numbers`),
    );
  } else if (spec.multiLabel) {
    throw fail('thresholds', 'a multi-label head needs one threshold per label');
  }
  return state;
}

function finiteArray(value: unknown, length: number, fail: () => Error): Float32Array {
  if (
    !Array.isArray(value) ||
    value.length !== length ||
    !value.every((v) => typeof v === 'number' && Number.isFinite(v))
  )
    throw fail();
  return Float32Array.from(value as number[]);
}

function manifestWeights(json: Partial<io.ModelJSON>, file: string): io.WeightsManifestEntry[] {
  const manifest = json.weightsManifest;
  const valid =
    json.modelTopology != null &&
    Array.isArray(manifest) &&
    manifest.length === 1 &&
    isObject(manifest[0]) &&
    Array.isArray(manifest[0].paths) &&
    manifest[0].paths.length === 1 &&
    manifest[0].paths[0] === WEIGHTS_FILE &&
    Array.isArray(manifest[0].weights) &&
    manifest[0].weights.every(isObject);
  if (!valid) {
    throw new ModelError(
      'HEAD_MODEL_INVALID',
      `expected a TF.js layers model whose weights are all in "${WEIGHTS_FILE}"`,
      {
        location: { file, field: 'weightsManifest' },
      },
    );
  }
  return manifest[0].weights;
}

const BYTES_PER_VALUE: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

function weightBytes(weight: io.WeightsManifestEntry, file: string): number {
  const dtype = (isObject(weight.quantization) ? weight.quantization.dtype : undefined) ?? weight.dtype;
  const size = Object.hasOwn(BYTES_PER_VALUE, dtype) ? BYTES_PER_VALUE[dtype] : undefined;
  const shapeOk = Array.isArray(weight.shape) && weight.shape.every((d) => Number.isSafeInteger(d) && d >= 0);
  if (size === undefined || !shapeOk) {
    throw new ModelError(
      'HEAD_MODEL_INVALID',
      `weight "${weight.name}" has unsupported dtype ${JSON.stringify(dtype)} or shape ${JSON.stringify(weight.shape)}`,
      {
        location: { file, field: 'weightsManifest' },
      },
    );
  }
  return weight.shape.reduce((n, d) => n * d, 1) * size;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readJson(files: FileSource, name: string): Promise<unknown> {
  const file = files.pathOf(name);
  const text = (await readBytes(files, name)).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ModelError(
      'HEAD_FILE_INVALID',
      `not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      {
        location: { file },
        cause: error,
      },
    );
  }
}

/** The bytes of `name`; a missing or unreadable file is a ModelError naming it. */
export async function readBytes(files: FileSource, name: string): Promise<Buffer> {
  const file = files.pathOf(name);
  try {
    return await files.read(name);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ModelError(
      missing ? 'HEAD_FILE_MISSING' : 'HEAD_FILE_UNREADABLE',
      missing ? 'file not found' : `cannot read: ${(error as Error).message}`,
      {
        location: { file },
        hint: missing ? 'point at a directory written by head.save()' : undefined,
        cause: error,
      },
    );
  }
}
