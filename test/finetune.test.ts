import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTf } from '../src/backend/tf.js';
import { TextClassifier, type FitOptions } from '../src/classifier.js';
import { fitOptionsFrom } from '../src/cli/options.js';
import { float16ToNumber, numberToFloat16, roundToFloat16 } from '../src/encoders/static/float16.js';
import { readSafetensors, tensorToFloat32 } from '../src/encoders/static/safetensors.js';
import { serializeSafetensors } from '../src/encoders/static/safetensors-write.js';
import { loadEncoderFromSpec } from '../src/encoders/index.js';
import { StaticEncoder } from '../src/encoders/static/static.js';
import { resolveFineTune } from '../src/finetune/options.js';
import { trainAuto } from '../src/recipes/auto.js';
import { validationSplit } from '../src/heads/split.js';
import { containmentGroups } from '../src/splits/containment.js';
import { encodeTargets } from '../src/labels.js';
import { headstart, sampleCsv, tempDir, tinyWordPieceTokenizer } from './helpers.js';

const DIM = 8;
const root = tempDir('headstart-finetune-');

/**
 * A tiny Model2Vec model over the test tokenizer ([UNK], hello, world, bad) in which "hello" and
 * "bad" have the same row: a frozen table gives "hello world" and "bad world" the same vector.
 */
function writeTinyModel(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const table = new Float32Array(4 * DIM);
  for (let d = 0; d < DIM; d++) {
    table[1 * DIM + d] = Math.sin(d + 1);
    table[2 * DIM + d] = Math.cos(2 * d + 1);
    table[3 * DIM + d] = Math.sin(d + 1);
  }
  writeFileSync(
    path.join(dir, 'model.safetensors'),
    serializeSafetensors({ embeddings: { dtype: 'F32', shape: [4, DIM], values: table } }),
  );
  writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tinyWordPieceTokenizer));
}

/** "hello ..." is positive, "bad ..." negative; the rest of each text is shared. */
function tinyTask(): { texts: string[]; labels: string[] } {
  const tails = ['', ' world', ' world world', ' hello world', ' bad world', ' world hello world'];
  const texts: string[] = [];
  const labels: string[] = [];
  for (let i = 0; i < 60; i++) {
    const tail = tails[i % tails.length];
    texts.push(`hello hello${tail}`, `bad bad${tail}`);
    labels.push('pos', 'neg');
  }
  return { texts, labels };
}

const FAST: FitOptions = { epochs: 60, validationSplit: 0, refit: false, calibrate: false, seed: 3 };
const TUNE = { tableLearningRate: 0.05, l2Pull: 0 };

