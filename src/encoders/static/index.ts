/** Public face of encoders/static/: what the rest of encoders/ may import. */
export { DEFAULT_STATIC_MODEL, downloadedModelHashes, resolveStaticModel } from './resolve-model.js';
export { float16ToNumber, numberToFloat16 } from './float16.js';
export {
  CHARS_PER_TOKEN,
  STATIC_MODEL_FILE,
  STATIC_TOKENIZER_FILE,
  StaticEncoder,
  WHITESPACE_SEARCH_CHARS,
} from './static.js';
