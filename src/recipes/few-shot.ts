/**
 * The `auto` recipe under MIN_FUSION_EXAMPLES texts: too few to hold rows out, so no mix is chosen.
 * The pretrained head, a TF-IDF+embeddings regression and a zero-shot label-name prior are averaged
 * with fixed weights, every row training for FEW_SHOT_EPOCHS (figures: docs/decisions/auto-recipe.md).
 */
import { TextClassifier, type FitOptions, type FitReport } from '../classifier.js';
import type { EmbeddingCache } from '../embedding-cache.js';
import type { Encoder, EncoderLoadOptions, EncoderSpec } from '../encoders/index.js';
import { DataError } from '../errors.js';
import type { LabelInput } from '../labels.js';
import type { LabelTexts } from '../members/index.js';
import type { AutoReport } from './auto-options.js';

/** Below MIN_FUSION_EXAMPLES the heads train on every row for this many epochs (no held-out split to stop early on). */
const FEW_SHOT_EPOCHS = 60;
/**
 * Below MIN_FUSION_EXAMPLES, fixed weights: the pretrained head and a regression over TF-IDF + the
 * same embeddings (static encoders) share the rest evenly, and the texts' similarity to the label
 * names (a zero-shot prior whose sharpness is fitted on the training rows:
 * src/members/label-similarity.ts) gets this weight.
 */
const FEW_SHOT_PRIOR_WEIGHT = 0.4;

export interface FewShotContext {
  encoder: Encoder;
  withEmbeddings: EncoderSpec | undefined;
  fitOptions: FitOptions;
  minFusionExamples: number;
  labelTexts: LabelTexts | undefined;
  cache: EmbeddingCache | undefined;
  load: EncoderLoadOptions;
  summary: (report: FitReport, chosen: string, reason: string, weights?: number[]) => AutoReport;
}

/**
 * Few examples: no mix can be chosen, so fixed weights (FEW_SHOT_PRIOR_WEIGHT). A member that cannot be built is left
 * out: the regression when no word occurs in two texts, the prior when a label name has no token the
 * encoder knows.
 */
export async function trainFewShot(
  texts: readonly string[],
  labels: LabelInput,
  context: FewShotContext,
): Promise<{ classifier: TextClassifier; report: AutoReport }> {
  const { encoder, withEmbeddings, fitOptions, minFusionExamples, labelTexts, cache, load, summary } = context;
  let lexical = withEmbeddings;
  let prior = true;
  const left: string[] = [];
  for (;;) {
    const trained = lexical ? 2 : 1;
    const weights = [
      ...Array<number>(trained).fill((prior ? 1 - FEW_SHOT_PRIOR_WEIGHT : 1) / trained),
      ...(prior ? [FEW_SHOT_PRIOR_WEIGHT] : []),
    ];
    const fuseWith = [...(lexical ? [lexical] : []), ...(prior ? [encoder] : [])];
    const fit: FitOptions = {
      validationSplit: 0,
      epochs: FEW_SHOT_EPOCHS,
      ...(fuseWith.length > 0 && { fusionWeights: weights }),
      ...(prior && {
        labelSimilarity: weights.map((_, i) => i === weights.length - 1),
        ...(labelTexts && { labelTexts }),
      }),
      ...fitOptions,
    };
    try {
      const { classifier, report } = await TextClassifier.train(texts, labels, fit, {
        encoder,
        fuseWith,
        cache,
        ...load,
      });
      const parts = ['the pretrained head', ...(lexical ? ['a TF-IDF+embeddings regression'] : [])];
      const similarity = report.members.at(-1)?.labelSimilarity;
      if (prior && similarity) {
        parts.push(
          `the texts' similarity to the ${labelTexts ? 'label descriptions' : 'label names'} (a zero-shot prior: alone it classifies ${(100 * similarity.trainingAccuracy).toFixed(0)}% of the training rows; fitted scale ${similarity.scale.toFixed(1)})`,
        );
      }
      const mix =
        parts.length === 1
          ? `${parts[0]} is used alone`
          : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)} are averaged with weights ${weights.map((w) => +w.toFixed(2)).join('/')}`;
      const why = `${texts.length} examples (< ${minFusionExamples}): too few to choose a mix or stop early on held-out rows, so every row trains for ${FEW_SHOT_EPOCHS} epochs and ${mix}${left.map((l) => `; ${l}`).join('')}`;
      return { classifier, report: summary(report, fuseWith.length > 0 ? 'fusion' : 'pretrained', why, weights) };
    } catch (error) {
      if (lexical && error instanceof DataError && error.code === 'TFIDF_EMPTY_VOCABULARY') {
        lexical = undefined;
        left.push('no word occurs in two texts (no TF-IDF vocabulary), so no regression');
      } else if (prior && error instanceof DataError && error.code === 'LABEL_TEXT_UNKNOWN') {
        prior = false;
        left.push(`no label prior: ${error.message}`);
      } else {
        throw error;
      }
    }
  }
}
