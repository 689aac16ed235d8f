/**
 * The `auto` recipe on multi-label data. Probability fusion is single-label only, so one head is
 * chosen instead: each candidate (the pretrained encoder's head, a TF-IDF logistic regression, for a
 * static encoder over TF-IDF with its embeddings appended) is trained on 90% of the rows, split by
 * label set and keeping a text with the texts that contain it (src/splits/containment.ts), and
 * scored by macro-F1 on the other 10%; the winner is then trained on every row. Why a choice, with
 * the figures: docs/decisions/auto-recipe.md.
 */
import { TextClassifier, type FitOptions, type FitReport } from '../classifier.js';
import type { EmbeddingCache } from '../embedding-cache.js';
import {
  lexicalName,
  type Encoder,
  type EncoderSpec,
  type EncoderChoice,
  type EncoderLoadOptions,
} from '../encoders/index.js';
import { DEFAULT_SEED } from '../heads/index.js';
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
  const pick = <T>(items: readonly T[], rows: Int32Array) => Array.from(rows, (row) => items[row]!);
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
    if ((score.macroF1 ?? -1) > (scores[best]?.macroF1 ?? -1)) best = i;
  });
  return { best, scores };
}

export interface MultiLabelContext {
  encoder: Encoder;
  /** The TF-IDF(+embeddings) spec beside the pretrained encoder. */
  lexical: EncoderSpec;
  /** The pretrained head's options. */
  fitOptions: FitOptions;
  /** The caller's options (seed, progress) that reach the TF-IDF head too. */
  fit: FitOptions;
  cache: EmbeddingCache | undefined;
  load: EncoderLoadOptions;
  budgetSeconds: number | undefined;
  signal: AbortSignal | undefined;
  onStage: ((message: string) => void) | undefined;
}

/** Scores the pretrained and the TF-IDF(+embeddings) heads on held-out rows and trains the better one on every row. */
export async function trainMultiLabelChoice(
  texts: readonly string[],
  labels: readonly (readonly string[])[],
  context: MultiLabelContext,
): Promise<{ classifier: TextClassifier; report: FitReport; chosen: string; reason: string }> {
  const { encoder, lexical, fitOptions, fit, cache, load, budgetSeconds, signal, onStage } = context;
  // The concatenation shares the encoder rather than loading it again from its spec.
  const candidateLoad: EncoderLoadOptions = { ...load, loaded: encoder };
  const candidates: HeadCandidate[] = [
    { name: 'pretrained', encoder, fit: fitOptions, cache },
    {
      name: lexicalName(lexical),
      encoder: lexical,
      fit: {
        recipe: 'single',
        ...(fit.seed !== undefined && { seed: fit.seed }),
        ...(signal && { signal }),
        ...(fit.onProgress && { onProgress: fit.onProgress }),
      },
      cache,
    },
  ];
  onStage?.(`auto: multi-label data: scoring the pretrained and ${lexicalName(lexical)} heads on a held-out 10%`);
  const { best, scores } = await chooseMultiLabelHead(texts, labels, candidates, {
    seed: fit.seed ?? DEFAULT_SEED,
    ...(budgetSeconds !== undefined && { deadline: AbortSignal.timeout(budgetSeconds * 1000) }),
    load: candidateLoad,
  });
  // One score per candidate, in order.
  const winner = candidates[best]!;
  const described = scores
    .map(
      (s) => `${s.name} ${s.macroF1 === undefined ? `did not finish within ${budgetSeconds} s` : s.macroF1.toFixed(4)}`,
    )
    .join(', ');
  const { classifier, report } = await TextClassifier.train(texts, labels, winner.fit, {
    encoder: winner.encoder,
    cache: winner.cache,
    ...candidateLoad,
  });
  const reason = `multi-label data (fusion is single-label only): the head with the best held-out macro-F1 (${described}), retrained on every row`;
  return { classifier, report, chosen: winner.name, reason };
}
