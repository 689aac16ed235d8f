/**
 * TextClassifier: an encoder (text -> vector) plus a trained head (vector -> labels).
 * The library's main entry point; the CLI is a thin layer over it.
 */
import { isDeepStrictEqual } from 'node:util';
import { cacheFor, type EmbeddingCache } from './embedding-cache.js';
import type { EmbeddedTexts, EmbedResult, Encoder, EncoderSpec, Features, Matrix, TextInfo } from './encoders/encoder.js';
import { isEncoder, isFittable, isSparseEncoder, isSparseMatrix } from './encoders/encoder.js';
import { createEncoder, loadEncoderFromSpec, type EncoderChoice, type EncoderLoadOptions } from './encoders/index.js';
import { DataError, ModelError, UsageError } from './errors.js';
import { isSparseHead, type AnyHead, type HeadSpec, type HeadType, type TrainOptions, type TrainReport } from './heads/head.js';
import { loadAnyHead } from './heads/factory.js';
import { resolveTrainOptions } from './heads/options.js';
import { validationSplit } from './heads/split.js';
import { encodeTargets, isMultiLabelInput, labelVocabulary, unknownLabels, type LabelInput } from './labels.js';
import { checkTrainingTask, trainableTask, type TaskWarning } from './data/task-checks.js';
import { classificationReport, multiLabelReport, type ClassificationReport, type MultiLabelReport } from './metrics/index.js';
import { containmentGroups } from './metrics/containment.js';
import type { FileSource } from './util/file-source.js';
import { writeCheckpoint, readCheckpoint, verifiedFiles, type ModelCardProse } from './checkpoint/index.js';
import { applyTemperature, fitTemperature, type Calibration } from './calibration/temperature.js';
import { classPriors, correctForPrior, PRIOR_ALPHAS } from './calibration/prior.js';
import { averageProbabilities, chooseWeights, type WeightChoice } from './fusion/ensemble.js';
import { memberFeatures, predictMember, readsSparseRows, trainMember, type Member, type MemberFitOptions, type MemberTraining } from './fusion/member.js';
import { trainLabelSimilarityMember, type LabelSimilarityTraining, type LabelTexts } from './fusion/label-similarity.js';
import { assertFineTunable, trainFineTunedMember, type FineTunedTraining } from './finetune/member.js';
import { resolveFineTune, type FineTuneOption, type FineTuneOptions } from './finetune/options.js';
import { topIndices } from './util/top-indices.js';
import { progressMember, reportEpochs, type FitProgress } from './fit-progress.js';
import type { AutoReport } from './recipes/auto.js';

/** The auto recipe's report without the fit report it wraps. */
export type RecipeSummary = Omit<AutoReport, 'fit'>;

export interface FitOptions extends Partial<TrainOptions> {
  /**
   * 'auto' (the default for a classifier over one encoder, as for `headstart train` and `cv`): the
   * auto recipe (src/recipes/auto.ts) chooses and trains the members itself, and the options below
   * shape its pretrained head. 'single': one head over the encoder, or one per encoder given with
   * `fuseWith` (the default when there are several: they are the members).
   */
  recipe?: Recipe;
  /** The auto recipe's time budget in seconds (default 300). */
  budgetSeconds?: number;
  /** The auto recipe's progress messages (which members it trains, what it chose). */
  onStage?: (message: string) => void;
  head?: HeadType;
  hidden?: number;
  dropout?: number;
  standardize?: boolean;
  /**
   * After early stopping, retrain each head on all rows (validation split included) for the epoch
   * count with the best held-out accuracy. Single-label only; default on.
   */
  refit?: boolean;
  /** Temperature-scale the probabilities on the held-out split (single-label only); default on. */
  calibrate?: boolean;
  /** Fusion weights, one per encoder (primary first); default: the mix with the lowest log-loss on the held-out split. */
  fusionWeights?: number[];
  /** The weight vectors (one weight per encoder) the held-out choice picks from; default: every mix in steps of 0.1. */
  fusionCandidates?: number[][];
  /**
   * Choose on the held-out split how strongly to divide probabilities by the class priors (0 to 1,
   * by the macro-F1 expected under the calibrated held-out probabilities): favours rare classes as
   * far as it pays. Single-label; default off.
   */
  priorCorrection?: boolean;
  /**
   * Fine-tune the static encoder's embedding table together with the head (`true` for the
   * defaults, or table options); a list gives one setting per encoder, primary first. Only static
   * (Model2Vec) encoders can be tuned; the tuned table is saved in the checkpoint.
   */
  fineTune?: FineTuneOption | readonly (FineTuneOption | undefined)[];
  /**
   * One flag per encoder (primary first): a flagged member trains no head but scores each text by
   * its similarity to the label names (or `labelTexts`), a zero-shot prior for the others
   * (src/fusion/label-similarity.ts). Single-label only.
   */
  labelSimilarity?: readonly boolean[];
  /** What label similarity embeds for each label (several texts are averaged); default: the label's name as words. */
  labelTexts?: LabelTexts;
  /** Which member trains and its epochs, for progress displays (observation only: src/fit-progress.ts). */
  onProgress?: (progress: FitProgress) => void;
  /**
   * Train a multi-label model, reading a single label as a one-label list. Without it the model is
   * multi-label only when every label is a list; a mix is a DataError (MIXED_LABEL_KINDS).
   */
  multiLabel?: boolean;
  /** Told each warning about the training data as it is found, before training (they are also in the report). */
  onWarning?: (warning: TaskWarning) => void;
}

