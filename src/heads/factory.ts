/** Creating and loading heads; the only place that picks an implementation by head type. */
import { loadTf } from '../backend/tf.js';
import { ModelError } from '../errors.js';
import type { Head, HeadSpec } from './head.js';
import { networkFromModel } from './network.js';
import { readHead } from './persist.js';
import { TfHead } from './tf-head.js';
import { assertHeadSpec } from './validate.js';

export { defaultTrainOptions } from './options.js';

/** An untrained head; throws ModelError on an unknown type and UsageError on other bad spec fields. */
export async function createHead(spec: HeadSpec): Promise<Head> {
  assertHeadSpec(spec);
  return new TfHead(await loadTf(), spec);
}

/**
 * Loads a head written by `head.save(dir)`. With `spec`, also checks that the stored head is the
 * one the caller expects (ModelError naming the first differing field otherwise).
 */
export async function loadHead(dir: string, spec?: HeadSpec): Promise<Head> {
  const tf = await loadTf();
  const { state, model } = await readHead(tf, dir);
  try {
    if (spec) assertSameSpec(state.spec, spec, dir);
    const net = networkFromModel(tf, model, state.spec);
    return new TfHead(tf, state.spec, { net, standardization: state.standardization, thresholds: state.thresholds });
  } catch (error) {
    model.dispose();
    throw error;
  }
}

function assertSameSpec(stored: HeadSpec, expected: HeadSpec, dir: string): void {
  const fields: (keyof HeadSpec)[] = ['type', 'inputDim', 'numLabels', 'multiLabel', 'standardize'];
  if (stored.type === 'mlp') fields.push('hidden', 'dropout');
  for (const field of fields) {
    if (stored[field] !== expected[field]) {
      throw new ModelError('HEAD_SPEC_MISMATCH', `stored ${field} is ${JSON.stringify(stored[field])} but ${JSON.stringify(expected[field])} was expected`, {
        location: { file: dir, field: `spec.${field}` },
      });
    }
  }
}
