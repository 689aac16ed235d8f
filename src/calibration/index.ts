/** Public face of calibration/: what other folders of src/ may import. */
export { classPriors, correctForPrior, correctRowForPrior, priorFactors, PRIOR_ALPHAS } from './prior.js';
export { applyTemperature, type Calibration, fitTemperature, negativeLogLikelihood, scaleRow } from './temperature.js';