export interface MemberReport {
  encoder: string;
  head: HeadSpec;
  epochsRun: number;
  bestEpoch: number;
  refitEpochs?: number;
  trainSeconds: number;
  embedSeconds: number;
  /** A label-similarity member: its fitted scale and how many training rows the label texts alone classify correctly. */
  labelSimilarity?: { scale: number; trainingAccuracy: number };
}

export type Recipe = 'auto' | 'single';

export interface FitReport extends TrainReport {
  /** What the auto recipe chose and why (recipe 'auto' only). */
  recipe?: RecipeSummary;
  examples: number;
  labels: string[];
  labelCounts: Record<string, number>;
  /** Texts that reached the head as a zero vector (no known token). */
  textsWithoutTokens: number;
  truncatedTexts: number;
  embedSeconds: number;
  /** Every encoder+head pair trained (one unless the classifier fuses several encoders). */
  members: MemberReport[];
  /** Fusion weights and how each candidate mix scored on the held-out rows (several encoders only). */
  fusion?: WeightChoice;
  /** Temperature scaling fitted on the held-out rows. */
  calibration?: Calibration;
  /** The chosen prior correction (`priorCorrection` on, when it helped). */
  priorCorrection?: { alpha: number; priors: number[] };
  /** Suspect training data that was trained on anyway (src/data/task-checks.ts). */
  warnings: TaskWarning[];
}

export interface Prediction {
  /** Best label (single-label), or the first of `labels` (multi-label; '' when none passes its threshold). */
  label: string;
  score: number;
  /** Multi-label: every label over its threshold. */
  labels?: string[];
  /** The top-k labels with their probabilities, best first. */
  top: { label: string; score: number }[];
  truncated: boolean;
  empty: boolean;
}

export interface PredictOptions {
  /** How many labels each prediction's `top` lists, best first (default 1). */
  topK?: number;
  signal?: AbortSignal;
}

export interface Probabilities extends Matrix {
  labels: string[];
  info: TextInfo[];
}

type EncoderArgument = EncoderChoice | EncoderSpec | Encoder;

/**
 * Defaults by encoder kind. Dense pretrained embeddings: a standardised MLP (it beats softmax
 * regression by ~2 points on Financial PhraseBank and Banking77). TF-IDF's tens of thousands of
 * sparse features: plain softmax regression, which reads the rows sparse (src/heads/sparse-linear.ts,
 * L-BFGS; `learningRate` applies only if the head is switched to a dense one), since a hidden layer
 * costs minutes and gains nothing, and z-scoring sparse columns inflates rare terms (-13 points
 * accuracy on FPB). TF-IDF with embeddings appended (concat) is read the same way.
 */
export function defaultFitOptionsFor(encoder: Encoder): FitOptions & { head: HeadType; hidden: number; dropout: number; standardize: boolean } {
  if (isSparseEncoder(encoder)) return { head: 'linear', hidden: 0, dropout: 0, standardize: false, learningRate: 0.05 };
  return { head: 'mlp', hidden: 256, dropout: 0.3, standardize: true };
}

/** Fewer held-out rows than this leave the temperature at 1 (a fit on a handful of rows is noise). */
const MIN_CALIBRATION_ROWS = 20;
/** Fewer held-out rows than this leave the prior correction off. */
const MIN_PRIOR_CHOICE_ROWS = 50;

/** Options every fused member shares with the primary (head shape and step size stay per encoder). */
const SHARED_OPTIONS = ['epochs', 'batchSize', 'classWeight', 'validationSplit', 'validationGroups', 'patience', 'seed', 'signal', 'refit'] as const;

export class TextClassifier {
  private labelList: string[] = [];
  private multi = false;
  private trainingRecord: Record<string, unknown> = {};
  private weights: number[];
  private temperature = 1;
  private prior: { alpha: number; priors: number[] } | undefined;
  /** Shared encoders handed over with `adoptEncoder`, disposed after the members. */
  private readonly adopted: Encoder[] = [];

  private constructor(private readonly members: Member[]) {
    this.weights = members.map(() => 1 / members.length);
  }

  /**
   * A classifier over `encoder`: a name ('potion', the default; 'tfidf'), a model directory, `hf:<id>`,
   * an EncoderSpec, or an Encoder instance (shared: the classifier will not dispose it).
   * `fuseWith` adds encoders whose own heads are averaged with the primary's at the probability
   * level (weights chosen on the held-out split); an encoder named twice adds a second head over
   * the same vectors, initialised from another seed (a bag). A `cache` shared between classifiers
   * (cross-validation) embeds each distinct text once; it is ignored for encoders fitted on the
   * training texts (TF-IDF) and for encoders it was not made for.
   */
  static async create(
    options: { encoder?: EncoderArgument; fuseWith?: EncoderArgument[]; cache?: EmbeddingCache } & EncoderLoadOptions = {},
  ): Promise<TextClassifier> {
    const { encoder = 'potion', fuseWith = [], cache, ...loadOptions } = options;
    const members: Member[] = [];
    try {
      for (const [index, choice] of [encoder, ...fuseWith].entries()) {
        // The primary named again (another head over the same vectors) shares its instance.
        if (index > 0 && choice === encoder && isPretrainedAsIs(members[0].encoder.spec)) {
          members.push({ encoder: members[0].encoder, ownsEncoder: false, cache: members[0].cache });
          continue;
        }
        const shared = isEncoder(choice);
        const instance = shared ? choice : await createEncoder(choice, { ...loadOptions, cache, loaded: members[0]?.encoder ?? loadOptions.loaded });
        members.push({ encoder: instance, ownsEncoder: !shared, cache: cacheFor(cache, instance) });
      }
    } catch (error) {
      await Promise.all(members.filter((m) => m.ownsEncoder).map((m) => m.encoder.dispose()));
      throw error;
    }
    return new TextClassifier(members);
  }

