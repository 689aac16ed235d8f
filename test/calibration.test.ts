import { describe, expect, it } from 'vitest';
import { applyTemperature, fitTemperature, negativeLogLikelihood } from '../src/calibration/temperature.js';
import { createRng } from '../src/util/random.js';
import { classPriors, correctForPrior } from '../src/calibration/prior.js';

function softmaxRows(logits: Float64Array, dim: number): Float32Array {
  const out = new Float32Array(logits.length);
  for (let start = 0; start < logits.length; start += dim) {
    const row = logits.subarray(start, start + dim);
    const max = Math.max(...row);
    const exps = Array.from(row, (v) => Math.exp(v - max));
    const sum = exps.reduce((a, b) => a + b, 0);
    exps.forEach((e, j) => (out[start + j] = e / sum));
  }
  return out;
}

/** Noisy 3-class logits whose softmax is far too confident: the true class wins only ~70% of the time. */
function overconfident(rows: number, seed: number) {
  const rng = createRng(seed);
  const dim = 3;
  const targets = new Int32Array(rows);
  const logits = new Float64Array(rows * dim);
  for (let row = 0; row < rows; row++) {
    targets[row] = Math.floor(rng() * dim);
    for (let j = 0; j < dim; j++) logits[row * dim + j] = 8 * ((j === targets[row] ? 0.25 : 0) + rng());
  }
  return { dim, targets, logits };
}

describe('temperature scaling', () => {
  it('equals softmax of logits divided by T', () => {
    const { dim, logits } = overconfident(50, 1);
    const scaled = applyTemperature(softmaxRows(logits, dim), dim, 2.5);
    const expected = softmaxRows(
      logits.map((v) => v / 2.5),
      dim,
    );
    scaled.forEach((value, i) => expect(value).toBeCloseTo(expected[i], 5));
  });

  it('leaves probabilities unchanged at T = 1', () => {
    const { dim, logits } = overconfident(20, 2);
    const probs = softmaxRows(logits, dim);
    expect(Array.from(applyTemperature(probs, dim, 1))).toEqual(Array.from(probs));
  });

  it('softens over-confident probabilities and lowers held-out NLL and ECE', () => {
    const fit = overconfident(600, 3);
    const probs = softmaxRows(fit.logits, fit.dim);
    const calibration = fitTemperature(probs, fit.dim, fit.targets);
    expect(calibration.temperature).toBeGreaterThan(1.5);
    expect(calibration.nllAfter).toBeLessThan(calibration.nllBefore);
    expect(calibration.eceAfter).toBeLessThan(calibration.eceBefore);

    const fresh = overconfident(600, 4);
    const freshProbs = softmaxRows(fresh.logits, fresh.dim);
    const after = negativeLogLikelihood(
      applyTemperature(freshProbs, fresh.dim, calibration.temperature),
      fresh.dim,
      fresh.targets,
    );
    expect(after).toBeLessThan(negativeLogLikelihood(freshProbs, fresh.dim, fresh.targets));
  });

  it('keeps T = 1 when scaling cannot lower the NLL (already calibrated one-hot-correct rows)', () => {
    const probs = Float32Array.from([0.5, 0.5, 0.5, 0.5]);
    expect(fitTemperature(probs, 2, Int32Array.from([0, 1])).temperature).toBe(1);
  });
});

describe('prior correction', () => {
  it('divides by priors^alpha and renormalises; alpha 0 leaves rows unchanged', () => {
    const probs = Float32Array.from([0.6, 0.4, 0.5, 0.5]);
    expect(Array.from(correctForPrior(probs, 2, [0.8, 0.2], 0))).toEqual(Array.from(probs));
    const full = correctForPrior(probs, 2, [0.8, 0.2], 1);
    expect(full[0]).toBeCloseTo(0.6 / 0.8 / (0.6 / 0.8 + 0.4 / 0.2), 6);
    expect(full[2] + full[3]).toBeCloseTo(1, 6);
    expect(full[3]).toBeGreaterThan(full[2]);
  });

  it('counts class priors with one smoothing count per class', () => {
    expect(classPriors(Int32Array.from([0, 0, 0, 1]), 3)).toEqual([4 / 7, 2 / 7, 1 / 7]);
  });
});
