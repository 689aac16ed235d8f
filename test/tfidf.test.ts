import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError, ModelError, UsageError } from '../src/errors.js';
import { densify, type Encoder, isFittable } from '../src/encoders/encoder.js';
import { embedAll } from '../src/encoders/embed-all.js';
import { TFIDF_STATE_FILE, TfidfEncoder } from '../src/encoders/lexical/tfidf.js';
import { createRng, shuffleInPlace } from '../src/util/random.js';

const corpus = ['The cat sat.', 'The dog sat!', 'the cat ran, the CAT sat'];

function rowOf(result: { data: Float32Array; dim: number }, i: number): number[] {
  return Array.from(result.data.subarray(i * result.dim, (i + 1) * result.dim));
}

function expectRowClose(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((value, i) => expect(value).toBeCloseTo(expected[i], 6));
}

describe('TfidfEncoder', () => {
  it('matches scikit-learn TfidfVectorizer values on a hand-computed corpus', async () => {
    // Vocabulary cat, dog, ran, sat, the; n = 3; smooth idf ln((1+n)/(1+df))+1:
    // cat (df 2) 1.28768207, dog and ran (df 1) 1.69314718, sat and the (df 3) 1; rows L2-normalised.
    const encoder = new TfidfEncoder({ ngramMax: 1, minDf: 1, sublinearTf: false });
    await encoder.fit(corpus);
    expect(encoder.dim).toBe(5);
    const result = await encoder.embed(corpus);
    expectRowClose(rowOf(result, 0), [0.6732546652684398, 0, 0, 0.5228423068642596, 0.5228423068642596]);
    expectRowClose(rowOf(result, 1), [0, 0.7674945674619879, 0, 0.4532946552278861, 0.4532946552278861]);
    // "the cat ran, the CAT sat": tf 2 for cat and the.
    expectRowClose(
      rowOf(result, 2),
      [0.6763413002288228, 0, 0.44465376589358413, 0.2626196771308041, 0.5252393542616082],
    );
    expect(result.info).toEqual([
      { tokens: 3, truncated: false, empty: false },
      { tokens: 3, truncated: false, empty: false },
      { tokens: 6, truncated: false, empty: false },
    ]);
  });

  it('uses sublinear tf 1 + ln(tf)', async () => {
    const encoder = new TfidfEncoder({ ngramMax: 1, minDf: 1, sublinearTf: true });
    await encoder.fit(corpus);
    expectRowClose(
      rowOf(await encoder.embed([corpus[2]]), 0),
      [0.6432822258305597, 0, 0.4995660338780157, 0.29505174719235144, 0.4995660338780157],
    );
  });

  it('adds word pairs, keeps terms with df >= minDf and the maxFeatures most frequent', async () => {
    const bigrams = new TfidfEncoder({ ngramMax: 2, minDf: 2 });
    await bigrams.fit(corpus);
    // Unigrams with df >= 2: cat, sat, the; pairs: "the cat" and "cat sat" (texts 1 and 3).
    const probe = await bigrams.embed(['cat sat', 'the cat', 'dog ran', 'sat the']);
    expect(probe.info.map((i) => i.tokens)).toEqual([3, 3, 0, 2]);
    expect(bigrams.dim).toBe(5);

    // Corpus counts: the 4, then cat, sat and "the cat" 3 each; ties go to the smaller term.
    const limited = new TfidfEncoder({ ngramMax: 2, minDf: 2, maxFeatures: 3, sublinearTf: false });
    await limited.fit(corpus);
    expect(limited.dim).toBe(3);
    // Kept in term order cat, sat, the: each alone is a one-hot row.
    const single = await limited.embed(['cat', 'sat', 'the', 'the cat']);
    expect(rowOf(single, 0)).toEqual([1, 0, 0]);
    expect(rowOf(single, 1)).toEqual([0, 1, 0]);
    expect(rowOf(single, 2)).toEqual([0, 0, 1]);
    expect(single.info[3].tokens).toBe(2);
  });

  it('flags texts without known terms with a zero row', async () => {
    const encoder = new TfidfEncoder({ ngramMax: 1, minDf: 1 });
    await encoder.fit(corpus);
    const result = await encoder.embed(['', 'a b c', 'zebra giraffe', 'cat']);
    for (let i = 0; i < 3; i++) {
      expect(result.info[i]).toEqual({ tokens: 0, truncated: false, empty: true });
      expect(rowOf(result, i).every((v) => v === 0)).toBe(true);
    }
    expect(result.info[3].empty).toBe(false);
  });

  it('tokenizes Unicode words and lowercases them', async () => {
    const encoder = new TfidfEncoder({ ngramMax: 1, minDf: 1 });
    await encoder.fit(['Café ÉCOLE', 'café straße']);
    const result = await encoder.embed(['CAFÉ', 'école', 'STRASSE']);
    expect(result.info.map((i) => i.empty)).toEqual([false, false, true]);
  });

  it('learns the same vocabulary whatever the order of the texts', async () => {
    const rng = createRng(3);
    const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
    const texts = Array.from({ length: 200 }, () =>
      Array.from({ length: 6 }, () => words[Math.floor(rng() * words.length)]).join(' '),
    );
    const a = new TfidfEncoder({ maxFeatures: 20 });
    const b = new TfidfEncoder({ maxFeatures: 20 });
    await a.fit(texts);
    await b.fit(shuffleInPlace(texts.slice(), rng));
    expect(b.fingerprint).toBe(a.fingerprint);
  });

  it('gives a text the same row whatever batch it is in', async () => {
    const encoder = new TfidfEncoder({ minDf: 1 });
    await encoder.fit(corpus);
    const texts = Array.from(
      { length: encoder.maxEmbeddingsPerCall + 10 },
      (_, i) => corpus[i % 3] + (i % 2 ? ' dog' : ''),
    );
    const batch = await encoder.embed(texts);
    for (const i of [0, 5, encoder.maxEmbeddingsPerCall + 4])
      expect(rowOf(batch, i)).toEqual(rowOf(await encoder.embed([texts[i]]), 0));
  });

  it('refuses to embed, save or fingerprint before fit', async () => {
    const encoder = new TfidfEncoder();
    expect(encoder.fitted).toBe(false);
    expect(isFittable(encoder)).toBe(true);
    await expect(encoder.embed(['x'])).rejects.toThrow(UsageError);
    await expect(encoder.saveState(os.tmpdir())).rejects.toThrow(UsageError);
    expect(() => encoder.fingerprint).toThrow(/not fitted/);
  });

  it('rejects bad options, empty corpora and non-string texts', async () => {
    expect(() => new TfidfEncoder({ ngramMax: 3 as 1 })).toThrow(UsageError);
    expect(() => new TfidfEncoder({ minDf: 0 })).toThrow(/minDf/);
    expect(() => new TfidfEncoder({ maxFeatures: 1.5 })).toThrow(/maxFeatures/);
    expect(new TfidfEncoder({ minDf: undefined }).spec).toEqual({
      type: 'tfidf',
      ngramMax: 2,
      minDf: 2,
      maxFeatures: 200_000,
      sublinearTf: true,
    });
    await expect(new TfidfEncoder().fit([])).rejects.toThrow(DataError);
    await expect(new TfidfEncoder({ minDf: 5 }).fit(corpus)).rejects.toThrow(
      /no term occurs in at least minDf=5 of the 3 texts/,
    );
    await expect(new TfidfEncoder().fit(['ok', null as unknown as string])).rejects.toThrow(/text #1/);
  });
});

describe('TfidfEncoder state', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'headstart-tfidf-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('saves and loads to the same vectors and fingerprint', async () => {
    const encoder = new TfidfEncoder({ ngramMax: 2, minDf: 1, maxFeatures: 7, sublinearTf: true });
    await encoder.fit(corpus);
    expect(await encoder.saveState(dir)).toEqual([TFIDF_STATE_FILE]);
    const loaded = await TfidfEncoder.loadState(dir);
    expect(loaded.fitted).toBe(true);
    expect(loaded.spec).toEqual(encoder.spec);
    expect(loaded.fingerprint).toBe(encoder.fingerprint);
    const probe = [...corpus, 'a cat and a dog', ''];
    const [before, after] = await Promise.all([encoder.embed(probe), loaded.embed(probe)]);
    expect(Buffer.from(after.data.buffer)).toEqual(Buffer.from(before.data.buffer));
    expect(after.info).toEqual(before.info);
  });

  it('changes the fingerprint when the state changes', async () => {
    const a = new TfidfEncoder({ minDf: 1 });
    const b = new TfidfEncoder({ minDf: 1, sublinearTf: false });
    const c = new TfidfEncoder({ minDf: 1 });
    await Promise.all([a.fit(corpus), b.fit(corpus), c.fit([...corpus, 'another text'])]);
    expect(new Set([a.fingerprint, b.fingerprint, c.fingerprint]).size).toBe(3);
  });

  it('rejects a damaged state file with a ModelError naming the file and field', async () => {
    const encoder = new TfidfEncoder({ minDf: 1 });
    await encoder.fit(corpus);
    await encoder.saveState(dir);
    const file = path.join(dir, TFIDF_STATE_FILE);
    const good = JSON.parse(await readFile(file, 'utf8'));
    const cases: [unknown, RegExp][] = [
      [{ ...good, format: 'other' }, /field "format"/],
      [{ ...good, idf: good.idf.slice(1) }, /field "idf": must be a list of \d+ numbers/],
      [{ ...good, idf: [Number.NaN, ...good.idf.slice(1)] }, /field "idf\[0\]"/],
      [{ ...good, terms: [good.terms[1], ...good.terms.slice(1)] }, /field "terms\[1\]": duplicate term/],
      [{ ...good, options: { ...good.options, ngramMax: 5 } }, /field "options.ngramMax": must be 1 or 2/],
    ];
    for (const [state, pattern] of cases) {
      await writeFile(file, JSON.stringify(state));
      const error = await TfidfEncoder.loadState(dir).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ModelError);
      expect((error as ModelError).message).toMatch(pattern);
      expect((error as ModelError).message).toContain(file);
    }
    await writeFile(file, '{"format": ');
    await expect(TfidfEncoder.loadState(dir)).rejects.toThrow(/cannot read TF-IDF state/);
  });
});

