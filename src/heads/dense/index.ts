/** Face of heads/dense/: the heads over dense rows, trained in TensorFlow.js. */
export { fitNetwork } from './fit-network.js';
export { crossEntropy, distillationLoss } from './loss.js';
export { affineOfActivations, buildNetwork, type Network, networkFromModel } from './network.js';
export { buildModel, readStoredHead } from './persist.js';
export { StoredDenseHead } from './stored-dense.js';
export { TfHead } from './tf-head.js';
