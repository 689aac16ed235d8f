/**
 * `fit` with the auto recipe over a classifier's (pretrained) encoder. The classifier the recipe
 * trains hands its members over to the one being fitted, which keeps owning the encoder it was
 * created with.
 */
import type { LabelInput } from '../labels.js';
import { definedOnly } from '../util/index.js';
import type { EncoderPool, Member } from '../members/index.js';
import type { TrainedState } from './fit.js';
import type { FitOptions } from './options.js';
import { recipeEntries, type FitReport } from './report.js';

/** Replaces `members` (in place; `pool` takes over the new encoders) with those the auto recipe trains. */
export async function fitAuto(
  members: Member[],
  pool: EncoderPool,
  texts: readonly string[],
  labels: LabelInput,
  options: FitOptions,
): Promise<{ state: TrainedState; report: FitReport }> {
  const { budgetSeconds, student, onStage, labelTexts, signal, ...fit } = options;
  // Imported when used: the recipe builds on the classifier.
  const { trainAuto } = await import('../recipes/auto.js');
  const member = members[0]!;
  const base = member.pretrained ?? member;
  const { classifier: trained, report } = await trainAuto(texts, labels, {
    encoder: base.encoder,
    ...(base.cache && { cache: base.cache }),
    fit,
    ...definedOnly({ budgetSeconds, student }),
    ...(labelTexts && { labelTexts }),
    ...(signal && { signal }),
    ...(onStage && { onStage }),
  });
  const handed = trained.handOver();
  member.head?.dispose();
  members.splice(0, members.length, ...handed.members);
  if (member.pretrained) await pool.release(member.encoder, members);
  pool.takeOver(handed.pool);
  const { fit: fitReport, ...recipe } = report;
  return {
    state: { ...handed.state, training: { ...handed.state.training, ...recipeEntries(handed.state.training, recipe) } },
    report: { ...fitReport, recipe },
  };
}
