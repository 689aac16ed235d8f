/** Public face of recipes/: what other folders of src/ may import. */
export { type AutoOptions, type AutoReport, DEFAULT_BUDGET_SECONDS, trainAuto } from './auto.js';
