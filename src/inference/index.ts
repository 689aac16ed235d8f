/** Public face of inference/: prediction-time kernels for trained heads. */
export { memberProbabilities } from './member.js';
