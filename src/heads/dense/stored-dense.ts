/**
 * A dense head (linear or MLP) loaded without TensorFlow.js: its weights are read straight from
 * weights.bin and it predicts through a compiled kernel (linear-kernel.ts, mlp-kernel.ts), so
 * predicting with a checkpoint of dense heads never pays TensorFlow.js' import and backend start-up
 * (~0.3 s CPU). Training and saving load TensorFlow.js then: `fit` hands over to a new TfHead, `save`
 * rebuilds the stored model and writes it as a loaded TfHead would.
 */
import { loadTf } from '../../backend/index.js';
import type { Matrix } from '../../encoders/index.js';
import { UsageError } from '../../errors.js';
import type { DenseHeadSpec, DenseLayerParameters, Head, Targets, TrainOptions, TrainReport } from '../head.js';
import type { Standardization } from '../standardize.js';
import { assertMatrixShape } from '../validate.js';
import { compileDenseHead } from './mlp-kernel.js';
import { buildModel, type StoredHead, writeHead } from './persist.js';
import { TfHead } from './tf-head.js';

interface Loaded {
  stored: StoredHead;
  layers: DenseLayerParameters[];
  predict: (x: Matrix) => Float32Array;
}

/** A dense layer as `buildNetwork` writes it: its name, units and activation. */
interface LayerShape {
  name: string;
  inputs: number;
  units: number;
  activation: 'relu' | 'linear';
}

export class StoredDenseHead implements Head {
  readonly spec: DenseHeadSpec;
  private loaded: Loaded | undefined;
  private retrained: TfHead | undefined;

  private constructor(spec: DenseHeadSpec, loaded: Loaded) {
    this.spec = Object.freeze({ ...spec });
    this.loaded = loaded;
  }

  /**
   * The head of `stored` when its files are exactly what a TfHead writes (float32 dense layers
   * "hidden" for an MLP and "logits", and the output activation); undefined otherwise, so TF.js reads
   * them and reports what is wrong.
   */
  static from(stored: StoredHead): StoredDenseHead | undefined {
    const spec = stored.state.spec;
    if (spec.input === 'sparse') return undefined;
    const logits = { name: 'logits', units: spec.numLabels, activation: 'linear' } as const;
    const shapes: LayerShape[] =
      spec.type === 'mlp'
        ? [
            { name: 'hidden', inputs: spec.inputDim, units: spec.hidden, activation: 'relu' },
            { ...logits, inputs: spec.hidden },
          ]
        : [{ ...logits, inputs: spec.inputDim }];
    if (!isDenseTopology(stored.modelJson.modelTopology, spec, shapes)) return undefined;
    const layers = readLayers(stored, shapes);
    if (!layers) return undefined;
    const predict = compileDenseHead(layers, stored.state.standardization, spec.multiLabel);
    return new StoredDenseHead(spec, { stored, layers, predict });
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
    const { predict } = this.current('predict');
    // The kernel checks the values are finite as it copies them.
    assertMatrixShape(x, this.spec.inputDim);
    return predict(x);
  }

  parameters(): { layers: DenseLayerParameters[]; standardization?: Standardization | undefined } {
    if (this.retrained) return this.retrained.parameters();
    const { layers, stored } = this.current('read the parameters of');
    return { layers, standardization: stored.state.standardization };
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

/** The weights of `shapes` from weights.bin, when the manifest lists exactly their float32 kernels and biases. */
function readLayers(stored: StoredHead, shapes: readonly LayerShape[]): DenseLayerParameters[] | undefined {
  const expected = shapes.flatMap(({ name, inputs, units }) => [
    { name: `${name}/kernel`, shape: `${inputs},${units}` },
    { name: `${name}/bias`, shape: `${units}` },
  ]);
  const specs = stored.weightSpecs;
  const matches =
    specs.length === expected.length &&
    specs.every(
      (w, i) =>
        w.dtype === 'float32' &&
        w.quantization === undefined &&
        w.name === expected[i]!.name &&
        w.shape.join() === expected[i]!.shape,
    );
  if (!matches) return undefined;
  // A copy: weights.bin's bytes need not be 4-byte aligned in the buffer they were read into.
  const values = new Float32Array(stored.weights.slice().buffer);
  let offset = 0;
  const take = (count: number) => values.subarray(offset, (offset += count));
  return shapes.map(({ inputs, units }) => ({ kernel: take(inputs * units), bias: take(units), inputs, units }));
}

/**
 * The topology `buildNetwork` writes: Sequential, the dense layers of `shapes` in order (a Dropout
 * after each hidden one), then the output activation.
 */
function isDenseTopology(topology: unknown, spec: DenseHeadSpec, shapes: readonly LayerShape[]): boolean {
  const model = topology as { class_name?: unknown; config?: { layers?: unknown } } | null | undefined;
  const layers = model?.config?.layers;
  if (model?.class_name !== 'Sequential' || !Array.isArray(layers)) return false;
  const written = layers as { class_name?: unknown; config?: Record<string, unknown> }[];
  const expected = [
    ...shapes.flatMap((shape) => (shape.activation === 'relu' ? [shape, 'Dropout'] : [shape])),
    spec.multiLabel ? 'sigmoid' : 'softmax',
  ];
  return (
    written.length === expected.length &&
    expected.every((want, i) => {
      const layer = written[i]!;
      const c = layer.config;
      if (want === 'Dropout') return layer.class_name === 'Dropout';
      if (typeof want === 'string') return layer.class_name === 'Activation' && c?.activation === want;
      return (
        layer.class_name === 'Dense' &&
        c?.name === want.name &&
        c.units === want.units &&
        c.activation === want.activation &&
        c.use_bias === true &&
        (i > 0 || JSON.stringify(c.batch_input_shape) === JSON.stringify([null, want.inputs]))
      );
    })
  );
}
