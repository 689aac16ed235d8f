/**
 * A member's probabilities at prediction time: a dense linear head runs as a compiled kernel
 * (linear.ts), every other head as it was trained (TensorFlow.js for an MLP, the sparse head's own
 * float64 kernel). Compiled per call from the head's current weights, so a head refitted since is
 * never served stale weights; for a linear head that costs microseconds.
 */
import type { Matrix, SparseMatrix } from '../encoders/index.js';
import {
  type AnyHead,
  assertMatrix,
  compileLinear,
  type DenseLayerParameters,
  isSparseHead,
  linearProbabilities,
  type Standardization,
} from '../heads/index.js';
import { predictMember } from '../members/index.js';

interface DenseParameters {
  parameters(): { layers: DenseLayerParameters[]; standardization?: Standardization };
}

export function memberProbabilities(head: AnyHead, x: Matrix | SparseMatrix): Float32Array {
  if (isSparseHead(head) || head.spec.type !== 'linear' || !hasParameters(head) || 'indptr' in x)
    return predictMember(head, x);
  const { layers, standardization } = head.parameters();
  const [layer] = layers;
  if (!layer || layers.length !== 1) return predictMember(head, x);
  assertMatrix(x, head.spec.inputDim);
  return linearProbabilities(compileLinear(layer, standardization, head.spec.multiLabel), x);
}

function hasParameters(head: object): head is DenseParameters {
  return typeof (head as Partial<DenseParameters>).parameters === 'function';
}
