// The parts the classifier delegates to (issue 20): the encoder pool, the vector-reuse rule, the
// option scopes and the mix, each checked alone with stand-in encoders (no model, no training).
import { describe, expect, it } from 'vitest';
import { memberOptions, recordedOptions } from '../src/classifier/options.js';
import type { EmbedResult, Encoder } from '../src/encoders/encoder.js';
import { applyMix, chooseMix, mixContents, mixFromManifest, withoutUnused, type Mix } from '../src/fusion/mix.js';
import type { Manifest } from '../src/checkpoint/manifest.js';
import { memberFeatures } from '../src/members/member.js';
import { EncoderPool } from '../src/members/pool.js';
import { ConcatEncoder } from '../src/encoders/concat.js';
import { TfidfEncoder } from '../src/encoders/lexical/index.js';
import { ComputedVectors } from '../src/members/vectors.js';

/** A dense stand-in encoder that counts its embed and dispose calls. */
function fakeEncoder(fingerprint: string, dim = 2): Encoder & { embeds: number; disposals: number } {
  return {
    spec: { type: 'static', model: fingerprint, maxTokens: 8 },
    dim,
    maxTokens: 8,
    maxEmbeddingsPerCall: 64,
    fingerprint,
    embeds: 0,
    disposals: 0,
    async embed(texts) {
      this.embeds++;
      return vectors(texts.length, dim, 1);
    },
    async dispose() {
      this.disposals++;
    },
  };
}

function vectors(rows: number, dim: number, value: number): EmbedResult {
  return {
    data: new Float32Array(rows * dim).fill(value),
    rows,
    dim,
    info: Array.from({ length: rows }, () => ({ tokens: 1, truncated: false, empty: false })),
  };
}

describe('EncoderPool', () => {
  it('disposes each encoder it owns once, and never one it was only handed', async () => {
    const pool = new EncoderPool();
    const owned = fakeEncoder('a');
    const shared = fakeEncoder('b');
    pool.own(owned);
    pool.own(owned);
    await pool.dispose();
    await pool.dispose();
    expect([owned.disposals, shared.disposals]).toEqual([1, 0]);
  });

  it('releases an encoder only when no member uses it any more, and hands its encoders over', async () => {
    const pool = new EncoderPool();
    const encoder = pool.own(fakeEncoder('a'));
    const other = new EncoderPool();
    const tuned = other.own(fakeEncoder('t'));
    await pool.release(encoder, [{ encoder: tuned, cache: undefined, pretrained: { encoder, cache: undefined } }]);
    expect((encoder as ReturnType<typeof fakeEncoder>).disposals).toBe(0);
    await pool.release(encoder, []);
    expect((encoder as ReturnType<typeof fakeEncoder>).disposals).toBe(1);
    pool.takeOver(other);
    await other.dispose();
    expect((tuned as ReturnType<typeof fakeEncoder>).disposals).toBe(0);
    await pool.dispose();
    expect((tuned as ReturnType<typeof fakeEncoder>).disposals).toBe(1);
  });

  it('keeps an encoder a remaining concatenation appends, even when no member has it as its own', async () => {
    const pool = new EncoderPool();
    const dense = fakeEncoder('a');
    pool.own(dense);
    const concat = new ConcatEncoder(new TfidfEncoder(), dense, { sharedDense: true });
    await pool.release(dense, [{ encoder: concat, cache: undefined }]);
    expect(dense.disposals).toBe(0);
    await pool.release(dense, []);
    expect(dense.disposals).toBe(1);
  });
});

describe('ComputedVectors (the one vector-reuse rule)', () => {
  it("gives a member its encoder's vectors instead of embedding again, and no one else's", async () => {
    const texts = ['x', 'y', 'z'];
    const a = fakeEncoder('a');
    const b = fakeEncoder('b');
    const computed = new ComputedVectors(texts.length);
    computed.add(a, vectors(3, 2, 7));
    const reused = await memberFeatures({ encoder: a, cache: undefined }, texts, undefined, computed);
    const own = await memberFeatures({ encoder: b, cache: undefined }, texts, undefined, computed);
    expect([a.embeds, b.embeds]).toEqual([0, 1]);
    expect((reused as EmbedResult).data[0]).toBe(7);
    expect((own as EmbedResult).data[0]).toBe(1);
    // The first vectors kept are offered to any other encoder (a TF-IDF+embeddings one checks they are its dense part's).
    expect(computed.for(b)?.fingerprint).toBe('a');
  });

  it('keeps neither vectors of other texts nor a second copy under one fingerprint', () => {
    const a = fakeEncoder('a');
    const computed = new ComputedVectors(3);
    computed.add(a, vectors(2, 2, 5));
    expect(computed.for(a)).toBeUndefined();
    computed.add(a, vectors(3, 2, 1));
    computed.add(a, vectors(3, 2, 9));
    expect(computed.for(a)?.vectors.data[0]).toBe(1);
  });
});

