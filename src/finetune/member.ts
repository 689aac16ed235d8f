/**
 * A classifier member whose static encoder is fine-tuned with its head: the same contract as
 * `trainMember` (early-stopping run, held-out probabilities, refit on all rows for the best epoch
 * count), plus the tuned encoder that replaces the pretrained one.
 */
import type { Encoder } from '../encoders/encoder.js';
import { StaticEncoder } from '../encoders/static.js';
import { UsageError } from '../errors.js';
import type { HeadSpec, Targets } from '../heads/head.js';
import { resolveTrainOptions } from '../heads/options.js';
import { refitEpochCount, type MemberFitOptions, type MemberTraining } from '../fusion/member.js';
import type { FineTuneOptions } from './options.js';
import { fineTuneStatic, tokenizeAll, type FineTuneResult } from './train.js';

export interface FineTunedTraining extends MemberTraining {
  /** The encoder over the tuned table, to use (and own) in place of the pretrained one. */
  encoder: StaticEncoder;
}

/** UsageError unless `encoder` is a static encoder (the only kind whose table can be tuned). */
export function assertFineTunable(encoder: Encoder): asserts encoder is StaticEncoder {
  if (!(encoder instanceof StaticEncoder)) {
    throw new UsageError('FINE_TUNE_UNSUPPORTED', `option "fineTune" needs a static (Model2Vec) encoder, not ${encoder.spec.type}`, {
      hint: 'use --encoder potion (or another Model2Vec directory), or train without --fine-tune',
    });
  }
}

export async function trainFineTunedMember(
  encoder: Encoder,
  texts: readonly string[],
  targets: Targets,
  numLabels: number,
  validationRows: Int32Array,
  options: MemberFitOptions,
  fineTune: FineTuneOptions,
): Promise<FineTunedTraining> {
  assertFineTunable(encoder);
  const started = performance.now();
  const tokenIds = tokenizeAll(encoder, texts);
  const embedSeconds = (performance.now() - started) / 1000;

  const { head: type, hidden, dropout, standardize, refit, ...train } = options;
  const spec: HeadSpec = { type, inputDim: encoder.dim, numLabels, multiLabel: targets.kind === 'multi', hidden, dropout, standardize };
  const resolved = resolveTrainOptions(type, train);
  const first = await fineTuneStatic(encoder, texts, targets, spec, resolved, fineTune, tokenIds);
  let final: FineTuneResult | undefined;
  try {
    const held = validationRows.length > 0;
    const validationTexts = Array.from(validationRows, (row) => texts[row]);
    const validationProbabilities = held ? first.head.predictProba(await first.encoder.embed(validationTexts, { signal: resolved.signal })) : undefined;
    const result = { spec, embedSeconds, report: first.report, validationProbabilities };
    if (!refit || !held || spec.multiLabel) return { ...result, head: first.head, encoder: first.encoder, embedded: await first.encoder.embed(texts, { signal: resolved.signal }) };

    const refitEpochs = refitEpochCount(first.report);
    final = await fineTuneStatic(encoder, texts, targets, spec, { ...resolved, validationSplit: 0, epochs: refitEpochs }, fineTune, tokenIds);
    first.head.dispose();
    return { ...result, head: final.head, encoder: final.encoder, embedded: await final.encoder.embed(texts, { signal: resolved.signal }), refitEpochs, refitSeconds: final.report.seconds };
  } catch (error) {
    first.head.dispose();
    final?.head.dispose();
    throw error;
  }
}
