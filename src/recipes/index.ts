/** Public face of recipes/: what other folders of src/ may import. */
export { type AutoOptions, type AutoReport, trainAuto } from './auto.js';