describe('the embedding caller', () => {
  /** A dense encoder whose vector of a text is its length and 1, recording each call's size. */
  function countingEncoder(maxEmbeddingsPerCall: number): Encoder & { calls: number[] } {
    const calls: number[] = [];
    return {
      calls,
      spec: { type: 'static', model: 'counting', maxTokens: 100 },
      dim: 2,
      maxTokens: 100,
      maxEmbeddingsPerCall,
      fingerprint: '0'.repeat(64),
      embed: async (texts) => {
        calls.push(texts.length);
        return {
          data: Float32Array.from(texts.flatMap((text) => [text.length, 1])),
          rows: texts.length,
          dim: 2,
          info: texts.map((text) => ({ tokens: text.length, truncated: false, empty: text.length === 0 })),
        };
      },
      dispose: async () => {},
    };
  }

  it('splits the texts into calls of at most maxEmbeddingsPerCall, keeping their order', async () => {
    const encoder = countingEncoder(3);
    const texts = ['a', 'bb', 'ccc', 'dddd', 'eeeee', 'ffffff', 'g'];
    const result = await embedAll(encoder, texts);
    expect(encoder.calls).toEqual([3, 3, 1]);
    expect(result.rows).toBe(7);
    expect(Array.from(result.data)).toEqual(texts.flatMap((text) => [text.length, 1]));
    expect(result.info.map((info) => info.tokens)).toEqual(texts.map((text) => text.length));
  });

  it('refuses to densify sparse rows beyond 1 GiB, before allocating them', () => {
    const rows = 2000;
    const huge = {
      rows,
      dim: 200_000,
      indptr: new Int32Array(rows + 1),
      indices: new Int32Array(0),
      values: new Float32Array(0),
      info: [],
    };
    expect(() => densify(huge)).toThrow(
      expect.objectContaining({ code: 'DENSE_ROWS_TOO_LARGE', message: expect.stringContaining('1.5 GiB') }),
    );
    expect(densify({ ...huge, rows: 1, indptr: new Int32Array(2) }).data.length).toBe(200_000);
  });
});
