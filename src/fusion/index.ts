/** Public face of fusion/: what other folders of src/ may import. */
export type { WeightChoice } from './ensemble.js';
export {
  applyMix,
  chooseMix,
  evenMix,
  type Mix,
  type MixChoice,
  mixContents,
  mixFromManifest,
  withoutUnused,
} from './mix.js';
