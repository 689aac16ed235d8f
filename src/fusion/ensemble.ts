/**
 * Probability-level fusion: a weighted average of several heads' probabilities (each head over its
 * own encoder), with the weights chosen on held-out rows.
 */
import { classificationReport, expectedMacroF1 } from '../metrics/index.js';
import { applyTemperature, fitTemperature } from '../calibration/temperature.js';
import { correctForPrior } from '../calibration/prior.js';
import { argmaxRows } from '../heads/targets.js';

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
 * with the lowest held-out negative log-likelihood without prior correction (ties: the more even
 * mix), then for those weights the prior-correction strength with the best expected macro-F1
 * (ties: the weaker correction).
 * - NLL rather than macro-F1 for the mix: on a few hundred held-out rows macro-F1 moves in whole
 *   rows and many mixes tie or nearly tie, while every row moves the NLL, a proper scoring rule,
 *   continuously.
 * - Each mix's NLL is taken after its own temperature scaling, as the classifier ships the chosen
 *   mix temperature-scaled: otherwise the raw NLL favours whichever member is better calibrated, not
 *   better at ranking (Banking77: an MLP's near-calibrated probabilities against the L2-regularised
 *   regression's flat ones over 77 labels).
 *   `auto`, 4-fold CV (training splits; the whole corpus where there is no test split), macro-F1
 *   with the mix chosen by macro-F1 -> raw NLL -> scaled NLL: Financial PhraseBank 0.7482 -> 0.7553
 *   -> 0.7521; SST-2 (12k rows) 0.8595 -> 0.8625 -> 0.8637; TREC-6 0.8611 -> 0.8614 -> 0.8614;
 *   Medical Abstracts 0.5664 -> 0.5718 -> 0.5660; AG News 0.8859 -> 0.8853 -> 0.8830; Banking77
 *   (first two folds) 0.9082 -> 0.9020 -> 0.9113. Within noise on average, but the scaled-NLL
 *   choice varies less from fold to fold (SST-2: the fine-tuned head with TF-IDF at 0.4 to 0.6 in
 *   all four folds, where macro-F1 switched between the fine-tuned and frozen heads).
 * - The correction is a decision rule for macro-F1 (it would only raise the NLL), so it is scored by
 *   macro-F1, but in expectation under the chosen mix's calibrated held-out probabilities
 *   (src/metrics/expected-f1.ts), not against the held-out labels: a rare class has a handful of
 *   held-out rows (TREC-6's ABBR about 9), and one of them moves macro-F1 by ~0.02, so the labels'
 *   choice followed noise.
 *   Same CV, macro-F1 with no correction / the strength chosen by held-out macro-F1 / by expected
 *   macro-F1: TREC-6 0.8632 / 0.8614 / 0.8632; Financial PhraseBank 0.7459 / 0.7521 / 0.7545;
 *   Medical Abstracts 0.5484 / 0.5660 / 0.5714; SST-2 0.8633 / 0.8637 / 0.8644; Banking77 (first
 *   two folds) 0.9128 / 0.9113 / 0.9128. AG News is balanced: no correction changes a decision.
 * `targets` are class indices of the held-out rows.
 */
export function chooseWeights(parts: readonly Float32Array[], dim: number, targets: Int32Array, options: ChoiceOptions = {}): WeightChoice {
  const { steps = 10, priorAlphas = [0], priors } = options;
  const labels = Array.from({ length: dim }, (_, i) => String(i));
  const score = (weights: number[], priorAlpha: number, belief?: Float32Array): WeightCandidate => {
    const mixed = averageProbabilities(parts, weights);
    const adjusted = priors && priorAlpha > 0 ? correctForPrior(mixed, dim, priors, priorAlpha) : mixed;
    const predicted = argmaxRows(adjusted, dim);
    const { temperature, nllAfter: nll } = fitTemperature(adjusted, dim, targets);
    // A correction changes decisions, not beliefs: it is scored under its uncorrected mix's calibrated probabilities.
    const calibrated = belief ?? applyTemperature(mixed, dim, temperature);
    return {
      weights,
      priorAlpha,
      macroF1: classificationReport(targets, predicted, labels).macroF1,
      expectedMacroF1: expectedMacroF1(predicted, calibrated, dim),
      nll,
      temperature,
    };
  };
  const spread = (w: number[]) => Math.max(...w) - Math.min(...w);
  const mixes = (options.weights ?? simplexGrid(parts.length, steps)).map((weights) => score(weights, 0));
  mixes.sort((a, b) => a.nll - b.nll || spread(a.weights) - spread(b.weights));
  const chosenMix = mixes[0];
  const belief = priorAlphas.some((alpha) => alpha > 0) ? applyTemperature(averageProbabilities(parts, chosenMix.weights), dim, chosenMix.temperature) : undefined;
  const corrections = priorAlphas.filter((alpha) => alpha > 0).map((alpha) => score(chosenMix.weights, alpha, belief));
  const best = [chosenMix, ...corrections].sort((a, b) => b.expectedMacroF1 - a.expectedMacroF1 || a.priorAlpha - b.priorAlpha)[0];
  const others = [...corrections, ...mixes].filter((c) => c !== best).sort((a, b) => a.nll - b.nll || spread(a.weights) - spread(b.weights));
  return { weights: best.weights, priorAlpha: best.priorAlpha, candidates: [best, ...others] };
}
