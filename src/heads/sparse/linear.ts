/**
 * The head over sparse rows (TF-IDF): multinomial logistic regression (single-label) or per-label
 * logistic regressions (multi-label) with an L2 penalty, fitted by L-BFGS over the CSR rows, as
 * scikit-learn's LogisticRegression is. A gradient costs one pass over the non-zeros, so a
 * vocabulary of 100k+ terms trains in seconds where dense rows cost minutes and gigabytes.
 * Weights start at zero and every row is used in every iteration: the result depends on the seed
 * only through the validation split. Fitted to convergence (or `maxIterations` iterations), as
 * scikit-learn does: the L2 penalty is the regulariser. The validation loss is reported after every
 * iteration but does not stop the fit (stopping at its minimum underfits small sets: see
 * docs/decisions/lexical-features.md).
 */
import type { SparseMatrix } from '../../encoders/index.js';
import { DataError, UsageError } from '../../errors.js';
import type { EpochLog, SparseHead, SparseHeadSpec, SparseTrainOptions, Targets, TrainReport } from '../head.js';
import { resolveSparseTrainOptions } from '../options.js';
import { minimizeLbfgs } from './lbfgs.js';
import { SparseLogitsKernel } from './logits-kernel.js';
import {
  linearObjective,
  linearProbabilities,
  probabilitiesOfLogits,
  type LinearShape,
  type SparsePart,
} from './objective.js';
import { writeSparseHead } from './persist.js';
import { assertSparseMatrix, assertSplitColumns } from './validate.js';
import { validationSplit } from '../split.js';
import { balancedWeights, denseTargets } from '../targets.js';
import { DEFAULT_THRESHOLD, tuneThresholds } from '../thresholds.js';
import { assertSparseSpec, assertTargets } from '../validate.js';

/** Memory for L-BFGS's curvature pairs; fewer pairs are kept for very wide weight vectors. */
const LBFGS_MEMORY_BYTES = 512 * 1024 * 1024;
const MAX_LBFGS_PAIRS = 10;
const MIN_LBFGS_PAIRS = 3;
/** Stop once an iteration improves the objective by less than this fraction. */
const RELATIVE_TOLERANCE = 1e-6;

export interface SparseTrainedState {
  /** `[inputDim, numLabels]` row-major weights followed by `numLabels` biases. */
  parameters: Float32Array;
  thresholds?: Float32Array | undefined;
}

export class SparseLinearHead implements SparseHead {
  readonly spec: SparseHeadSpec;
  /** `kernel`: the float32 parameters widened once, so prediction runs in float64 like training. */
  private state: (SparseTrainedState & { kernel: SparseLogitsKernel }) | undefined;

  constructor(spec: SparseHeadSpec, trained?: SparseTrainedState) {
    assertSparseSpec(spec);
    this.spec = Object.freeze({ ...spec });
    if (trained) this.setState(trained);
  }

  get thresholds(): Float32Array | undefined {
    return this.state?.thresholds;
  }

