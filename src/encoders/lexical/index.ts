/** Public face of encoders/lexical/: what the rest of encoders/ may import. */
export { DEFAULT_TFIDF_OPTIONS, TfidfEncoder } from './tfidf.js';
