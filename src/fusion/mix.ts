/**
 * How a classifier turns its members' probabilities into its own: a weighted average (the fusion
 * weights), divided by the class priors to a chosen strength, then temperature-scaled. Chosen on
 * the held-out rows at training, applied at prediction, saved and loaded here alone.
 */
import {
  correctRowForPrior,
  fitTemperature,
  type Calibration,
  classPriors,
  priorFactors,
  PRIOR_ALPHAS,
  scaleRow,
} from '../calibration/index.js';
import type { CheckpointContents, Manifest } from '../checkpoint/index.js';
import { addWeighted, chooseWeights, shares, type WeightChoice } from './ensemble.js';

export interface Mix {
  /** One weight per member, primary first. */
  weights: number[];
  prior?: { alpha: number; priors: number[] };
  temperature: number;
}

/** Fewer held-out rows than this leave the temperature at 1 (a fit on a handful of rows is noise). */
const MIN_CALIBRATION_ROWS = 20;
/** Fewer held-out rows than this leave the prior correction off. */
const MIN_PRIOR_CHOICE_ROWS = 50;

export function evenMix(members: number): Mix {
  return { weights: Array.from({ length: members }, () => 1 / members), temperature: 1 };
}

export interface MixOptions {
  fusionWeights?: number[];
  fusionCandidates?: number[][];
  priorCorrection?: boolean;
  calibrate?: boolean;
}

export interface MixChoice {
  mix: Mix;
  /** How each candidate mix scored on the held-out rows (when several were compared). */
  fusion?: WeightChoice;
  calibration?: Calibration;
}

/**
 * The mix for members whose held-out probabilities are `parts` (one per member, on the rows of
 * `heldTargets`; `trainLabels` give the class priors): the given weights or the candidate with the
 * lowest held-out log-loss, the prior correction with the best expected macro-F1 when asked, and
 * the temperature that fits the result. Without held-out probabilities (multi-label data, no
 * split), the given weights or even ones, uncalibrated.
 */
export function chooseMix(
  parts: readonly (Float32Array | undefined)[],
  held: { targets: Int32Array; trainLabels: Int32Array } | undefined,
  numLabels: number,
  options: MixOptions,
): MixChoice {
  const given = options.fusionWeights && [...options.fusionWeights];
  const probabilities = parts.every((p) => p !== undefined) ? (parts as Float32Array[]) : undefined;
  if (!held || held.targets.length === 0 || !probabilities)
    return { mix: { ...evenMix(parts.length), ...(given && { weights: given }) } };

  const choosePrior = options.priorCorrection === true && held.targets.length >= MIN_PRIOR_CHOICE_ROWS;
  const priors = classPriors(held.trainLabels, numLabels);
  let weights = given ?? evenMix(parts.length).weights;
  let priorAlpha = 0;
  let fusion: WeightChoice | undefined;
  // The chosen candidate's temperature was fitted on the same mixed probabilities: it is reused.
  let chosenCalibration: Calibration | undefined;
  if ((parts.length > 1 && !given) || choosePrior) {
    const { calibration, ...choice } = chooseWeights(probabilities, numLabels, held.targets, {
      priors,
      priorAlphas: choosePrior ? PRIOR_ALPHAS : [0],
      weights: given ? [weights] : options.fusionCandidates,
    });
    fusion = choice;
    chosenCalibration = calibration;
    weights = choice.weights;
    priorAlpha = choice.priorAlpha;
  }
  const mix: Mix = { weights, ...(priorAlpha > 0 && { prior: { alpha: priorAlpha, priors } }), temperature: 1 };
  const calibration =
    options.calibrate !== false && held.targets.length >= MIN_CALIBRATION_ROWS
      ? (chosenCalibration ?? fitTemperature(applyMix(mix, probabilities, numLabels), numLabels, held.targets))
      : undefined;
  return {
    mix: { ...mix, temperature: calibration?.temperature ?? 1 },
    ...(fusion && { fusion }),
    ...(calibration && { calibration }),
  };
}

/**
 * The mixed probabilities; `parts` holds one matrix per member, or undefined for a member of weight 0.
 * Row by row in one array: the float operations of `averageProbabilities`, `correctForPrior` and
 * `applyTemperature` in turn over the whole matrix, in the same order (test/mix-rows.test.ts),
 * without their three intermediate matrices.
 */
export function applyMix(mix: Mix, parts: readonly (Float32Array | undefined)[], numLabels: number): Float32Array {
  const used = mix.weights.flatMap((weight, i) => (weight > 0 ? [i] : []));
  const prior = mix.prior && mix.prior.alpha !== 0 ? priorFactors(mix.prior.priors, mix.prior.alpha) : undefined;
  if (used.length === 1 && !prior && mix.temperature === 1) return parts[used[0]!]!;
  const sources = used.map((i) => parts[i]!);
  const weights = shares(used.map((i) => mix.weights[i]!));
  const out = new Float32Array(sources[0]?.length ?? 0);
  if (sources.length === 1) out.set(sources[0]!);
  const power = 1 / mix.temperature;
  const logs = new Float64Array(numLabels);
  for (let start = 0; start < out.length; start += numLabels) {
    if (sources.length > 1) addWeighted(sources, weights, out, start, start + numLabels);
    if (prior) correctRowForPrior(out, start, numLabels, prior);
    if (mix.temperature !== 1) scaleRow(out, out, start, numLabels, power, logs);
  }
  return out;
}

/** The mix without the members whose weight is 0. */
export function withoutUnused(mix: Mix): Mix {
  return { ...mix, weights: mix.weights.filter((w) => w > 0) };
}

/** The mix's part of a checkpoint (the fusion weights go with the fused members, `fused`). */
export function mixContents(
  mix: Mix,
  fused: NonNullable<CheckpointContents['fusion']>['members'],
): Pick<CheckpointContents, 'fusion' | 'calibration' | 'priorCorrection'> {
  return {
    ...(fused.length > 0 && { fusion: { weights: mix.weights, members: fused } }),
    ...(mix.temperature !== 1 && { calibration: { temperature: mix.temperature } }),
    ...(mix.prior && { priorCorrection: mix.prior }),
  };
}

export function mixFromManifest(manifest: Manifest, members: number): Mix {
  return {
    weights: manifest.fusion ? [...manifest.fusion.weights] : evenMix(members).weights,
    ...(manifest.priorCorrection && {
      prior: { alpha: manifest.priorCorrection.alpha, priors: [...manifest.priorCorrection.priors] },
    }),
    temperature: manifest.calibration?.temperature ?? 1,
  };
}
