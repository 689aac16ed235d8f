/**
 * `headstart export --format onnx`: the exported graph, run by onnxruntime-node on texts tokenised
 * as its headstart-onnx.json says, gives the probabilities headstart gives (max |Δp| ≤ 1e-5, same
 * argmax) for MLP and linear heads, fused models with a prior correction, multi-label models and
 * the shipped checkpoint; models a graph cannot reproduce and unsafe output paths are refused.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TextClassifier, type FitOptions } from '../src/classifier.js';
import { readDataset } from '../src/data/index.js';
import { UsageError } from '../src/errors.js';
import { exportModel } from '../src/export/index.js';
import { planExport } from '../src/export/plan.js';
import { optionalImporter } from '../src/util/optional-package.js';
import { createRng } from '../src/util/random.js';
import { argmaxRows, maxAbsDifference, openExport, runExport, tokenIds } from './onnx-helpers.js';
import { TINY_BERT_DIR } from './fixtures/generate-bert.js';
import { headstart, repoRoot, tempDir, writeResealed } from './helpers.js';

const root = tempDir('headstart-onnx-');
const PARITY = 1e-5;
const BATCH = 100;

let texts: string[];
let labels: string[];
/** 1,000 texts: the 900 of finance-news.csv and 100 made to be awkward (empty, unknown-only, long, spliced). */
let probe: string[];

beforeAll(async () => {
  const data = await readDataset(path.join(repoRoot, 'corpora/samples/finance-news.csv'));
  texts = data.examples.map((e) => e.text);
  labels = data.examples.map((e) => e.labels[0]);
  const rng = createRng(21);
  const pick = () => texts[Math.floor(rng() * texts.length)];
  const awkward = [
    '',
    '   ',
    '\n\t',
    '☃☃☃ ☃',
    '\u{1F4C8}\u{1F4C9}',
    'ÉBITDA fell — sharply; «profit» rose',
    'a'.repeat(7000),
    `${'word '.repeat(700)}end`,
    `${pick()} ${'x'.repeat(6200)}`,
  ];
  while (awkward.length < 100) awkward.push([pick(), pick(), pick()].join(' ').slice(0, Math.floor(rng() * 400)));
  probe = [...texts, ...awkward];
  expect(probe).toHaveLength(1000);
});

afterEach(() => {
  vi.restoreAllMocks();
});

async function trainAndSave(
  name: string,
  fit: FitOptions,
  options: Parameters<typeof TextClassifier.create>[0] = {},
  trainLabels: string[] | string[][] = labels,
): Promise<string> {
  const classifier = await TextClassifier.create(options);
  await classifier.fit(texts, trainLabels, { recipe: 'single', seed: 3, ...fit });
  const dir = path.join(root, name);
  await classifier.save(dir);
  await classifier.dispose();
  return dir;
}

/** Exports `checkpoint`, runs both sides on `probe` in padded batches; returns the largest difference. */
async function compare(
  checkpoint: string,
  name: string,
): Promise<{ delta: number; expected: Float32Array; actual: Float32Array; out: string }> {
  const out = path.join(root, `${name}-export`, 'model.onnx');
  await exportModel(checkpoint, { out });
  const classifier = await TextClassifier.load(checkpoint);
  const expected = (await classifier.predictProba(probe)).data;
  await classifier.dispose();
  const model = await openExport(out);
  const actual = new Float32Array(expected.length);
  const width = expected.length / probe.length;
  for (let start = 0; start < probe.length; start += BATCH)
    actual.set(await runExport(model, probe.slice(start, start + BATCH)), start * width);
  await model.session.release();
  return { delta: maxAbsDifference(actual, expected), expected, actual, out };
}

