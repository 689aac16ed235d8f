import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelError } from '../src/errors.js';
import { float16ToNumber } from '../src/encoders/static/float16.js';
import { parseSafetensors, readSafetensors, tensorToFloat32 } from '../src/encoders/static/safetensors.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const modelsDir = path.join(repo, 'models');

/** A safetensors file: u64 LE header length, JSON header, data bytes. */
function safetensorsBytes(header: unknown, data: Uint8Array, headerLength?: bigint): Uint8Array {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(headerLength ?? BigInt(json.length));
  return Buffer.concat([length, json, data]);
}

function expectModelError(run: () => unknown, pattern: RegExp, field?: string): ModelError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ModelError);
  const error = caught as ModelError;
  expect(error.message).toMatch(pattern);
  expect(error.message).toContain('test.safetensors');
  expect(error.location.file).toBe('test.safetensors');
  if (field !== undefined) expect(error.location.field).toBe(field);
  return error;
}

const parse = (bytes: Uint8Array, options = {}) => parseSafetensors(bytes, 'test.safetensors', options);

describe('parseSafetensors', () => {
  it('reads tensors, shapes, dtypes and metadata', () => {
    const f32 = new Float32Array([1.5, -2, 0.25, 8]);
    const i8 = new Int8Array([-128, 0, 127]);
    const data = Buffer.concat([Buffer.from(f32.buffer), Buffer.from(i8.buffer)]);
    const file = parse(
      safetensorsBytes(
        {
          __metadata__: { format: 'pt' },
          small: { dtype: 'I8', shape: [3], data_offsets: [16, 19] },
          matrix: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] },
        },
        data,
      ),
    );
    expect([...file.tensors.keys()]).toEqual(['matrix', 'small']);
    expect(file.metadata).toEqual({ format: 'pt' });
    const matrix = file.tensors.get('matrix')!;
    expect(matrix.shape).toEqual([2, 2]);
    expect(Array.from(tensorToFloat32(matrix, 'test.safetensors'))).toEqual([1.5, -2, 0.25, 8]);
    expect(Array.from(tensorToFloat32(file.tensors.get('small')!, 'test.safetensors'))).toEqual([-128, 0, 127]);
  });

  it('accepts zero-element tensors and an empty data section', () => {
    const file = parse(
      safetensorsBytes({ empty: { dtype: 'F32', shape: [0, 4], data_offsets: [0, 0] } }, new Uint8Array(0)),
    );
    expect(file.tensors.get('empty')!.data.length).toBe(0);
  });

  it('rejects a gap between tensors', () => {
    const header = {
      a: { dtype: 'I8', shape: [4], data_offsets: [0, 4] },
      b: { dtype: 'I8', shape: [2], data_offsets: [6, 8] },
    };
    expectModelError(
      () => parse(safetensorsBytes(header, new Uint8Array(8))),
      /gap in the data section: bytes 4\.\.6/,
      'b.data_offsets',
    );
  });

  it('rejects overlapping tensors', () => {
    const header = {
      a: { dtype: 'I8', shape: [4], data_offsets: [0, 4] },
      b: { dtype: 'I8', shape: [4], data_offsets: [2, 6] },
    };
    expectModelError(() => parse(safetensorsBytes(header, new Uint8Array(6))), /overlap/, 'b.data_offsets');
  });

  it('rejects offsets beyond the end of the file', () => {
    const header = { a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } };
    expectModelError(
      () => parse(safetensorsBytes(header, new Uint8Array(12))),
      /run past the end of the 12-byte data section/,
      'a.data_offsets',
    );
  });

  it('rejects data bytes that belong to no tensor', () => {
    const header = { a: { dtype: 'I8', shape: [2], data_offsets: [0, 2] } };
    expectModelError(() => parse(safetensorsBytes(header, new Uint8Array(5))), /3 trailing bytes/);
  });

  it('rejects offsets that are not an ordered integer pair', () => {
    const data = new Uint8Array(4);
    for (const offsets of [[4, 0], [0, 2.5], [0], '0-4', [-1, 3]]) {
      const header = { a: { dtype: 'I8', shape: [4], data_offsets: offsets } };
      expectModelError(() => parse(safetensorsBytes(header, data)), /data_offsets/, 'a.data_offsets');
    }
  });

  it('rejects a header length over the limit or past the end of the file', () => {
    const header = { a: { dtype: 'I8', shape: [1], data_offsets: [0, 1] } };
    expectModelError(
      () => parse(safetensorsBytes(header, new Uint8Array(1), 2n ** 40n)),
      /more than the 100000000-byte limit/,
      'header length',
    );
    expectModelError(
      () => parse(safetensorsBytes(header, new Uint8Array(1), 5000n)),
      /runs past the end/,
      'header length',
    );
    expectModelError(
      () => parse(safetensorsBytes(header, new Uint8Array(1)), { maxHeaderBytes: 16 }),
      /more than the 16-byte limit/,
    );
  });

  it('rejects files shorter than the length prefix or over the file limit', () => {
    expectModelError(() => parse(new Uint8Array(5)), /too short/);
    const header = { a: { dtype: 'I8', shape: [1], data_offsets: [0, 1] } };
    expectModelError(
      () => parse(safetensorsBytes(header, new Uint8Array(1)), { maxFileBytes: 20 }),
      /more than the 20-byte limit/,
    );
  });

  it('rejects an unknown dtype', () => {
    const header = { a: { dtype: 'Q7', shape: [1], data_offsets: [0, 1] } };
    expectModelError(() => parse(safetensorsBytes(header, new Uint8Array(1))), /unknown dtype "Q7"/, 'a.dtype');
  });

  it('rejects a byte span that does not match shape and dtype', () => {
    const header = { a: { dtype: 'F16', shape: [2, 3], data_offsets: [0, 10] } };
    expectModelError(
      () => parse(safetensorsBytes(header, new Uint8Array(10))),
      /span 10 bytes but shape \[2,3\] of F16 needs 12/,
      'a.data_offsets',
    );
  });

  it('rejects a shape that is not a list of non-negative integers', () => {
    for (const shape of [[-1], [1.5], 'x', [null]]) {
      const header = { a: { dtype: 'I8', shape, data_offsets: [0, 1] } };
      expectModelError(() => parse(safetensorsBytes(header, new Uint8Array(1))), /shape/, 'a.shape');
    }
  });

  it('rejects a header that is not JSON, not an object or not UTF-8', () => {
    expectModelError(() => parse(safetensorsBytes('{"a": {"dtype": ', new Uint8Array(0))), /not valid JSON/, 'header');
    expectModelError(() => parse(safetensorsBytes('[1, 2]', new Uint8Array(0))), /does not start with "\{"/, 'header');
    const badUtf8 = Buffer.concat([Buffer.from([4, 0, 0, 0, 0, 0, 0, 0]), Buffer.from([0x7b, 0xff, 0xfe, 0x7d])]);
    expectModelError(() => parse(badUtf8), /not valid UTF-8/, 'header');
  });

  it('rejects metadata that is not a map of strings', () => {
    const header = { __metadata__: { scale: 0.5 } };
    expectModelError(
      () => parse(safetensorsBytes(header, new Uint8Array(0))),
      /expected a string/,
      '__metadata__.scale',
    );
  });
});

