/**
 * The `auto` recipe, the default of `headstart train`: the same procedure on every corpus.
 * Trains a head over the pretrained encoder (potion by default) and, for single-label data, a
 * TF-IDF softmax regression beside it (for a static encoder, over TF-IDF with its embeddings
 * appended: src/encoders/concat.ts); the mix of the two (from "pretrained only" through every
 * blend to "TF-IDF only") is chosen by log-loss on the heads' stratified held-out split of the
 * training data, then a prior correction for rare classes by expected macro-F1 (src/fusion/ensemble.ts);
 * every head is retrained on all rows and the chosen mix temperature-scaled. A static encoder is
 * trained both fine-tuned and frozen, and the held-out choice takes TF-IDF with one of them. Before
 * training, the members' work is counted (work-budget.ts): fine-tuning is left out when it would not
 * fit the limit, then TF-IDF, so the same data and seed give the same model on any machine. A
 * wall-clock budget the user gives (wall-clock-budget.ts) keeps the older behaviour instead: past it
 * the members are trained again without fine-tuning, and past it again the pretrained head is used
 * alone. Under 500 texts nothing is held out and the
 * mix is fixed, with the texts' similarity to the label names as a zero-shot prior
 * (few-shot.ts).
 * Multi-label data gets one head, pretrained or the TF-IDF(+embeddings) regression, whichever scores
 * better on held-out rows (multi-label-choice.ts).
 */
import { TextClassifier, type FitOptions, type FitReport } from '../classifier.js';
import {
  isEncoder,
  type Encoder,
  type EncoderSpec,
  DEFAULT_TFIDF_OPTIONS,
  createEncoder,
  isLexicalSpec,
  isTunable,
  isTunedSpec,
  lexicalName,
  tfidfWithEmbeddingsOf,
} from '../encoders/index.js';
import type { EarlyStoppedMix } from '../classifier/index.js';
import { isMultiLabelInput, type LabelInput } from '../labels.js';
import { checkTrainingTask, trainableTask } from '../data/index.js';
import { trainMultiLabelChoice } from './multi-label-choice.js';
import { withStudent } from './auto-student.js';
import { trainFewShot } from './few-shot.js';
import { describeFusionChoice } from './fusion-reason.js';
import { definedOnly } from '../util/index.js';
import { wallClockAttempt } from './wall-clock-budget.js';
import { planByCountedWork, type WorkEstimate } from './work-budget.js';
import type { AutoOptions, AutoReport } from './auto-options.js';

export type { AutoOptions, AutoReport } from './auto-options.js';

/** Below this many training texts the held-out split (10%) is too small to choose a mix on: see few-shot.ts. */
const MIN_FUSION_EXAMPLES = 500;

export async function trainAuto(
  texts: readonly string[],
  labels: LabelInput,
  options: AutoOptions = {},
): Promise<{ classifier: TextClassifier; report: AutoReport }> {
  const { encoder = 'potion', ...rest } = options;
  const started = performance.now();
  // The pretrained encoder is loaded once (AutoOptions are EncoderLoadOptions): every classifier
  // trained here shares it, and the one returned takes it over.
  const loaded = isEncoder(encoder) ? undefined : await createEncoder(encoder, rest);
  try {
    const result = await trainAutoWith(texts, labels, loaded ?? (encoder as Encoder), rest, started);
    if (loaded) result.classifier.adoptEncoder(loaded);
    return result;
  } catch (error) {
    await loaded?.dispose();
    throw error;
  }
}

