import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tokenizer } from '@huggingface/tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError, ModelError, UsageError } from '../src/errors.js';
import { readSafetensors, tensorToFloat32 } from '../src/encoders/static/safetensors.js';
import { StaticEncoder, cutToCharBudget } from '../src/encoders/static/static.js';
import { createRng } from '../src/util/random.js';
import { tinyWordPieceTokenizer } from './helpers.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const modelDir = path.join(repo, 'models/potion-base-4m-int8');

function row(matrix: { data: Float32Array; dim: number }, i: number): Float32Array {
  return matrix.data.subarray(i * matrix.dim, (i + 1) * matrix.dim);
}

function bytesOf(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

describe('StaticEncoder on potion-base-4m-int8', () => {
  let encoder: StaticEncoder;
  beforeAll(async () => {
    encoder = await StaticEncoder.load(modelDir);
  });

  it('describes itself', () => {
    expect(encoder.dim).toBe(128);
    expect(encoder.maxTokens).toBe(512);
    expect(encoder.spec).toEqual({ type: 'static', model: 'potion-base-4m-int8', maxTokens: 512 });
    expect(encoder.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('tokenizes like an independent BERT WordPiece', () => {
    // Ids from a throwaway Python WordPiece (BERT basic tokenisation: lowercase, strip accents,
    // split punctuation; greedy longest match over tokenizer.json's vocab). [UNK] = 1 is dropped.
    const expected: [string, number[]][] = [
      ['The cat sat on the mat.', [1002, 3943, 1944, 1012, 1002, 12529, 18]],
      [
        'Operating profit rose to EUR 13.1 mn from EUR 8.7 mn in 2007.',
        [3088, 4624, 2129, 1006, 6333, 1105, 1416, 18, 21, 23104, 1019, 6333, 1105, 28, 18, 27, 23104, 1005, 1295, 18],
      ],
      [
        "Unbelievably, naïve résumés don't tokenize trivially!",
        [3901, 7677, 1672, 2573, 5327, 16, 14749, 12752, 1021, 1129, 11, 62, 18210, 3703, 19616, 1141, 5],
      ],
      [
        'Shares of Nokia Oyj (HEL:NOK1V) fell 3% — the biggest drop since 2009.',
        [
          5667, 1003, 21104, 57, 1106, 2507, 12, 1008, 1146, 30, 1059, 1249, 1493, 1621, 13, 2068, 23, 9, 523, 1002,
          4227, 3536, 1150, 1274, 18,
        ],
      ],
      ['qzxqzx interoperability', [59, 1486, 1601, 3166, 1486, 1601, 5976, 24924, 7016]],
      ['😀 hello', [6598]],
    ];
    for (const [text, ids] of expected) expect(encoder.tokenize(text)).toEqual({ ids, truncated: false });
  });

  it('tokenizes texts with added tokens like Tokenizer.encode, twice over (cold and warm chunk cache)', async () => {
    const library = new Tokenizer(JSON.parse(await readFile(path.join(modelDir, 'tokenizer.json'), 'utf8')), {});
    const texts = ['[CLS] Profit rose', 'buy [UNK] now, Café!', 'x[MASK]y [sep] [SEP]', 'Profit rose', 'Café!'];
    for (let pass = 0; pass < 2; pass++) {
      for (const text of texts) {
        const expected = library.encode(text, { add_special_tokens: false }).ids.filter((id: number) => id !== 1);
        expect(encoder.tokenize(text), text).toEqual({ ids: expected, truncated: false });
      }
    }
  });

  it('embeds as the normalised mean of the table rows of its token ids', async () => {
    const file = path.join(modelDir, 'model.safetensors');
    const table = tensorToFloat32((await readSafetensors(file)).tensors.get('embeddings')!, file);
    const text = 'Operating profit rose to EUR 13.1 mn from EUR 8.7 mn in 2007.';
    const { ids } = encoder.tokenize(text);
    const mean = new Float64Array(128);
    for (const id of ids) for (let d = 0; d < 128; d++) mean[d] += table[id * 128 + d] / ids.length;
    const norm = Math.hypot(...mean);
    const result = await encoder.embed([text]);
    for (let d = 0; d < 128; d++) expect(result.data[d]).toBeCloseTo(mean[d] / norm, 6);
    expect(result.info[0]).toEqual({ tokens: ids.length, truncated: false, empty: false });
  });

  it('reproduces the cosine similarities recorded in the model PROVENANCE', async () => {
    const result = await encoder.embed([
      'The cat sat on the mat.',
      'A kitten is sleeping on the rug.',
      'Stock markets fell sharply today.',
      'Shares dropped as investors panicked.',
    ]);
    expect(Math.abs(dot(row(result, 0), row(result, 1)) - 0.45)).toBeLessThanOrEqual(0.02);
    expect(Math.abs(dot(row(result, 2), row(result, 3)) - 0.58)).toBeLessThanOrEqual(0.02);
    expect(Math.abs(dot(row(result, 0), row(result, 3)))).toBeLessThan(0.2);
  });

  it('returns unit vectors', async () => {
    const result = await encoder.embed([
      'Hello world',
      'A much longer sentence about quarterly earnings and revenue.',
      '42',
    ]);
    for (let i = 0; i < result.rows; i++) expect(Math.sqrt(dot(row(result, i), row(result, i)))).toBeCloseTo(1, 5);
  });

  it('gives a text the same vector whatever batch it is in', async () => {
    const rng = createRng(7);
    const words = [
      'profit',
      'loss',
      'market',
      'the',
      'rose',
      'fell',
      'sharply',
      'company',
      'shares',
      'quarter',
      'é',
      '😀',
    ];
    const texts = Array.from({ length: encoder.maxEmbeddingsPerCall + 500 }, () =>
      Array.from({ length: 1 + Math.floor(rng() * 30) }, () => words[Math.floor(rng() * words.length)]).join(' '),
    );
    const batch = await encoder.embed(texts);
    for (const i of [0, 1, 2000, encoder.maxEmbeddingsPerCall - 1, encoder.maxEmbeddingsPerCall, texts.length - 1]) {
      const alone = await encoder.embed([texts[i]]);
      expect(bytesOf(row(alone, 0))).toEqual(bytesOf(row(batch, i)));
      expect(alone.info[0]).toEqual(batch.info[i]);
    }
    const reversed = await encoder.embed([...texts].reverse());
    expect(bytesOf(row(reversed, texts.length - 1))).toEqual(bytesOf(row(batch, 0)));
  });

  it('returns a flagged zero vector for texts without known tokens', async () => {
    const result = await encoder.embed(['', '   \n\t', '😀😀', 'x'.repeat(150), 'profit']);
    for (let i = 0; i < 4; i++) {
      expect(result.info[i]).toEqual({ tokens: 0, truncated: false, empty: true });
      expect(row(result, i).every((v) => v === 0)).toBe(true);
    }
    expect(result.info[4]).toEqual({ tokens: 1, truncated: false, empty: false });
  });

  it('handles an empty list', async () => {
    expect(await encoder.embed([])).toMatchObject({ data: new Float32Array(0), rows: 0, dim: 128, info: [] });
  });

  it('flags a huge single-line text as truncated and keeps its first maxTokens tokens', async () => {
    const rng = createRng(11);
    const words = [
      'revenue',
      'growth',
      'in',
      'the',
      'first',
      'quarter',
      'was',
      'strong',
      'and',
      'profit',
      'margin',
      'improved',
    ];
    const parts: string[] = [];
    for (let length = 0; length < 1_000_000;) {
      const word = words[Math.floor(rng() * words.length)];
      parts.push(word);
      length += word.length + 1;
    }
    const huge = parts.join(' ');
    const head = parts.slice(0, 600).join(' ');
    const result = await encoder.embed([huge, head]);
    expect(result.info[0]).toEqual({ tokens: 512, truncated: true, empty: false });
    expect(result.info[1]).toEqual({ tokens: 512, truncated: true, empty: false });
    expect(row(result, 0)).toEqual(row(result, 1));
  });

  it('rejects texts that are not strings, naming the index', async () => {
    await expect(encoder.embed(['fine', 42 as unknown as string])).rejects.toThrow(DataError);
    await expect(encoder.embed(['fine', 42 as unknown as string])).rejects.toThrow(/text #1/);
  });

  it('stops when the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(encoder.embed(['a'], { signal: controller.signal })).rejects.toThrow(/abort/i);
  });
});

describe('StaticEncoder maxTokens', () => {
  it('truncates to maxTokens known tokens, after dropping unknowns', async () => {
    const encoder = await StaticEncoder.load(modelDir, { maxTokens: 8, modelName: 'potion-8' });
    expect(encoder.spec).toEqual({ type: 'static', model: 'potion-8', maxTokens: 8 });
    const eight = 'one two three four five six seven eight';
    const result = await encoder.embed([eight, `${eight} nine`, `😀 ${eight}`, 'one two three']);
    expect(result.info).toEqual([
      { tokens: 8, truncated: false, empty: false },
      { tokens: 8, truncated: true, empty: false },
      { tokens: 8, truncated: false, empty: false },
      { tokens: 3, truncated: false, empty: false },
    ]);
    expect(row(result, 1)).toEqual(row(result, 0));
    expect(row(result, 2)).toEqual(row(result, 0));
  });

  it('changes the fingerprint with maxTokens and keeps it across loads', async () => {
    const a = await StaticEncoder.load(modelDir);
    const b = await StaticEncoder.load(modelDir);
    const c = await StaticEncoder.load(modelDir, { maxTokens: 128 });
    expect(b.fingerprint).toBe(a.fingerprint);
    expect(c.fingerprint).not.toBe(a.fingerprint);
  });

  it('rejects a maxTokens that is not a positive integer', async () => {
    for (const maxTokens of [0, -1, 2.5, Number.NaN]) {
      await expect(StaticEncoder.load(modelDir, { maxTokens })).rejects.toThrow(UsageError);
    }
  });
});

describe('cutToCharBudget', () => {
  it('leaves short texts alone', () => {
    expect(cutToCharBudget('short text', 10)).toEqual({ text: 'short text', cut: false });
  });

  it('cuts at the last whitespace before the budget', () => {
    expect(cutToCharBudget('alpha beta gamma', 12)).toEqual({ text: 'alpha beta', cut: true });
    expect(cutToCharBudget('alpha beta gamma', 10)).toEqual({ text: 'alpha beta', cut: true });
    expect(cutToCharBudget('alpha beta gamma', 9)).toEqual({ text: 'alpha', cut: true });
  });

  it('cuts hard inside a long word without splitting a surrogate pair', () => {
    expect(cutToCharBudget('x'.repeat(500), 200)).toEqual({ text: 'x'.repeat(200), cut: true });
    expect(cutToCharBudget('😀'.repeat(300), 201)).toEqual({ text: '😀'.repeat(100), cut: true });
  });
});

/** A safetensors file: u64 LE header length, JSON header, data bytes. */
function safetensorsBytes(tensors: Record<string, { dtype: string; shape: number[]; bytes: Uint8Array }>): Buffer {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, { dtype, shape, bytes }] of Object.entries(tensors)) {
    header[name] = { dtype, shape, data_offsets: [offset, offset + bytes.length] };
    offset += bytes.length;
  }
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, json, ...Object.values(tensors).map((t) => t.bytes)]);
}

