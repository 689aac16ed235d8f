/**
 * Training the student: one head over its encoder, learning the teacher's soft labels. Like a
 * classifier member (src/fusion/member.ts) it stops early on held-out rows (here on the
 * distillation loss) and, with `refit`, retrains on every row for the epoch count that agreed best
 * with the teacher on them.
 */
import type { FitOptions } from '../classifier.js';
import { defaultFitOptionsFor } from '../classifier.js';
import type { EmbedResult, Encoder } from '../encoders/encoder.js';
import { isFittable } from '../encoders/encoder.js';
import { refitEpochCount } from '../fusion/member.js';
import { createHead } from '../heads/factory.js';
import type { Head, HeadSpec, SoftTargets, TrainOptions, TrainReport } from '../heads/head.js';
import { resolveTrainOptions } from '../heads/options.js';
import { validationSplit } from '../heads/split.js';
import type { StaticEncoder } from '../encoders/static.js';
import { trainFineTunedMember } from '../finetune/member.js';
import { resolveFineTune, type FineTuneOption } from '../finetune/options.js';
import { UsageError } from '../errors.js';

/**
 * Head shape and training options of the student (defaults: those of its encoder, as for `fit`);
 * `fineTune` trains a static encoder's table on the soft labels too.
 */
export type StudentFitOptions = Pick<FitOptions, 'head' | 'hidden' | 'dropout' | 'standardize' | 'refit' | 'fineTune'> & Partial<TrainOptions>;

export interface StudentTraining {
  head: Head;
  /** With `fineTune`: the encoder over the tuned table, which the student uses (and owns) instead of the given one. */
  tunedEncoder?: StaticEncoder;
  spec: HeadSpec;
  embedded: EmbedResult;
  embedSeconds: number;
  /** The early-stopping run. */
  report: TrainReport;
  refitEpochs?: number;
  trainSeconds: number;
  /** The options used, for the checkpoint (no callbacks or signals). */
  options: Record<string, unknown>;
}

export async function trainStudent(
  encoder: Encoder,
  texts: readonly string[],
  targets: SoftTargets,
  numLabels: number,
  given: StudentFitOptions,
): Promise<StudentTraining> {
  const started = performance.now();
  if (isFittable(encoder)) await encoder.fit(texts);
  const embedded = await encoder.embed(texts, { signal: given.signal });
  const embedSeconds = (performance.now() - started) / 1000;

  const defined = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)) as StudentFitOptions;
  const { head: type, hidden, dropout, standardize, refit = true, fineTune: fineTuneOption, ...train } = { ...defaultFitOptionsFor(encoder), ...defined };
  const spec: HeadSpec = { type, inputDim: embedded.dim, numLabels, multiLabel: false, hidden, dropout, standardize };
  const resolved = resolveTrainOptions(type, train);
  const { onEpoch: _onEpoch, signal: _signal, ...recorded } = resolved;
  if (Array.isArray(fineTuneOption)) throw new UsageError('DISTILL_OPTION', 'fineTune of a student is one setting (true or table options), not a list per encoder');
  const fineTune = resolveFineTune(fineTuneOption as FineTuneOption | undefined);
  const options = { head: type, hidden, dropout, standardize, refit, ...recorded, ...(fineTune && { fineTune }) };

  if (fineTune) {
    // The same validation rows fineTuneStatic holds out, so refit and held-out probabilities line up.
    const validationRows = validationSplit(targets, numLabels, resolved.validationSplit, resolved.seed).validation;
    const tuned = await trainFineTunedMember(encoder, texts, targets, numLabels, validationRows, { head: type, hidden, dropout, standardize, refit, ...resolved }, fineTune);
    const trainSeconds = tuned.report.seconds + (tuned.refitSeconds ?? 0);
    return { head: tuned.head as Head, tunedEncoder: tuned.encoder, spec: tuned.spec, embedded, embedSeconds, report: tuned.report, refitEpochs: tuned.refitEpochs, trainSeconds, options };
  }

  const head = await createHead(spec);
  try {
    const report = await head.fit(embedded, targets, resolved);
    const held = report.bestValLoss !== undefined;
    if (!refit || !held) return { head, spec, embedded, embedSeconds, report, trainSeconds: report.seconds, options };
    const refitEpochs = refitEpochCount(report);
    const final = await createHead(spec);
    try {
      const refitReport = await final.fit(embedded, targets, { ...resolved, validationSplit: 0, epochs: refitEpochs });
      head.dispose();
      return { head: final, spec, embedded, embedSeconds, report, refitEpochs, trainSeconds: report.seconds + refitReport.seconds, options };
    } catch (error) {
      final.dispose();
      throw error;
    }
  } catch (error) {
    head.dispose();
    throw error;
  }
}