  /** `create` then `fit`; the classifier (and any encoder it loaded) is disposed if fitting fails. */
  static async train(
    texts: readonly string[],
    labels: LabelInput,
    fit: FitOptions = {},
    options: Parameters<typeof TextClassifier.create>[0] = {},
  ): Promise<{ classifier: TextClassifier; report: FitReport }> {
    const classifier = await TextClassifier.create(options);
    try {
      return { classifier, report: await classifier.fit(texts, labels, fit) };
    } catch (error) {
      await classifier.dispose();
      throw error;
    }
  }

  /** Loads a checkpoint saved by `save`, verifying every file's sha256 and each encoder's fingerprint. */
  static async load(dir: string, options: EncoderLoadOptions = {}): Promise<TextClassifier> {
    const checkpoint = await readCheckpoint(dir);
    const { manifest } = checkpoint;
    const members: Member[] = [];
    const loadMember = async (spec: EncoderSpec, fingerprint: string, files: FileSource, field: string) => {
      const primary = members[0]?.encoder;
      // A member over the primary's pretrained encoder (the spec alone defines it) shares its instance.
      const shared = primary !== undefined && isPretrainedAsIs(primary.spec) && isDeepStrictEqual(primary.spec, spec);
      const encoder = shared ? primary : await loadEncoderFromSpec(spec, { ...options, checkpointFiles: files, loaded: primary });
      const member: Member = { encoder, ownsEncoder: !shared, cache: undefined };
      members.push(member);
      if (encoder.fingerprint !== fingerprint) {
        throw new ModelError(
          'CHECKPOINT_ENCODER_MISMATCH',
          `the encoder found for ${describeSpec(spec)} (fingerprint ${encoder.fingerprint.slice(0, 12)}) is not the one this model was trained with (${fingerprint.slice(0, 12)})`,
          { location: { file: checkpoint.manifestPath, field }, hint: 'point HEADSTART_MODELS or --model-dir at the same encoder files used for training' },
        );
      }
      return member;
    };
    try {
      const primaryFiles = verifiedFiles(checkpoint);
      const primary = await loadMember(manifest.encoder.spec, manifest.encoder.fingerprint, primaryFiles, 'encoder.fingerprint');
      primary.head = await loadAnyHead(primaryFiles, manifest.head.spec);
      for (const [index, extra] of (manifest.fusion?.members ?? []).entries()) {
        const memberFiles = verifiedFiles(checkpoint, extra.prefix);
        const member = await loadMember(extra.encoder.spec, extra.encoder.fingerprint, memberFiles, `fusion.members.${index}.encoder.fingerprint`);
        member.head = await loadAnyHead(memberFiles, extra.head.spec);
      }
      const classifier = new TextClassifier(members);
      classifier.labelList = [...manifest.labels];
      classifier.multi = manifest.multiLabel;
      classifier.trainingRecord = manifest.training;
      if (manifest.fusion) classifier.weights = [...manifest.fusion.weights];
      classifier.temperature = manifest.calibration?.temperature ?? 1;
      classifier.prior = manifest.priorCorrection && { alpha: manifest.priorCorrection.alpha, priors: [...manifest.priorCorrection.priors] };
      return classifier;
    } catch (error) {
      for (const member of members) {
        member.head?.dispose();
        if (member.ownsEncoder) await member.encoder.dispose();
      }
      throw error;
    }
  }

  /**
   * How `predictProba` combines its parts, for exporters: each member's encoder and head, the fusion
   * weights (normalised when applied; 0 skips a member), the prior correction and the temperature.
   */
  get composition(): { members: { encoder: Encoder; head: AnyHead }[]; weights: readonly number[]; prior?: { alpha: number; priors: readonly number[] }; temperature: number } {
    this.requireHead();
    return { members: this.members.map((m) => ({ encoder: m.encoder, head: m.head! })), weights: this.weights, prior: this.prior, temperature: this.temperature };
  }

  /** The primary encoder (the first of several when encoders are fused). */
  get encoder(): Encoder {
    return this.members[0].encoder;
  }

  /** Every encoder, primary first. */
  get encoders(): readonly Encoder[] {
    return this.members.map((m) => m.encoder);
  }

  get labels(): readonly string[] {
    return this.labelList;
  }

  get multiLabel(): boolean {
    return this.multi;
  }

  get trained(): boolean {
    return this.members[0].head !== undefined;
  }

  /** What `fit` recorded: options, data summary, metrics. Saved into the checkpoint. */
  get training(): Readonly<Record<string, unknown>> {
    return this.trainingRecord;
  }

