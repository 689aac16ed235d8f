/** What an encoder spec says about the encoder, for reports and for sharing instances. */
import path from 'node:path';
import type { EncoderSpec } from './encoder.js';

export function describeSpec(spec: EncoderSpec): string {
  if (spec.type === 'static' && spec.tuned) return `static:${spec.model} (fine-tuned)`;
  if (spec.type === 'concat') return `tfidf+${describeSpec(spec.dense)}`;
  return spec.type === 'tfidf' ? 'tfidf' : `${spec.type}:${spec.model}`;
}

/** A short name for progress lines: the model's folder name, 'tfidf', or 'tfidf+<model>'. */
export function shortSpecName(spec: EncoderSpec): string {
  if (spec.type === 'concat') return `tfidf+${shortSpecName(spec.dense)}`;
  return spec.type === 'tfidf' ? 'tfidf' : path.basename(spec.model);
}

/** The pretrained models a spec reads, each with the spec field naming it ('' for the spec itself). */
export function modelsOf(spec: EncoderSpec): { model: string; field: string }[] {
  if (spec.type === 'concat')
    return modelsOf(spec.dense).map(({ model, field }) => ({ model, field: `.dense${field}` }));
  return spec.type === 'tfidf' ? [] : [{ model: spec.model, field: '' }];
}

/** An encoder its spec fully defines: pretrained weights, not fitted (TF-IDF) or tuned (a checkpoint's table). */
export function isPretrainedAsIs(spec: EncoderSpec): boolean {
  return spec.type === 'transformer' || (spec.type === 'static' && !spec.tuned);
}
