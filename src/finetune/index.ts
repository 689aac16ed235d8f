/** Public face of finetune/: what other folders of src/ may import. */
export { type FineTuneOption, type FineTuneOptions, resolveFineTune } from './options.js';
export { type FineTuneResult, fineTuneStatic, tokenizeAll } from './train.js';
