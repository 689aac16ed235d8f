/**
 * Probability-level fusion: a weighted average of several heads' probabilities (each head over its
 * own encoder), with the weights chosen on held-out rows.
 */
import { classificationReport } from '../metrics/index.js';
import { negativeLogLikelihood } from '../calibration/temperature.js';
import { correctForPrior } from '../calibration/prior.js';

/** Weighted average of equally shaped row-major probability matrices; weights are normalised. */
export function averageProbabilities(parts: readonly Float32Array[], weights: readonly number[]): Float32Array {
  const total = weights.reduce((sum, w) => sum + w, 0);
  const out = new Float32Array(parts[0].length);
  parts.forEach((part, k) => {
    const w = weights[k] / total;
    if (w === 0) return;
    for (let i = 0; i < out.length; i++) out[i] += w * part[i];
  });
  return out;
}

export interface WeightChoice {
  weights: number[];
  /** Strength of the prior correction (0: none). */
  priorAlpha: number;
  /** Held-out macro-F1 and NLL of every candidate tried, best first. */
  candidates: { weights: number[]; priorAlpha: number; macroF1: number; nll: number }[];
}

export interface ChoiceOptions {
  /** Weight grid resolution: steps of 1 / steps. */
  steps?: number;
  /** Prior-correction strengths to try with every weight vector (default [0]), and the class priors. */
  priorAlphas?: readonly number[];
  priors?: readonly number[];
  /** Only these weight vectors (default: the whole simplex grid). */
  weights?: number[][];
}

/** Every weight vector on the simplex with steps of `1 / steps` (the single members included). */
export function simplexGrid(members: number, steps: number): number[][] {
  if (members === 1) return [[1]];
  const grid: number[][] = [];
  for (let first = 0; first <= steps; first++) {
    for (const rest of simplexGrid(members - 1, steps - first).map((w) => w.map((v) => (v * (steps - first)) / steps))) {
      grid.push([first / steps, ...rest].map((v) => Math.round(v * 1000) / 1000));
    }
  }
  return steps === 0 ? [new Array(members).fill(1 / members)] : grid.filter((w) => w.some((v) => v > 0));
}

/**
 * Two stages, to keep the number of held-out comparisons (and so selection noise) low: the weights
 * with the best held-out macro-F1 without prior correction (ties: lower NLL, then the more even
 * mix), then for those weights the prior-correction strength with the best macro-F1 (ties: the
 * weaker correction). `targets` are class indices of the held-out rows.
 */
export function chooseWeights(parts: readonly Float32Array[], dim: number, targets: Int32Array, options: ChoiceOptions = {}): WeightChoice {
  const { steps = 10, priorAlphas = [0], priors } = options;
  const labels = Array.from({ length: dim }, (_, i) => String(i));
  const score = (weights: number[], priorAlpha: number) => {
    const mixed = averageProbabilities(parts, weights);
    const adjusted = priors && priorAlpha > 0 ? correctForPrior(mixed, dim, priors, priorAlpha) : mixed;
    const predicted = new Int32Array(targets.length);
    for (let row = 0; row < targets.length; row++) {
      let best = 0;
      for (let j = 1; j < dim; j++) if (adjusted[row * dim + j] > adjusted[row * dim + best]) best = j;
      predicted[row] = best;
    }
    return { weights, priorAlpha, macroF1: classificationReport(targets, predicted, labels).macroF1, nll: negativeLogLikelihood(adjusted, dim, targets) };
  };
  const spread = (w: number[]) => Math.max(...w) - Math.min(...w);
  const mixes = (options.weights ?? simplexGrid(parts.length, steps)).map((weights) => score(weights, 0));
  mixes.sort((a, b) => b.macroF1 - a.macroF1 || a.nll - b.nll || spread(a.weights) - spread(b.weights));
  const corrections = priorAlphas.filter((alpha) => alpha > 0).map((alpha) => score(mixes[0].weights, alpha));
  const candidates = [...corrections, ...mixes];
  candidates.sort((a, b) => b.macroF1 - a.macroF1 || a.priorAlpha - b.priorAlpha || a.nll - b.nll || spread(a.weights) - spread(b.weights));
  const best = [mixes[0], ...corrections].sort((a, b) => b.macroF1 - a.macroF1 || a.priorAlpha - b.priorAlpha)[0];
  return { weights: best.weights, priorAlpha: best.priorAlpha, candidates: [best, ...candidates.filter((c) => c !== best)] };
}
