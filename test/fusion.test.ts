import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { TextClassifier } from '../src/classifier.js';
import { createEncoder, DEFAULT_DENSE_WEIGHT, DEFAULT_TFIDF_OPTIONS } from '../src/encoders/index.js';
import { DEFAULT_STATIC_MODEL } from '../src/encoders/static/index.js';
import { readDataset } from '../src/data/index.js';
import { averageProbabilities, chooseWeights, simplexGrid } from '../src/fusion/ensemble.js';
import { ModelError, UsageError } from '../src/errors.js';
import { applyTemperature } from '../src/calibration/temperature.js';
import { classPriors, correctForPrior } from '../src/calibration/prior.js';
import { createRng } from '../src/util/random.js';
import { sampleCsv, tempDir } from './helpers.js';

const data = await readDataset(sampleCsv);
const texts = data.examples.map((e) => e.text);
const labels = data.examples.map((e) => e.labels[0]);
const probe = [
  'Net profit rose sharply and the company raised its dividend.',
  'The company reported a heavy loss and cut jobs.',
  'The meeting is on Tuesday.',
];

describe('fusion weights', () => {
  it('enumerates the simplex, single members included', () => {
    const grid = simplexGrid(2, 4);
    expect(grid).toContainEqual([1, 0]);
    expect(grid).toContainEqual([0, 1]);
    expect(grid).toContainEqual([0.5, 0.5]);
    expect(grid).toHaveLength(5);
    for (const w of simplexGrid(3, 5)) expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it('averages probabilities with normalised weights', () => {
    const mixed = averageProbabilities([Float32Array.from([1, 0]), Float32Array.from([0, 1])], [3, 1]);
    expect(Array.from(mixed)).toEqual([0.75, 0.25]);
  });

  it('picks the member that is right on the held-out rows', () => {
    const targets = Int32Array.from([0, 1, 0, 1]);
    const right = Float32Array.from([0.9, 0.1, 0.2, 0.8, 0.7, 0.3, 0.4, 0.6]);
    const wrong = Float32Array.from([0.1, 0.9, 0.8, 0.2, 0.3, 0.7, 0.6, 0.4]);
    expect(chooseWeights([wrong, right], 2, targets).weights).toEqual([0, 1]);
  });

  it('chooses the mix by held-out log-loss after temperature scaling, not by how calibrated a member happens to be', () => {
    // 300 held-out rows, 3 classes. `ranking` orders the classes well but is nearly flat (an
    // over-regularised regression); `sharp` is confident and often wrong.
    const rows = 300;
    const dim = 3;
    const random = createRng(3);
    // Box-Muller.
    const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const targets = Int32Array.from({ length: rows }, (_, row) => row % dim);
    const member = (signal: number, temperature: number) =>
      Float32Array.from(
        Array.from(targets).flatMap((t) => {
          const logits = Array.from({ length: dim }, (_, j) => (j === t ? signal : 0) + gaussian());
          const exps = logits.map((z) => Math.exp(z / temperature));
          return exps.map((e) => e / exps.reduce((a, b) => a + b, 0));
        }),
      );
    const ranking = member(3, 30);
    const sharp = member(1, 0.5);
    const rawNll = (probs: Float32Array) =>
      -Array.from(targets).reduce((sum, t, row) => sum + Math.log(probs[row * dim + t]), 0) / rows;
    // Temperatures 0.05 to 20, the range the library searches.
    const scaledNll = (probs: Float32Array) =>
      Math.min(
        ...Array.from({ length: 801 }, (_, k) => rawNll(applyTemperature(probs, dim, 0.05 * Math.pow(400, k / 800)))),
      );

    const choice = chooseWeights([ranking, sharp], dim, targets);
    for (const candidate of choice.candidates) {
      expect(candidate.nll).toBeCloseTo(scaledNll(averageProbabilities([ranking, sharp], candidate.weights)), 3);
      expect(candidate.nll).toBeGreaterThanOrEqual(choice.candidates[0].nll);
    }
    expect(choice.weights[0]).toBeGreaterThan(0.5);
    // Unscaled, the sharp member's probabilities would win the choice.
    const byRawNll = choice.candidates.reduce((a, b) =>
      rawNll(averageProbabilities([ranking, sharp], a.weights)) <=
      rawNll(averageProbabilities([ranking, sharp], b.weights))
        ? a
        : b,
    );
    expect(byRawNll.weights[0]).toBeLessThan(0.5);
  });
});

describe('a classifier fusing potion and TF-IDF', () => {
  it('trains both heads, chooses weights on the held-out split and round-trips through a checkpoint', async () => {
    const classifier = await TextClassifier.create({ encoder: 'potion', fuseWith: ['tfidf'] });
    // 40% held out: 24 rows, enough for temperature scaling.
    const report = await classifier.fit(texts, labels, { recipe: 'single', seed: 0, validationSplit: 0.4 });
    expect(report.members.map((m) => m.encoder)).toEqual(['static:potion-base-4m-int8', 'tfidf']);
    expect(report.fusion!.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(report.calibration!.temperature).toBeGreaterThan(0);
    expect(classifier.encoders).toHaveLength(2);

    const before = await classifier.predictProba(probe);
    const dir = path.join(tempDir(), 'fused');
    await classifier.save(dir);
    await classifier.dispose();

    const manifest = JSON.parse(readFileSync(path.join(dir, 'headstart.json'), 'utf8'));
    expect(manifest.fusion.weights).toEqual(report.fusion!.weights);
    const member = manifest.fusion.members[0];
    expect(member.encoder.spec.type).toBe('tfidf');
    const listed = new Set(manifest.files.map((f: { name: string }) => f.name));
    for (const name of [...member.head.files, ...member.encoder.stateFiles]) {
      expect(name.startsWith('m1-')).toBe(true);
      expect(listed.has(name)).toBe(true);
    }

    const loaded = await TextClassifier.load(dir);
    const after = await loaded.predictProba(probe);
    expect(Array.from(after.data)).toEqual(Array.from(before.data));
    expect(loaded.encoders.map((e) => e.spec.type)).toEqual(['static', 'tfidf']);
    await loaded.dispose();

    // A fused member's file is covered by the checkpoint's hashes like the primary's.
    const stateFile = path.join(dir, member.encoder.stateFiles[0]);
    writeFileSync(stateFile, readFileSync(stateFile, 'utf8').replace(/"/, ' "'));
    await expect(TextClassifier.load(dir)).rejects.toBeInstanceOf(ModelError);
  });

  it('honours given fusion weights and refuses malformed ones and multi-label data', async () => {
    const classifier = await TextClassifier.create({ encoder: 'potion', fuseWith: ['tfidf'] });
    await expect(classifier.fit(texts, labels, { recipe: 'single', fusionWeights: [1] })).rejects.toBeInstanceOf(
      UsageError,
    );
    await expect(
      classifier.fit(
        texts,
        labels.map((l) => [l]),
        {},
      ),
    ).rejects.toBeInstanceOf(UsageError);
    const report = await classifier.fit(texts, labels, {
      recipe: 'single',
      seed: 0,
      fusionWeights: [0, 1],
      calibrate: false,
      epochs: 30,
    });
    expect(report.fusion).toBeUndefined();
    expect(report.calibration).toBeUndefined();
    const tfidfOnly = await TextClassifier.create({ encoder: 'tfidf' });
    await tfidfOnly.fit(texts, labels, { recipe: 'single', seed: 0, epochs: 30, calibrate: false });
    expect(Array.from((await classifier.predictProba(probe)).data)).toEqual(
      Array.from((await tfidfOnly.predictProba(probe)).data),
    );
    await classifier.dispose();
    await tfidfOnly.dispose();
  });
});

describe('a fusion whose primary has weight 0', () => {
  it('drops the primary and every encoder only it used: the checkpoint holds one member, predictions unchanged', async () => {
    // The auto recipe's shape: a fine-tuned potion head, TF-IDF with potion's embeddings, a frozen potion head.
    const lexical = {
      type: 'concat',
      tfidf: { ...DEFAULT_TFIDF_OPTIONS },
      dense: { type: 'static', model: DEFAULT_STATIC_MODEL, maxTokens: 512 },
      denseWeight: DEFAULT_DENSE_WEIGHT,
    } as const;
    const classifier = await TextClassifier.create({ encoder: 'potion', fuseWith: [lexical, 'potion'] });
    await classifier.fit(texts, labels, {
      recipe: 'single',
      seed: 0,
      epochs: 3,
      fineTune: [true, undefined, undefined],
      fusionWeights: [0, 1, 0],
    });
    expect(classifier.encoders.map((e) => e.spec.type)).toEqual(['static', 'concat', 'static']);
    const before = await classifier.predictProba(probe);
    await classifier.dropUnusedMembers();
    expect(classifier.encoders.map((e) => e.spec.type)).toEqual(['concat']);
    expect(classifier.composition.weights).toEqual([1]);
    expect(Array.from((await classifier.predictProba(probe)).data)).toEqual(Array.from(before.data));

    const dir = path.join(tempDir(), 'pruned');
    await classifier.save(dir);
    await classifier.dispose();
    const manifest = JSON.parse(readFileSync(path.join(dir, 'headstart.json'), 'utf8'));
    expect(manifest.encoder.spec.type).toBe('concat');
    expect(manifest.fusion).toBeUndefined();
    const loaded = await TextClassifier.load(dir);
    expect(loaded.encoders.map((e) => e.spec.type)).toEqual(['concat']);
    expect(Array.from((await loaded.predictProba(probe)).data)).toEqual(Array.from(before.data));
    await loaded.dispose();
  });
});

describe('a repeated encoder', () => {
  it('trains a differently initialised head per repeat (a bag) from vectors embedded once', async () => {
    const potion = await createEncoder('potion');
    const embed = vi.spyOn(potion, 'embed');
    const classifier = await TextClassifier.create({ encoder: potion, fuseWith: [potion, potion] });
    try {
      const report = await classifier.fit(texts, labels, { recipe: 'single', seed: 0, validationSplit: 0.4 });
      expect(embed).toHaveBeenCalledTimes(1);
      // Each head alone, scored on the same held-out rows: three different heads, not three copies.
      const alone = [0, 1, 2].map(
        (i) => report.fusion!.candidates.find((c) => c.priorAlpha === 0 && c.weights[i] === 1)!.nll,
      );
      expect(new Set(alone).size).toBe(3);
      embed.mockClear();
      const bagged = await classifier.predictProba(probe);
      expect(embed).toHaveBeenCalledTimes(1);
      expect(bagged.rows).toBe(probe.length);
    } finally {
      await classifier.dispose();
      await potion.dispose();
    }
  });
});

describe('prior correction chosen with the weights', () => {
  const alphas = [0, 0.25, 0.5, 0.75, 1];
  /** 90 rows of class 0 at `common` and 10 rare rows (class 1 or 0 as listed) at `rare`, priors 0.9 / 0.1. */
  const heldOut = (common: number[], rare: { probs: number[]; label: number }[]) => ({
    probs: Float32Array.from([...Array.from({ length: 90 }, () => common).flat(), ...rare.flatMap((r) => r.probs)]),
    targets: Int32Array.from([...new Array<number>(90).fill(0), ...rare.map((r) => r.label)]),
  });

  it('scores each strength by the macro-F1 its decisions expect under the mix calibrated on the held-out rows', () => {
    // 400 rows, 3 classes, the third rare; labels drawn from the probabilities, so they are calibrated.
    const random = createRng(11);
    const dim = 3;
    const rows = 400;
    const probs = new Float32Array(rows * dim);
    const targets = new Int32Array(rows);
    for (let row = 0; row < rows; row++) {
      const logits = [2 * random(), 2 * random(), 2 * random() - 1.5];
      const exps = logits.map(Math.exp);
      const total = exps.reduce((a, b) => a + b, 0);
      exps.forEach((e, j) => (probs[row * dim + j] = e / total));
      const u = random();
      targets[row] = u < probs[row * dim] ? 0 : u < probs[row * dim] + probs[row * dim + 1] ? 1 : 2;
    }
    const priors = classPriors(targets, dim);
    const choice = chooseWeights([probs], dim, targets, { priors, priorAlphas: alphas });
    const uncorrected = choice.candidates.find((c) => c.priorAlpha === 0)!;
    const belief = applyTemperature(probs, dim, uncorrected.temperature);
    // Expected counts summed row by row, independently of src/metrics/expected-f1.ts.
    const expected = (alpha: number) => {
      const corrected = correctForPrior(probs, dim, priors, alpha);
      let sum = 0;
      for (let c = 0; c < dim; c++) {
        let tp = 0;
        let fp = 0;
        let fn = 0;
        for (let row = 0; row < rows; row++) {
          const scores = Array.from(corrected.subarray(row * dim, row * dim + dim));
          const decided = scores.indexOf(Math.max(...scores)) === c;
          const p = belief[row * dim + c];
          if (decided) {
            tp += p;
            fp += 1 - p;
          } else fn += p;
        }
        sum += (2 * tp) / (2 * tp + fp + fn);
      }
      return sum / dim;
    };
    for (const alpha of alphas)
      expect(choice.candidates.find((c) => c.priorAlpha === alpha)!.expectedMacroF1).toBeCloseTo(expected(alpha), 5);
    const best = Math.max(...alphas.map(expected));
    expect(expected(choice.priorAlpha)).toBe(best);
    expect(choice.priorAlpha).toBeGreaterThan(0);
  });

  it('corrects when the rare class hides among uncertain rows', () => {
    // 90 confident class-0 rows; 10 at 60/40, of which 4 are the rare class: calibrated, and left
    // uncorrected the rare class is never predicted.
    const { probs, targets } = heldOut(
      [0.95, 0.05],
      Array.from({ length: 10 }, (_, i) => ({ probs: [0.6, 0.4], label: i < 4 ? 1 : 0 })),
    );
    const choice = chooseWeights([probs], 2, targets, { priors: [0.9, 0.1], priorAlphas: alphas });
    expect(choice.priorAlpha).toBeGreaterThan(0);
    expect(choice.candidates[0].expectedMacroF1).toBeGreaterThan(
      choice.candidates.find((c) => c.priorAlpha === 0)!.expectedMacroF1,
    );
    expect(chooseWeights([probs], 2, targets).priorAlpha).toBe(0);
  });

  it('does not chase a few held-out rows of a rare class that the probabilities do not expect', () => {
    // A confident model: 8 rare rows at 3/97, and 2 at 70/30 that happen to be the rare class. A
    // correction of 0.5 or more flips those two and scores a perfect held-out macro-F1; under the
    // calibrated probabilities each is the rare class only about 30% of the time.
    const { probs, targets } = heldOut(
      [0.97, 0.03],
      [
        ...Array.from({ length: 8 }, () => ({ probs: [0.03, 0.97], label: 1 })),
        ...[0, 1].map(() => ({ probs: [0.7, 0.3], label: 1 })),
      ],
    );
    const choice = chooseWeights([probs], 2, targets, { priors: [0.9, 0.1], priorAlphas: alphas });
    const byLabels = choice.candidates.reduce((a, b) => (b.macroF1 > a.macroF1 ? b : a));
    expect(byLabels.priorAlpha).toBeGreaterThan(0);
    expect(byLabels.macroF1).toBe(1);
    expect(choice.priorAlpha).toBe(0);
  });
});
