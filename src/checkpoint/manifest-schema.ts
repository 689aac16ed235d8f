/**
 * The shape of `headstart.json`, checked by hand. zod checked it before; evaluating zod and parsing
 * one manifest cost ~12 ms of every `predict` start-up, ~7% of a 1-row run (issue 23; see
 * docs/decisions/performance.md, "Start-up, third round"). Strict as the schema was: an unknown field,
 * a wrong type or a value out of range is refused at its path (`head.spec.inputDim`). Objects are
 * rebuilt with their fields in the order below, as zod gave them.
 */
import type { EncoderSpec } from '../encoders/index.js';
import type { HeadSpec } from '../heads/index.js';
import type { FileRecord } from './files.js';

export interface EncoderRecord {
  spec: EncoderSpec;
  fingerprint: string;
  /** Files holding the encoder's own state (a fitted TF-IDF vocabulary); names listed in `files`. */
  stateFiles: string[];
}

export interface HeadRecord {
  spec: HeadSpec;
  files: string[];
}

/** An encoder+head pair fused with the primary one; its files carry `prefix` in the checkpoint. */
export interface FusionMember {
  prefix: string;
  encoder: EncoderRecord;
  head: HeadRecord;
}

export const CHECKPOINT_FORMAT = 'headstart-checkpoint';

export interface Manifest {
  format: typeof CHECKPOINT_FORMAT;
  formatVersion: number;
  /** sha256 of this file's bytes with this value written as 64 zeros (sealManifest). */
  manifestSha256: string;
  libraryVersion: string;
  createdAt: string;
  encoder: EncoderRecord;
  labels: string[];
  multiLabel: boolean;
  head: HeadRecord;
  /** Probability-level fusion: weights (primary first) and the other members. */
  fusion?: { weights: number[]; members: FusionMember[] } | undefined;
  /** Temperature scaling applied to the (fused) probabilities. */
  calibration?: { temperature: number } | undefined;
  /** Probabilities divided by class priors^alpha before temperature scaling. */
  priorCorrection?: { alpha: number; priors: number[] } | undefined;
  /** Free-form record of how the model was trained (options, data summary, metrics). */
  training: Record<string, unknown>;
  files: FileRecord[];
}

/** A value that does not fit: the path to it and what is wrong. */
export class ManifestIssue extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

type Fields = Record<string, unknown>;
type Check<T> = (value: unknown, path: string) => T;

const HEX64 = /^[0-9a-f]{64}$/;

const at = (path: string, key: string | number) => (path ? `${path}.${key}` : String(key));

function object(value: unknown, path: string, keys: readonly string[]): Fields {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ManifestIssue(path, 'expected an object');
  const unknown = Object.keys(value).filter((key) => !keys.includes(key));
  if (unknown.length > 0) throw new ManifestIssue(path, `unrecognized key(s) ${JSON.stringify(unknown)}`);
  return value as Fields;
}

/** The fields of an object, checked in order, absent optional ones left out. */
function fields<T>(
  value: unknown,
  path: string,
  checks: Record<string, Check<unknown>>,
  optional: readonly string[] = [],
): T {
  const input = object(value, path, Object.keys(checks));
  const output: Fields = {};
  for (const [key, check] of Object.entries(checks)) {
    if (optional.includes(key) && input[key] === undefined) continue;
    output[key] = check(input[key], at(path, key));
  }
  return output as T;
}

function string({ min = 0, max = Infinity, pattern }: { min?: number; max?: number; pattern?: RegExp } = {}) {
  return (value: unknown, path: string): string => {
    if (typeof value !== 'string') throw new ManifestIssue(path, 'expected a string');
    if (value.length < min || value.length > max)
      throw new ManifestIssue(path, `${value.length} characters, expected ${min} to ${max}`);
    if (pattern && !pattern.test(value))
      throw new ManifestIssue(path, `${JSON.stringify(value.slice(0, 80))} does not match ${pattern}`);
    return value;
  };
}

function number({ integer = false, min = -Infinity, max = Infinity, above }: NumberLimits = {}) {
  return (value: unknown, path: string): number => {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new ManifestIssue(path, 'expected a number');
    if (integer && !Number.isSafeInteger(value)) throw new ManifestIssue(path, `${value} is not an integer`);
    if (value < min || value > max || (above !== undefined && value <= above)) {
      const bounds = [
        min > -Infinity && `at least ${min}`,
        above !== undefined && `above ${above}`,
        max < Infinity && `at most ${max}`,
      ];
      throw new ManifestIssue(path, `${value} is out of range: expected ${bounds.filter(Boolean).join(' and ')}`);
    }
    return value;
  };
}
interface NumberLimits {
  integer?: boolean;
  min?: number;
  max?: number;
  /** Exclusive lower bound. */
  above?: number;
}

const boolean = (value: unknown, path: string): boolean => {
  if (typeof value !== 'boolean') throw new ManifestIssue(path, 'expected a boolean');
  return value;
};

function oneOf<T>(values: readonly T[]) {
  return (value: unknown, path: string): T => {
    if (!values.includes(value as T)) throw new ManifestIssue(path, `expected one of ${JSON.stringify(values)}`);
    return value as T;
  };
}