function maxDifference(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

describe('fine-tuning a static encoder', () => {
  const modelDir = path.join(root, 'tiny-model');
  const { texts, labels } = tinyTask();
  beforeAll(() => writeTinyModel(modelDir));

  it('tunes the table so that classes a frozen table cannot tell apart are separated', async () => {
    const frozen = await TextClassifier.train(texts, labels, { ...FAST, recipe: 'single' }, { encoder: modelDir });
    const tuned = await TextClassifier.train(
      texts,
      labels,
      { recipe: 'single', ...FAST, fineTune: TUNE },
      { encoder: modelDir },
    );
    try {
      const frozenAccuracy = ((await frozen.classifier.evaluate(texts, labels)) as { accuracy: number }).accuracy;
      const tunedAccuracy = ((await tuned.classifier.evaluate(texts, labels)) as { accuracy: number }).accuracy;
      expect(frozenAccuracy).toBeLessThanOrEqual(0.6);
      expect(tunedAccuracy).toBe(1);

      const pretrained = frozen.classifier.encoder as StaticEncoder;
      const encoder = tuned.classifier.encoder as StaticEncoder;
      expect(encoder).toBeInstanceOf(StaticEncoder);
      expect(encoder.spec).toMatchObject({
        type: 'static',
        tuned: { table: expect.any(String), tokenizer: expect.any(String) },
      });
      expect(encoder.fingerprint).not.toBe(pretrained.fingerprint);
      const [hello, bad] = [await encoder.embed(['hello']), await encoder.embed(['bad'])];
      expect(maxDifference(hello.data, bad.data)).toBeGreaterThan(0.1);
      expect(tuned.report.members[0].encoder).toContain('fine-tuned');
    } finally {
      await frozen.classifier.dispose();
      await tuned.classifier.dispose();
    }
  });

  it('trains through the same forward pass as prediction: the best validation loss is what predict gives', async () => {
    const options: FitOptions = {
      epochs: 6,
      validationSplit: 0.25,
      patience: 6,
      refit: false,
      calibrate: false,
      seed: 5,
      fineTune: { tableLearningRate: 0.01 },
    };
    const { classifier, report } = await TextClassifier.train(
      texts,
      labels,
      { ...options, recipe: 'single' },
      { encoder: modelDir },
    );
    try {
      const targets = encodeTargets(labels, classifier.labels as string[]);
      // The classifier holds out texts together with the texts that contain them.
      const held = validationSplit(targets, classifier.labels.length, 0.25, 5, containmentGroups(texts)).validation;
      const probabilities = await classifier.predictProba(Array.from(held, (row) => texts[row]));
      let loss = 0;
      held.forEach(
        (row, i) => (loss -= Math.log(probabilities.data[i * 2 + (targets as { labels: Int32Array }).labels[row]])),
      );
      expect(report.bestValLoss).toBeGreaterThan(0.05);
      expect(loss / held.length).toBeCloseTo(report.bestValLoss!, 2);
    } finally {
      await classifier.dispose();
    }
  });

  it('saves the tuned table in the checkpoint and loads it without the model directory, with identical probabilities', async () => {
    const copy = path.join(root, 'model-copy');
    writeTinyModel(copy);
    const out = path.join(root, 'checkpoint');
    const { classifier } = await TextClassifier.train(
      texts,
      labels,
      { recipe: 'single', ...FAST, fineTune: TUNE },
      { encoder: copy },
    );
    const expected = await classifier.predictProba(texts);
    await classifier.save(out);
    await classifier.dispose();
    rmSync(copy, { recursive: true });

    const models = process.env.HEADSTART_MODELS;
    process.env.HEADSTART_MODELS = path.join(root, 'no-models-here');
    try {
      const loaded = await TextClassifier.load(out);
      try {
        expect((await loaded.predictProba(texts)).data).toEqual(expected.data);
      } finally {
        await loaded.dispose();
      }
    } finally {
      process.env.HEADSTART_MODELS = models;
    }

    const manifest = JSON.parse(readFileSync(path.join(out, 'headstart.json'), 'utf8'));
    const { table, tokenizer } = manifest.encoder.spec.tuned;
    expect(manifest.encoder.stateFiles).toEqual([table, tokenizer]);
    expect(manifest.files.map((f: { name: string }) => f.name)).toEqual(expect.arrayContaining([table, tokenizer]));

    const file = path.join(out, table);
    const bytes = readFileSync(file);
    bytes[bytes.length - 1] ^= 0x01;
    writeFileSync(file, bytes);
    await expect(TextClassifier.load(out)).rejects.toMatchObject({ code: 'CHECKPOINT_HASH_MISMATCH' });
  });

  it('tunes a fused member, saves and loads it, and starts again from the pretrained table on the next fit', async () => {
    const classifier = await TextClassifier.create({ encoder: modelDir, fuseWith: [modelDir] });
    try {
      const pretrained = classifier.encoders[1].fingerprint;
      await classifier.fit(texts, labels, { recipe: 'single', ...FAST, fineTune: [false, TUNE] });
      expect(classifier.encoders[0].fingerprint).toBe(pretrained);
      expect(classifier.encoders[1].spec).toMatchObject({ tuned: expect.any(Object) });
      const out = path.join(root, 'fused-checkpoint');
      await classifier.save(out);
      const loaded = await TextClassifier.load(out, { modelDir });
      try {
        expect((await loaded.predictProba(texts)).data).toEqual((await classifier.predictProba(texts)).data);
      } finally {
        await loaded.dispose();
      }
      await classifier.fit(texts, labels, { ...FAST, recipe: 'single' });
      expect(classifier.encoders[1].fingerprint).toBe(pretrained);
    } finally {
      await classifier.dispose();
    }
  });

  it('keeps the table near the pretrained one under a strong L2 pull', async () => {
    const pretrained = await StaticEncoder.load(modelDir);
    const loose = await TextClassifier.train(
      texts,
      labels,
      { recipe: 'single', ...FAST, fineTune: TUNE },
      { encoder: modelDir },
    );
    const pulled = await TextClassifier.train(
      texts,
      labels,
      { recipe: 'single', ...FAST, fineTune: { ...TUNE, l2Pull: 1e6 } },
      { encoder: modelDir },
    );
    try {
      const probes = ['hello', 'bad', 'world', 'hello world'];
      const reference = (await pretrained.embed(probes)).data;
      const looseShift = maxDifference((await loose.classifier.encoder.embed(probes)).data, reference);
      const pulledShift = maxDifference((await pulled.classifier.encoder.embed(probes)).data, reference);
      expect(looseShift).toBeGreaterThan(0.1);
      expect(pulledShift).toBeLessThan(looseShift / 5);
    } finally {
      await loose.classifier.dispose();
      await pulled.classifier.dispose();
    }
  });

  it('leaves no tensors behind and trains on one example per class', async () => {
    const tf = await loadTf();
    const warm = await TextClassifier.train(
      texts,
      labels,
      { recipe: 'single', ...FAST, epochs: 2, fineTune: true },
      { encoder: modelDir },
    );
    await warm.classifier.dispose();
    const before = tf.memory().numTensors;
    const early = await TextClassifier.train(
      texts,
      labels,
      { recipe: 'single', epochs: 5, patience: 1, seed: 1, fineTune: true },
      { encoder: modelDir },
    );
    await early.classifier.dispose();
    const tiny = await TextClassifier.train(
      ['hello world', 'bad'],
      ['pos', 'neg'],
      { recipe: 'single', epochs: 3, fineTune: true },
      { encoder: modelDir },
    );
    try {
      expect(tiny.report.members[0].encoder).toContain('fine-tuned');
      expect((await tiny.classifier.predict(['hello']))[0].label).toMatch(/pos|neg/);
    } finally {
      await tiny.classifier.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses encoders that are not static, and bad options, naming the option', async () => {
    const classifier = await TextClassifier.create({ encoder: 'tfidf' });
    try {
      await expect(classifier.fit(texts, labels, { recipe: 'single', fineTune: true })).rejects.toMatchObject({
        code: 'FINE_TUNE_UNSUPPORTED',
        message: expect.stringContaining('fineTune'),
      });
    } finally {
      await classifier.dispose();
    }
    expect(() => resolveFineTune({ tableLearningRate: -1 })).toThrow(/tableLearningRate/);
    expect(() => resolveFineTune({ l2Pull: Number.NaN })).toThrow(/l2Pull/);
    await expect(
      TextClassifier.train(texts, labels, { recipe: 'single', fineTune: [true, true] }, { encoder: modelDir }),
    ).rejects.toMatchObject({ code: 'FINE_TUNE_OPTION' });
    await expect(
      TextClassifier.train(texts, labels, { recipe: 'single', fusionCandidates: [[1, 1]] }, { encoder: modelDir }),
    ).rejects.toMatchObject({ code: 'FUSION_WEIGHTS' });
  });

  it('refuses a tuned table of the wrong size, and a tuned spec outside a checkpoint', async () => {
    const encoder = await StaticEncoder.load(modelDir);
    expect(() => StaticEncoder.fromTable(encoder, new Float32Array(3))).toThrow(
      expect.objectContaining({ code: 'STATIC_TABLE_SIZE' }),
    );
    const spec = {
      ...(encoder.spec as { type: 'static'; model: string; maxTokens: number }),
      tuned: { table: 't.safetensors', tokenizer: 't.json' },
    };
    await expect(loadEncoderFromSpec(spec)).rejects.toMatchObject({ code: 'TUNED_TABLE_NEEDS_CHECKPOINT' });
  });

  it('is what the auto recipe trains for a static encoder, and dropped when it would overrun the budget', async () => {
    const tuned = await trainAuto(texts, labels, {
      encoder: modelDir,
      minFusionExamples: 0,
      fit: { seed: 0, epochs: 20 },
    });
    try {
      expect(tuned.report.encoders).toEqual([
        'static:tiny-model (fine-tuned)',
        'tfidf+static:tiny-model',
        'static:tiny-model',
      ]);
      expect(tuned.report.weights[0] === 0 || tuned.report.weights[2] === 0).toBe(true);
      // Members the choice gave no weight are dropped (never the primary).
      expect(tuned.classifier.encoders).toHaveLength(1 + tuned.report.weights.slice(1).filter((w) => w > 0).length);
    } finally {
      await tuned.classifier.dispose();
    }
    const frozen = await trainAuto(texts, labels, {
      encoder: modelDir,
      minFusionExamples: 0,
      fit: { seed: 0, epochs: 20, fineTune: false },
    });
    try {
      expect(frozen.report.encoders).toEqual(['static:tiny-model', 'tfidf+static:tiny-model']);
    } finally {
      await frozen.classifier.dispose();
    }
    // 200 epochs without early stopping, twice (refit): well over 0.2 s however fast the machine.
    const rushed = await trainAuto(texts, labels, {
      encoder: modelDir,
      minFusionExamples: 0,
      budgetSeconds: 0.2,
      fit: { seed: 0, epochs: 200, patience: 200 },
    });
    try {
      expect(rushed.report.reason).toMatch(/^fine-tuning (would not|did not) finish.* within the 0.2 s budget/);
      expect(rushed.report.encoders[0]).toBe('static:tiny-model');
    } finally {
      await rushed.classifier.dispose();
    }
  });

  it('is offered by the CLI as --fine-tune (and --no-fine-tune for auto)', () => {
    expect(fitOptionsFrom({ seed: 0 }).fineTune).toBeUndefined();
    expect(fitOptionsFrom({ seed: 0, fineTune: false }).fineTune).toBe(false);
    expect(fitOptionsFrom({ seed: 0, fineTune: true, l2Pull: 0.5 }).fineTune).toEqual({
      tableLearningRate: undefined,
      l2Pull: 0.5,
    });
    expect(() => fitOptionsFrom({ seed: 0, tableLearningRate: 0.1 })).toThrow(
      expect.objectContaining({ code: 'FINE_TUNE_OPTION' }),
    );
    const out = path.join(root, 'cli-model');
    const result = headstart(
      'train',
      '--data',
      sampleCsv,
      '--recipe',
      'single',
      '--fine-tune',
      '--epochs',
      '3',
      '--out',
      out,
      '--json',
    );
    expect(result.status, result.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(out, 'headstart.json'), 'utf8'));
    expect(manifest.encoder.spec.tuned).toBeDefined();
  });
});

describe('float16 tables (how checkpoints store a tuned table)', () => {
  it('round-trips every float16 value and rounds float32 to the nearest, ties to even', () => {
    const wrong: number[] = [];
    for (let bits = 0; bits < 0x10000; bits++) {
      const value = float16ToNumber(bits);
      const ok = Number.isNaN(value)
        ? Number.isNaN(float16ToNumber(numberToFloat16(value)))
        : numberToFloat16(value) === bits;
      if (!ok) wrong.push(bits);
    }
    expect(wrong).toEqual([]);
    expect(float16ToNumber(numberToFloat16(1 + 2 ** -11))).toBe(1); // tie: to even
    expect(float16ToNumber(numberToFloat16(1 + 3 * 2 ** -11))).toBe(1 + 2 ** -9); // tie: to even (up)
    expect(float16ToNumber(numberToFloat16(1e6))).toBe(Infinity);
    expect(float16ToNumber(numberToFloat16(2 ** -26))).toBe(0);
    expect(float16ToNumber(numberToFloat16(3 * 2 ** -26))).toBe(2 ** -24); // nearest subnormal
  });

  it('writes safetensors that the strict reader reads back', async () => {
    const values = Float32Array.from({ length: 12 }, (_, i) => (i - 6) / 7);
    const file = await readSafetensors(
      serializeSafetensors(
        { a: { dtype: 'F32', shape: [3, 4], values }, b: { dtype: 'F16', shape: [12], values } },
        { note: 'x' },
      ),
    );
    expect(tensorToFloat32(file.tensors.get('a')!, 'a')).toEqual(values);
    expect(tensorToFloat32(file.tensors.get('b')!, 'b')).toEqual(roundToFloat16(values));
    expect(file.metadata).toEqual({ note: 'x' });
  });
});