  /**
   * Trains on `texts` with `labels` (one string per text, or a list per text for multi-label data)
   * with the auto recipe, or with `recipe: 'single'` one head per encoder (see FitOptions.recipe).
   */
  async fit(texts: readonly string[], labels: LabelInput, options: FitOptions = {}): Promise<FitReport> {
    const { recipe = this.members.length === 1 ? 'auto' : 'single', budgetSeconds, onStage, ...fitOptions } = options;
    if (recipe !== 'auto' && recipe !== 'single') {
      throw new UsageError('UNKNOWN_RECIPE', `unknown recipe ${JSON.stringify(recipe)}`, { hint: "use 'auto' (the default) or 'single'" });
    }
    const task = trainableTask(texts, labels, options.multiLabel);
    if (recipe === 'single') return this.fitMembers(texts, task, fitOptions);
    if (this.members.length > 1) {
      throw new UsageError('RECIPE_NEEDS_ONE_ENCODER', 'the auto recipe chooses its own members, so it takes a classifier over one encoder', {
        hint: "pass recipe: 'single' to train the encoders given with fuseWith",
      });
    }
    return this.fitAuto(texts, task, { ...fitOptions, ...(budgetSeconds !== undefined && { budgetSeconds }), ...(onStage && { onStage }) });
  }

  /**
   * The auto recipe over this classifier's (pretrained) encoder. The classifier it trains hands its
   * members over to this one, which keeps owning the encoder it was created with.
   */
  private async fitAuto(texts: readonly string[], labels: LabelInput, options: FitOptions): Promise<FitReport> {
    const { budgetSeconds, onStage, labelTexts, signal, ...fit } = options;
    // Imported when used: the recipe builds on this class.
    const { trainAuto } = await import('./recipes/auto.js');
    const [member] = this.members;
    const base = member.pretrained ?? member;
    const { classifier: trained, report } = await trainAuto(texts, labels, {
      encoder: base.encoder,
      ...(base.cache && { cache: base.cache }),
      fit,
      ...(budgetSeconds !== undefined && { budgetSeconds }),
      ...(labelTexts && { labelTexts }),
      ...(signal && { signal }),
      ...(onStage && { onStage }),
    });
    member.head?.dispose();
    if (member.pretrained && member.ownsEncoder) await member.encoder.dispose();
    if (base.ownsEncoder) trained.adoptEncoder(base.encoder);
    this.members.splice(0, this.members.length, ...trained.members);
    this.adopted.push(...trained.adopted.splice(0));
    this.labelList = trained.labelList;
    this.multi = trained.multi;
    this.weights = trained.weights;
    this.temperature = trained.temperature;
    this.prior = trained.prior;
    const { fit: fitReport, ...recipe } = report;
    this.trainingRecord = { ...trained.trainingRecord, recipe };
    return { ...fitReport, recipe };
  }

