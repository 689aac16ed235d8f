/**
 * Face of heads/ for the folders that train in TensorFlow.js (finetune/, export/): the epoch loop,
 * losses and networks. Kept apart from heads/index.ts so the published types stay free of TensorFlow.js.
 */
export { fitNetwork } from '../fit-network.js';
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
export { crossEntropy, distillationLoss } from '../loss.js';
export { affineOfActivations, type Network } from '../network.js';
export { TfHead } from '../tf-head.js';
