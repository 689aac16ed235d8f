/**
 * `head.json`, written by every head: its spec, standardisation and thresholds. Dense heads add a
 * TF.js model beside it (src/heads/dense/persist.ts), sparse heads a plain weights file
 * (src/heads/sparse/persist.ts); both name their weights `weights.bin`.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HeadstartError, ModelError } from '../errors.js';
import { asFileSource, type FileSource } from '../util/index.js';
import type { HeadSpec } from './head.js';
import type { Standardization } from './standardize.js';
import { assertHeadSpec } from './validate.js';

export const HEAD_FILE = 'head.json';
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
  const spec = specFields(json.spec);
  try {
    assertHeadSpec(spec);
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

/** The spec's own fields, dropping any others the file holds; checked by the caller. */
function specFields(stored: HeadSpec): HeadSpec {
  const { type, inputDim, numLabels, multiLabel, hidden, dropout, standardize } = stored;
  return stored.input === undefined
    ? { type, inputDim, numLabels, multiLabel, hidden, dropout, standardize }
    : {
        type: stored.type,
        inputDim,
        numLabels,
        multiLabel,
        hidden,
        dropout,
        standardize: stored.standardize,
        input: stored.input,
      };
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

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export async function readJson(files: FileSource, name: string): Promise<unknown> {
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