  /**
   * Trains one head per member on `texts`. Embeds each distinct text once; refuses empty texts with
   * their index.
   */
  private async fitMembers(texts: readonly string[], labels: LabelInput, options: FitOptions): Promise<FitReport> {
    const warnings = checkTrainingTask(texts, labels, this.members[0].pretrained?.encoder ?? this.members[0].encoder);
    for (const warning of warnings) options.onWarning?.(warning);
    const multiLabel = isMultiLabelInput(labels);
    const vocabulary = labelVocabulary(labels);
    if (multiLabel && this.members.length > 1) {
      throw new UsageError('FUSION_MULTI_LABEL', 'fusing several encoders is supported for single-label data only', { hint: 'train with one encoder' });
    }
    const badWeights = (w: number[]) => w.length !== this.members.length || !w.every((v) => Number.isFinite(v) && v >= 0) || !w.some((v) => v > 0);
    if (options.fusionWeights && badWeights(options.fusionWeights)) {
      throw new UsageError('FUSION_WEIGHTS', `fusionWeights must be ${this.members.length} non-negative numbers, not all 0; got ${JSON.stringify(options.fusionWeights)}`);
    }
    const candidates = options.fusionCandidates;
    if (candidates && (candidates.length === 0 || candidates.some(badWeights))) {
      throw new UsageError('FUSION_WEIGHTS', `fusionCandidates must be lists of ${this.members.length} non-negative numbers, not all 0; got ${JSON.stringify(candidates)}`);
    }
    const targets = encodeTargets(labels, vocabulary);

    const primaryOptions = this.memberOptions(0, options);
    const resolved = resolveTrainOptions(primaryOptions.head, trainOptionsOf(primaryOptions));
    // Rows inside other rows (a sentence's phrases, duplicates) are held out with them, so held-out
    // scores (early stopping, the fusion choice) measure unseen texts: src/metrics/containment.ts.
    // Grouping costs up to a second on long texts, so only when a split is drawn.
    const groups = resolved.validationGroups ?? (resolved.validationSplit > 0 ? containmentGroups(texts) : undefined);
    options = { ...options, validationGroups: groups };
    const heldOut = validationSplit(targets, vocabulary.length, resolved.validationSplit, resolved.seed, groups).validation;
    const fineTunes = this.fineTunesOf(options);
    const similarity = this.labelSimilarityOf(options, fineTunes, multiLabel);
    const trainings: MemberTraining[] = [];
    // A member tuned by an earlier fit starts again from its pretrained encoder.
    const bases: Member[] = this.members.map((member) => (member.pretrained ? { ...member, ...member.pretrained } : member));
    // A member that repeats an earlier one (same encoder, trained the same way) gets its own
    // initialisation seed, so it adds a differently initialised head (a bag) rather than a copy.
    const trainsLike = (a: number, b: number) =>
      isDeepStrictEqual(bases[a].encoder.spec, bases[b].encoder.spec) && similarity[a] === similarity[b] && isDeepStrictEqual(fineTunes[a], fineTunes[b]);
    try {
      for (const [index, base] of bases.entries()) {
        const repeats = bases.slice(0, index).filter((_, earlier) => trainsLike(earlier, index)).length;
        const memberOptions: MemberFitOptions = { ...this.memberOptions(index, options), ...(repeats > 0 && { initSeed: resolved.seed + repeats }) };
        const fineTune = fineTunes[index];
        if (options.onProgress) {
          const role = {
            fineTuned: fineTune !== undefined,
            besideFineTuned: !fineTune && bases.some((other, i) => fineTunes[i] !== undefined && isDeepStrictEqual(other.encoder.spec, base.encoder.spec)),
            labelSimilarity: similarity[index],
            sparse: !fineTune && readsSparseRows(base.encoder, memberOptions),
          };
          const member = progressMember(index, bases.length, base.encoder.spec, role, memberOptions);
          memberOptions.onEpoch = reportEpochs(options.onProgress, member, memberOptions.onEpoch);
        }
        // Vectors an earlier member computed with the same pretrained encoder are reused, not embedded
        // again (an encoder fitted on the texts, such as TF-IDF, is fitted by its own member).
        const earlier = isFittable(base.encoder)
          ? undefined
          : trainings.find((t, i) => !fineTunes[i] && !isSparseMatrix(t.embedded) && bases[i].encoder.fingerprint === base.encoder.fingerprint);
        const embedded = earlier && { fingerprint: base.encoder.fingerprint, vectors: earlier.embedded as EmbedResult };
        trainings.push(
          similarity[index]
            ? await trainLabelSimilarityMember(base, texts, targets, vocabulary, heldOut, { signal: options.signal, labelTexts: options.labelTexts, embedded })
            : fineTune
              ? await trainFineTunedMember(base.encoder, texts, targets, vocabulary.length, heldOut, memberOptions, fineTune)
              : await trainMember(base, texts, targets, vocabulary.length, heldOut, memberOptions, embedded),
        );
      }
    } catch (error) {
      trainings.forEach((t) => t.head.dispose());
      throw error;
    }

    let weights = this.members.map(() => 1 / this.members.length);
    let fusion: WeightChoice | undefined;
    let calibration: Calibration | undefined;
    let priors: number[] | undefined;
    let priorAlpha = 0;
    const heldProbabilities = trainings.map((t) => t.validationProbabilities);
    if (targets.kind === 'single' && heldOut.length > 0 && heldProbabilities.every((p) => p !== undefined)) {
      const heldTargets = Int32Array.from(heldOut, (row) => targets.labels[row]);
      const parts = heldProbabilities as Float32Array[];
      const choosePrior = options.priorCorrection === true && heldOut.length >= MIN_PRIOR_CHOICE_ROWS;
      priors = classPriors(targets.labels, vocabulary.length);
      if (options.fusionWeights) weights = [...options.fusionWeights];
      if ((parts.length > 1 && !options.fusionWeights) || choosePrior) {
        fusion = chooseWeights(parts, vocabulary.length, heldTargets, {
          priors,
          priorAlphas: choosePrior ? PRIOR_ALPHAS : [0],
          weights: options.fusionWeights ? [weights] : options.fusionCandidates,
        });
        weights = fusion.weights;
        priorAlpha = fusion.priorAlpha;
      }
      const mixed = correctForPrior(averageProbabilities(parts, weights), vocabulary.length, priors, priorAlpha);
      if (options.calibrate !== false && heldOut.length >= MIN_CALIBRATION_ROWS) calibration = fitTemperature(mixed, vocabulary.length, heldTargets);
    } else if (options.fusionWeights) {
      weights = [...options.fusionWeights];
    }

    for (const [i, member] of this.members.entries()) {
      member.head?.dispose();
      member.head = trainings[i].head;
      await this.useEncoder(member, (trainings[i] as Partial<FineTunedTraining>).encoder);
    }
    this.labelList = vocabulary;
    this.multi = multiLabel;
    this.weights = weights;
    this.temperature = calibration?.temperature ?? 1;
    this.prior = priorAlpha > 0 && priors ? { alpha: priorAlpha, priors } : undefined;

    const labelCounts: Record<string, number> = Object.fromEntries(vocabulary.map((label) => [label, 0]));
    for (const entry of labels) for (const label of typeof entry === 'string' ? [entry] : entry) labelCounts[label]++;
    const primary = trainings[0];
    const members: MemberReport[] = trainings.map((t, i) => ({
      encoder: describeSpec(this.members[i].encoder.spec),
      head: t.spec,
      epochsRun: t.report.epochsRun,
      bestEpoch: t.report.bestEpoch,
      ...(t.refitEpochs !== undefined && { refitEpochs: t.refitEpochs }),
      trainSeconds: t.report.seconds + (t.refitSeconds ?? 0),
      embedSeconds: t.embedSeconds,
      ...((t as Partial<LabelSimilarityTraining>).labelSimilarity && { labelSimilarity: (t as LabelSimilarityTraining).labelSimilarity }),
    }));
    const fitReport: FitReport = {
      ...primary.report,
      seconds: members.reduce((sum, m) => sum + m.trainSeconds, 0),
      examples: texts.length,
      labels: vocabulary,
      labelCounts,
      textsWithoutTokens: primary.embedded.info.filter((info) => info.empty).length,
      truncatedTexts: primary.embedded.info.filter((info) => info.truncated).length,
      embedSeconds: members.reduce((sum, m) => sum + m.embedSeconds, 0),
      members,
      ...(fusion && { fusion }),
      ...(calibration && { calibration }),
      warnings,
    };
    this.trainingRecord = {
      head: primary.spec,
      options: recordedTrainOptions(options),
      data: {
        examples: texts.length,
        labelCounts,
        truncatedTexts: fitReport.truncatedTexts,
        textsWithoutTokens: fitReport.textsWithoutTokens,
        ...(warnings.length > 0 && { warnings: warnings.map((w) => w.message) }),
      },
      epochsRun: primary.report.epochsRun,
      bestEpoch: primary.report.bestEpoch,
      bestValLoss: primary.report.bestValLoss,
      ...(primary.refitEpochs !== undefined && { refitEpochs: primary.refitEpochs }),
      trainSeconds: fitReport.seconds,
      ...(this.members.length > 1 && { members, fusionWeights: weights }),
      ...(fusion && { heldOutChoice: fusion.candidates.slice(0, 5) }),
      ...(this.prior && { priorCorrection: this.prior }),
      ...(calibration && { calibration }),
    };
    return fitReport;
  }

