/**
 * The `auto` recipe, the default of `headstart train`: the same procedure on every corpus.
 * Trains a head over the pretrained encoder (potion by default) and, for single-label data, a
 * TF-IDF softmax regression beside it (for a static encoder, over TF-IDF with its embeddings
 * appended: src/encoders/concat.ts); the mix of the two (from "pretrained only" through every
 * blend to "TF-IDF only") is chosen by macro-F1 on the heads' stratified held-out split of the
 * training data (jointly with a prior correction for rare classes), then every head is retrained on
 * all rows and the chosen mix temperature-scaled. A static encoder is trained both fine-tuned and
 * frozen, and the held-out choice takes TF-IDF with one of them. The members must finish within
 * the time budget: past it they are trained again without fine-tuning, and past it again the
 * pretrained head is used alone. Under 500 texts the mix is even and nothing is held out.
 * Multi-label data gets one head, pretrained or the TF-IDF(+embeddings) regression, whichever scores
 * better on held-out rows (multi-label-choice.ts).
 */
import { TextClassifier, type FitOptions, type FitReport } from '../classifier.js';
import type { EpochLog } from '../heads/head.js';
import type { EmbeddingCache } from '../embedding-cache.js';
import type { Encoder, EncoderSpec } from '../encoders/encoder.js';
import { DEFAULT_TFIDF_OPTIONS } from '../encoders/tfidf.js';
import { DEFAULT_DENSE_WEIGHT } from '../encoders/concat.js';
import type { EncoderChoice, EncoderLoadOptions } from '../encoders/index.js';
import { isMultiLabelInput, type LabelInput } from '../labels.js';
import { DataError } from '../errors.js';
import { chooseMultiLabelHead, type HeadCandidate } from './multi-label-choice.js';

/**
 * Five minutes: Financial PhraseBank (3.9k texts) trains in about 15 s and Banking77 (10k) in about a
 * minute, and SST-2 (67k) needs about two to keep its fine-tuned member on a quiet 2-core machine.
 */
export const DEFAULT_BUDGET_SECONDS = 300;
/**
 * Below this many training texts the held-out split (10%) is too small to choose a mix on. The
 * pretrained head is then averaged with equal weights with a regression over TF-IDF + the same
 * embeddings (for a static encoder; a transformer's head is used alone). k examples per class drawn
 * from training data only (5 draws, scored on other training rows), macro-F1 of the pretrained head
 * alone vs the equal mix: TREC-6 k=8 0.346 vs 0.425, k=32 0.443 vs 0.545; SST-2 k=8 0.631 vs 0.624,
 * k=32 0.707 vs 0.706; AG News k=8 0.719 vs 0.721, k=32 0.811 vs 0.814. (TF-IDF mixed in alone
 * lost 0.019 on SST-2 at k=8, the TF-IDF+embeddings regression alone 0.10 on AG News.)
 */
const MIN_FUSION_EXAMPLES = 500;
/**
 * Below MIN_FUSION_EXAMPLES the heads train on every row for this many epochs: a 10%
 * held-out split of a few hundred rows is too noisy to stop early on. Financial PhraseBank with k
 * examples per class (5 draws), macro-F1 with the split vs without: k=8 0.353 vs 0.434, k=32 0.459
 * vs 0.507, k=128 0.542 vs 0.573; 30 to 120 epochs were within 0.01 of each other.
 */
const FEW_SHOT_EPOCHS = 60;

export interface AutoOptions extends EncoderLoadOptions {
  /** The pretrained encoder (default potion). */
  encoder?: EncoderChoice | EncoderSpec | Encoder;
  cache?: EmbeddingCache;
  /** Wall-clock budget for the fused training; default 300 s. */
  budgetSeconds?: number;
  /** Options for the pretrained encoder's head (shared ones such as seed also reach the TF-IDF head). */
  fit?: FitOptions;
  /** Fewer training texts than this train the pretrained head alone (default 500). */
  minFusionExamples?: number;
  signal?: AbortSignal;
  onStage?: (message: string) => void;
}

