/** What the recipes ask of an encoder spec's kind, answered here so no caller switches on `spec.type`. */
import { DEFAULT_DENSE_WEIGHT } from './concat.js';
import type { EncoderSpec } from './encoder.js';
import { DEFAULT_TFIDF_OPTIONS } from './lexical/index.js';

/** TF-IDF rows, alone or with embeddings appended. */
export function isLexicalSpec(spec: EncoderSpec): boolean {
  return spec.type === 'tfidf' || spec.type === 'concat';
}

/** A static encoder whose table was trained with a head. */
export function isTunedSpec(spec: EncoderSpec): boolean {
  return spec.type === 'static' && spec.tuned !== undefined;
}

/** 'tfidf', or 'tfidf+embeddings' for TF-IDF with embeddings appended. */
export function lexicalName(spec: EncoderSpec): string {
  return spec.type === 'concat' ? 'tfidf+embeddings' : 'tfidf';
}

/**
 * Default TF-IDF with the embeddings of `dense` appended, when the concatenation takes them (a
 * pretrained static encoder: ConcatEncoder refuses a tuned table); undefined otherwise.
 */
export function tfidfWithEmbeddingsOf(dense: EncoderSpec): EncoderSpec | undefined {
  if (dense.type !== 'static' || dense.tuned) return undefined;
  return { type: 'concat', tfidf: { ...DEFAULT_TFIDF_OPTIONS }, dense, denseWeight: DEFAULT_DENSE_WEIGHT };
}