  /**
   * Probabilities `[rows, labels]` for `texts`, with what happened to each text on the way:
   * fused over the encoders and temperature-scaled when training calibrated them.
   * `embedded` (from `embedPrimary`) stands in for the primary encoder's vectors of `texts`; it is
   * ignored when it is dense and the primary head reads sparse rows, or the reverse.
   */
  async predictProba(input: string | readonly string[], options: { signal?: AbortSignal; embedded?: Features } = {}): Promise<Probabilities> {
    const texts = textList(input, 'predictProba');
    const primaryHead = this.requireHead();
    const given = options.embedded && isSparseMatrix(options.embedded) === isSparseHead(primaryHead) ? options.embedded : undefined;
    // The primary's vectors are needed for `info` even when its weight is 0.
    const primary = given ?? (await memberFeatures(this.members[0], texts, options.signal));
    const parts: Float32Array[] = [];
    // Members over an encoder already run (the primary's, alone or appended to TF-IDF, or a bag of
    // heads over one encoder) reuse its vectors.
    const computed: EmbeddedTexts[] = isSparseMatrix(primary) ? [] : [{ fingerprint: this.members[0].encoder.fingerprint, vectors: primary }];
    for (const [index, member] of this.members.entries()) {
      if (this.weights[index] === 0) continue;
      const { fingerprint } = member.encoder;
      const known = computed.find((c) => c.fingerprint === fingerprint);
      const embedded = index === 0 ? primary : await memberFeatures(member, texts, options.signal, known ?? computed[0]);
      if (!known && !isSparseMatrix(embedded)) computed.push({ fingerprint, vectors: embedded });
      parts.push(predictMember(member.head!, embedded));
    }
    const used = this.weights.filter((w) => w > 0);
    const mixed = parts.length === 1 ? parts[0] : averageProbabilities(parts, used);
    const corrected = this.prior ? correctForPrior(mixed, this.labelList.length, this.prior.priors, this.prior.alpha) : mixed;
    const data = this.temperature === 1 ? corrected : applyTemperature(corrected, this.labelList.length, this.temperature);
    return { data, rows: primary.rows, dim: this.labelList.length, labels: this.labelList, info: primary.info };
  }

  /** The primary encoder's vectors of `texts`, sparse or dense as the primary head reads them. */
  embedPrimary(texts: readonly string[], options: { signal?: AbortSignal } = {}): Promise<Features> {
    this.requireHead();
    return memberFeatures(this.members[0], texts, options.signal);
  }

  /** The prediction for one text, or one per text (in order) for an array. */
  predict(text: string, options?: PredictOptions): Promise<Prediction>;
  predict(texts: readonly string[], options?: PredictOptions): Promise<Prediction[]>;
  async predict(input: string | readonly string[], options: PredictOptions = {}): Promise<Prediction | Prediction[]> {
    const probabilities = await this.predictProba(textList(input, 'predict'), options);
    const predictions = this.decide(probabilities, options.topK ?? 1);
    return typeof input === 'string' ? predictions[0] : predictions;
  }