describe('fit option scopes', () => {
  it('gives the primary its head options, every member the shared ones, and no member the classifier-level ones', () => {
    const dense = fakeEncoder('a');
    const options = {
      head: 'linear' as const,
      learningRate: 0.01,
      epochs: 7,
      seed: 3,
      calibrate: false,
      fusionWeights: [1, 1],
      priorCorrection: true,
      onWarning: () => {},
    };
    const primary = memberOptions(dense, true, options);
    const fused = memberOptions(dense, false, options);
    expect(primary).toMatchObject({ head: 'linear', learningRate: 0.01, epochs: 7, seed: 3, refit: true });
    expect(fused).toMatchObject({ head: 'mlp', epochs: 7, seed: 3, refit: true });
    expect(fused).not.toHaveProperty('learningRate');
    for (const member of [primary, fused])
      for (const key of ['calibrate', 'fusionWeights', 'priorCorrection', 'onWarning'])
        expect(member).not.toHaveProperty(key);
    expect(Object.keys(recordedOptions(options))).toEqual([
      'head',
      'learningRate',
      'epochs',
      'seed',
      'calibrate',
      'fusionWeights',
      'priorCorrection',
    ]);
  });
});

describe('Mix', () => {
  const parts = [
    Float32Array.of(0.8, 0.2, 0.4, 0.6),
    Float32Array.of(0.2, 0.8, 0.5, 0.5),
    Float32Array.of(0.5, 0.5, 0.5, 0.5),
  ];

  it('is applied as average, then prior correction, then temperature, skipping members of weight 0', () => {
    const plain = applyMix({ weights: [1, 0, 0], temperature: 1 }, [parts[0], undefined, undefined], 2);
    expect(plain).toBe(parts[0]);
    const mixed = applyMix({ weights: [0.5, 0.5, 0], temperature: 1 }, [parts[0], parts[1], undefined], 2);
    expect(Array.from(mixed)).toEqual(Array.from(Float32Array.of(0.5, 0.5, 0.45, 0.55)));
    const sharper = applyMix({ weights: [0.5, 0.5, 0], temperature: 0.5 }, [parts[0], parts[1], undefined], 2);
    expect(sharper[3]).toBeGreaterThan(0.55);
  });

  it('saves and loads its three fields together, and drops members of weight 0, the primary too', () => {
    const mix: Mix = { weights: [0, 0.6, 0.4], prior: { alpha: 0.5, priors: [0.3, 0.7] }, temperature: 1.25 };
    const contents = mixContents(mix, [{}, {}] as never);
    const manifest = {
      fusion: { weights: contents.fusion!.weights },
      calibration: contents.calibration,
      priorCorrection: contents.priorCorrection,
    } as unknown as Manifest;
    expect(mixFromManifest(manifest, 3)).toEqual(mix);
    expect(mixContents({ weights: [1], temperature: 1 }, [])).toEqual({});
    expect(withoutUnused({ weights: [0, 0.6, 0, 0.4], temperature: 1 }).weights).toEqual([0.6, 0.4]);
  });

  it('without held-out probabilities keeps the given weights (or even ones), uncalibrated', () => {
    expect(chooseMix([undefined, undefined], undefined, 2, { fusionWeights: [2, 1] }).mix).toEqual({
      weights: [2, 1],
      temperature: 1,
    });
    expect(chooseMix([parts[0]], { targets: new Int32Array(0), trainLabels: Int32Array.of(0, 1) }, 2, {}).mix).toEqual({
      weights: [1],
      temperature: 1,
    });
  });
});