async function trainAutoWith(
  texts: readonly string[],
  given: LabelInput,
  encoder: Encoder,
  options: Omit<AutoOptions, 'encoder'>,
  started: number,
): Promise<{ classifier: TextClassifier; report: AutoReport }> {
  const {
    cache,
    budgetSeconds,
    fit = {},
    minFusionExamples = MIN_FUSION_EXAMPLES,
    labelTexts,
    student = false,
    signal,
    onStage,
    ...load
  } = options;
  // Checked once here: the classifiers trained below check again, but only this warns.
  const labels = trainableTask(texts, given, fit.multiLabel);
  const warnings = checkTrainingTask(texts, labels, encoder);
  for (const warning of warnings) fit.onWarning?.(warning);
  const { onWarning: _onWarning, ...memberFit } = fit;
  // Class imbalance: a prior correction whose strength is chosen on held-out rows, not fixed
  // balanced class weights (see docs/decisions/fusion-choice.md).
  // Every classifier trained here is one the recipe configured: 'single' keeps fit() from running auto again.
  const fitOptions: FitOptions = {
    priorCorrection: true,
    ...definedOnly(memberFit),
    recipe: 'single',
    ...(signal && { signal }),
  };
  const single = async (reason: string, defaults: FitOptions = {}) => {
    const { classifier, report } = await TextClassifier.train(
      texts,
      labels,
      { ...defaults, ...fitOptions },
      { encoder, cache, ...load },
    );
    return { classifier, report: summary(report, 'pretrained', reason) };
  };
  let work: WorkEstimate | undefined;
  const summary = (
    report: FitReport,
    chosen: string,
    reason: string,
    weights = report.fusion?.weights ?? [1],
  ): AutoReport => ({
    recipe: 'auto',
    chosen,
    reason,
    weights,
    encoders: report.members.map((m) => m.encoder),
    ...(budgetSeconds !== undefined && { budgetSeconds }),
    ...(work && { work }),
    seconds: (performance.now() - started) / 1000,
    fit: { ...report, warnings },
  });

  const primary = encoder.spec;
  if (isLexicalSpec(primary)) {
    return single(
      `the encoder is TF-IDF already: nothing to fuse${isMultiLabelInput(labels) ? ' (multi-label data)' : ''}`,
    );
  }
  // The TF-IDF member reads sparse rows (src/heads/sparse/linear.ts): its full vocabulary costs seconds, not gigabytes.
  const tfidf: EncoderSpec = { type: 'tfidf', ...DEFAULT_TFIDF_OPTIONS };
  // TF-IDF with a static encoder's embeddings appended (one regression over both) stands beside a
  // static encoder's head; a transformer gets plain TF-IDF, since a second transformer pass would
  // double the cost of every prediction.
  const withEmbeddings = tfidfWithEmbeddingsOf(primary);
  const lexical = withEmbeddings ?? tfidf;
  const counted = (wantFineTune: boolean) =>
    budgetSeconds === undefined
      ? planByCountedWork(
          texts,
          labels,
          encoder,
          withEmbeddings ? encoder.dim : 0,
          wantFineTune,
          wantFineTune && student,
        )
      : undefined;
  if (isMultiLabelInput(labels)) {
    if (texts.length < minFusionExamples)
      return single(
        `multi-label data, ${texts.length} examples (< ${minFusionExamples}): one head over the pretrained encoder`,
      );
    const plan = counted(false);
    work = plan?.work;
    if (plan && !plan.lexical)
      return single(`multi-label data: ${plan.described}, so one head over the pretrained encoder`);
    const { classifier, report, chosen, reason } = await trainMultiLabelChoice(texts, labels, {
      encoder,
      lexical,
      fitOptions,
      fit,
      cache,
      load,
      budgetSeconds,
      signal,
      onStage,
    });
    return { classifier, report: summary(report, chosen, reason) };
  }
  if (texts.length < minFusionExamples)
    return trainFewShot(texts, labels, {
      encoder,
      withEmbeddings,
      fitOptions,
      minFusionExamples,
      labelTexts,
      cache,
      load,
      summary,
    });

  let skipped = '';
  // A static encoder is fine-tuned with its head (an explicit fit.fineTune wins) and also kept
  // frozen; the held-out choice takes TF-IDF mixed with either of them, never both (why:
  // docs/decisions/auto-recipe.md).
  let tune = fit.fineTune === undefined && isTunable(encoder);
  const plan = counted(tune);
  let distil = student;
  if (plan) {
    work = plan.work;
    if (!plan.lexical) return single(`${plan.described}, so the pretrained head alone`);
    if (tune && !plan.fineTune) skipped = `${plan.described}, so the table stayed frozen; `;
    else if (tune && student && !plan.student) skipped = `${plan.described}, so no distilled student; `;
    tune = plan.fineTune;
    distil = plan.student;
  }
  for (;;) {
    const classifier = await TextClassifier.create({
      encoder,
      fuseWith: tune ? [lexical, encoder] : [lexical],
      cache,
      ...load,
    });
    onStage?.(
      `auto: training ${tune ? 'fine-tuned and frozen static' : classifier.encoder.spec.type} + ${lexicalName(lexical)} heads (${plan ? plan.described : `wall-clock budget ${budgetSeconds} s`})`,
    );
    const attempt = budgetSeconds === undefined ? undefined : wallClockAttempt(budgetSeconds, tune, fitOptions.onEpoch);
    const stops = [attempt?.signal, signal].filter((stop) => stop !== undefined);
    const tuning: FitOptions = tune
      ? {
          fineTune: [true, undefined, undefined],
          fusionCandidates: EITHER_TUNED_OR_FROZEN,
          ...(attempt?.onEpoch && { onEpoch: attempt.onEpoch }),
        }
      : {};
    // The student's check learns from the members before their refit, which never saw the held-out rows.
    let earlyStopped: EarlyStoppedMix | undefined;
    const watch: FitOptions = tune && distil ? { onEarlyStoppedMix: (mixed) => (earlyStopped = mixed) } : {};
    let report: FitReport;
    try {
      report = await classifier.fit(texts, labels, {
        ...fitOptions,
        ...tuning,
        ...watch,
        ...(stops.length > 0 && { signal: AbortSignal.any(stops) }),
      });
    } catch (error) {
      await classifier.dispose();
      const why = attempt?.overrun();
      if (why === undefined || signal?.aborted) throw error;
      if (tune) {
        onStage?.(
          `auto: fine-tuning ${why} within ${budgetSeconds} s; training the frozen encoder's head alone with TF-IDF`,
        );
        tune = false;
        skipped = `fine-tuning ${why} within the ${budgetSeconds} s budget, so the table stayed frozen; `;
        continue;
      }
      onStage?.(
        `auto: the fused training did not finish within ${budgetSeconds} s; training the pretrained head alone`,
      );
      return single(`${skipped}the TF-IDF member did not finish within the ${budgetSeconds} s budget`);
    }
    const names = classifier.encoders.map((e, i) =>
      i === 1 ? lexicalName(e.spec) : isTunedSpec(e.spec) ? 'fine-tuned' : 'pretrained',
    );
    // The static head not chosen (and TF-IDF, if unused) need not be saved, loaded or run.
    await classifier.dropUnusedMembers();
    const choice = report.fusion;
    if (!choice) {
      return {
        classifier,
        report: summary(report, 'fusion', `${skipped}no held-out split (too few examples per class): equal weights`),
      };
    }
    const { chosen, reason } = describeFusionChoice(names, choice, skipped);
    const fused = { classifier, report: summary(report, chosen, reason) };
    // Only when the table could be fine-tuned within the budget: the student is a fine-tuned table.
    if (!tune || !distil || !earlyStopped) return fused;
    const context = { encoder, cache, texts, labels: labels as readonly string[], fit: fitOptions, earlyStopped };
    return withStudent(fused, { ...context, signal, onStage });
  }
}

/** Weights over (fine-tuned, TF-IDF, frozen): TF-IDF mixed in steps of 0.1 with one of the two static heads. */
const EITHER_TUNED_OR_FROZEN: number[][] = Array.from({ length: 11 }, (_, k): [number, number] => [
  k / 10,
  (10 - k) / 10,
]).flatMap(([w, t]) =>
  w === 0
    ? [[0, 1, 0]]
    : [
        [w, t, 0],
        [0, t, w],
      ],
);
