/**
 * Face of heads/ for the folders that train in TensorFlow.js (finetune/, export/): the epoch loop,
 * losses and networks. Kept apart from heads/index.ts so the published types stay free of TensorFlow.js.
 */
export {
  affineOfActivations,
  crossEntropy,
  distillationLoss,
  fitNetwork,
  type Network,
  StoredDenseHead,
  TfHead,
} from '../dense/index.js';
export {
  divergenceCheck,
  EarlyStopping,
  epochReporter,
  heldOutMetrics,
  type HeldOutMetrics,
  readHeldOutMetrics,
  runEpochs,
  type Snapshots,
  variableSnapshots,
} from '../loop.js';