const f32 = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);

describe('StaticEncoder on a hand-made model', () => {
  const tokenizerJson = tinyWordPieceTokenizer;
  const table = { dtype: 'F32', shape: [4, 2], bytes: f32([9, 0, 1, 0, 0, 1, Number.NaN, 0]) };
  let root: string;

  async function modelWith(
    name: string,
    tensors: Parameters<typeof safetensorsBytes>[0],
    tokenizer: unknown = tokenizerJson,
  ) {
    const dir = path.join(root, name);
    await mkdir(dir);
    await writeFile(path.join(dir, 'model.safetensors'), safetensorsBytes(tensors));
    await writeFile(
      path.join(dir, 'tokenizer.json'),
      typeof tokenizer === 'string' ? tokenizer : JSON.stringify(tokenizer),
    );
    return dir;
  }

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'headstart-static-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('means the rows of known tokens and ignores [UNK]', async () => {
    const encoder = await StaticEncoder.load(await modelWith('plain', { embeddings: table }));
    const result = await encoder.embed(['hello world zzz', 'world']);
    expect(row(result, 0)[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(row(result, 0)[1]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(Array.from(row(result, 1))).toEqual([0, 1]);
    expect(result.info[0]).toEqual({ tokens: 2, truncated: false, empty: false });
  });

  it('throws a DataError naming the text whose vector is not finite', async () => {
    const encoder = await StaticEncoder.load(await modelWith('nan', { embeddings: table }));
    await expect(encoder.embed(['hello', 'world', 'hello bad'])).rejects.toThrow(DataError);
    await expect(encoder.embed(['hello', 'world', 'hello bad'])).rejects.toThrow(/text #2: embedding is NaN or Inf/);
  });

  it('raises the first error by index when a batch holds a non-finite vector and a non-string text', async () => {
    const encoder = await StaticEncoder.load(await modelWith('nan-first', { embeddings: table }));
    const notString = 42 as unknown as string;
    await expect(encoder.embed(['hello', 'bad', notString])).rejects.toThrow(/text #1: embedding is NaN or Inf/);
    await expect(encoder.embed(['hello', notString, 'bad'])).rejects.toThrow(/text #1: expected a string/);
  });

  it('applies a per-row scale tensor', async () => {
    const scales = { dtype: 'F32', shape: [4], bytes: f32([1, 1, 3, 1]) };
    const encoder = await StaticEncoder.load(await modelWith('scaled', { embeddings: table, scales }));
    const [x, y] = row(await encoder.embed(['hello world']), 0);
    expect(y / x).toBeCloseTo(3, 6);
  });

  it('uses a lone tensor with another name', async () => {
    const encoder = await StaticEncoder.load(await modelWith('lone', { table }));
    expect(encoder.dim).toBe(2);
  });

  it('refuses ambiguous, weighted or mismatched models with a ModelError naming the file', async () => {
    const ambiguous = await modelWith('ambiguous', { a: table, b: table });
    await expect(StaticEncoder.load(ambiguous)).rejects.toThrow(ModelError);
    await expect(StaticEncoder.load(ambiguous)).rejects.toThrow(
      `${path.join(ambiguous, 'model.safetensors')}: no "embeddings" tensor and not exactly one tensor to use instead (tensors: a, b)`,
    );

    const weighted = await modelWith('weighted', {
      embeddings: table,
      weights: { dtype: 'F32', shape: [4], bytes: f32([1, 1, 1, 1]) },
    });
    await expect(StaticEncoder.load(weighted)).rejects.toThrow(/tensor\(s\) weights are not supported/);

    const short = await modelWith('short', {
      embeddings: { dtype: 'F32', shape: [3, 2], bytes: f32([0, 0, 1, 0, 0, 1]) },
    });
    await expect(StaticEncoder.load(short)).rejects.toThrow(
      /tokenizer\.json: vocabulary has 4 tokens \(largest id 3\) but the embedding table has 3 rows/,
    );

    const flat = await modelWith('flat', { embeddings: { dtype: 'F32', shape: [8], bytes: table.bytes } });
    await expect(StaticEncoder.load(flat)).rejects.toThrow(
      /field "embeddings": expected a non-empty \[vocabulary, dim\] table/,
    );
  });

  it('reports broken or missing tokenizer files', async () => {
    const broken = await modelWith('broken-tokenizer', { embeddings: table }, '{"model": ');
    await expect(StaticEncoder.load(broken)).rejects.toThrow(/tokenizer\.json: not valid JSON/);
    await expect(StaticEncoder.load(path.join(root, 'nowhere'))).rejects.toThrow(ModelError);
  });
});
