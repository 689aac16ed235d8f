/**
 * The one Head implementation: `linear` and `mlp` differ only in the network `buildNetwork` makes.
 * It predicts through a kernel compiled from its weights after they change (fit, load), not through
 * TensorFlow.js: a linear head's float64 sums (linear-kernel.ts) and an MLP's float32 layers
 * (mlp-kernel.ts), both in WebAssembly SIMD; both cost less than a TensorFlow.js call per chunk.
 */
import type { Tf } from '../../backend/index.js';
import type { Matrix } from '../../encoders/index.js';
import { UsageError } from '../../errors.js';
import type { DenseLayerParameters, Head, DenseHeadSpec, Targets, TrainOptions, TrainReport } from '../head.js';
import { fitNetwork, type TrainedState } from './fit-network.js';
import { resolveTrainOptions } from '../options.js';
import { compileDenseHead } from './mlp-kernel.js';
import { writeHead } from './persist.js';
import { fitStandardization, gatherRows, type Standardization } from '../standardize.js';
import { rowTargets } from '../targets.js';
import { trainNetwork, type TrainingPart } from './train.js';
import { assertMatrix, assertMatrixShape, assertTargets } from '../validate.js';

export class TfHead implements Head {
  readonly spec: DenseHeadSpec;
  private state: TrainedState | undefined;
  /** Compiled from the weights at the first prediction after they change (fit, load); never stale. */
  private kernel: ((x: Matrix) => Float32Array) | undefined;

  constructor(
    private readonly tf: Tf,
    spec: DenseHeadSpec,
    trained?: TrainedState,
  ) {
    this.spec = Object.freeze({ ...spec });
    this.state = trained;
  }

  get thresholds(): Float32Array | undefined {
    return this.state?.thresholds;
  }

  /**
   * Trains from scratch (a second call replaces the previous weights). Holds out a stratified
   * validation split for early stopping and, multi-label, threshold tuning; when no class can spare
   * a row it trains on everything for `epochs` epochs and keeps thresholds at 0.5.
   * On abort the signal's reason (an AbortError) is thrown and the head keeps its previous state.
   */
  async fit(x: Matrix, y: Targets, given?: Partial<TrainOptions>): Promise<TrainReport> {
    const { spec, tf } = this;
    assertMatrix(x, spec.inputDim);
    assertTargets(y, x.rows, spec);
    const options = resolveTrainOptions(spec.type, given);
    options.signal?.throwIfAborted();

    const { state, report } = await fitNetwork(tf, spec, y, options, (split) => {
      const standardization = spec.standardize ? fitStandardization(x, split.train) : undefined;
      const part = (rows: Int32Array): TrainingPart => ({
        x: gatherRows(x, rows, standardization),
        rows: rows.length,
        ...rowTargets(y, split.train, rows, spec.numLabels, options.classWeight),
      });
      const validation = split.validation.length > 0 ? part(split.validation) : undefined;
      return {
        standardization,
        train: (net, rng) => trainNetwork(tf, net, spec, part(split.train), validation, options, rng),
        heldOutInputs: async () => ({ data: validation!.x, rows: validation!.rows, dim: spec.inputDim }),
      };
    });
    this.state?.net.model.dispose();
    this.state = state;
    this.kernel = undefined;
    return report;
  }

  predictProba(x: Matrix): Float32Array {
    this.trained('predict');
    // The kernel checks the values are finite as it copies them.
    assertMatrixShape(x, this.spec.inputDim);
    if (!this.kernel) {
      const { layers, standardization } = this.parameters();
      this.kernel = compileDenseHead(layers, standardization, this.spec.multiLabel);
    }
    return this.kernel(x);
  }

  /** The trained weights as plain arrays (dense layers in order, ReLU between them) and the standardisation. */
  parameters(): { layers: DenseLayerParameters[]; standardization?: Standardization | undefined } {
    const { net, standardization } = this.trained('read the parameters of');
    const layers: DenseLayerParameters[] = [];
    // The variables come in (kernel, bias) pairs, one per dense layer.
    for (let i = 0; i < net.variables.length; i += 2) {
      const [kernel, bias] = [net.variables[i]!, net.variables[i + 1]!];
      const [inputs, units] = kernel.shape as [number, number];
      layers.push({ kernel: kernel.dataSync() as Float32Array, bias: bias.dataSync() as Float32Array, inputs, units });
    }
    return { layers, standardization };
  }

  save(dir: string): Promise<string[]> {
    const { net, standardization, thresholds } = this.trained('save');
    return writeHead(this.tf, dir, net.model, { spec: this.spec, standardization, thresholds });
  }

  dispose(): void {
    this.state?.net.model.dispose();
    this.state = undefined;
    this.kernel = undefined;
  }

  private trained(action: string): TrainedState {
    if (!this.state) {
      throw new UsageError('HEAD_NOT_TRAINED', `cannot ${action}: the head has not been trained`, {
        hint: 'call fit() first, or loadHead()',
      });
    }
    return this.state;
  }
}
