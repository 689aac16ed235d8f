/**
 * Embeddings keyed by a hash of the text, so cross-validation and repeated fits embed each
 * distinct text once. Only valid for encoders whose output does not depend on training data
 * (not TF-IDF): the cache is bound to one encoder fingerprint.
 */
import { createHash } from 'node:crypto';
import {
  embedAll,
  isFittable,
  type EmbedOptions,
  type EmbedResult,
  type Encoder,
  type TextInfo,
} from './encoders/index.js';

/** `cache` when it was made for `encoder` (never for one fitted on training texts), else undefined. */
export function cacheFor(cache: EmbeddingCache | undefined, encoder: Encoder): EmbeddingCache | undefined {
  return cache && !isFittable(encoder) && cache.fingerprint === encoder.fingerprint ? cache : undefined;
}

export class EmbeddingCache {
  private readonly rows = new Map<string, { vector: Float32Array; info: TextInfo }>();
  constructor(readonly fingerprint: string) {}

  get size(): number {
    return this.rows.size;
  }

  async embed(encoder: Encoder, texts: readonly string[], options?: EmbedOptions): Promise<EmbedResult> {
    if (encoder.fingerprint !== this.fingerprint) {
      throw new Error(
        `embedding cache belongs to encoder ${this.fingerprint.slice(0, 12)}, not ${encoder.fingerprint.slice(0, 12)}`,
      );
    }
    const keys = texts.map(textKey);
    const missing: number[] = [];
    const seen = new Set<string>();
    keys.forEach((key, i) => {
      if (!this.rows.has(key) && !seen.has(key)) {
        seen.add(key);
        missing.push(i);
      }
    });
    if (missing.length > 0) {
      const fresh = await embedAll(
        encoder,
        missing.map((i) => texts[i]!),
        options,
      );
      missing.forEach((textIndex, row) => {
        this.rows.set(keys[textIndex]!, {
          vector: fresh.data.slice(row * fresh.dim, (row + 1) * fresh.dim),
          info: fresh.info[row]!,
        });
      });
    }
    const dim = encoder.dim;
    const data = new Float32Array(texts.length * dim);
    const info: TextInfo[] = new Array(texts.length);
    keys.forEach((key, i) => {
      const row = this.rows.get(key)!;
      data.set(row.vector, i * dim);
      info[i] = row.info;
    });
    return { data, rows: texts.length, dim, info };
  }
}

function textKey(text: string): string {
  return createHash('sha1').update(text).digest('base64');
}