describe('readSafetensors', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'headstart-safetensors-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names the file path in errors', async () => {
    const file = path.join(dir, 'broken.safetensors');
    await writeFile(file, safetensorsBytes('not json', new Uint8Array(0)));
    await expect(readSafetensors(file)).rejects.toThrow(ModelError);
    await expect(readSafetensors(file)).rejects.toThrow(`${file}, field "header": header does not start`);
  });

  it('reports a missing file as a ModelError', async () => {
    const file = path.join(dir, 'missing.safetensors');
    await expect(readSafetensors(file)).rejects.toThrow(new RegExp(`^${file.replace(/[.\\]/g, '\\$&')}: cannot read`));
  });

  it('refuses a file over maxFileBytes before reading it', async () => {
    const file = path.join(dir, 'big.safetensors');
    await writeFile(
      file,
      safetensorsBytes({ a: { dtype: 'I8', shape: [64], data_offsets: [0, 64] } }, new Uint8Array(64)),
    );
    await expect(readSafetensors(file, { maxFileBytes: 32 })).rejects.toThrow(/more than the 32-byte limit/);
  });

  it('reads the shared potion int8 table', async () => {
    const file = await readSafetensors(path.join(modelsDir, 'potion-base-4m-int8', 'model.safetensors'));
    const table = file.tensors.get('embeddings')!;
    expect(table.dtype).toBe('I8');
    expect(table.shape).toEqual([29528, 128]);
    expect(table.data.length).toBe(29528 * 128);
  });
});

