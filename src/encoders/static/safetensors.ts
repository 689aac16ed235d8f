/**
 * A strict safetensors reader. Hand-rolled: the format is an 8-byte length, a JSON header and raw
 * little-endian bytes, and what we need is a reader that refuses anything malformed with an error
 * naming the file and the tensor, applying the same checks as the reference Rust implementation
 * (header size limit, known dtypes, byte sizes matching shapes, tensors covering the data section
 * exactly with no gap or overlap).
 */
import { readFile, stat } from 'node:fs/promises';
import { ModelError } from '../../errors.js';
import { bfloat16ToNumber, float16Values } from './float16.js';

/** Byte-aligned dtypes of the safetensors spec, with their element size in bytes. */
export const DTYPE_BYTES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
} as const;

export type SafetensorsDtype = keyof typeof DTYPE_BYTES;

export interface SafeTensor {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** The tensor's raw little-endian bytes (a view into the file buffer, not a copy). */
  data: Uint8Array;
}

export interface SafetensorsFile {
  /** Tensors in file order (sorted by offset). */
  tensors: Map<string, SafeTensor>;
  metadata: Record<string, string>;
}

export interface ReadSafetensorsOptions {
  /** Largest accepted JSON header; the reference implementation's limit is 100 MB. */
  maxHeaderBytes?: number;
  /** Largest accepted file. */
  maxFileBytes?: number;
  /** Name used in error messages when `source` is a buffer. */
  name?: string;
}

const DEFAULT_MAX_HEADER_BYTES = 100_000_000;
const DEFAULT_MAX_FILE_BYTES = 2 ** 31 - 1;
const INVALID = 'SAFETENSORS_INVALID';

export async function readSafetensors(
  source: string | Uint8Array,
  options: ReadSafetensorsOptions = {},
): Promise<SafetensorsFile> {
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  if (typeof source !== 'string') return parseSafetensors(source, options.name ?? '<buffer>', options);
  let size: number;
  try {
    size = (await stat(source)).size;
  } catch (cause) {
    throw new ModelError('MODEL_FILE_UNREADABLE', `cannot read safetensors file: ${(cause as Error).message}`, {
      location: { file: source },
      cause,
    });
  }
  if (size > maxFileBytes) {
    throw new ModelError('SAFETENSORS_TOO_LARGE', `file is ${size} bytes, more than the ${maxFileBytes}-byte limit`, {
      location: { file: source },
    });
  }
  return parseSafetensors(await readFile(source), source, options);
}

export function parseSafetensors(
  bytes: Uint8Array,
  file: string,
  options: ReadSafetensorsOptions = {},
): SafetensorsFile {
  const maxHeaderBytes = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const fail = (message: string, field?: string): never => {
    throw new ModelError(INVALID, message, { location: { file, field } });
  };

  if (bytes.length > maxFileBytes) fail(`file is ${bytes.length} bytes, more than the ${maxFileBytes}-byte limit`);
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(maxHeaderBytes)) {
    fail(`header length ${headerLength} is more than the ${maxHeaderBytes}-byte limit`, 'header length');
  }
  if (headerLength > BigInt(bytes.length - 8)) {
    fail(`header length ${headerLength} runs past the end of the ${bytes.length}-byte file`, 'header length');
  }
  const dataStart = 8 + Number(headerLength);
  const dataLength = bytes.length - dataStart;

  const header = parseHeaderJson(bytes.subarray(8, dataStart), fail);
  const metadata = parseMetadata(header.__metadata__, fail);

  const entries: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    entries.push({ name, ...parseTensorEntry(name, value, dataLength, fail) });
  }

  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const entry of entries) {
    if (entry.begin > expected)
      fail(
        `gap in the data section: bytes ${expected}..${entry.begin} belong to no tensor`,
        `${entry.name}.data_offsets`,
      );
    if (entry.begin < expected)
      fail(`data_offsets overlap the previous tensor (which ends at byte ${expected})`, `${entry.name}.data_offsets`);
    expected = entry.end;
  }
  if (expected !== dataLength)
    fail(`data section has ${dataLength - expected} trailing bytes that belong to no tensor`);

  const tensors = new Map<string, SafeTensor>();
  for (const { name, dtype, shape, begin, end } of entries) {
    tensors.set(name, { name, dtype, shape, data: bytes.subarray(dataStart + begin, dataStart + end) });
  }
  return { tensors, metadata };
}

