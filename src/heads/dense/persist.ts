/**
 * A head on disk: TF.js `model.json` + `weights.bin` (loadable with tf.loadLayersModel on their own)
 * and `head.json` with what TF.js does not store (spec, standardisation, thresholds). The files are
 * written and read here rather than through `file://`, which only tfjs-node provides.
 * Heads over sparse rows store plain arrays instead of a TF.js model (src/heads/sparse/persist.ts).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { io } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Tf } from '../../backend/index.js';
import { ModelError } from '../../errors.js';
import { asFileSource, definedOnly, type FileSource } from '../../util/index.js';
import {
  HEAD_FILE,
  isObject,
  readBytes,
  readHeadState,
  readJson,
  WEIGHTS_FILE,
  writeHeadState,
  type HeadState,
} from '../head-file.js';

const MODEL_FILE = 'model.json';

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

/** A dense head's files read and checked, before TF.js (or a compiled kernel) makes a model of them. */
export interface StoredHead {
  state: HeadState;
  modelJson: Partial<io.ModelJSON>;
  weightSpecs: io.WeightsManifestEntry[];
  weights: Uint8Array;
  modelFile: string;
}

/** Reads a head written by `writeHead` and checks what needs no TF.js (model.json's layout, weights.bin's size); every inconsistency is a ModelError naming the file. */
export async function readStoredHead(from: string | FileSource): Promise<StoredHead> {
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
  return { state, modelJson, weightSpecs, weights, modelFile };
}

/** The TF.js model of checked files; a ModelError naming model.json when TF.js cannot build it. */
export async function buildModel(tf: Tf, stored: StoredHead): Promise<LayersModel> {
  const { modelJson, weightSpecs, weights, modelFile } = stored;
  try {
    return await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology,
        format: modelJson.format,
        generatedBy: modelJson.generatedBy,
        convertedBy: modelJson.convertedBy,
        weightSpecs,
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
      }),
    );
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

function manifestWeights(json: Partial<io.ModelJSON>, file: string): io.WeightsManifestEntry[] {
  const manifest = json.weightsManifest;
  const group = Array.isArray(manifest) && manifest.length === 1 ? manifest[0] : undefined;
  const valid =
    json.modelTopology != null &&
    isObject(group) &&
    Array.isArray(group.paths) &&
    group.paths.length === 1 &&
    group.paths[0] === WEIGHTS_FILE &&
    Array.isArray(group.weights) &&
    group.weights.every(isObject);
  if (!valid) {
    throw new ModelError(
      'HEAD_MODEL_INVALID',
      `expected a TF.js layers model whose weights are all in "${WEIGHTS_FILE}"`,
      {
        location: { file, field: 'weightsManifest' },
      },
    );
  }
  return group.weights;
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
