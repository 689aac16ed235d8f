import { describe, expect, it, vi } from 'vitest';
import { readDataset } from '../src/data/index.js';
import { TextClassifier } from '../src/classifier.js';
import { trainAuto } from '../src/recipes/auto.js';
import { createEncoder } from '../src/encoders/index.js';
import { StaticEncoder } from '../src/encoders/static/static.js';
import type { Encoder, EncoderSpec } from '../src/encoders/encoder.js';
import { sampleCsv, tempDir } from './helpers.js';
import path from 'node:path';

const data = await readDataset(sampleCsv);
const texts = data.examples.map((e) => e.text);
const labels = data.examples.map((e) => e.labels[0]);

/** The held-out macro-F1 of each candidate named in a multi-label report's reason. */
function heldOutScores(reason: string): Record<string, number> {
  return Object.fromEntries(
    [...reason.matchAll(/(pretrained|tfidf\+embeddings|tfidf) (\d\.\d{4})/g)].map((m) => [m[1], Number(m[2])]),
  );
}

describe('the auto recipe', () => {
  it('fuses fine-tuned or frozen potion with TF-IDF+embeddings, says what it chose and why, and saves a loadable checkpoint', async () => {
    const { classifier, report } = await trainAuto(texts, labels, { fit: { seed: 0 }, minFusionExamples: 0 });
    expect(report.encoders).toEqual([
      'static:potion-base-4m-int8 (fine-tuned)',
      'tfidf+static:potion-base-4m-int8',
      'static:potion-base-4m-int8',
    ]);
    expect(report.reason).toMatch(
      /mix with the lowest held-out log-loss \(of 21\), then the prior correction with the best macro-F1 expected under its calibrated held-out probabilities \(chosen [0-9./]+ with prior correction [0-9.]+: log-loss [0-9.]+, macro-F1 [0-9.]+, expected macro-F1 [0-9.]+;/,
    );
    expect(report.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(report.weights[0] === 0 || report.weights[2] === 0).toBe(true);
    const used = ['fine-tuned', 'tfidf+embeddings', 'pretrained'].filter((_, i) => report.weights[i] > 0);
    expect(report.chosen).toBe(used.length === 1 ? used[0] : 'fusion');
    const dir = path.join(tempDir(), 'auto');
    const probe = ['Operating profit rose to EUR 13.1 mn.', 'The company said it will cut 200 jobs.'];
    const before = await classifier.predictProba(probe);
    await classifier.save(dir);
    await classifier.dispose();
    const loaded = await TextClassifier.load(dir);
    expect(Array.from((await loaded.predictProba(probe)).data)).toEqual(Array.from(before.data));
    await loaded.dispose();
  });

  it('falls back to the pretrained head alone when the fused training overruns the budget', async () => {
    const { classifier, report } = await trainAuto(texts, labels, {
      fit: { seed: 0 },
      budgetSeconds: 0.001,
      minFusionExamples: 0,
    });
    expect(report.chosen).toBe('pretrained');
    expect(report.reason).toContain('budget');
    expect(classifier.encoders).toHaveLength(1);
    await classifier.dispose();
  });

  it('trains one head for multi-label data', async () => {
    const { classifier, report } = await trainAuto(
      texts,
      labels.map((l) => [l]),
      { fit: { seed: 0, epochs: 20 } },
    );
    expect(report.chosen).toBe('pretrained');
    expect(report.reason).toContain('multi-label');
    expect(classifier.multiLabel).toBe(true);
    await classifier.dispose();
  });

  it('on multi-label data, scores the pretrained and TF-IDF+embeddings heads on held-out rows and keeps the better one', async () => {
    const multi = labels.map((l) => [l]);
    const { classifier, report } = await trainAuto(texts, multi, {
      fit: { seed: 0, epochs: 20 },
      minFusionExamples: 10,
    });
    const scores = heldOutScores(report.reason);
    expect(Object.keys(scores).sort()).toEqual(['pretrained', 'tfidf+embeddings']);
    expect(report.chosen).toBe(scores['tfidf+embeddings'] > scores.pretrained ? 'tfidf+embeddings' : 'pretrained');
    expect(classifier.encoders).toHaveLength(1);
    expect(classifier.encoder.spec.type).toBe(report.chosen === 'pretrained' ? 'static' : 'concat');
    expect(classifier.multiLabel).toBe(true);
    await classifier.dispose();
  });

  it('on multi-label data, appends the embeddings of an encoder instance it was given without loading or disposing it', async () => {
    const potion = await createEncoder('potion');
    // Its spec names a model on no disk, so loading the dense part again from the spec would fail.
    const inMemory: Encoder = {
      spec: { ...potion.spec, model: 'only-in-memory' } as EncoderSpec,
      dim: potion.dim,
      maxTokens: potion.maxTokens,
      maxEmbeddingsPerCall: potion.maxEmbeddingsPerCall,
      fingerprint: potion.fingerprint,
      embed: (batch, options) => potion.embed(batch, options),
      dispose: vi.fn(async () => {}),
    };
    const multi = labels.map((l) => [l]);
    const { classifier, report } = await trainAuto(texts, multi, {
      encoder: inMemory,
      fit: { seed: 0, epochs: 20 },
      minFusionExamples: 10,
    });
    expect(Object.keys(heldOutScores(report.reason)).sort()).toEqual(['pretrained', 'tfidf+embeddings']);
    expect((await classifier.predict(['Operating profit rose to EUR 13.1 mn.']))[0].labels).toBeDefined();
    await classifier.dispose();
    expect(inMemory.dispose).not.toHaveBeenCalled();
  });

  it('averages the pretrained head, a TF-IDF+embeddings regression and label similarity on small training sets', async () => {
    const { classifier, report } = await trainAuto(texts, labels, { fit: { seed: 0, epochs: 20 } });
    expect(report.chosen).toBe('fusion');
    expect(report.encoders).toEqual([
      'static:potion-base-4m-int8',
      'tfidf+static:potion-base-4m-int8',
      'static:potion-base-4m-int8',
    ]);
    expect(report.weights).toEqual([0.3, 0.3, 0.4]);
    expect(report.fit.members.map((m) => m.labelSimilarity !== undefined)).toEqual([false, false, true]);
    expect(report.reason).toMatch(/too few.*similarity to the label names/);
    // One potion instance serves the head and the prior.
    expect(classifier.encoders[2]).toBe(classifier.encoders[0]);
    await classifier.dispose();
  });

  it('leaves the label prior out of a small training set when a label name has no known token, and says so', async () => {
    const { classifier, report } = await trainAuto(
      texts,
      labels.map((l) => (l === 'neutral' ? '😐' : l)),
      { fit: { seed: 0, epochs: 20 } },
    );
    expect(report.weights).toEqual([0.5, 0.5]);
    expect(report.encoders).toEqual(['static:potion-base-4m-int8', 'tfidf+static:potion-base-4m-int8']);
    expect(report.reason).toContain('no label prior: label "😐"');
    await classifier.dispose();
  });

  it('loads the pretrained encoder once, whatever the path, and the classifier it returns disposes it', async () => {
    const multi = labels.map((l) => [l]);
    const paths = [
      { name: 'few-shot', labels, options: { fit: { seed: 0, epochs: 5 } } },
      { name: 'held-out choice', labels, options: { fit: { seed: 0, epochs: 5 }, minFusionExamples: 0 } },
      { name: 'multi-label', labels: multi, options: { fit: { seed: 0, epochs: 5 }, minFusionExamples: 10 } },
    ];
    for (const path of paths) {
      const load = vi.spyOn(StaticEncoder, 'load');
      const { classifier } = await trainAuto(texts, path.labels, path.options);
      expect(load, path.name).toHaveBeenCalledTimes(1);
      const loaded = await load.mock.results[0].value;
      load.mockRestore();
      const dispose = vi.spyOn(loaded, 'dispose');
      await classifier.dispose();
      expect(dispose, path.name).toHaveBeenCalledTimes(1);
    }
  });

  it('trains one head when the encoder is TF-IDF already (alone or with embeddings appended)', async () => {
    for (const encoder of ['tfidf', 'tfidf+potion']) {
      const { classifier, report } = await trainAuto(texts, labels, {
        encoder,
        fit: { seed: 0 },
        minFusionExamples: 0,
      });
      expect(report.reason).toContain('TF-IDF already');
      expect(classifier.encoders.map((e) => e.spec.type)).toEqual([encoder === 'tfidf' ? 'tfidf' : 'concat']);
      await classifier.dispose();
    }
  });

  it('keeps the pretrained head alone when a small set shares no word between two texts', async () => {
    const { classifier, report } = await trainAuto(['alpha beta', 'gamma delta', 'epsilon zeta'], ['a', 'b', 'c'], {
      fit: { seed: 0, epochs: 5 },
    });
    expect(report.chosen).toBe('pretrained');
    expect(report.reason).toContain('no TF-IDF vocabulary');
    // potion's table has no row for a lone "a", so there is no label prior either.
    expect(report.reason).toContain('no label prior: label "a"');
    expect(classifier.encoders).toHaveLength(1);
    await classifier.dispose();
  });

  it('trains small sets on every row for a fixed epoch count instead of stopping early on a tiny held-out split', async () => {
    const { classifier, report } = await trainAuto(texts, labels, { fit: { seed: 0 } });
    expect(report.fit.epochsRun).toBe(60);
    expect(report.fit.history.every((log) => log.valLoss === undefined)).toBe(true);
    expect(report.fit.examples).toBe(texts.length);
    await classifier.dispose();
    // The caller's own early-stopping settings still win.
    const explicit = await trainAuto(texts, labels, { fit: { seed: 0, validationSplit: 0.2, epochs: 15 } });
    expect(explicit.report.fit.history.some((log) => log.valLoss !== undefined)).toBe(true);
    expect(explicit.report.fit.epochsRun).toBeLessThanOrEqual(15);
    await explicit.classifier.dispose();
  });

  it('works from one example per class (no held-out split: no refit, no calibration)', async () => {
    const firsts = ['negative', 'neutral', 'positive'].map((label) => labels.indexOf(label));
    const { classifier, report } = await trainAuto(
      firsts.map((i) => texts[i]),
      firsts.map((i) => labels[i]),
      { fit: { seed: 0 }, minFusionExamples: 0 },
    );
    expect(report.fit.calibration).toBeUndefined();
    expect(report.fit.members.every((m) => m.refitEpochs === undefined)).toBe(true);
    const predictions = await classifier.predict(firsts.map((i) => texts[i]));
    expect(predictions.map((p) => p.label)).toEqual(['negative', 'neutral', 'positive']);
    await classifier.dispose();
  });
});
