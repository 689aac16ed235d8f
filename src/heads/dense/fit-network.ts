/**
 * The one skeleton of training a dense head's network, whether its inputs are fixed embeddings
 * (TfHead.fit) or come from a static table trained with it (finetune/), as model2vec trains both
 * in one `_train` with a `freeze` flag: hold out validation rows, standardise on the training
 * rows, build the seeded network, train it, tune multi-label thresholds on the held-out rows.
 */
import type { Tf } from '../../backend/index.js';
import type { Matrix } from '../../encoders/index.js';
import { createRng, type Rng } from '../../util/index.js';
import type { DenseHeadSpec, Targets, TrainOptions, TrainReport } from '../head.js';
import { buildNetwork, type Network } from './network.js';
import { predictProbabilities } from './predict.js';
import { validationSplit, type ValidationSplit } from '../split.js';
import type { Standardization } from '../standardize.js';
import { denseTargets } from '../targets.js';
import { DEFAULT_THRESHOLD, tuneThresholds } from '../thresholds.js';

/** What a trained TfHead holds. */
export interface TrainedState {
  net: Network;
  standardization?: Standardization | undefined;
  thresholds?: Float32Array | undefined;
}

/** How one kind of input trains, prepared once the validation rows are known. */
export interface InputTraining {
  standardization: Standardization | undefined;
  /** Trains the freshly built `net`; `rng` draws batch order and dropout. */
  train(net: Network, rng: Rng): Promise<TrainReport>;
  /** After training: the held-out rows as the network reads them (standardised). */
  heldOutInputs(): Promise<Matrix>;
}

export async function fitNetwork(
  tf: Tf,
  spec: DenseHeadSpec,
  targets: Targets,
  options: TrainOptions,
  prepare: (split: ValidationSplit) => InputTraining,
): Promise<{ state: TrainedState; report: TrainReport }> {
  const split = validationSplit(
    targets,
    spec.numLabels,
    options.validationSplit,
    options.seed,
    options.validationGroups,
  );
  const inputs = prepare(split);
  const rng = createRng(options.initSeed ?? options.seed);
  const net = buildNetwork(tf, spec, () => Math.floor(rng() * 2 ** 31));
  try {
    const report = await inputs.train(net, rng);
    let thresholds: Float32Array | undefined;
    if (spec.multiLabel) {
      const { validation } = split;
      thresholds =
        validation.length > 0
          ? tuneThresholds(
              predictProbabilities(tf, net, await inputs.heldOutInputs(), spec.numLabels, undefined),
              denseTargets(targets, validation, spec.numLabels),
              validation.length,
              spec.numLabels,
            )
          : new Float32Array(spec.numLabels).fill(DEFAULT_THRESHOLD);
    }
    return { state: { net, standardization: inputs.standardization, thresholds }, report };
  } catch (error) {
    net.model.dispose();
    throw error;
  }
}
