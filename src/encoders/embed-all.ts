/**
 * The embedding caller: texts go to an encoder in calls of at most its `maxEmbeddingsPerCall`, as
 * the Vercel AI SDK's embedMany splits for its models, and the rows come back as one matrix.
 */
import { assertDensifiable, type EmbedOptions, type EmbedResult, type Encoder, isSparseEncoder } from './encoder.js';

export async function embedAll(
  encoder: Encoder,
  texts: readonly string[],
  options: EmbedOptions = {},
): Promise<EmbedResult> {
  if (isSparseEncoder(encoder)) assertDensifiable(texts.length, encoder.dim);
  const perCall = encoder.maxEmbeddingsPerCall;
  if (texts.length <= perCall) return encoder.embed(texts, options);
  const parts: EmbedResult[] = [];
  for (let start = 0; start < texts.length; start += perCall)
    parts.push(await encoder.embed(texts.slice(start, start + perCall), options));
  // More texts than one call takes: there are at least two parts.
  const { dim } = parts[0]!;
  const data = new Float32Array(texts.length * dim);
  parts.forEach((part, i) => data.set(part.data, i * perCall * dim));
  return { data, rows: texts.length, dim, info: parts.flatMap((part) => part.info) };
}
