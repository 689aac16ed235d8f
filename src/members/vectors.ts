/**
 * The one vector-reuse rule, for training and prediction alike: vectors of a list of texts are
 * kept by the fingerprint of the encoder that computed them, and a member over an encoder with
 * that fingerprint (another head over the same encoder, a bag) takes them instead of embedding the
 * texts again. A TF-IDF+embeddings member is offered the first vectors kept (the primary's), which
 * it uses when they are its dense part's (src/encoders/concat.ts).
 */
import { type EmbeddedTexts, type Encoder, type Features, isSparseMatrix } from '../encoders/index.js';

export class ComputedVectors {
  private readonly kept: EmbeddedTexts[] = [];

  constructor(private readonly rows: number) {}

  /** Keeps `features` as `encoder`'s vectors of the texts (sparse rows are not reused). */
  add(encoder: Encoder, features: Features): void {
    const { fingerprint } = encoder;
    if (isSparseMatrix(features) || features.rows !== this.rows || this.kept.some((k) => k.fingerprint === fingerprint))
      return;
    this.kept.push({ fingerprint, vectors: features });
  }

  /** The vectors `encoder` may reuse: its own when kept, else the first kept. */
  for(encoder: Encoder): EmbeddedTexts | undefined {
    return this.kept.find((k) => k.fingerprint === encoder.fingerprint) ?? this.kept[0];
  }
}