export interface AutoReport {
  recipe: 'auto';
  /** 'pretrained', 'fine-tuned' (the pretrained encoder with its table tuned), 'tfidf' or 'fusion'. */
  chosen: string;
  reason: string;
  weights: number[];
  encoders: string[];
  budgetSeconds: number;
  seconds: number;
  fit: FitReport;
}

export async function trainAuto(texts: readonly string[], labels: LabelInput, options: AutoOptions = {}): Promise<{ classifier: TextClassifier; report: AutoReport }> {
  const { encoder = 'potion', cache, budgetSeconds = DEFAULT_BUDGET_SECONDS, fit = {}, minFusionExamples = MIN_FUSION_EXAMPLES, signal, onStage, ...load } = options;
  const started = performance.now();
  // Class imbalance: a prior correction whose strength is chosen on held-out rows (fixed balanced
  // class weights gained 2.7 macro-F1 points on Financial PhraseBank but lost 16 on TREC-6).
  const fitOptions: FitOptions = { priorCorrection: true, ...definedOnly(fit), ...(signal && { signal }) };
  const single = async (reason: string, defaults: FitOptions = {}) => {
    const { classifier, report } = await TextClassifier.train(texts, labels, { ...defaults, ...fitOptions }, { encoder, cache, ...load });
    return { classifier, report: summary(report, 'pretrained', reason) };
  };
  const summary = (report: FitReport, chosen: string, reason: string, weights = report.fusion?.weights ?? [1]): AutoReport => ({
    recipe: 'auto',
    chosen,
    reason,
    weights,
    encoders: report.members.map((m) => m.encoder),
    budgetSeconds,
    seconds: (performance.now() - started) / 1000,
    fit: report,
  });

  const primary = await specOf(encoder, cache, load);
  if (primary.type === 'tfidf' || primary.type === 'concat') {
    return single(`the encoder is TF-IDF already: nothing to fuse${isMultiLabelInput(labels) ? ' (multi-label data)' : ''}`);
  }
  // The TF-IDF member reads sparse rows (src/heads/sparse-linear.ts): its full vocabulary costs seconds, not gigabytes.
  const tfidf: EncoderSpec = { type: 'tfidf', ...DEFAULT_TFIDF_OPTIONS };
  // TF-IDF with a static encoder's embeddings appended (one regression over both) stands beside a
  // static encoder's head; a transformer gets plain TF-IDF, since a second transformer pass would
  // double the cost of every prediction.
  const withEmbeddings: EncoderSpec | undefined =
    primary.type === 'static' && !primary.tuned ? { type: 'concat', tfidf: { ...DEFAULT_TFIDF_OPTIONS }, dense: primary, denseWeight: DEFAULT_DENSE_WEIGHT } : undefined;
  const lexical = withEmbeddings ?? tfidf;
  if (isMultiLabelInput(labels)) {
    if (texts.length < minFusionExamples) return single(`multi-label data, ${texts.length} examples (< ${minFusionExamples}): one head over the pretrained encoder`);
    // A choice string names the dense model the way the user did (a directory, say); an instance
    // is shared with the concatenation rather than loaded again.
    const lexicalEncoder = withEmbeddings && typeof encoder === 'string' ? `tfidf+${encoder}` : lexical;
    const candidateLoad: EncoderLoadOptions = typeof encoder === 'object' && 'embed' in encoder ? { ...load, loaded: encoder } : load;
    const candidates: HeadCandidate[] = [
      { name: 'pretrained', encoder, fit: fitOptions, cache },
      { name: lexicalName(lexical), encoder: lexicalEncoder, fit: { ...(fit.seed !== undefined && { seed: fit.seed }), ...(signal && { signal }) }, cache },
    ];
    onStage?.(`auto: multi-label data: scoring the pretrained and ${lexicalName(lexical)} heads on a held-out 10%`);
    const deadline = AbortSignal.timeout(budgetSeconds * 1000);
    const { best, scores } = await chooseMultiLabelHead(texts, labels, candidates, { seed: fit.seed ?? 0, deadline, load: candidateLoad });
    const winner = candidates[best];
    const described = scores.map((s) => `${s.name} ${s.macroF1 === undefined ? `did not finish within ${budgetSeconds} s` : s.macroF1.toFixed(4)}`).join(', ');
    const { classifier, report } = await TextClassifier.train(texts, labels, winner.fit, { encoder: winner.encoder, cache: winner.cache, ...candidateLoad });
    const reason = `multi-label data (fusion is single-label only): the head with the best held-out macro-F1 (${described}), retrained on every row`;
    return { classifier, report: summary(report, winner.name, reason) };
  }
  if (texts.length < minFusionExamples) {
    const fewShot: FitOptions = { validationSplit: 0, epochs: FEW_SHOT_EPOCHS };
    const tooFew = `${texts.length} examples (< ${minFusionExamples}): too few to choose a mix or stop early on held-out rows, so every row trains for ${FEW_SHOT_EPOCHS} epochs`;
    if (withEmbeddings) {
      try {
        const weights = [0.5, 0.5];
        const { classifier, report } = await TextClassifier.train(texts, labels, { ...fewShot, fusionWeights: weights, ...fitOptions }, { encoder, fuseWith: [withEmbeddings], cache, ...load });
        return { classifier, report: summary(report, 'fusion', `${tooFew}; the pretrained head and a TF-IDF+embeddings regression, averaged with equal weights`, weights) };
      } catch (error) {
        if (!(error instanceof DataError && error.code === 'TFIDF_EMPTY_VOCABULARY')) throw error;
        return single(`${tooFew}; no word occurs in two of them (no TF-IDF vocabulary), so the pretrained head alone`, fewShot);
      }
    }
    return single(`${tooFew}; the pretrained head alone, which transfers best with little data`, fewShot);
  }

  let skipped = '';
  // A static encoder is fine-tuned with its head (an explicit fit.fineTune wins) and also kept
  // frozen; the held-out choice takes TF-IDF mixed with either of them, never both: choosing among
  // all 66 three-way mixes overfit the 10% held-out rows (Financial PhraseBank 5-fold CV: 0.721
  // macro-F1 against 0.728 with the fine-tuned head alone, which lost 0.007 on Medical Abstracts).
  let tune = fit.fineTune === undefined && primary.type === 'static';
  for (;;) {
    const deadline = AbortSignal.timeout(budgetSeconds * 1000);
    const classifier = await TextClassifier.create({ encoder, fuseWith: tune ? [lexical, encoder] : [lexical], cache, ...load });
    onStage?.(`auto: training ${tune ? 'fine-tuned and frozen static' : classifier.encoder.spec.type} + ${lexicalName(lexical)} heads (budget ${budgetSeconds} s)`);
    const projection = tune ? overrunProjection(budgetSeconds, fitOptions.onEpoch) : undefined;
    const stops = [deadline, ...(signal ? [signal] : []), ...(projection ? [projection.signal] : [])];
    const tuning: FitOptions = tune ? { fineTune: [true, undefined, undefined], fusionCandidates: EITHER_TUNED_OR_FROZEN, onEpoch: projection!.onEpoch } : {};
    let report: FitReport;
    try {
      report = await classifier.fit(texts, labels, { ...fitOptions, ...tuning, signal: AbortSignal.any(stops) });
    } catch (error) {
      await classifier.dispose();
      const overran = deadline.aborted || projection?.signal.aborted;
      if (!overran || signal?.aborted) throw error;
      if (tune) {
        const why = deadline.aborted ? 'did not finish' : `would not finish (projected ${projection!.projectedSeconds().toFixed(0)} s)`;
        onStage?.(`auto: fine-tuning ${why} within ${budgetSeconds} s; training the frozen encoder's head alone with TF-IDF`);
        tune = false;
        skipped = `fine-tuning ${why} within the ${budgetSeconds} s budget, so the table stayed frozen; `;
        continue;
      }
      onStage?.(`auto: the fused training did not finish within ${budgetSeconds} s; training the pretrained head alone`);
      return single(`${skipped}the TF-IDF member did not finish within the ${budgetSeconds} s budget`);
    }
    const names = classifier.encoders.map((e, i) => (i === 1 ? lexicalName(e.spec) : e.spec.type === 'static' && e.spec.tuned ? 'fine-tuned' : 'pretrained'));
    // The static head not chosen (and TF-IDF, if unused) need not be saved, loaded or run.
    await classifier.dropUnusedMembers();
    const choice = report.fusion;
    if (!choice) {
      return { classifier, report: summary(report, 'fusion', `${skipped}no held-out split (too few examples per class): equal weights`) };
    }
    const used = names.filter((_, i) => choice.weights[i] > 0);
    const chosen = used.length === 1 ? used[0] : 'fusion';
    const scores = [`chosen ${choice.weights.join('/')} with prior correction ${choice.priorAlpha}: macro-F1 ${choice.candidates[0].macroF1.toFixed(4)}`];
    names.forEach((name, i) => {
      const alone = choice.candidates.find((c) => c.weights.every((w, j) => w === (j === i ? 1 : 0)));
      if (alone) scores.push(`${name} alone ${alone.macroF1.toFixed(4)}`);
    });
    const reason = `${skipped}best held-out macro-F1 among ${choice.candidates.length} ${names.join('/')} mixes and prior corrections (${scores.join(', ')})`;
    return { classifier, report: summary(report, chosen, reason) };
  }
}

