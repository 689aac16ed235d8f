/** What an encoder spec says about the encoder, for reports and for sharing instances. */
import type { EncoderSpec } from './encoder.js';

export function describeSpec(spec: EncoderSpec): string {
  if (spec.type === 'static' && spec.tuned) return `static:${spec.model} (fine-tuned)`;
  if (spec.type === 'concat') return `tfidf+${describeSpec(spec.dense)}`;
  return spec.type === 'tfidf' ? 'tfidf' : `${spec.type}:${spec.model}`;
}

/** An encoder its spec fully defines: pretrained weights, not fitted (TF-IDF) or tuned (a checkpoint's table). */
export function isPretrainedAsIs(spec: EncoderSpec): boolean {
  return spec.type === 'transformer' || (spec.type === 'static' && !spec.tuned);
}
