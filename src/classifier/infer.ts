/** A classifier's probabilities: each member's head over its encoder's vectors, mixed. */
import { type Features, isSparseMatrix } from '../encoders/index.js';
import { applyMix, type Mix } from '../fusion/index.js';
import { isSparseHead } from '../heads/index.js';
import { ComputedVectors, memberFeatures, predictMember, type Member } from '../members/index.js';
import type { Probabilities } from './decide.js';

/**
 * `embedded` stands in for the primary encoder's vectors of `texts`; it is ignored when it is
 * dense and the primary head reads sparse rows, or the reverse. Members of weight 0 are not run.
 */
export async function mixedProbabilities(
  members: readonly Member[],
  mix: Mix,
  labels: string[],
  texts: readonly string[],
  options: { signal?: AbortSignal | undefined; embedded?: Features },
): Promise<Probabilities> {
  // The classifier always has its primary member.
  const first = members[0]!;
  const given =
    options.embedded && isSparseMatrix(options.embedded) === isSparseHead(first.head!) ? options.embedded : undefined;
  const computed = new ComputedVectors(texts.length);
  // The primary's vectors are needed for `info` even when its weight is 0.
  const primary = given ?? (await memberFeatures(first, texts, options.signal));
  computed.add(first.encoder, primary);
  const parts: (Float32Array | undefined)[] = [];
  for (const [index, member] of members.entries()) {
    if (mix.weights[index] === 0) {
      parts.push(undefined);
      continue;
    }
    const embedded = index === 0 ? primary : await memberFeatures(member, texts, options.signal, computed);
    computed.add(member.encoder, embedded);
    parts.push(predictMember(member.head!, embedded));
  }
  const data = applyMix(mix, parts, labels.length);
  return { data, rows: primary.rows, dim: labels.length, labels, info: primary.info };
}