describe('ONNX export parity with predictProba', () => {
  it(
    'an MLP head with standardisation and a temperature: 1,000 texts, max |Δp| ≤ 1e-5, same argmax',
    { timeout: 120_000 },
    async () => {
      const checkpoint = await trainAndSave('mlp', { head: 'mlp', epochs: 20 });
      expect(
        JSON.parse(readFileSync(path.join(checkpoint, 'headstart.json'), 'utf8')).calibration.temperature,
      ).not.toBe(1);
      const { delta, expected, actual, out } = await compare(checkpoint, 'mlp');
      console.log(`ONNX parity, MLP head on 1,000 texts: max |Δp| = ${delta.toExponential(2)}`);
      expect(delta).toBeLessThanOrEqual(PARITY);
      expect(argmaxRows(actual, 3)).toEqual(argmaxRows(expected, 3));
      // The potion table is int8: stored as int8 in the graph, the file stays near the table's own size.
      expect(statSync(out).size).toBeLessThan(5e6);
      const sidecar = JSON.parse(readFileSync(path.join(path.dirname(out), 'headstart-onnx.json'), 'utf8'));
      expect(sidecar).toMatchObject({
        format: 'headstart-onnx',
        model: 'model.onnx',
        labels: ['negative', 'neutral', 'positive'],
        inputs: { ids: 'input_ids', mask: 'attention_mask' },
        output: 'probabilities',
      });
      expect(sidecar.tokenizer).toMatchObject({
        addSpecialTokens: false,
        maxTokens: 512,
        maxChars: 6144,
        dropIds: [expect.any(Number)],
      });
      expect(
        readFileSync(path.join(path.dirname(out), 'tokenizer.json')).equals(
          readFileSync(path.join(repoRoot, 'models/potion-base-4m-int8/tokenizer.json')),
        ),
      ).toBe(true);
    },
  );

  it('a linear head without standardisation matches too', { timeout: 120_000 }, async () => {
    const checkpoint = await trainAndSave('linear', { head: 'linear', standardize: false, epochs: 30 });
    const { delta, expected, actual } = await compare(checkpoint, 'linear');
    expect(delta).toBeLessThanOrEqual(PARITY);
    expect(argmaxRows(actual, 3)).toEqual(argmaxRows(expected, 3));
  });

  it(
    'a fused model (a fine-tuned float16 table beside the pretrained one) with a prior correction is one graph that matches',
    { timeout: 240_000 },
    async () => {
      const checkpoint = await trainAndSave(
        'fused',
        { epochs: 10, fineTune: [true, undefined], fusionWeights: [0.6, 0.4] },
        { encoder: 'potion', fuseWith: ['potion'] },
      );
      const manifestFile = path.join(checkpoint, 'headstart.json');
      const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
      expect(manifest.encoder.spec.tuned).toBeDefined();
      // The held-out choice may or may not pick a correction; one is written in so the graph must apply it.
      writeResealed(manifestFile, { ...manifest, priorCorrection: { alpha: 0.5, priors: [0.2, 0.5, 0.3] } });
      const { delta, expected, actual, out } = await compare(checkpoint, 'fused');
      expect(delta).toBeLessThanOrEqual(PARITY);
      expect(argmaxRows(actual, 3)).toEqual(argmaxRows(expected, 3));
      // Two tables: int8 (pretrained) and float16 (tuned).
      expect(statSync(out).size).toBeGreaterThan(
        3 * statSync(path.join(repoRoot, 'models/potion-base-4m-int8/model.safetensors')).size,
      );
    },
  );

  it('a multi-label model exports sigmoid outputs and its thresholds', { timeout: 120_000 }, async () => {
    const multi = labels.map((label, i) => (texts[i].length > 90 ? [label, 'long'] : [label]));
    const checkpoint = await trainAndSave('multi', { epochs: 20 }, {}, multi);
    const { delta, actual, out } = await compare(checkpoint, 'multi');
    expect(delta).toBeLessThanOrEqual(PARITY);
    const sidecar = JSON.parse(readFileSync(path.join(path.dirname(out), 'headstart-onnx.json'), 'utf8'));
    expect(sidecar.multiLabel).toBe(true);
    expect(sidecar.thresholds).toHaveLength(sidecar.labels.length);
    // Independent sigmoids: rows do not sum to 1.
    expect(Math.abs(actual[0] + actual[1] + actual[2] + actual[3] - 1)).toBeGreaterThan(1e-3);
  });

  it(
    'a batch of one gives what a padded batch of varying lengths gives; empty and unknown-only texts give the zero-vector output',
    { timeout: 120_000 },
    async () => {
      const checkpoint = path.join(repoRoot, 'checkpoints/finance-sentiment');
      const out = path.join(root, 'lengths', 'model.onnx');
      await exportModel(checkpoint, { out });
      const model = await openExport(out);
      const sample = [probe[0], '', '   ', '☃☃☃ ☃', probe[905], probe[907], probe[908], probe[5], probe[950]];
      const lengths = sample.map((text) => tokenIds(model, text).length);
      expect(new Set(lengths).size).toBeGreaterThan(4);
      expect(lengths.slice(1, 4)).toEqual([0, 0, 0]);
      expect(Math.max(...lengths)).toBe(512);
      const batched = await runExport(model, sample);
      for (const [i, text] of sample.entries()) {
        expect(
          maxAbsDifference(await runExport(model, [text]), batched.subarray(i * 3, i * 3 + 3)),
        ).toBeLessThanOrEqual(1e-6);
      }
      const classifier = await TextClassifier.load(checkpoint);
      const empty = await classifier.predictProba(['', '☃☃☃ ☃']);
      await classifier.dispose();
      expect(empty.info.map((info) => info.empty)).toEqual([true, true]);
      expect(maxAbsDifference(await runExport(model, ['', '☃☃☃ ☃']), empty.data)).toBeLessThanOrEqual(PARITY);
      await model.session.release();
    },
  );

  it('the shipped finance-sentiment checkpoint exports from the command line', { timeout: 120_000 }, async () => {
    const out = path.join(root, 'cli', 'finance.onnx');
    const run = headstart(
      'export',
      '--model',
      'checkpoints/finance-sentiment',
      '--format',
      'onnx',
      '--out',
      out,
      '--json',
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.lastJson()).toMatchObject({ command: 'export', format: 'onnx', members: 1, opset: 17 });
    const classifier = await TextClassifier.load(path.join(repoRoot, 'checkpoints/finance-sentiment'));
    const expected = (await classifier.predictProba(probe.slice(0, BATCH))).data;
    await classifier.dispose();
    const model = await openExport(out);
    expect(maxAbsDifference(await runExport(model, probe.slice(0, BATCH)), expected)).toBeLessThanOrEqual(PARITY);
    await model.session.release();
  });
});

