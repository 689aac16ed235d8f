/**
 * The TF.js network behind a head: a Layers model (what is saved as model.json, usable on its own in
 * TF.js) whose dense weights the training loop and prediction drive directly with plain ops, which
 * avoids tfjs-layers' per-call overhead.
 */
import type { GradSaveFunc, Tensor, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Tf } from '../../backend/index.js';
import { ModelError } from '../../errors.js';
import type { DenseHeadSpec } from '../head.js';

const HIDDEN = 'hidden';
const LOGITS = 'logits';

export interface Network {
  readonly model: LayersModel;
  /** Kernels and biases, in model order. */
  readonly variables: Variable[];
  /** The kernels, which the L2 penalty applies to. */
  readonly kernels: Variable[];
  /**
   * Training-time logits (with fast gradients). `dropoutMask` (MLP only) is a `[rows, hidden]`
   * matrix of 0 and 1/(1-rate) applied to the hidden activations.
   */
  trainingLogits(x: Tensor2D, dropoutMask?: Tensor2D): Tensor2D;
  /** Inference-time logits (no dropout). */
  logits(x: Tensor2D): Tensor2D;
  /** Softmax rows (single-label) or sigmoids (multi-label). */
  probabilities(x: Tensor2D): Tensor2D;
}

/** A freshly initialised network: Glorot-uniform kernels seeded from `nextSeed`, zero biases. */
export function buildNetwork(tf: Tf, spec: DenseHeadSpec, nextSeed: () => number): Network {
  const model = tf.sequential({ name: `${spec.type}_head` });
  const kernelInitializer = () => tf.initializers.glorotUniform({ seed: nextSeed() });
  if (spec.type === 'mlp') {
    model.add(
      tf.layers.dense({
        name: HIDDEN,
        inputShape: [spec.inputDim],
        units: spec.hidden,
        activation: 'relu',
        kernelInitializer: kernelInitializer(),
      }),
    );
    model.add(tf.layers.dropout({ name: 'dropout', rate: spec.dropout }));
  }
  model.add(
    tf.layers.dense({
      name: LOGITS,
      ...(spec.type === 'linear' && { inputShape: [spec.inputDim] }),
      units: spec.numLabels,
      kernelInitializer: kernelInitializer(),
    }),
  );
  model.add(tf.layers.activation({ name: 'probabilities', activation: spec.multiLabel ? 'sigmoid' : 'softmax' }));
  return networkFromModel(tf, model, spec);
}

/** Wraps a built or loaded model, checking it has the layers and shapes `spec` describes. */
export function networkFromModel(tf: Tf, model: LayersModel, spec: DenseHeadSpec): Network {
  const hidden = spec.type === 'mlp' ? denseVariables(model, HIDDEN, spec.inputDim, spec.hidden) : undefined;
  const output = denseVariables(model, LOGITS, hidden ? spec.hidden : spec.inputDim, spec.numLabels);
  const dense = hidden ? [hidden, output] : [output];
  const affine = (x: Tensor2D, [kernel, bias]: DenseVariables) => tf.add<Tensor2D>(tf.matMul(x, kernel), bias);
  const logits = (x: Tensor2D): Tensor2D => (hidden ? affine(tf.relu(affine(x, hidden)), output) : affine(x, output));
  const outputOfActivations = affineOfActivations(tf);
  const trainingLogits = (x: Tensor2D, dropoutMask?: Tensor2D): Tensor2D => {
    if (!hidden) return affineOfData(tf, x, output);
    let h = tf.relu(affineOfData(tf, x, hidden));
    if (dropoutMask) h = tf.mul(h, dropoutMask);
    return outputOfActivations(h, ...output);
  };
  return {
    model,
    variables: dense.flat(),
    kernels: dense.map(([kernel]) => kernel),
    trainingLogits,
    logits,
    probabilities: (x) => (spec.multiLabel ? tf.sigmoid(logits(x)) : tf.softmax(logits(x))),
  };
}

type DenseVariables = [kernel: Variable, bias: Variable];

/*
 * x·W + b with gradients that transpose explicitly: the WASM backend runs tfjs' built-in MatMul
 * gradient (a transposed operand) several times slower, and it dominates training time
 * (docs/decisions/performance.md).
 */

/** For the input layer: `x` is data, so only the kernel and bias get gradients. */
function affineOfData(tf: Tf, x: Tensor2D, [kernel, bias]: DenseVariables): Tensor2D {
  return tf.customGrad((w, b) => ({
    value: tf.add<Tensor2D>(tf.matMul(x, w as Tensor2D), b as Tensor),
    gradFunc: (dy: Tensor2D) => [tf.matMul(tf.transpose(x), dy), tf.sum(dy, 0)],
  }))(kernel, bias);
}

/** For a later layer (or a fine-tuned encoder's output): the activations `h` need a gradient too. */
export function affineOfActivations(tf: Tf): (h: Tensor2D, kernel: Tensor, bias: Tensor) => Tensor2D {
  return tf.customGrad((h, w, b, save) => {
    (save as GradSaveFunc)([h as Tensor, w as Tensor]);
    return {
      value: tf.add<Tensor2D>(tf.matMul(h as Tensor2D, w as Tensor2D), b as Tensor),
      gradFunc: (dy: Tensor2D, [hs, ws]: Tensor[]) => [
        tf.matMul(dy, tf.transpose(ws as Tensor2D)),
        tf.matMul(tf.transpose(hs as Tensor2D), dy),
        tf.sum(dy, 0),
      ],
    };
  });
}

function denseVariables(model: LayersModel, name: string, inputs: number, units: number): DenseVariables {
  const layer = model.layers.find((l) => l.name === name);
  // LayerVariable.read() hands out the underlying tf.Variable, which optimizers can update.
  const [kernel, bias] = (layer?.trainableWeights ?? []).map((w) => w.read() as Variable);
  const shapeOk = kernel?.shape.join() === `${inputs},${units}` && bias?.shape.join() === `${units}`;
  if (!shapeOk) {
    throw new ModelError(
      'HEAD_MODEL_MISMATCH',
      `model has no dense layer "${name}" with a [${inputs}, ${units}] kernel and a bias`,
      {
        location: { field: name },
        hint: 'model.json does not belong to this head.json',
      },
    );
  }
  return [kernel, bias];
}
