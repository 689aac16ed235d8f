/**
 * Limited-memory BFGS with a backtracking (Armijo) line search, for the smooth convex objective of
 * the sparse linear head. Hand-rolled (about 100 lines) because no maintained npm package offers
 * L-BFGS over typed arrays with a per-iteration callback and an abort signal; scikit-learn's
 * LogisticRegression uses the same method (scipy's L-BFGS-B) by default.
 */
import { eventLoopCheckpoint } from '../../util/index.js';

/** Writes the gradient at `w` into `gradient` and returns the objective. */
export type Objective = (w: Float64Array, gradient: Float64Array) => number;

export interface LbfgsOptions {
  maxIterations: number;
  /** (s, y) pairs kept for the inverse-Hessian estimate. */
  memory: number;
  /** Stop when an iteration improves the objective by less than this, relative to its size. */
  relativeTolerance: number;
  signal?: AbortSignal | undefined;
  /** Called after every iteration with the current point; return true to stop. */
  onIteration?: (iteration: number, value: number, w: Float64Array) => boolean;
}

export interface LbfgsResult {
  iterations: number;
  value: number;
}

const ARMIJO = 1e-4;
const MAX_BACKTRACKS = 40;

/** Minimises `objective` from `w` (updated in place). */
export async function minimizeLbfgs(
  objective: Objective,
  w: Float64Array,
  options: LbfgsOptions,
): Promise<LbfgsResult> {
  const n = w.length;
  const gradient = new Float64Array(n);
  let value = objective(w, gradient);
  const pairs: { s: Float64Array; y: Float64Array; rho: number }[] = [];
  const direction = new Float64Array(n);
  const trial = new Float64Array(n);
  const trialGradient = new Float64Array(n);
  const alphas = new Float64Array(options.memory);
  const checkpoint = eventLoopCheckpoint(options.signal);
  let iteration = 0;

  while (iteration < options.maxIterations) {
    await checkpoint();
    searchDirection(gradient, pairs, direction, alphas);
    let slope = dot(gradient, direction);
    if (!(slope < 0)) {
      // Not a descent direction (curvature estimate gone bad): restart from steepest descent.
      pairs.length = 0;
      searchDirection(gradient, pairs, direction, alphas);
      slope = dot(gradient, direction);
    }
    if (slope === 0) break;
    let step = pairs.length === 0 ? Math.min(1, 1 / Math.sqrt(-slope)) : 1;
    let trialValue = Number.NaN;
    let accepted = false;
    for (let backtrack = 0; backtrack < MAX_BACKTRACKS; backtrack++) {
      for (let i = 0; i < n; i++) trial[i] = w[i]! + step * direction[i]!;
      trialValue = objective(trial, trialGradient);
      if (Number.isFinite(trialValue) && trialValue <= value + ARMIJO * step * slope) {
        accepted = true;
        break;
      }
      step /= 2;
    }
    if (!accepted) break;
    iteration++;

    // The oldest pair's buffers are reused once memory is full.
    const recycled = pairs.length === options.memory ? pairs.shift() : undefined;
    const s = recycled?.s ?? new Float64Array(n);
    const y = recycled?.y ?? new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = trial[i]! - w[i]!;
      y[i] = trialGradient[i]! - gradient[i]!;
    }
    const sy = dot(s, y);
    if (sy > 1e-12) pairs.push({ s, y, rho: 1 / sy });
    const previous = value;
    w.set(trial);
    gradient.set(trialGradient);
    value = trialValue;
    if (options.onIteration?.(iteration, value, w)) break;
    if (previous - value <= options.relativeTolerance * Math.max(Math.abs(previous), Math.abs(value), 1)) break;
  }
  return { iterations: iteration, value };
}

/** The two-loop recursion: direction = -H g, with H from the stored pairs (scaled identity first). */
function searchDirection(
  gradient: Float64Array,
  pairs: { s: Float64Array; y: Float64Array; rho: number }[],
  out: Float64Array,
  alphas: Float64Array,
): void {
  for (let i = 0; i < out.length; i++) out[i] = -gradient[i]!;
  for (let k = pairs.length - 1; k >= 0; k--) {
    const { s, y, rho } = pairs[k]!;
    const alpha = rho * dot(s, out);
    alphas[k] = alpha;
    for (let i = 0; i < out.length; i++) out[i]! -= alpha * y[i]!;
  }
  const newest = pairs.at(-1);
  if (newest) {
    const { y, rho } = newest;
    const scale = 1 / (rho * dot(y, y));
    for (let i = 0; i < out.length; i++) out[i]! *= scale;
  }
  for (const [k, { s, y, rho }] of pairs.entries()) {
    const beta = rho * dot(y, out);
    const coefficient = alphas[k]! - beta;
    for (let i = 0; i < out.length; i++) out[i]! += coefficient * s[i]!;
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}
