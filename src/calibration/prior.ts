/**
 * Prior correction for macro-F1: dividing probabilities by the training class frequencies raised to
 * `alpha` (then renormalising) moves decisions towards rare classes, as balanced class weights do,
 * but after training, so the strength can be chosen on held-out rows (alpha 0 = unchanged,
 * 1 = fully balanced). Why a chosen strength rather than a fixed one: docs/decisions/fusion-choice.md.
 */

export const PRIOR_ALPHAS = [0, 0.25, 0.5, 0.75, 1];

/** Class frequencies of single-label targets (each at least one count, so none is zero). */
export function classPriors(labels: Int32Array, numLabels: number): number[] {
  const counts = new Array<number>(numLabels).fill(1);
  for (const label of labels) counts[label]!++;
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => c / total);
}

/** `probs / priors^alpha`, rows renormalised; returns a new array (a copy when alpha is 0). */
export function correctForPrior(
  probs: Float32Array,
  dim: number,
  priors: readonly number[],
  alpha: number,
): Float32Array {
  const out = Float32Array.from(probs);
  if (alpha === 0) return out;
  const factors = priorFactors(priors, alpha);
  for (let start = 0; start < out.length; start += dim) correctRowForPrior(out, start, dim, factors);
  return out;
}

/** What each class's probability is multiplied by: `priors^-alpha`. */
export function priorFactors(priors: readonly number[], alpha: number): number[] {
  return priors.map((p) => Math.pow(p, -alpha));
}

/** Multiplies the row at `start` by `factors` and renormalises it, in place. */
export function correctRowForPrior(out: Float32Array, start: number, dim: number, factors: readonly number[]): void {
  let sum = 0;
  // The float64 products are summed, not the float32 values stored.
  for (let j = 0; j < dim; j++) sum += out[start + j]! *= factors[j]!;
  if (sum > 0) for (let j = 0; j < dim; j++) out[start + j]! /= sum;
}