  /**
   * Trains from zero weights (a second call replaces the previous ones); `maxIterations` bounds the
   * L-BFGS iterations. On abort the signal's reason is thrown
   * and the head keeps its previous state.
   */
  async fit(x: SparseMatrix, y: Targets, given?: Partial<SparseTrainOptions>): Promise<TrainReport> {
    const started = performance.now();
    const { spec } = this;
    assertSparseMatrix(x, spec.inputDim);
    assertTargets(y, x.rows, spec);
    if (y.kind === 'soft')
      throw new UsageError(
        'HEAD_TARGETS',
        'a head over sparse rows learns hard labels only, not soft (distillation) targets',
      );
    const options = resolveSparseTrainOptions(given);
    options.signal?.throwIfAborted();

    const shape: LinearShape = { dim: spec.inputDim, numLabels: spec.numLabels, multiLabel: spec.multiLabel };
    const split = validationSplit(y, spec.numLabels, options.validationSplit, options.seed, options.validationGroups);
    const part = (rows: Int32Array): SparsePart => ({
      x,
      rows,
      targets: denseTargets(y, rows, spec.numLabels),
      weights: options.classWeight === 'balanced' ? balancedWeights(y, split.train, rows, spec.numLabels) : undefined,
    });
    const train = part(split.train);
    const validation = split.validation.length > 0 ? part(split.validation) : undefined;

    const w = new Float64Array((spec.inputDim + 1) * spec.numLabels);
    const history: EpochLog[] = [];
    const pairs = Math.max(
      MIN_LBFGS_PAIRS,
      Math.min(MAX_LBFGS_PAIRS, Math.floor(LBFGS_MEMORY_BYTES / (16 * w.length))),
    );
    await minimizeLbfgs((point, gradient) => linearObjective(train, point, shape, options.l2, gradient), w, {
      maxIterations: options.maxIterations,
      memory: pairs,
      relativeTolerance: RELATIVE_TOLERANCE,
      signal: options.signal,
      onIteration: (epoch, value, point) => {
        const log: EpochLog = { epoch, loss: value / train.rows.length };
        if (!Number.isFinite(log.loss))
          throw new DataError('HEAD_DIVERGED', `training loss became ${log.loss} in iteration ${epoch}`);
        if (validation) Object.assign(log, evaluate(validation, point, shape));
        history.push(log);
        options.onEpoch?.(log);
        return false;
      },
    });
    const parameters = Float32Array.from(w);
    let thresholds: Float32Array | undefined;
    if (spec.multiLabel) {
      thresholds = validation
        ? tuneThresholds(
            linearProbabilities(x, Float64Array.from(parameters), shape, validation.rows),
            validation.targets,
            validation.rows.length,
            spec.numLabels,
          )
        : new Float32Array(spec.numLabels).fill(DEFAULT_THRESHOLD);
    }
    this.setState({ parameters, thresholds });
    return {
      epochsRun: history.length,
      bestEpoch: history.length,
      bestValLoss: history.at(-1)?.valLoss,
      history,
      seconds: (performance.now() - started) / 1000,
    };
  }

  predictProba(x: SparseMatrix): Float32Array {
    const { kernel } = this.trained('predict');
    const { split } = x;
    let logits: Float64Array;
    if (split) {
      assertSplitColumns(x, split, this.spec.inputDim);
      logits = kernel.logits(split.sparse, split.dense, split.width);
    } else {
      assertSparseMatrix(x, this.spec.inputDim);
      logits = kernel.logits(x);
    }
    return probabilitiesOfLogits(logits, this.spec.numLabels, this.spec.multiLabel);
  }

  save(dir: string): Promise<string[]> {
    const { parameters, thresholds } = this.trained('save');
    return writeSparseHead(dir, { spec: this.spec, thresholds }, parameters);
  }

  dispose(): void {
    this.state = undefined;
  }

  private setState(trained: SparseTrainedState): void {
    this.state = { ...trained, kernel: new SparseLogitsKernel(trained.parameters, this.spec.numLabels) };
  }

  private trained(action: string): SparseTrainedState & { kernel: SparseLogitsKernel } {
    if (!this.state) {
      throw new UsageError('HEAD_NOT_TRAINED', `cannot ${action}: the head has not been trained`, {
        hint: 'call fit() first, or loadAnyHead()',
      });
    }
    return this.state;
  }
}

/** Weighted mean validation loss and accuracy (argmax single-label; per label at 0.5 multi-label), in one pass. */
function evaluate(
  validation: SparsePart,
  w: Float64Array,
  shape: LinearShape,
): { valLoss: number; valAccuracy: number } {
  const { rows, targets, weights } = validation;
  const { numLabels, multiLabel } = shape;
  const probabilities = linearProbabilities(validation.x, w, shape, rows);
  const floor = 1e-12;
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < rows.length; i++) {
    const at = i * numLabels;
    if (multiLabel) {
      for (let c = 0; c < numLabels; c++) {
        const p = probabilities[at + c]!;
        const y = targets[at + c]!;
        loss -=
          (weights ? weights[at + c]! : 1) *
          (y * Math.log(Math.max(p, floor)) + (1 - y) * Math.log(Math.max(1 - p, floor)));
        if ((p > 0.5 ? 1 : 0) === y) correct++;
      }
      continue;
    }
    let predicted = 0;
    let truth = 0;
    for (let c = 1; c < numLabels; c++) {
      if (probabilities[at + c]! > probabilities[at + predicted]!) predicted = c;
      if (targets[at + c]! > targets[at + truth]!) truth = c;
    }
    loss -= (weights ? weights[i]! : 1) * Math.log(Math.max(probabilities[at + truth]!, floor));
    if (predicted === truth) correct++;
  }
  const terms = multiLabel ? rows.length * numLabels : rows.length;
  return { valLoss: loss / terms, valAccuracy: correct / terms };
}
