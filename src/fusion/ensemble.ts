/**
 * Probability-level fusion: a weighted average of several heads' probabilities (each head over its
 * own encoder), with the weights chosen on held-out rows.
 */
import { classificationReport, expectedMacroF1 } from '../metrics/index.js';
import { applyTemperature, type Calibration, fitTemperature, correctForPrior } from '../calibration/index.js';
import { argmaxRows } from '../heads/index.js';

/** Weighted average of equally shaped row-major probability matrices; weights are normalised. */
export function averageProbabilities(parts: readonly Float32Array[], weights: readonly number[]): Float32Array {
  const out = new Float32Array(parts[0]?.length ?? 0);
  addWeighted(parts, shares(weights), out, 0, out.length);
  return out;
}

/** The weights divided by their sum. */
export function shares(weights: readonly number[]): number[] {
  const total = weights.reduce((sum, w) => sum + w, 0);
  return weights.map((w) => w / total);
}

/** Adds `shares[k] * parts[k][i]` to `out[i]` for `i` from `start` to `end` - 1, part after part. */
export function addWeighted(
  parts: readonly Float32Array[],
  shares: readonly number[],
  out: Float32Array,
  start: number,
  end: number,
): void {
  for (let k = 0; k < parts.length; k++) {
    const share = shares[k] ?? 0;
    if (share === 0) continue;
    const part = parts[k]!;
    for (let i = start; i < end; i++) out[i]! += share * part[i]!;
  }
}

export interface WeightChoice {
  weights: number[];
  /** Strength of the prior correction (0: none). */
  priorAlpha: number;
  /**
   * Every candidate tried, the chosen one first, then the others by NLL: its held-out macro-F1; the
   * macro-F1 its decisions are expected to score under its mix's temperature-scaled probabilities;
   * and its held-out NLL after scaling by its own best temperature (which `temperature` is).
   */
  candidates: WeightCandidate[];
}

export interface WeightCandidate {
  weights: number[];
  priorAlpha: number;
  macroF1: number;
  expectedMacroF1: number;
  nll: number;
  temperature: number;
}

export interface ChoiceOptions {
  /** Weight grid resolution: steps of 1 / steps. */
  steps?: number;
  /** Prior-correction strengths to try with every weight vector (default [0]), and the class priors. */
  priorAlphas?: readonly number[];
  priors?: readonly number[];
  /** Only these weight vectors (default: the whole simplex grid). */
  weights?: number[][] | undefined;
}

/** Every weight vector on the simplex with steps of `1 / steps` (the single members included). */
export function simplexGrid(members: number, steps: number): number[][] {
  if (members === 1) return [[1]];
  const grid: number[][] = [];
  for (let first = 0; first <= steps; first++) {
    for (const rest of simplexGrid(members - 1, steps - first).map((w) =>
      w.map((v) => (v * (steps - first)) / steps),
    )) {
      grid.push([first / steps, ...rest].map((v) => Math.round(v * 1000) / 1000));
    }
  }
  return steps === 0 ? [new Array(members).fill(1 / members)] : grid.filter((w) => w.some((v) => v > 0));
}

/**
 * Two stages, to keep the number of held-out comparisons (and so selection noise) low: the weights
 * with the lowest held-out negative log-likelihood without prior correction, each mix scored after its
 * own temperature scaling (ties: the more even mix); then for those weights the prior-correction
 * strength with the best macro-F1 expected under the mix's calibrated held-out probabilities (ties:
 * the weaker correction). Why, with the figures: docs/decisions/fusion-choice.md.
 * `targets` are class indices of the held-out rows. `calibration` is the chosen mix's temperature fit.
 */
export function chooseWeights(
  parts: readonly Float32Array[],
  dim: number,
  targets: Int32Array,
  options: ChoiceOptions = {},
): WeightChoice & { calibration: Calibration } {
  const { steps = 10, priorAlphas = [0], priors } = options;
  const labels = Array.from({ length: dim }, (_, i) => String(i));
  const score = (
    weights: number[],
    priorAlpha: number,
    belief?: Float32Array,
  ): WeightCandidate & { calibration: Calibration } => {
    const mixed = averageProbabilities(parts, weights);
    const adjusted = priors && priorAlpha > 0 ? correctForPrior(mixed, dim, priors, priorAlpha) : mixed;
    const predicted = argmaxRows(adjusted, dim);
    const calibration = fitTemperature(adjusted, dim, targets);
    const { temperature, nllAfter: nll } = calibration;
    // A correction changes decisions, not beliefs: it is scored under its uncorrected mix's calibrated probabilities.
    const calibrated = belief ?? applyTemperature(mixed, dim, temperature);
    return {
      weights,
      priorAlpha,
      macroF1: classificationReport(targets, predicted, labels).macroF1,
      expectedMacroF1: expectedMacroF1(predicted, calibrated, dim),
      nll,
      temperature,
      calibration,
    };
  };
  const spread = (w: number[]) => Math.max(...w) - Math.min(...w);
  const mixes = (options.weights ?? simplexGrid(parts.length, steps)).map((weights) => score(weights, 0));
  mixes.sort((a, b) => a.nll - b.nll || spread(a.weights) - spread(b.weights));
  // The grid (or the weights given, checked non-empty) has at least one mix.
  const chosenMix = mixes[0]!;
  const belief = priorAlphas.some((alpha) => alpha > 0)
    ? applyTemperature(averageProbabilities(parts, chosenMix.weights), dim, chosenMix.temperature)
    : undefined;
  const corrections = priorAlphas.filter((alpha) => alpha > 0).map((alpha) => score(chosenMix.weights, alpha, belief));
  const [best = chosenMix] = [chosenMix, ...corrections].sort(
    (a, b) => b.expectedMacroF1 - a.expectedMacroF1 || a.priorAlpha - b.priorAlpha,
  );
  const others = [...corrections, ...mixes]
    .filter((c) => c !== best)
    .sort((a, b) => a.nll - b.nll || spread(a.weights) - spread(b.weights));
  const candidates = [best, ...others].map(({ calibration: _calibration, ...candidate }) => candidate);
  return { weights: best.weights, priorAlpha: best.priorAlpha, candidates, calibration: best.calibration };
}
