/**
 * A member whose static encoder is fine-tuned with its head: the same refit skeleton as a frozen
 * member (src/members/refit.ts), plus the tuned encoder that replaces the pretrained one.
 */
import { type Encoder, isTunable, type TunableEncoder } from '../encoders/index.js';
import { UsageError } from '../errors.js';
import { type HeadSpec, type Targets, resolveTrainOptions } from '../heads/index.js';
import { type FineTuneOptions, fineTuneStatic, tokenizeAll, type FineTuneResult } from '../finetune/index.js';
import type { MemberFitOptions, MemberTraining } from './member.js';
import { refitEpochCount, trainWithRefit } from './refit.js';

/** UsageError unless `encoder` has a table that can be tuned (static encoders). */
export function assertFineTunable(encoder: Encoder): asserts encoder is TunableEncoder {
  if (!isTunable(encoder)) {
    throw new UsageError(
      'FINE_TUNE_UNSUPPORTED',
      `option "fineTune" needs a static (Model2Vec) encoder, not ${encoder.spec.type}`,
      {
        hint: 'use --encoder potion (or another Model2Vec directory), or train without --fine-tune',
      },
    );
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
  trainingRows?: Int32Array,
): Promise<Extract<MemberTraining, { kind: 'fine-tuned' }>> {
  assertFineTunable(encoder);
  const started = performance.now();
  const tokenIds = tokenizeAll(encoder, texts);
  const embedSeconds = (performance.now() - started) / 1000;

  const { head: type, hidden, dropout, standardize, refit, ...train } = options;
  const spec: HeadSpec = {
    type,
    inputDim: encoder.dim,
    numLabels,
    multiLabel: targets.kind === 'multi',
    hidden,
    dropout,
    standardize,
  };
  const resolved = resolveTrainOptions(type, train);
  const probabilitiesOf = async (run: FineTuneResult, rows: Int32Array) =>
    run.head.predictProba(
      await run.encoder.embed(
        Array.from(rows, (row) => texts[row]!),
        { signal: resolved.signal },
      ),
    );
  const trained = await trainWithRefit<FineTuneResult & { dispose(): void }>({
    heldOut: validationRows.length > 0,
    refit: refit && !spec.multiLabel,
    run: async (earlyStopped) => {
      const runOptions = earlyStopped
        ? { ...resolved, validationSplit: 0, epochs: refitEpochCount(earlyStopped) }
        : resolved;
      const result = await fineTuneStatic(encoder, texts, targets, spec, runOptions, fineTune, tokenIds);
      return { ...result, dispose: () => result.head.dispose() };
    },
    heldOutProbabilities: (run) => probabilitiesOf(run, validationRows),
    trainingProbabilities: trainingRows && ((run) => probabilitiesOf(run, trainingRows)),
  });
  const { final } = trained;
  try {
    return {
      kind: 'fine-tuned',
      head: final.head,
      encoder: final.encoder,
      spec,
      embedded: await final.encoder.embed(texts, { signal: resolved.signal }),
      embedSeconds,
      report: trained.report,
      validationProbabilities: trained.validationProbabilities,
      trainingProbabilities: trained.trainingProbabilities,
      ...(trained.refitReport && {
        refitEpochs: refitEpochCount(trained.report),
        refitSeconds: trained.refitReport.seconds,
      }),
    };
  } catch (error) {
    final.dispose();
    throw error;
  }
}
