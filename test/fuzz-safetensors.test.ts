/**
 * Model files are data: a mutated safetensors file (flipped bytes, truncation, huge or wrong header
 * lengths, random JSON headers and tensor entries) or tokenizer.json parses into tensors that lie
 * inside the file and match their shapes, or throws a ModelError; never another error or a hang.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HeadstartError, ModelError } from '../src/errors.js';
import { parseSafetensors, tensorToFloat32 } from '../src/encoders/static/safetensors.js';
import { StaticEncoder } from '../src/encoders/static/static.js';
import { tempDir, tinyWordPieceTokenizer } from './helpers.js';

const ELEMENT_BYTES: Record<string, number> = {
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
};

function safetensorsBytes(header: unknown, data: Uint8Array, headerLength?: bigint): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(headerLength ?? BigInt(json.length));
  return Buffer.concat([length, json, data]);
}

const f32 = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);

/** A valid file: a 4x2 F32 embedding table, a 4-entry I8 tensor and metadata. */
const table = f32([9, 0, 1, 0, 0, 1, 0.5, 0.5]);
const valid = safetensorsBytes(
  {
    __metadata__: { format: 'pt' },
    embeddings: { dtype: 'F32', shape: [4, 2], data_offsets: [0, 32] },
    extra: { dtype: 'I8', shape: [4], data_offsets: [32, 36] },
  },
  Buffer.concat([table, Uint8Array.from([1, 2, 3, 4])]),
);

const HEADER_LIMIT = 4096;

/** Parses and converts; returns the error thrown, checking every tensor handed back lies inside `bytes`. */
function parseAndCheck(bytes: Uint8Array): unknown {
  try {
    const file = parseSafetensors(bytes, 'fuzz.safetensors', { maxHeaderBytes: HEADER_LIMIT, maxFileBytes: 1 << 20 });
    for (const tensor of file.tensors.values()) {
      const elements = tensor.shape.reduce((n, d) => n * d, 1);
      expect(tensor.data.length).toBe(elements * ELEMENT_BYTES[tensor.dtype]);
      expect(tensor.data.buffer).toBe(bytes.buffer);
      expect(tensor.data.byteOffset).toBeGreaterThanOrEqual(bytes.byteOffset + 8);
      expect(tensor.data.byteOffset + tensor.data.length).toBeLessThanOrEqual(bytes.byteOffset + bytes.length);
      try {
        expect(tensorToFloat32(tensor, 'fuzz.safetensors').length).toBe(elements);
      } catch (error) {
        if (!(error instanceof ModelError)) throw error;
      }
    }
    return undefined;
  } catch (error) {
    return error;
  }
}

const dtype = fc.oneof(fc.constantFrom(...Object.keys(ELEMENT_BYTES)), fc.string({ maxLength: 5 }));
const dimension = fc.oneof(
  fc.nat({ max: 6 }),
  fc.constantFrom(-1, 1.5, 2 ** 53, 2 ** 31, Number.MAX_SAFE_INTEGER, '3', null),
);
const offset = fc.oneof(
  fc.nat({ max: 48 }),
  fc.constantFrom(-1, 0.5, 2 ** 53, 2 ** 64, Number.MAX_SAFE_INTEGER, '8', null),
);
const tensorEntry = fc.oneof(
  fc.record({
    dtype,
    shape: fc.array(dimension, { maxLength: 3 }),
    data_offsets: fc.array(offset, { minLength: 0, maxLength: 3 }),
  }),
  fc.jsonValue({ maxDepth: 2 }),
);
const randomHeader = fc.oneof(
  fc.dictionary(
    fc.oneof(fc.constantFrom('__metadata__', 'embeddings', 'scales'), fc.string({ maxLength: 6 })),
    tensorEntry,
    { maxKeys: 4 },
  ),
  fc.jsonValue({ maxDepth: 3 }),
);