describe('what cannot be exported', () => {
  it('refuses TF-IDF and TF-IDF+embeddings models, saying why', { timeout: 120_000 }, async () => {
    for (const encoder of ['tfidf', 'tfidf+potion'] as const) {
      const checkpoint = await trainAndSave(encoder, {}, { encoder });
      const error = await exportModel(checkpoint, { out: path.join(root, `${encoder}-export`, 'model.onnx') }).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'EXPORT_UNSUPPORTED', category: 'model' });
      expect((error as Error).message).toMatch(/TF-IDF tokenises with the natural library/);
      expect(existsSync(path.join(root, `${encoder}-export`))).toBe(false);
    }
  });

  it(
    'refuses a transformer encoder, pointing at distillation into a static student',
    { timeout: 120_000 },
    async () => {
      const classifier = await TextClassifier.create({ encoder: TINY_BERT_DIR });
      try {
        await classifier.fit(texts.slice(0, 60), labels.slice(0, 60), { recipe: 'single', seed: 3, epochs: 2 });
        const error = (() => {
          try {
            planExport(classifier, 'transformer-model');
          } catch (e) {
            return e;
          }
        })();
        expect(error).toMatchObject({
          code: 'EXPORT_UNSUPPORTED',
          message: expect.stringContaining('not a static (Model2Vec) one'),
          hint: expect.stringContaining('headstart distill'),
        });
      } finally {
        await classifier.dispose();
      }
    },
  );

  it('without onnx-proto, says to install it', async () => {
    const real = optionalImporter.import;
    vi.spyOn(optionalImporter, 'import').mockImplementation((name) =>
      name === 'onnx-proto'
        ? Promise.reject(
            Object.assign(new Error("Cannot find package 'onnx-proto' imported from /app/dist/export/index.js"), {
              code: 'ERR_MODULE_NOT_FOUND',
            }),
          )
        : real(name),
    );
    const error = await exportModel(path.join(repoRoot, 'checkpoints/finance-sentiment'), {
      out: path.join(root, 'no-proto', 'model.onnx'),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({
      code: 'OPTIONAL_PACKAGE_MISSING',
      message: expect.stringContaining('npm install onnx-proto'),
    });
  });

  it('refuses an unknown format', async () => {
    await expect(
      exportModel(path.join(repoRoot, 'checkpoints/finance-sentiment'), {
        out: path.join(root, 'x.onnx'),
        format: 'tflite' as 'onnx',
      }),
    ).rejects.toMatchObject({ code: 'EXPORT_FORMAT' });
  });
});

describe('where an export may be written', () => {
  const checkpoint = path.join(repoRoot, 'checkpoints/finance-sentiment');

  it('refuses a directory, a foreign file, another export beside it and the checkpoint itself, writing nothing', async () => {
    const dir = path.join(root, 'targets');
    mkdirSync(path.join(dir, 'a-directory.onnx'), { recursive: true });
    writeFileSync(path.join(dir, 'notes.onnx'), 'mine');
    const refused = async (out: string, pattern: RegExp) => {
      const error = await exportModel(checkpoint, { out }).catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 'EXPORT_OUT_REFUSED',
        category: 'usage',
        message: expect.stringMatching(pattern),
      });
    };
    await refused(path.join(dir, 'a-directory.onnx'), /not a regular file/);
    await refused(path.join(dir, 'notes.onnx'), /would replace notes\.onnx, which no earlier export wrote/);
    await refused(path.join(checkpoint, 'model.onnx'), /inside the checkpoint/);
    await refused(path.join(dir, 'tokenizer.json'), /named like a file the export writes/);
    expect(readFileSync(path.join(dir, 'notes.onnx'), 'utf8')).toBe('mine');

    const other = path.join(root, 'two-exports');
    await exportModel(checkpoint, { out: path.join(other, 'first.onnx') });
    await refused(path.join(other, 'second.onnx'), /belong to the export of first\.onnx/);
  });

  it('replaces an earlier export of the same graph, leaving no temporary file', { timeout: 60_000 }, async () => {
    const out = path.join(root, 'again', 'model.onnx');
    await exportModel(checkpoint, { out });
    const first = readFileSync(out);
    await exportModel(checkpoint, { out });
    expect(readFileSync(out).equals(first)).toBe(true);
    expect(readFileSync(path.join(root, 'again', 'headstart-onnx.json'), 'utf8')).toContain('"model": "model.onnx"');
    expect(readdirSync(path.join(root, 'again')).sort()).toEqual([
      'headstart-onnx.json',
      'model.onnx',
      'tokenizer.json',
    ]);
  });
});
