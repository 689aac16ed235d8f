/**
 * The `auto` recipe on multi-label data. Probability fusion is single-label only, so one head is
 * chosen instead: each candidate (the pretrained encoder's head, a TF-IDF logistic regression, for a
 * static encoder over TF-IDF with its embeddings appended) is trained on 90% of the rows, split by
 * label set and keeping a text with the texts that contain it (src/splits/containment.ts), and
 * scored by macro-F1 on the other 10%; the winner is then trained on every row. Why a choice, with
 * the figures: docs/decisions/auto-recipe.md.
 */
import { TextClassifier, type FitOptions } from '../classifier.js';
import type { EmbeddingCache } from '../embedding-cache.js';
import type { Encoder, EncoderSpec, EncoderChoice, EncoderLoadOptions } from '../encoders/index.js';
import { containmentGroups, groupedStratifiedSplit, labelSetStrata } from '../splits/index.js';

export interface HeadCandidate {
  name: string;
  encoder: EncoderChoice | EncoderSpec | Encoder;
  fit: FitOptions;
  cache?: EmbeddingCache | undefined;
}

export interface CandidateScore {
  name: string;
  /** Held-out macro-F1; undefined when the candidate did not finish within the deadline. */
  macroF1?: number;
}

const HELD_OUT_FRACTION = 0.1;

/**
 * The index of the candidate with the best held-out macro-F1 (ties: the earlier one), and every
 * candidate's score. A candidate after the first that `deadline` (a wall-clock budget the user
 * gave) stops is skipped.
 */
export async function chooseMultiLabelHead(
  texts: readonly string[],
  labels: readonly (readonly string[])[],
  candidates: readonly HeadCandidate[],
  options: { seed: number; deadline?: AbortSignal; load: EncoderLoadOptions },
): Promise<{ best: number; scores: CandidateScore[] }> {
  const split = groupedStratifiedSplit(
    labelSetStrata(labels),
    HELD_OUT_FRACTION,
    options.seed,
    containmentGroups(texts),
  );
  const pick = <T>(items: readonly T[], rows: Int32Array) => Array.from(rows, (row) => items[row]);
  const scores: CandidateScore[] = [];
  for (const [index, candidate] of candidates.entries()) {
    const stops = [candidate.fit.signal, index === 0 ? undefined : options.deadline].filter((s) => s !== undefined);
    const signal = stops.length > 1 ? AbortSignal.any(stops) : stops[0];
    try {
      const { classifier } = await TextClassifier.train(
        pick(texts, split.train),
        pick(labels, split.train),
        { ...candidate.fit, signal },
        {
          encoder: candidate.encoder,
          cache: candidate.cache,
          ...options.load,
        },
      );
      try {
        scores.push({
          name: candidate.name,
          macroF1: (await classifier.evaluate(pick(texts, split.test), pick(labels, split.test))).macroF1,
        });
      } finally {
        await classifier.dispose();
      }
    } catch (error) {
      if (index === 0 || !options.deadline?.aborted || candidate.fit.signal?.aborted) throw error;
      scores.push({ name: candidate.name });
    }
  }
  let best = 0;
  scores.forEach((score, i) => {
    if ((score.macroF1 ?? -1) > (scores[best].macroF1 ?? -1)) best = i;
  });
  return { best, scores };
}
