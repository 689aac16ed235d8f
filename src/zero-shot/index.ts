/** Public face of zero-shot/: what other folders of src/ may import. */
export { descriptionsByLabel, type LabelDescription, parseLabelDescriptions, ZERO_SHOT_FIT_OPTIONS } from './labels.js';
