import { readFileSync } from 'node:fs';
import path from 'node:path';
import { env, pipeline } from '@huggingface/transformers';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EmbedResult } from '../src/encoders/encoder.js';
import { loadTransformerEncoder, type TransformerEncoder } from '../src/encoders/transformer/transformer.js';
import { DataError, ModelError, UsageError } from '../src/errors.js';
import { createRng, shuffleInPlace } from '../src/util/random.js';
import { TINY_BERT_DIR, TINY_SHAPE, writeBertFixture } from './fixtures/generate-bert.js';
import { tempDir } from './helpers.js';

const DIM = TINY_SHAPE.hiddenSize;

/** Mixed lengths: short phrases, sentences and paragraphs (some over the 128-token limit). */
function corpus(count: number, seed: number): string[] {
  const rng = createRng(seed);
  const words =
    'the market fell sharply after profit warnings while patients with chronic disease improved on treatment and the company reported growth in sales'.split(
      ' ',
    );
  return Array.from({ length: count }, () => {
    const length = Math.floor(rng() ** 3 * 160) + 1;
    return Array.from({ length }, () => words[Math.floor(rng() * words.length)]).join(' ');
  });
}

function row(result: EmbedResult, i: number): Float32Array {
  return result.data.subarray(i * result.dim, (i + 1) * result.dim);
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('TransformerEncoder on the tiny fixture', () => {
  let encoder: TransformerEncoder;
  beforeAll(async () => {
    encoder = await loadTransformerEncoder({ model: TINY_BERT_DIR });
  });
  afterAll(() => encoder.dispose());

  it('loads from a directory with the model limit, options and a fingerprint', () => {
    expect(encoder.dim).toBe(DIM);
    expect(encoder.maxTokens).toBe(TINY_SHAPE.maxPositionEmbeddings);
    expect(encoder.spec).toEqual({
      type: 'transformer',
      model: TINY_BERT_DIR,
      dtype: 'fp32',
      pooling: 'mean',
      normalize: true,
      maxTokens: 128,
    });
    expect(encoder.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('embeds texts into deterministic unit vectors that tell texts apart', async () => {
    const texts = ['Profit fell sharply.', 'Patients improved on the new treatment.', 'Sales grew'];
    const first = await encoder.embed(texts);
    const second = await encoder.embed(texts);
    expect(first.rows).toBe(3);
    expect(first.dim).toBe(DIM);
    expect(first.data).toEqual(second.data);
    for (let i = 0; i < 3; i++) expect(Math.hypot(...row(first, i))).toBeCloseTo(1, 5);
    expect(cosine(row(first, 0), row(first, 1))).toBeLessThan(0.99);
    expect(first.info[0]).toEqual({ tokens: expect.any(Number), truncated: false, empty: false });
    expect(first.info[0].tokens).toBeGreaterThan(2);
  });

  it('matches the transformers.js feature-extraction pipeline on every text it does not cut', async () => {
    const texts = corpus(24, 3);
    const extractor = await pipeline('feature-extraction', TINY_BERT_DIR, { dtype: 'fp32', local_files_only: true });
    try {
      const ours = await encoder.embed(texts);
      const uncut = texts.flatMap((_, i) => (ours.info[i].truncated ? [] : [i]));
      expect(uncut.length).toBeGreaterThanOrEqual(8);
      for (const i of uncut) {
        const theirs = await extractor(texts[i], { pooling: 'mean', normalize: true });
        expect(cosine(row(ours, i), theirs.data as Float32Array)).toBeGreaterThanOrEqual(0.9999);
      }
    } finally {
      await extractor.dispose();
    }
  });

  it('gives each text the same vector whatever the order of the input', async () => {
    const texts = corpus(60, 11);
    const order = shuffleInPlace(
      texts.map((_, i) => i),
      createRng(5),
    );
    const straight = await encoder.embed(texts);
    const shuffled = await encoder.embed(order.map((i) => texts[i]));
    order.forEach((original, position) => {
      expect(cosine(row(shuffled, position), row(straight, original))).toBeGreaterThanOrEqual(0.9999);
    });
  });

  it('gives bucketed batches the same vectors as one text at a time', async () => {
    const texts = corpus(40, 21);
    const small = await loadTransformerEncoder({ model: TINY_BERT_DIR, tokenBudget: 300, maxBatchSize: 7 });
    try {
      const bucketed = await encoder.embed(texts);
      const smallBuckets = await small.embed(texts);
      for (let i = 0; i < texts.length; i++) {
        const alone = await encoder.embed([texts[i]]);
        expect(cosine(row(bucketed, i), row(alone, 0))).toBeGreaterThanOrEqual(0.9999);
        expect(cosine(row(smallBuckets, i), row(alone, 0))).toBeGreaterThanOrEqual(0.9999);
      }
    } finally {
      await small.dispose();
    }
  });

  it('truncates long texts to maxTokens, keeps [SEP] and reports it per text', async () => {
    const long = 'one '.repeat(300);
    const result = await encoder.embed(['one two', long]);
    expect(result.info[0]).toEqual({ tokens: 4, truncated: false, empty: false });
    expect(result.info[1]).toEqual({ tokens: 128, truncated: true, empty: false });

    const short = await loadTransformerEncoder({ model: TINY_BERT_DIR, maxTokens: 8, pooling: 'none' });
    try {
      const tokens = await short.embedTokens([
        'one two three four five six seven eight nine',
        'one two three four five six',
      ]);
      expect(tokens.info.map((i) => [i.tokens, i.truncated])).toEqual([
        [8, true],
        [8, false],
      ]);
      expect(tokens.states[0].rows).toBe(8);
      // Cut to [CLS] + six words + [SEP], the long text is the same input as the six-word one.
      expect(cosine(tokens.states[0].data, tokens.states[1].data)).toBeGreaterThanOrEqual(0.99999);
    } finally {
      await short.dispose();
    }
  });

  it('gives empty and whitespace-only texts a zero vector flagged empty, without disturbing the others', async () => {
    const result = await encoder.embed(['', 'profit fell', ' \n\t ']);
    const alone = await encoder.embed(['profit fell']);
    expect(result.info[0]).toEqual({ tokens: 0, truncated: false, empty: true });
    expect(result.info[2]).toEqual({ tokens: 0, truncated: false, empty: true });
    expect(Array.from(row(result, 0)).every((v) => v === 0)).toBe(true);
    expect(Array.from(row(result, 2)).every((v) => v === 0)).toBe(true);
    expect(row(result, 1)).toEqual(row(alone, 0));
    expect((await encoder.embed([])).rows).toBe(0);
  });

  it('stops between batches when the signal aborts', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop now'));
    expect((await rejection(encoder.embed(['profit'], { signal: controller.signal }))).message).toBe('stop now');
  });

  it('keeps RSS flat over 50 batches', async () => {
    const texts = corpus(64, 99);
    for (let i = 0; i < 5; i++) await encoder.embed(texts);
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 50; i++) await encoder.embed(texts);
    const after = process.memoryUsage().rss;
    expect(after / before).toBeLessThan(1.15);
  });
});

describe('TransformerEncoder options and variants', () => {
  it('loads q8 (model_quantized.onnx) with vectors close to fp32', async () => {
    const texts = corpus(20, 31);
    const fp32 = await loadTransformerEncoder({ model: TINY_BERT_DIR });
    const q8 = await loadTransformerEncoder({ model: TINY_BERT_DIR, dtype: 'q8' });
    try {
      const a = await fp32.embed(texts);
      const b = await q8.embed(texts);
      for (let i = 0; i < texts.length; i++) expect(cosine(row(a, i), row(b, i))).toBeGreaterThan(0.9);
      expect(q8.fingerprint).not.toBe(fp32.fingerprint);
      // Dynamic quantization scales activations per batch tensor, so batch mates move a q8
      // vector slightly; it stays within this bound.
      for (let i = 0; i < texts.length; i++) {
        expect(cosine(row(b, i), row(await q8.embed([texts[i]]), 0))).toBeGreaterThan(0.999);
      }
    } finally {
      await fp32.dispose();
      await q8.dispose();
    }
  });

  it('pools cls and none from the same token states as embedTokens', async () => {
    const texts = ['profit fell sharply', 'patients improved'];
    const none = await loadTransformerEncoder({ model: TINY_BERT_DIR, pooling: 'none' });
    const cls = await loadTransformerEncoder({ model: TINY_BERT_DIR, pooling: 'cls', normalize: false });
    const mean = await loadTransformerEncoder({ model: TINY_BERT_DIR, normalize: false });
    try {
      expect(await rejection(none.embed(texts))).toBeInstanceOf(UsageError);
      const tokens = await none.embedTokens(texts);
      const clsVectors = await cls.embed(texts);
      const meanVectors = await mean.embed(texts);
      texts.forEach((_, i) => {
        const states = tokens.states[i];
        expect(states.rows).toBe(tokens.info[i].tokens);
        expect(cosine(row(clsVectors, i), states.data.subarray(0, DIM))).toBeGreaterThanOrEqual(0.9999);
        const average = new Float32Array(DIM);
        for (let t = 0; t < states.rows; t++)
          for (let d = 0; d < DIM; d++) average[d] += states.data[t * DIM + d] / states.rows;
        expect(cosine(row(meanVectors, i), average)).toBeGreaterThanOrEqual(0.9999);
      });
    } finally {
      await Promise.all([none.dispose(), cls.dispose(), mean.dispose()]);
    }
  });

  it('refuses a hub id that is not on disk without touching the network', async () => {
    const fetchSpy = vi.fn(() => Promise.reject(new Error('network used')));
    const originalFetch = env.fetch;
    env.fetch = fetchSpy;
    try {
      const error = await rejection(loadTransformerEncoder({ model: 'Xenova/all-MiniLM-L6-v2', modelsDir: tempDir() }));
      expect(error).toBeInstanceOf(ModelError);
      expect((error as ModelError).code).toBe('MODEL_NOT_FOUND');
      expect(error.message).toMatch(/model not found: "Xenova\/all-MiniLM-L6-v2".*offline/);
      expect((error as ModelError).hint).toMatch(/HEADSTART_MODELS/);
      // A hub id that is on disk loads from the models directory, still with no request.
      const found = await loadTransformerEncoder({
        model: 'headstart/tiny-bert',
        modelsDir: path.dirname(TINY_BERT_DIR),
      });
      await found.dispose();
      expect(env.allowRemoteModels).toBe(false);
      expect(fetchSpy).not.toHaveBeenCalled();
    } finally {
      env.fetch = originalFetch;
    }
  });

  it('names the missing file for a dtype the directory does not have', async () => {
    const error = await rejection(loadTransformerEncoder({ model: TINY_BERT_DIR, dtype: 'fp16' }));
    expect(error).toBeInstanceOf(ModelError);
    expect(error.message).toContain(path.join('onnx', 'model_fp16.onnx'));
  });

  it('rejects bad options with a UsageError naming the option', async () => {
    const bad = [
      [{ maxTokens: 129 }, /limit 128/],
      [{ maxTokens: 2 }, /no room for text next to 2 special tokens/],
      [{ tokenBudget: 0 }, /tokenBudget/],
      [{ intraOpNumThreads: 0 }, /intraOpNumThreads/],
      [{ pooling: 'max' as never }, /unknown pooling "max"/],
    ] as const;
    for (const [options, message] of bad) {
      const error = await rejection(loadTransformerEncoder({ model: TINY_BERT_DIR, ...options }));
      expect(error).toBeInstanceOf(UsageError);
      expect(error.message).toMatch(message);
    }
  });

  it('throws a DataError naming the text whose vector comes out NaN', async () => {
    const dir = tempDir();
    const vocab = Object.keys(
      (
        JSON.parse(readFileSync(path.join(TINY_BERT_DIR, 'tokenizer.json'), 'utf8')) as {
          model: { vocab: Record<string, number> };
        }
      ).model.vocab,
    );
    writeBertFixture(dir, {
      name: 'nan-bert',
      shape: TINY_SHAPE,
      vocab,
      seed: 1,
      variants: ['fp32'],
      nanToken: 'market',
    });
    const broken = await loadTransformerEncoder({ model: dir });
    try {
      const fine = await broken.embed(['profit fell', 'sales grew']);
      expect(Array.from(fine.data).every(Number.isFinite)).toBe(true);
      const error = await rejection(broken.embed(['profit fell', 'sales grew', 'the market fell']));
      expect(error).toBeInstanceOf(DataError);
      expect((error as DataError).location.index).toBe(2);
    } finally {
      await broken.dispose();
    }
  });

  it('releases the ONNX session on dispose and refuses to embed afterwards', async () => {
    // The typings only describe the factory; at run time it is the session class.
    const sessionClass = ort.InferenceSession as unknown as { prototype: { release(): Promise<void> } };
    const release = vi.spyOn(sessionClass.prototype, 'release');
    try {
      const encoder = await loadTransformerEncoder({ model: TINY_BERT_DIR });
      await encoder.embed(['profit']);
      await encoder.dispose();
      expect(release).toHaveBeenCalledTimes(1);
      await encoder.dispose();
      expect(release).toHaveBeenCalledTimes(1);
      expect(await rejection(encoder.embed(['profit']))).toBeInstanceOf(UsageError);
    } finally {
      release.mockRestore();
    }
  });
});
