/**
 * A dense linear head loaded without TensorFlow.js: its weights are read straight from weights.bin
 * and it predicts through the compiled kernel (linear-kernel.ts), so predicting with a linear-only
 * checkpoint never pays TensorFlow.js' import and backend start-up (~0.3 s CPU). Training and saving
 * load TensorFlow.js then: `fit` hands over to a new TfHead, `save` rebuilds the stored model and
 * writes it as a loaded TfHead would.
 */
import { loadTf } from '../../backend/index.js';
import type { Matrix } from '../../encoders/index.js';
import { UsageError } from '../../errors.js';
import type { DenseHeadSpec, DenseLayerParameters, Head, Targets, TrainOptions, TrainReport } from '../head.js';
import type { Standardization } from '../standardize.js';
import { assertMatrix } from '../validate.js';
import { compileLinear, type LinearKernel, linearProbabilities } from './linear-kernel.js';
import { buildModel, type StoredHead, writeHead } from './persist.js';
import { TfHead } from './tf-head.js';

interface Loaded {
  stored: StoredHead;
  layer: DenseLayerParameters;
  kernel: LinearKernel;
}

export class StoredLinearHead implements Head {
  readonly spec: DenseHeadSpec;
  private loaded: Loaded | undefined;
  private retrained: TfHead | undefined;

  private constructor(spec: DenseHeadSpec, loaded: Loaded) {
    this.spec = Object.freeze({ ...spec });
    this.loaded = loaded;
  }

  /**
   * The head of `stored` when its files are exactly what a linear TfHead writes (one float32 dense
   * layer "logits" and its activation); undefined otherwise, so TF.js reads them and reports what is wrong.
   */
  static from(stored: StoredHead): StoredLinearHead | undefined {
    const spec = stored.state.spec;
    if (spec.input === 'sparse' || spec.type !== 'linear' || !isLinearTopology(stored.modelJson.modelTopology, spec))
      return undefined;
    const [kernelSpec, biasSpec] = stored.weightSpecs;
    const plainFloats = stored.weightSpecs.every((w) => w.dtype === 'float32' && w.quantization === undefined);
    if (
      stored.weightSpecs.length !== 2 ||
      !plainFloats ||
      kernelSpec?.name !== 'logits/kernel' ||
      kernelSpec.shape.join() !== `${spec.inputDim},${spec.numLabels}` ||
      biasSpec?.name !== 'logits/bias' ||
      biasSpec.shape.join() !== `${spec.numLabels}`
    )
      return undefined;
    // A copy: weights.bin's bytes need not be 4-byte aligned in the buffer they were read into.
    const values = new Float32Array(stored.weights.slice().buffer);
    const layer: DenseLayerParameters = {
      kernel: values.subarray(0, spec.inputDim * spec.numLabels),
      bias: values.subarray(spec.inputDim * spec.numLabels),
      inputs: spec.inputDim,
      units: spec.numLabels,
    };
    const kernel = compileLinear(layer, stored.state.standardization, spec.multiLabel);
    return new StoredLinearHead(spec, { stored, layer, kernel });
  }

  get thresholds(): Float32Array | undefined {
    return this.retrained ? this.retrained.thresholds : this.loaded?.stored.state.thresholds;
  }

  /** Trains from scratch in TensorFlow.js; on failure or abort the head keeps its loaded weights. */
  async fit(x: Matrix, y: Targets, options?: Partial<TrainOptions>): Promise<TrainReport> {
    const head = new TfHead(await loadTf(), this.spec);
    const report = await head.fit(x, y, options);
    this.dispose();
    this.retrained = head;
    return report;
  }

  predictProba(x: Matrix): Float32Array {
    if (this.retrained) return this.retrained.predictProba(x);
    const { kernel } = this.current('predict');
    assertMatrix(x, this.spec.inputDim);
    return linearProbabilities(kernel, x);
  }

  parameters(): { layers: DenseLayerParameters[]; standardization?: Standardization | undefined } {
    if (this.retrained) return this.retrained.parameters();
    const { layer, stored } = this.current('read the parameters of');
    return { layers: [layer], standardization: stored.state.standardization };
  }

  async save(dir: string): Promise<string[]> {
    if (this.retrained) return this.retrained.save(dir);
    const { stored } = this.current('save');
    const tf = await loadTf();
    const model = await buildModel(tf, stored);
    try {
      return await writeHead(tf, dir, model, { ...stored.state, spec: this.spec });
    } finally {
      model.dispose();
    }
  }

  dispose(): void {
    this.retrained?.dispose();
    this.retrained = undefined;
    this.loaded = undefined;
  }

  private current(action: string): Loaded {
    if (!this.loaded) {
      throw new UsageError('HEAD_NOT_TRAINED', `cannot ${action}: the head has been disposed`, {
        hint: 'load it again with loadHead()',
      });
    }
    return this.loaded;
  }
}

/** The topology `buildNetwork` writes for a linear head: Dense "logits" then the output activation. */
function isLinearTopology(topology: unknown, spec: DenseHeadSpec): boolean {
  const model = topology as { class_name?: unknown; config?: { layers?: unknown } } | null | undefined;
  const layers = model?.config?.layers;
  if (model?.class_name !== 'Sequential' || !Array.isArray(layers) || layers.length !== 2) return false;
  const [dense, activation] = layers as { class_name?: unknown; config?: Record<string, unknown> }[];
  const d = dense?.config;
  const a = activation?.config;
  return (
    dense?.class_name === 'Dense' &&
    d?.name === 'logits' &&
    d.units === spec.numLabels &&
    d.activation === 'linear' &&
    d.use_bias === true &&
    JSON.stringify(d.batch_input_shape) === JSON.stringify([null, spec.inputDim]) &&
    activation?.class_name === 'Activation' &&
    a?.activation === (spec.multiLabel ? 'sigmoid' : 'softmax')
  );
}
