/** Which kind of member each encoder trains as, with its options: checked before anything trains. */
import { isDeepStrictEqual } from 'node:util';
import { UsageError } from '../errors.js';
import { resolveFineTune, type FineTuneOption, type FineTuneOptions } from '../finetune/index.js';
import { progressMember, reportEpochs } from '../fit-progress.js';
import { assertFineTunable, readsSparseRows, type Member, type MemberPlan } from '../members/index.js';
import { memberOptions, type FitOptions } from './options.js';

/**
 * One plan per member of `bases` (the members as they start: a member tuned by an earlier fit
 * starts again from its pretrained encoder). `seed` is the primary's resolved seed.
 */
export function planMembers(
  bases: readonly Member[],
  options: FitOptions,
  multiLabel: boolean,
  seed: number,
): MemberPlan[] {
  const fineTunes = fineTunesOf(bases, options);
  const similarity = labelSimilarityOf(bases, options, fineTunes, multiLabel);
  // A member that repeats an earlier one (same encoder, trained the same way) gets its own
  // initialisation seed, so it adds a differently initialised head (a bag) rather than a copy.
  const trainsLike = (a: number, b: number) =>
    isDeepStrictEqual(bases[a]!.encoder.spec, bases[b]!.encoder.spec) &&
    similarity[a] === similarity[b] &&
    isDeepStrictEqual(fineTunes[a], fineTunes[b]);
  return bases.map((base, index): MemberPlan => {
    const repeats = bases.slice(0, index).filter((_, earlier) => trainsLike(earlier, index)).length;
    const fitOptions = {
      ...memberOptions(base.encoder, index === 0, options),
      ...(repeats > 0 && { initSeed: seed + repeats }),
    };
    const fineTune = fineTunes[index];
    if (similarity[index]) return { kind: 'label-similarity', options: fitOptions, labelTexts: options.labelTexts };
    return fineTune ? { kind: 'fine-tuned', options: fitOptions, fineTune } : { kind: 'frozen', options: fitOptions };
  });
}

/** `plan` telling `onProgress` which member trains and its epochs (told now that it starts). */
export function withProgress(
  plan: MemberPlan,
  index: number,
  bases: readonly Member[],
  plans: readonly MemberPlan[],
  options: FitOptions,
): MemberPlan {
  const { onProgress } = options;
  if (!onProgress) return plan;
  const base = bases[index]!;
  const tuned = (i: number) => plans[i]?.kind === 'fine-tuned';
  const role = {
    fineTuned: plan.kind === 'fine-tuned',
    besideFineTuned:
      plan.kind !== 'fine-tuned' &&
      bases.some((other, i) => tuned(i) && isDeepStrictEqual(other.encoder.spec, base.encoder.spec)),
    labelSimilarity: plan.kind === 'label-similarity',
    sparse: plan.kind !== 'fine-tuned' && readsSparseRows(base.encoder, plan.options),
  };
  const member = progressMember(index, bases.length, base.encoder.spec, role, plan.options);
  return { ...plan, options: { ...plan.options, onEpoch: reportEpochs(onProgress, member, plan.options.onEpoch) } };
}

/** Resolved fine-tuning per member (undefined: frozen). */
function fineTunesOf(bases: readonly Member[], options: FitOptions): (FineTuneOptions | undefined)[] {
  const given = options.fineTune;
  if (Array.isArray(given) && given.length !== bases.length) {
    throw new UsageError('FINE_TUNE_OPTION', `fineTune lists ${given.length} settings for ${bases.length} encoders`);
  }
  return bases.map((member, index) => {
    const fineTune = resolveFineTune(
      Array.isArray(given) ? given[index] : index === 0 ? (given as FineTuneOption | undefined) : undefined,
    );
    if (fineTune) assertFineTunable(member.encoder);
    return fineTune;
  });
}

/** Which members score by label similarity. */
function labelSimilarityOf(
  bases: readonly Member[],
  options: FitOptions,
  fineTunes: (FineTuneOptions | undefined)[],
  multiLabel: boolean,
): boolean[] {
  const given = options.labelSimilarity ?? [];
  if (options.labelSimilarity && given.length !== bases.length) {
    throw new UsageError(
      'LABEL_SIMILARITY_OPTION',
      `labelSimilarity lists ${given.length} flags for ${bases.length} encoders`,
    );
  }
  const flags = bases.map((_, index) => given[index] === true);
  if (flags.some(Boolean) && multiLabel)
    throw new UsageError('LABEL_SIMILARITY_OPTION', 'label similarity is for single-label data');
  const tuned = flags.findIndex((flag, index) => flag && fineTunes[index]);
  if (tuned >= 0)
    throw new UsageError(
      'LABEL_SIMILARITY_OPTION',
      `encoder ${tuned} cannot be both fine-tuned and a label-similarity member`,
    );
  return flags;
}
