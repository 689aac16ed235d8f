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
 * (FEW_SHOT_PRIOR_WEIGHT).
 * Multi-label data gets one head, pretrained or the TF-IDF(+embeddings) regression, whichever scores
 * better on held-out rows (multi-label-choice.ts).
 */
import { TextClassifier, type FitOptions, type FitReport } from '../classifier.js';
import { DEFAULT_SEED } from '../heads/index.js';
import type { EmbeddingCache } from '../embedding-cache.js';
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
  type EncoderChoice,
  type EncoderLoadOptions,
} from '../encoders/index.js';
import { isMultiLabelInput, type LabelInput } from '../labels.js';
import { DataError } from '../errors.js';
import { checkTrainingTask, trainableTask } from '../data/index.js';
import { chooseMultiLabelHead, type HeadCandidate } from './multi-label-choice.js';
import { withStudent, type StudentChoice } from './auto-student.js';
import type { LabelTexts } from '../members/index.js';
import { definedOnly } from '../util/index.js';
import { wallClockAttempt } from './wall-clock-budget.js';
import { planByCountedWork, type WorkEstimate } from './work-budget.js';

/** Below this many training texts the held-out split (10%) is too small to choose a mix on: see FEW_SHOT_PRIOR_WEIGHT. */
const MIN_FUSION_EXAMPLES = 500;
/** Below MIN_FUSION_EXAMPLES the heads train on every row for this many epochs (no held-out split to stop early on). */
const FEW_SHOT_EPOCHS = 60;
/**
 * Below MIN_FUSION_EXAMPLES, fixed weights: the pretrained head and a regression over TF-IDF + the
 * same embeddings (static encoders) share the rest evenly, and the texts' similarity to the label
 * names (a zero-shot prior whose sharpness is fitted on the training rows:
 * src/members/label-similarity.ts) gets this weight.
 */
const FEW_SHOT_PRIOR_WEIGHT = 0.4;

export interface AutoOptions extends EncoderLoadOptions {
  /** The pretrained encoder (default potion). */
  encoder?: EncoderChoice | EncoderSpec | Encoder;
  cache?: EmbeddingCache | undefined;
  /**
   * A wall-clock budget for the fused training, in seconds: past it fine-tuning, then TF-IDF, is
   * dropped, so the model depends on how busy the machine is. Without it (the default) the members
   * are chosen before training from counted work (work-budget.ts): reproducible.
   */
  budgetSeconds?: number | undefined;
  /** Options for the pretrained encoder's head (shared ones such as seed also reach the TF-IDF head). */
  fit?: FitOptions;
  /** Fewer training texts than this are too few to choose a mix on held-out rows (default 500): see FEW_SHOT_PRIOR_WEIGHT. */
  minFusionExamples?: number;
  /** What stands for each label in the few-shot label-similarity prior (default: the label names as words). */
  labelTexts?: LabelTexts | undefined;
  /**
   * Distil a fused ensemble into one fast student, kept when it scores as well on held-out rows
   * (auto-student.ts). Off by default: that check still favours the student (docs/decisions/auto-recipe.md).
   */
  student?: boolean | undefined;
  signal?: AbortSignal | undefined;
  onStage?: (message: string) => void;
}

export interface AutoReport {
  recipe: 'auto';
  /** 'pretrained', 'fine-tuned' (the pretrained encoder with its table tuned), 'tfidf', 'fusion' or 'student' (distilled from the fusion). */
  chosen: string;
  reason: string;
  weights: number[];
  encoders: string[];
  /** The wall-clock budget the user gave, when one was given. */
  budgetSeconds?: number;
  /** Without a wall-clock budget: the counted work the members were chosen by. */
  work?: WorkEstimate;
  seconds: number;
  /** The fit of the ensemble (the student's teacher, when the student was kept). */
  fit: FitReport;
  /** The distilled student's held-out check, when one was trained. */
  student?: StudentChoice;
}

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
      ? planByCountedWork(texts, labels, encoder, withEmbeddings ? encoder.dim : 0, wantFineTune)
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
    const winner = candidates[best];
    const described = scores
      .map(
        (s) =>
          `${s.name} ${s.macroF1 === undefined ? `did not finish within ${budgetSeconds} s` : s.macroF1.toFixed(4)}`,
      )
      .join(', ');
    const { classifier, report } = await TextClassifier.train(texts, labels, winner.fit, {
      encoder: winner.encoder,
      cache: winner.cache,
      ...candidateLoad,
    });
    const reason = `multi-label data (fusion is single-label only): the head with the best held-out macro-F1 (${described}), retrained on every row`;
    return { classifier, report: summary(report, winner.name, reason) };
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
  if (plan) {
    work = plan.work;
    if (!plan.lexical) return single(`${plan.described}, so the pretrained head alone`);
    if (tune && !plan.fineTune) skipped = `${plan.described}, so the table stayed frozen; `;
    tune = plan.fineTune;
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
    let report: FitReport;
    try {
      report = await classifier.fit(texts, labels, {
        ...fitOptions,
        ...tuning,
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
    const used = names.filter((_, i) => choice.weights[i] > 0);
    const chosen = used.length === 1 ? used[0] : 'fusion';
    const scored = (c: (typeof choice.candidates)[number]) =>
      `log-loss ${c.nll.toFixed(4)}, macro-F1 ${c.macroF1.toFixed(4)}`;
    const chosenScores = `${scored(choice.candidates[0])}, expected macro-F1 ${choice.candidates[0].expectedMacroF1.toFixed(4)}`;
    const scores = [`chosen ${choice.weights.join('/')} with prior correction ${choice.priorAlpha}: ${chosenScores}`];
    names.forEach((name, i) => {
      const alone = choice.candidates.find(
        (c) => c.priorAlpha === 0 && c.weights.every((w, j) => w === (j === i ? 1 : 0)),
      );
      if (alone) scores.push(`${name} alone ${scored(alone)}`);
    });
    const reason = `${skipped}the ${names.join('/')} mix with the lowest held-out log-loss (of ${choice.candidates.filter((c) => c.priorAlpha === 0).length}), then the prior correction with the best macro-F1 expected under its calibrated held-out probabilities (${scores.join('; ')})`;
    const fused = { classifier, report: summary(report, chosen, reason) };
    // Only when the table could be fine-tuned within the budget: the student is a fine-tuned table.
    if (!tune || !student) return fused;
    const context = { encoder, cache, texts, labels: labels as readonly string[], fit: fitOptions, signal, onStage };
    return withStudent(fused, context);
  }
}

interface FewShotContext {
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
async function trainFewShot(
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

/** Weights over (fine-tuned, TF-IDF, frozen): TF-IDF mixed in steps of 0.1 with one of the two static heads. */
const EITHER_TUNED_OR_FROZEN: number[][] = Array.from({ length: 11 }, (_, k) => [k / 10, (10 - k) / 10]).flatMap(
  ([w, t]) =>
    w === 0
      ? [[0, 1, 0]]
      : [
          [w, t, 0],
          [0, t, w],
        ],
);