  /** Turns probabilities into predictions: argmax (single-label) or per-label thresholds (multi-label). */
  decide(probabilities: Probabilities, topK = 1): Prediction[] {
    const { data, rows, dim, info } = probabilities;
    const thresholds = this.requireHead().thresholds;
    const k = Math.max(1, Math.min(topK, dim));
    const predictions: Prediction[] = new Array(rows);
    for (let row = 0; row < rows; row++) {
      const scores = data.subarray(row * dim, (row + 1) * dim);
      const top = topIndices(scores, k).map((i) => ({ label: this.labelList[i], score: scores[i] }));
      const flags = { truncated: info[row].truncated, empty: info[row].empty };
      if (this.multi) {
        const passing = Array.from(scores.keys()).filter((i) => scores[i] >= (thresholds?.[i] ?? 0.5));
        const chosen = passing.sort((a, b) => scores[b] - scores[a]);
        predictions[row] = {
          label: chosen.length ? this.labelList[chosen[0]] : '',
          score: chosen.length ? scores[chosen[0]] : 0,
          labels: chosen.map((i) => this.labelList[i]),
          top,
          ...flags,
        };
      } else {
        predictions[row] = { label: top[0].label, score: top[0].score, top, ...flags };
      }
    }
    return predictions;
  }

  /** Metrics on labelled texts. Labels the model does not know are a DataError listing them. `signal` stops it between embedding chunks. */
  async evaluate(texts: readonly string[], labels: LabelInput, options: { signal?: AbortSignal } = {}): Promise<ClassificationReport | MultiLabelReport> {
    if (texts.length !== labels.length) {
      throw new UsageError('EVAL_LENGTH_MISMATCH', `evaluate got ${texts.length} texts but ${labels.length} labels`);
    }
    if (isMultiLabelInput(labels) !== this.multi) {
      throw new DataError('LABEL_KIND_MISMATCH', `the model is ${this.multi ? 'multi-label' : 'single-label'} but the evaluation labels are not`);
    }
    const unknown = unknownLabels(labels, this.labelList);
    if (unknown.size > 0) {
      const listed = [...unknown].map(([label, count]) => `${JSON.stringify(label)} (${count})`).join(', ');
      throw new DataError('UNKNOWN_LABEL', `evaluation data has labels the model was not trained on: ${listed}; the model knows ${this.labelList.join(', ')}`);
    }
    const targets = encodeTargets(labels, this.labelList);
    const probabilities = await this.predictProba(texts, { signal: options.signal });
    const predictions = this.decide(probabilities);
    if (targets.kind === 'multi') {
      const index = new Map(this.labelList.map((label, i) => [label, i]));
      const predicted = new Uint8Array(targets.labels.length);
      predictions.forEach((p, row) => p.labels!.forEach((label) => (predicted[row * this.labelList.length + index.get(label)!] = 1)));
      return multiLabelReport(targets.labels, predicted, this.labelList.length, this.labelList);
    }
    const index = new Map(this.labelList.map((label, i) => [label, i]));
    const predicted = Int32Array.from(predictions, (p) => index.get(p.label)!);
    return classificationReport(targets.labels, predicted, this.labelList);
  }

  /**
   * Saves atomically into `dir` (replacing a previous checkpoint there only once the new one is
   * complete). `extraTraining` joins the training record in `headstart.json`; `card` puts the
   * publisher's prose at the top of the model card (README.md).
   */
  async save(dir: string, extraTraining: Record<string, unknown> = {}, options: { card?: ModelCardProse } = {}): Promise<void> {
    const head = this.requireHead();
    await writeCheckpoint(dir, {
      encoder: this.encoder,
      head,
      labels: this.labelList,
      multiLabel: this.multi,
      training: { ...this.trainingRecord, ...extraTraining },
      ...(this.members.length > 1 && {
        fusion: { weights: this.weights, members: this.members.slice(1).map((m) => ({ encoder: m.encoder, head: m.head! })) },
      }),
      ...(this.temperature !== 1 && { calibration: { temperature: this.temperature } }),
      ...(this.prior && { priorCorrection: this.prior }),
      ...(options.card && { card: options.card }),
    });
  }

  /**
   * Removes the fused members whose weight is 0 (never the primary), so that predictions, the
   * checkpoint and loading it no longer need them; probabilities are unchanged.
   */
  async dropUnusedMembers(): Promise<void> {
    const unused = this.members.filter((_, i) => i > 0 && this.weights[i] === 0);
    if (unused.length === 0) return;
    this.weights = this.weights.filter((w, i) => i === 0 || w > 0);
    for (const member of unused) {
      this.members.splice(this.members.indexOf(member), 1);
      member.head?.dispose();
      if (member.ownsEncoder) await member.encoder.dispose();
      if (member.pretrained?.ownsEncoder) await member.pretrained.encoder.dispose();
    }
  }

  /**
   * Takes over disposing `encoder`, an instance this classifier was created with or that one of its
   * encoders shares, which it would otherwise leave to the caller: for a caller that loaded it for
   * this classifier alone, such as the `auto` recipe.
   */
  adoptEncoder(encoder: Encoder): void {
    const owned = this.members.some((m) => (m.ownsEncoder && m.encoder === encoder) || (m.pretrained?.ownsEncoder && m.pretrained.encoder === encoder));
    if (!owned && !this.adopted.includes(encoder)) this.adopted.push(encoder);
  }

  async dispose(): Promise<void> {
    for (const member of this.members) {
      member.head?.dispose();
      member.head = undefined;
      if (member.ownsEncoder) await member.encoder.dispose();
      if (member.pretrained?.ownsEncoder) await member.pretrained.encoder.dispose();
    }
    for (const encoder of this.adopted.splice(0)) await encoder.dispose();
  }