/** Weights over (fine-tuned, TF-IDF, frozen): TF-IDF mixed in steps of 0.1 with one of the two static heads. */
const EITHER_TUNED_OR_FROZEN: number[][] = Array.from({ length: 11 }, (_, k) => [k / 10, (10 - k) / 10]).flatMap(([w, t]) =>
  w === 0 ? [[0, 1, 0]] : [[w, t, 0], [0, t, w]],
);

/**
 * Epochs of fine-tuning (early-stopping run plus refit) that auto budgets for: runs stop after
 * 15-30 epochs (patience 10) and the refit repeats most of them.
 */
const FINE_TUNE_EPOCHS_PROJECTED = 40;

/**
 * An abort signal that fires at the primary member's second epoch when, at the pace of that epoch,
 * fine-tuning would not fit the budget: a large training set gives up after two epochs instead of
 * the whole budget. The first epoch is not the pace: it also pays for tokenising and set-up.
 */
function overrunProjection(budgetSeconds: number, onEpoch: FitOptions['onEpoch']) {
  const controller = new AbortController();
  const started = performance.now();
  let firstEpochEnd = 0;
  let projected = 0;
  return {
    signal: controller.signal,
    projectedSeconds: () => projected,
    onEpoch: (log: EpochLog) => {
      onEpoch?.(log);
      if (projected > 0) return;
      const elapsed = (performance.now() - started) / 1000;
      if (log.epoch === 1) firstEpochEnd = elapsed;
      if (log.epoch !== 2) return;
      projected = elapsed + (FINE_TUNE_EPOCHS_PROJECTED - 2) * (elapsed - firstEpochEnd);
      if (projected > budgetSeconds) controller.abort();
    },
  };
}

/** The spec of the encoder `choice` names (loading it once when it is not an instance or a spec). */
async function specOf(choice: EncoderChoice | EncoderSpec | Encoder, cache: EmbeddingCache | undefined, load: EncoderLoadOptions): Promise<EncoderSpec> {
  if (typeof choice === 'object') return 'embed' in choice ? choice.spec : choice;
  const probe = await TextClassifier.create({ encoder: choice, cache, ...load });
  const { spec } = probe.encoder;
  await probe.dispose();
  return spec;
}

function lexicalName(spec: EncoderSpec): string {
  return spec.type === 'concat' ? 'tfidf+embeddings' : 'tfidf';
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