describe('tensorToFloat32', () => {
  const tensorOf = (dtype: string, shape: number[], bytes: Uint8Array) =>
    parse(safetensorsBytes({ t: { dtype, shape, data_offsets: [0, bytes.length] } }, bytes)).tensors.get('t')!;

  it('decodes float16 normals, subnormals, zeros, infinities and NaN', () => {
    const bits = [
      0x3c00, 0xc000, 0x3555, 0x7bff, 0x0400, 0x03ff, 0x0001, 0x8001, 0x0000, 0x8000, 0x7c00, 0xfc00, 0x7e00,
    ];
    const values = tensorToFloat32(
      tensorOf('F16', [bits.length], new Uint8Array(new Uint16Array(bits).buffer)),
      'test.safetensors',
    );
    expect(values[0]).toBe(1);
    expect(values[1]).toBe(-2);
    expect(values[2]).toBe(Math.fround(0.333251953125));
    expect(values[3]).toBe(65504);
    expect(values[4]).toBe(2 ** -14); // smallest normal
    expect(values[5]).toBe(Math.fround(1023 * 2 ** -24)); // largest subnormal
    expect(values[6]).toBe(Math.fround(2 ** -24)); // smallest subnormal
    expect(values[7]).toBe(Math.fround(-(2 ** -24)));
    expect(Object.is(values[8], 0)).toBe(true);
    expect(Object.is(values[9], -0)).toBe(true);
    expect(values[10]).toBe(Infinity);
    expect(values[11]).toBe(-Infinity);
    expect(values[12]).toBeNaN();
  });

  it('matches float16ToNumber on every bit pattern', () => {
    // Independent check: a float16 is exactly sign * significand * 2^exponent on the 2^-24 grid.
    const mismatches: number[] = [];
    for (let bits = 0; bits < 0x7c00; bits++) {
      const exponent = bits >> 10;
      const significand = exponent === 0 ? bits & 0x3ff : (bits & 0x3ff) | 0x400;
      const expected = significand * 2 ** Math.max(exponent - 1, 0) * 2 ** -24;
      if (float16ToNumber(bits) !== expected || float16ToNumber(bits | 0x8000) !== -expected) mismatches.push(bits);
    }
    expect(mismatches).toEqual([]);
  });

  it('decodes every float16 bit pattern to the bits float16ToNumber gives, at an odd byte offset too', () => {
    const halves = new Uint16Array(65_536).map((_, bits) => bits);
    const expected = new Uint32Array(new Float32Array(halves.length).map((_, bits) => float16ToNumber(bits)).buffer);
    const bytes = new Uint8Array(halves.buffer);
    const odd = new Uint8Array(bytes.length + 1);
    odd.set(bytes, 1);
    for (const data of [bytes, odd.subarray(1)]) {
      const tensor = { ...tensorOf('F16', [halves.length], bytes), data };
      const decoded = new Uint32Array(tensorToFloat32(tensor, 'test.safetensors').buffer);
      expect(decoded).toEqual(expected);
    }
  });

  it('decodes bfloat16', () => {
    const values = tensorToFloat32(
      tensorOf('BF16', [3], new Uint8Array(new Uint16Array([0x3f80, 0xc040, 0x3e20]).buffer)),
      'test.safetensors',
    );
    expect(Array.from(values)).toEqual([1, -3, 0.15625]);
  });

  it('applies a global or per-row scale', () => {
    const tensor = tensorOf('I8', [2, 2], new Uint8Array(new Int8Array([2, -4, 6, 8]).buffer));
    expect(Array.from(tensorToFloat32(tensor, 'test.safetensors', 0.5))).toEqual([1, -2, 3, 4]);
    expect(Array.from(tensorToFloat32(tensor, 'test.safetensors', new Float32Array([1, 0.25])))).toEqual([
      2, -4, 1.5, 2,
    ]);
    expectModelError(
      () => tensorToFloat32(tensor, 'test.safetensors', new Float32Array([1, 2, 3])),
      /per-row scales do not fit/,
    );
  });

  it('refuses dtypes it cannot convert', () => {
    const tensor = tensorOf('I32', [1], new Uint8Array(4));
    expectModelError(() => tensorToFloat32(tensor, 'test.safetensors'), /cannot use dtype I32/, 't.dtype');
  });
});