  /** Resolved fine-tuning per member (undefined: frozen); checked before anything trains. */
  private fineTunesOf(options: FitOptions): (FineTuneOptions | undefined)[] {
    const given = options.fineTune;
    if (Array.isArray(given) && given.length !== this.members.length) {
      throw new UsageError('FINE_TUNE_OPTION', `fineTune lists ${given.length} settings for ${this.members.length} encoders`);
    }
    return this.members.map((member, index) => {
      const fineTune = resolveFineTune(Array.isArray(given) ? given[index] : index === 0 ? (given as FineTuneOption | undefined) : undefined);
      if (fineTune) assertFineTunable(member.pretrained?.encoder ?? member.encoder);
      return fineTune;
    });
  }

  /** Which members score by label similarity; checked before anything trains. */
  private labelSimilarityOf(options: FitOptions, fineTunes: (FineTuneOptions | undefined)[], multiLabel: boolean): boolean[] {
    const given = options.labelSimilarity ?? [];
    if (options.labelSimilarity && given.length !== this.members.length) {
      throw new UsageError('LABEL_SIMILARITY_OPTION', `labelSimilarity lists ${given.length} flags for ${this.members.length} encoders`);
    }
    const flags = this.members.map((_, index) => given[index] === true);
    if (flags.some(Boolean) && multiLabel) throw new UsageError('LABEL_SIMILARITY_OPTION', 'label similarity is for single-label data');
    const tuned = flags.findIndex((flag, index) => flag && fineTunes[index]);
    if (tuned >= 0) throw new UsageError('LABEL_SIMILARITY_OPTION', `encoder ${tuned} cannot be both fine-tuned and a label-similarity member`);
    return flags;
  }

  /** Makes `tuned` the member's encoder (keeping the pretrained one), or goes back to the pretrained one. */
  private async useEncoder(member: Member, tuned: Encoder | undefined): Promise<void> {
    if (member.pretrained && member.ownsEncoder) await member.encoder.dispose();
    if (tuned) {
      member.pretrained ??= { encoder: member.encoder, ownsEncoder: member.ownsEncoder, cache: member.cache };
      Object.assign(member, { encoder: tuned, ownsEncoder: true, cache: undefined });
    } else if (member.pretrained) {
      Object.assign(member, member.pretrained, { pretrained: undefined });
    }
  }

  /** Fit options for member `index`: the caller's for the primary, each encoder's defaults plus the shared ones for the others. */
  private memberOptions(index: number, options: FitOptions): MemberFitOptions {
    const defaults = defaultFitOptionsFor(this.members[index].encoder);
    const given = index === 0 ? definedOnly(options) : definedOnly(Object.fromEntries(SHARED_OPTIONS.map((key) => [key, options[key]])) as FitOptions);
    const { calibrate: _calibrate, fusionWeights: _weights, fusionCandidates: _candidates, fineTune: _fineTune, labelSimilarity: _similarity, labelTexts: _texts, onProgress: _progress, onWarning: _onWarning, multiLabel: _multiLabel, ...rest } = {
      ...defaults,
      ...given,
    };
    return { ...rest, refit: rest.refit ?? true };
  }

  private requireHead(): AnyHead {
    const head = this.members[0].head;
    if (!head) throw new UsageError('NOT_TRAINED', 'the classifier has not been trained: call fit() or TextClassifier.load()');
    return head;
  }
}

/** The texts to classify: one string, or an array (whose items the encoder checks are strings). */
function textList(texts: string | readonly string[], method: string): readonly string[] {
  if (typeof texts === 'string') return [texts];
  if (!Array.isArray(texts)) {
    throw new TypeError(`${method} takes a string or an array of strings, got ${texts === null ? 'null' : typeof texts}`);
  }
  return texts;
}

export function describeSpec(spec: EncoderSpec): string {
  if (spec.type === 'static' && spec.tuned) return `static:${spec.model} (fine-tuned)`;
  if (spec.type === 'concat') return `tfidf+${describeSpec(spec.dense)}`;
  return spec.type === 'tfidf' ? 'tfidf' : `${spec.type}:${spec.model}`;
}

/** An encoder its spec fully defines: pretrained weights, not fitted (TF-IDF) or tuned (a checkpoint's table). */
function isPretrainedAsIs(spec: EncoderSpec): boolean {
  return spec.type === 'transformer' || (spec.type === 'static' && !spec.tuned);
}

function trainOptionsOf(options: FitOptions): Partial<TrainOptions> {
  const {
    head: _head,
    hidden: _hidden,
    dropout: _dropout,
    standardize: _standardize,
    refit: _refit,
    calibrate: _calibrate,
    fusionWeights: _weights,
    fusionCandidates: _candidates,
    fineTune: _fineTune,
    labelSimilarity: _similarity,
    labelTexts: _texts,
    onProgress: _progress,
    multiLabel: _multiLabel,
    onWarning: _onWarning,
    ...train
  } = options;
  return definedOnly(train);
}

/** The training options worth recording in a checkpoint: values, not callbacks or signals. */
function recordedTrainOptions(options: FitOptions): Record<string, unknown> {
  const { onEpoch: _onEpoch, onProgress: _progress, onWarning: _onWarning, signal: _signal, validationGroups: _groups, ...values } = definedOnly(options);
  return values;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