function parseHeaderJson(raw: Uint8Array, fail: (message: string, field?: string) => never): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    return fail('header is not valid UTF-8', 'header');
  }
  if (!text.startsWith('{')) fail('header does not start with "{"', 'header');
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (cause) {
    return fail(`header is not valid JSON: ${(cause as Error).message}`, 'header');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header))
    fail('header is not a JSON object', 'header');
  return header as Record<string, unknown>;
}

function parseMetadata(value: unknown, fail: (message: string, field?: string) => never): Record<string, string> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    fail('must be an object of strings', '__metadata__');
  const metadata: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
    if (typeof entry !== 'string') fail(`value is ${JSON.stringify(entry)}, expected a string`, `__metadata__.${key}`);
    metadata[key] = entry as string;
  }
  return metadata;
}

function parseTensorEntry(
  name: string,
  value: unknown,
  dataLength: number,
  fail: (message: string, field?: string) => never,
): { dtype: SafetensorsDtype; shape: number[]; begin: number; end: number } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('tensor entry is not an object', name);
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;

  if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, dtype)) {
    fail(`unknown dtype ${JSON.stringify(dtype)} (known: ${Object.keys(DTYPE_BYTES).join(', ')})`, `${name}.dtype`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(`shape ${JSON.stringify(shape)} is not a list of non-negative integers`, `${name}.shape`);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
    offsets[0] > offsets[1]
  ) {
    fail(
      `data_offsets ${JSON.stringify(offsets)} is not a [begin, end] pair of integers with begin <= end`,
      `${name}.data_offsets`,
    );
  }
  const [begin, end] = offsets as [number, number];
  if (end > dataLength) {
    fail(
      `data_offsets [${begin}, ${end}] run past the end of the ${dataLength}-byte data section`,
      `${name}.data_offsets`,
    );
  }
  const elements = (shape as number[]).reduce((product, d) => product * d, 1);
  const expectedBytes = elements * DTYPE_BYTES[dtype as SafetensorsDtype];
  if (!Number.isSafeInteger(expectedBytes) || end - begin !== expectedBytes) {
    fail(
      `data_offsets span ${end - begin} bytes but shape ${JSON.stringify(shape)} of ${dtype} needs ${expectedBytes}`,
      `${name}.data_offsets`,
    );
  }
  return { dtype: dtype as SafetensorsDtype, shape: shape as number[], begin, end };
}

/**
 * Converts a floating-point or int8 tensor to float32 (into a new array, or into `out`), multiplying
 * by `scale` when given (a quantisation scale: one number, or one per row of a 2-D tensor).
 */
export function tensorToFloat32(
  tensor: SafeTensor,
  file: string,
  scale?: number | Float32Array,
  out: Float32Array = new Float32Array(tensor.data.length / DTYPE_BYTES[tensor.dtype]),
): Float32Array {
  const { data, dtype } = tensor;
  const count = data.length / DTYPE_BYTES[dtype];
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  switch (dtype) {
    case 'I8':
      // A typed-array copy converts in native code: half the time of a per-element loop (~6 ms for potion).
      out.set(new Int8Array(data.buffer, data.byteOffset, count));
      break;
    case 'F16': {
      // A fine-tuned table is ~4M halves: a lookup each instead of a conversion (with its Math.pow) each, ~200 -> ~20 ms.
      const values = float16Values();
      for (let i = 0; i < count; i++) out[i] = values[view.getUint16(2 * i, true)]!;
      break;
    }
    case 'BF16':
      for (let i = 0; i < count; i++) out[i] = bfloat16ToNumber(view.getUint16(2 * i, true));
      break;
    case 'F32':
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
      break;
    default:
      throw new ModelError(
        'SAFETENSORS_DTYPE',
        `cannot use dtype ${dtype} as float32 (supported: I8, F16, BF16, F32)`,
        {
          location: { file, field: `${tensor.name}.dtype` },
        },
      );
  }
  if (typeof scale === 'number') {
    for (let i = 0; i < count; i++) out[i]! *= scale;
  } else if (scale) {
    const [rows, rowLength] = tensor.shape;
    if (rows === undefined || rowLength === undefined || tensor.shape.length !== 2 || scale.length !== rows) {
      throw new ModelError(
        'SAFETENSORS_SCALE',
        `${scale.length} per-row scales do not fit shape ${JSON.stringify(tensor.shape)}`,
        {
          location: { file, field: tensor.name },
        },
      );
    }
    for (let row = 0; row < rows; row++) {
      for (let i = row * rowLength, end = i + rowLength; i < end; i++) out[i]! *= scale[row]!;
    }
  }
  return out;
}
