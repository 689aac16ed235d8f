/**
 * FLOP counts for a BERT encoder forward pass and the machine's attainable fp32 matrix rate,
 * measured with a one-node MatMul ONNX model in onnxruntime-node (the runtime the encoder uses).
 */
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { GraphBuilder } from '../../src/export/graph-builder.js';
import { createRng } from '../../src/util/random.js';

export interface BertShape {
  layers: number;
  hidden: number;
  intermediate: number;
}

/**
 * Multiply-adds x 2 of one sequence of `length` tokens: per layer the Q, K, V and output
 * projections (4 L h^2), the feed-forward pair (2 L h f), the attention scores QK^T and the
 * weighted sum of V (2 L^2 h). Softmax, GELU, layer norms and the embedding lookup are O(L h)
 * and left out, as is usual (they are under 1% at these sizes).
 */
export function bertFlopsPerSequence(shape: BertShape, length: number): number {
  const { layers, hidden: h, intermediate: f } = shape;
  return layers * 2 * (4 * length * h * h + 2 * length * h * f + 2 * length * length * h);
}

/** FLOPs the model executes for batches padded to their longest text: sum of batch size x flops(longest). */
export function paddedBatchFlops(
  shape: BertShape,
  batches: readonly (readonly number[])[],
  lengths: readonly number[],
): number {
  let total = 0;
  for (const batch of batches) {
    const longest = Math.max(...batch.map((i) => lengths[i]));
    total += batch.length * bertFlopsPerSequence(shape, longest);
  }
  return total;
}

export interface AttainableRate {
  gflops: number;
  threads: number;
  /** The MatMul measured: [m, k] x [k, n]. */
  size: number;
  runs: number;
}

function matmulModel(size: number): Uint8Array {
  const graph = new GraphBuilder('matmul');
  const a = graph.input('a', 'float32', [size, size]);
  const rng = createRng(7);
  const weights = Float32Array.from({ length: size * size }, () => rng() - 0.5);
  const b = graph.initializer('b', weights, [size, size]);
  graph.output(graph.op('MatMul', [a, b], {}, 'c'), 'float32', [size, size]);
  return graph.encode(onnxProto, 13, 'headstart-bench');
}

/**
 * Best-of-`runs` rate of a square fp32 MatMul: large enough to be compute-bound, the best run
 * being the one least disturbed by other processes.
 */
export async function measureAttainableGflops(threads: number, size = 1024, runs = 12): Promise<AttainableRate> {
  const session = await ort.InferenceSession.create(matmulModel(size), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  try {
    const rng = createRng(11);
    const input = new ort.Tensor(
      'float32',
      Float32Array.from({ length: size * size }, () => rng() - 0.5),
      [size, size],
    );
    await session.run({ a: input });
    let best = Infinity;
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      await session.run({ a: input });
      best = Math.min(best, (performance.now() - start) / 1000);
    }
    return { gflops: (2 * size ** 3) / best / 1e9, threads, size, runs };
  } finally {
    await session.release();
  }
}