function list<T>(item: Check<T>, minLength = 0) {
  return (value: unknown, path: string): T[] => {
    if (!Array.isArray(value)) throw new ManifestIssue(path, 'expected an array');
    const items = value.map((entry, index) => item(entry, at(path, index)));
    if (items.length < minLength) throw new ManifestIssue(path, `expected at least ${minLength} item(s)`);
    return items;
  };
}

const positiveInteger = number({ integer: true, min: 1 });
const sha256 = string({ pattern: HEX64 });
const names = list(string());

const fileRecord: Check<FileRecord> = (value, path) =>
  fields(value, path, { name: string({ min: 1, max: 128 }), bytes: number({ integer: true, min: 0 }), sha256 });

const tuned: Check<{ table: string; tokenizer: string }> = (value, path) =>
  fields(value, path, { table: string({ min: 1 }), tokenizer: string({ min: 1 }) });

const PRETRAINED: Record<'static' | 'transformer', Record<string, Check<unknown>>> = {
  static: { type: oneOf(['static']), model: string({ min: 1 }), maxTokens: positiveInteger, tuned },
  transformer: {
    type: oneOf(['transformer']),
    model: string({ min: 1 }),
    dtype: oneOf(['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4']),
    pooling: oneOf(['mean', 'cls', 'none']),
    normalize: boolean,
    maxTokens: positiveInteger,
  },
};

const TFIDF_SETTINGS = {
  ngramMax: oneOf([1, 2]),
  minDf: positiveInteger,
  maxFeatures: positiveInteger,
  sublinearTf: boolean,
};
const tfidfSettings: Check<Extract<EncoderSpec, { type: 'concat' }>['tfidf']> = (value, path) =>
  fields(value, path, TFIDF_SETTINGS);

function encoderSpec(value: unknown, path: string, types = ['static', 'transformer', 'tfidf', 'concat']): EncoderSpec {
  const type = (value as Fields | null)?.type;
  if (typeof type !== 'string' || !types.includes(type))
    throw new ManifestIssue(at(path, 'type'), `expected one of ${JSON.stringify(types)}`);
  if (type === 'static') return fields(value, path, PRETRAINED.static, ['tuned']);
  if (type === 'transformer') return fields(value, path, PRETRAINED.transformer);
  if (type === 'tfidf') return fields(value, path, { type: oneOf(['tfidf']), ...TFIDF_SETTINGS });
  return fields(value, path, {
    type: oneOf(['concat']),
    tfidf: tfidfSettings,
    /** A pretrained encoder (ConcatEncoder refuses a fine-tuned table). */
    dense: (dense, densePath) => encoderSpec(dense, densePath, ['static', 'transformer']),
    denseWeight: number({ above: 0 }),
  });
}

function headSpec(value: unknown, path: string): HeadSpec {
  const spec = fields<HeadSpec & { input?: 'sparse' }>(
    value,
    path,
    {
      type: oneOf(['linear', 'mlp']),
      inputDim: positiveInteger,
      numLabels: positiveInteger,
      multiLabel: boolean,
      hidden: number({ integer: true, min: 0 }),
      dropout: number({ min: 0, max: 1 }),
      standardize: boolean,
      /** 'sparse': a linear head over CSR rows (TF-IDF); absent in checkpoints of dense heads. */
      input: oneOf(['sparse']),
    },
    ['input'],
  );
  if (spec.input !== undefined && (spec.type !== 'linear' || spec.standardize))
    throw new ManifestIssue(at(path, 'input'), 'a head over sparse rows is linear and unstandardised');
  return spec;
}

const encoderRecord: Check<EncoderRecord> = (value, path) =>
  fields(value, path, { spec: encoderSpec, fingerprint: sha256, stateFiles: names });

const headRecord: Check<HeadRecord> = (value, path) => fields(value, path, { spec: headSpec, files: names });

const fusionMember: Check<FusionMember> = (value, path) =>
  fields(value, path, { prefix: string({ pattern: /^m[0-9]+-$/ }), encoder: encoderRecord, head: headRecord });

const record = (value: unknown, path: string): Fields => {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ManifestIssue(path, 'expected an object');
  return value as Fields;
};

/** The manifest in `json`, or a `ManifestIssue` naming the first field that does not fit. */
export function checkManifestShape(json: unknown): Manifest {
  return fields(
    json,
    '',
    {
      format: oneOf([CHECKPOINT_FORMAT]),
      formatVersion: positiveInteger,
      manifestSha256: sha256,
      libraryVersion: string(),
      createdAt: string(),
      encoder: encoderRecord,
      labels: list(string({ min: 1 }), 1),
      multiLabel: boolean,
      head: headRecord,
      fusion: (value, path) =>
        fields(value, path, { weights: list(number({ min: 0 }), 2), members: list(fusionMember, 1) }),
      calibration: (value, path) => fields(value, path, { temperature: number({ above: 0 }) }),
      priorCorrection: (value, path) =>
        fields(value, path, { alpha: number({ min: 0, max: 1 }), priors: list(number({ above: 0 })) }),
      training: record,
      files: list(fileRecord, 1),
    },
    ['fusion', 'calibration', 'priorCorrection'],
  );
}
