/** Creating and loading heads; the only place that picks an implementation by head type. */
import { loadTf } from '../backend/index.js';
import { ModelError, UsageError } from '../errors.js';
import {
  isSparseHead,
  type AnyHead,
  type DenseHeadSpec,
  type Head,
  type HeadSpec,
  type SparseHead,
  type SparseHeadSpec,
} from './head.js';
import { buildModel, buildNetwork, networkFromModel, readStoredHead, StoredDenseHead, TfHead } from './dense/index.js';
import { HEAD_FILE, readHeadState } from './head-file.js';
import { readSparseParameters, SparseLinearHead } from './sparse/index.js';
import { assertDenseSpec, assertHeadSpec } from './validate.js';
import { asFileSource, type FileSource } from '../util/index.js';

/** An untrained head; throws ModelError on an unknown type and UsageError on other bad spec fields. */
export async function createHead(spec: DenseHeadSpec): Promise<Head> {
  assertDenseSpec(spec);
  assertHeadSpec(spec);
  return new TfHead(await loadTf(), spec);
}

/**
 * A dense linear head whose weights are given instead of trained: `kernel` is `[inputDim, numLabels]`
 * row-major, `bias` `[numLabels]`. It predicts, saves and loads like a trained one.
 */
export async function linearHeadFromWeights(
  spec: DenseHeadSpec,
  kernel: Float32Array,
  bias: Float32Array,
): Promise<Head> {
  assertDenseSpec(spec);
  assertHeadSpec(spec);
  if (spec.type !== 'linear' || spec.standardize) {
    throw new UsageError('HEAD_SPEC', 'given weights make a dense linear head without standardisation only');
  }
  if (kernel.length !== spec.inputDim * spec.numLabels || bias.length !== spec.numLabels) {
    throw new UsageError(
      'HEAD_SPEC',
      `weights of ${kernel.length} + ${bias.length} values do not fit a [${spec.inputDim}, ${spec.numLabels}] kernel and a [${spec.numLabels}] bias`,
    );
  }
  const tf = await loadTf();
  const net = buildNetwork(tf, spec, () => 0);
  // A linear network's variables are [kernel, bias].
  const [kernelVariable, biasVariable] = net.variables;
  tf.tidy(() => {
    kernelVariable!.assign(tf.tensor2d(kernel, [spec.inputDim, spec.numLabels]));
    biasVariable!.assign(tf.tensor1d(bias));
  });
  return new TfHead(tf, spec, { net });
}

/** An untrained head over sparse (CSR) rows: `spec.input` "sparse", type "linear". */
export function createSparseHead(spec: SparseHeadSpec): SparseHead {
  assertHeadSpec(spec);
  return new SparseLinearHead(spec);
}

/** Loads a dense head written by `head.save(dir)`; see `loadAnyHead` for sparse heads too. */
export async function loadHead(from: string | FileSource, spec?: HeadSpec): Promise<Head> {
  const files = asFileSource(from);
  const head = await loadAnyHead(files, spec);
  if (!isSparseHead(head)) return head;
  head.dispose();
  throw new ModelError('HEAD_SPEC_MISMATCH', 'the stored head reads sparse rows; load it with loadAnyHead', {
    location: { file: files.pathOf(HEAD_FILE), field: 'spec.input' },
  });
}

/**
 * Loads a head written by `head.save(dir)` from that directory or from its files already read.
 * With `spec`, also checks that the stored head is the one the caller expects (ModelError naming
 * the first differing field otherwise).
 */
export async function loadAnyHead(from: string | FileSource, spec?: HeadSpec): Promise<AnyHead> {
  const files = asFileSource(from);
  const headFile = files.pathOf(HEAD_FILE);
  const stored = await readHeadState(files);
  const storedSpec = stored.spec;
  if (storedSpec.input === 'sparse') {
    if (spec) assertSameSpec(storedSpec, spec, headFile);
    return new SparseLinearHead(storedSpec, {
      parameters: await readSparseParameters(files, stored),
      thresholds: stored.thresholds,
    });
  }
  const read = await readStoredHead(files);
  const dense = StoredDenseHead.from(read);
  if (dense) {
    if (spec) assertSameSpec(storedSpec, spec, headFile);
    return dense;
  }
  const tf = await loadTf();
  const state = read.state;
  const model = await buildModel(tf, read);
  try {
    if (spec) assertSameSpec(storedSpec, spec, headFile);
    const net = networkFromModel(tf, model, storedSpec);
    return new TfHead(tf, storedSpec, { net, standardization: state.standardization, thresholds: state.thresholds });
  } catch (error) {
    model.dispose();
    throw error;
  }
}

function assertSameSpec(stored: HeadSpec, expected: HeadSpec, headFile: string): void {
  const fields: (keyof HeadSpec)[] = ['type', 'inputDim', 'numLabels', 'multiLabel', 'standardize', 'input'];
  if (stored.type === 'mlp') fields.push('hidden', 'dropout');
  for (const field of fields) {
    if (stored[field] !== expected[field]) {
      throw new ModelError(
        'HEAD_SPEC_MISMATCH',
        `stored ${field} is ${JSON.stringify(stored[field])} but ${JSON.stringify(expected[field])} was expected`,
        {
          location: { file: headFile, field: `spec.${field}` },
        },
      );
    }
  }
}
