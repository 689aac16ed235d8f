/** Public face of members/: what other folders of src/ may import. */
export { assertFineTunable, trainFineTunedMember } from './fine-tuned.js';
export { trainMember } from './frozen.js';
export { labelAsText, type LabelTexts } from './label-similarity.js';
export {
  type Member,
  memberFeatures,
  type MemberFitOptions,
  type MemberTraining,
  predictMember,
  readsSparseRows,
} from './member.js';
export { type EncoderArgument, EncoderPool } from './pool.js';
export { type MemberPlan, trainPlanned } from './train.js';
export { ComputedVectors } from './vectors.js';