describe('fuzzed safetensors files', () => {
  it('byte flips, truncation and appended bytes give tensors inside the file or a ModelError', () => {
    const change = fc.oneof(
      fc.record({
        kind: fc.constant('flip' as const),
        flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 6 }),
      }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('append' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
    );
    fc.assert(
      fc.property(change, (c) => {
        let bytes = Buffer.from(valid);
        if (c.kind === 'flip') for (const [at, xor] of c.flips) bytes[at % bytes.length] ^= xor;
        else if (c.kind === 'truncate') bytes = bytes.subarray(0, c.at % bytes.length);
        else bytes = Buffer.concat([bytes, c.extra]);
        const error = parseAndCheck(bytes);
        if (error !== undefined && !(error instanceof ModelError)) throw error;
      }),
      { numRuns: 2000, seed: 5 },
    );
  });

  it('any header length but the true one, huge ones included, is a ModelError', () => {
    const trueLength = BigInt(valid.length - 8 - 36);
    const length = fc.oneof(
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      fc.bigInt({ min: 0n, max: 200n }),
      fc.constantFrom(2n ** 63n, 2n ** 64n - 1n, BigInt(HEADER_LIMIT) + 1n, 2n ** 53n),
    );
    fc.assert(
      fc.property(
        length.filter((n) => n !== trueLength),
        (headerLength) => {
          const bytes = Buffer.from(valid);
          bytes.writeBigUInt64LE(headerLength);
          // A shorter length cuts the JSON object, a longer one swallows data bytes: neither is a header.
          expect(parseAndCheck(bytes)).toBeInstanceOf(ModelError);
        },
      ),
      { numRuns: 1000, seed: 6 },
    );
  });

  it('random JSON headers and tensor entries give tensors inside the file or a ModelError', () => {
    fc.assert(
      fc.property(randomHeader, fc.uint8Array({ maxLength: 48 }), (header, data) => {
        const error = parseAndCheck(safetensorsBytes(header, data));
        if (error !== undefined && !(error instanceof ModelError)) throw error;
      }),
      { numRuns: 2000, seed: 7 },
    );
  });
});

describe('fuzzed static model directories', () => {
  const tokenizer = tinyWordPieceTokenizer;
  const root = tempDir();
  let count = 0;

  it('load and embed, or throw a HeadstartError, whatever the model file and tokenizer.json hold', async () => {
    const modelBytes = fc.oneof(
      fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([at, xor]) => {
        const bytes = Buffer.from(valid);
        bytes[at % bytes.length] ^= xor;
        return bytes;
      }),
      fc.tuple(randomHeader, fc.uint8Array({ maxLength: 48 })).map(([header, data]) => safetensorsBytes(header, data)),
      fc.constant(valid),
    );
    const tokenizerText = fc.oneof(
      fc.constant(JSON.stringify(tokenizer)),
      fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
      fc
        .tuple(
          fc.constantFrom('normalizer', 'pre_tokenizer', 'model', 'added_tokens', 'decoder'),
          fc.jsonValue({ maxDepth: 2 }),
        )
        .map(([key, value]) => JSON.stringify({ ...tokenizer, [key]: value })),
      fc
        .jsonValue({ maxDepth: 2 })
        .map((value) => JSON.stringify({ ...tokenizer, model: { ...tokenizer.model, vocab: value } })),
      fc.string({ maxLength: 30 }),
    );
    await fc.assert(
      fc.asyncProperty(modelBytes, tokenizerText, async (model, tokenizerJson) => {
        const dir = path.join(root, `m${count++}`);
        await mkdir(dir);
        await writeFile(path.join(dir, 'model.safetensors'), model);
        await writeFile(path.join(dir, 'tokenizer.json'), tokenizerJson);
        try {
          const encoder = await StaticEncoder.load(dir);
          const result = await encoder.embed(['hello world', '', 'bad hello \u{1F600}']);
          expect(result.data.length).toBe(3 * encoder.dim);
        } catch (error) {
          if (!(error instanceof HeadstartError)) throw error;
        }
      }),
      { numRuns: 150, seed: 8, timeout: 10_000 },
    );
  });
});
