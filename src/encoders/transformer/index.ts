/** Public face of encoders/transformer/: what the rest of encoders/ may import. */
export { downloadHubModel, locateModelDir } from './hub-model.js';
export { physicalCoreCount } from './transformer-threads.js';
export { TransformerEncoder, type TransformerEncoderOptions } from './transformer.js';
