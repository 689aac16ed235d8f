/**
 * TextClassifier: encoders (text -> vector) plus the heads trained on them (vector -> labels).
 * The library's main entry point; the CLI is a thin layer over it. The class holds the state and
 * delegates: members and their encoders (src/members/), training (fit.ts), the mix of the members'
 * probabilities (infer.ts, src/fusion/mix.ts), the decision rule (decide.ts), saving and loading
 * (persist.ts).
 */
import type { ModelCardProse } from '../checkpoint/index.js';
import { trainableTask } from '../data/index.js';
import type { EmbeddingCache } from '../embedding-cache.js';
import type { Encoder, EncoderLoadOptions, Features } from '../encoders/index.js';
import { UsageError } from '../errors.js';
import { evenMix, withoutUnused, type Mix } from '../fusion/index.js';
import type { AnyHead } from '../heads/index.js';
import type { LabelInput } from '../labels.js';
import type { ClassificationReport, MultiLabelReport } from '../metrics/index.js';
import { memberFeatures, type Member, EncoderPool, type EncoderArgument } from '../members/index.js';
import {
  decide,
  evaluationTargets,
  scorePredictions,
  textList,
  type LabelledScores,
  type Prediction,
  type PredictOptions,
  type Probabilities,
} from './decide.js';
import { fitAuto } from './fit-auto.js';
import { fitMembers, type TrainedState } from './fit.js';
import { mixedProbabilities } from './infer.js';
import { assertAutoOverOneEncoder, recipeOf, type FitOptions } from './options.js';
import { loadCheckpoint, saveCheckpoint } from './persist.js';
import type { FitReport } from './report.js';
import { definedOnly } from '../util/index.js';

export class TextClassifier {
  private state: TrainedState;

  private constructor(
    // Never empty: the primary member is members[0].
    private readonly members: Member[],
    private readonly pool: EncoderPool,
  ) {
    this.state = { labels: [], multiLabel: false, mix: evenMix(members.length), training: {} };
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
    options: {
      encoder?: EncoderArgument;
      fuseWith?: EncoderArgument[];
      cache?: EmbeddingCache | undefined;
    } & EncoderLoadOptions = {},
  ): Promise<TextClassifier> {
    const { encoder = 'potion', fuseWith = [], ...rest } = options;
    const pool = new EncoderPool();
    return new TextClassifier(await pool.createMembers([encoder, ...fuseWith], rest), pool);
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
    const { members, pool, state } = await loadCheckpoint(dir, options);
    return TextClassifier.fromMembers(members, pool, state);
  }

  /**
   * A classifier over members trained elsewhere, such as a distilled student; `pool` owns the
   * encoders it is to dispose. Not part of the package's API (stripped from its types).
   * @internal
   */
  static fromMembers(members: Member[], pool: EncoderPool, state: TrainedState): TextClassifier {
    return new TextClassifier(members, pool).use(state);
  }

  /**
   * Its members, the pool owning their encoders and its state, for the classifier that takes them
   * over (the auto recipe's). Not part of the package's API.
   * @internal
   */
  handOver(): { members: Member[]; pool: EncoderPool; state: TrainedState } {
    return { members: this.members, pool: this.pool, state: this.state };
  }

  /** How predictProba combines its parts, for exporters: members, fusion weights (0 skips one), prior correction, temperature. */
  get composition(): {
    members: { encoder: Encoder; head: AnyHead }[];
    weights: readonly number[];
    prior?: Mix['prior'];
    temperature: number;
  } {
    this.requireHead();
    return {
      members: this.members.map((m) => ({ encoder: m.encoder, head: m.head! })),
      weights: this.state.mix.weights,
      prior: this.state.mix.prior,
      temperature: this.state.mix.temperature,
    };
  }

  /** The primary encoder (the first of several when encoders are fused). */
  get encoder(): Encoder {
    return this.members[0]!.encoder;
  }

  /** Every encoder, primary first. */
  get encoders(): readonly Encoder[] {
    return this.members.map((m) => m.encoder);
  }

  get labels(): readonly string[] {
    return this.state.labels;
  }

  get multiLabel(): boolean {
    return this.state.multiLabel;
  }

  get trained(): boolean {
    return this.members[0]!.head !== undefined;
  }

  /** What `fit` recorded: options, data summary, metrics. Saved into the checkpoint. */
  get training(): Readonly<Record<string, unknown>> {
    return this.state.training;
  }

  /**
   * Trains on `texts` with `labels` (one string per text, or a list per text for multi-label data)
   * with the auto recipe, or with `recipe: 'single'` one head per encoder (see FitOptions.recipe).
   */
  async fit(texts: readonly string[], labels: LabelInput, options: FitOptions = {}): Promise<FitReport> {
    const { recipe: _recipe, budgetSeconds, student, onStage, ...fitOptions } = options;
    const recipe = recipeOf(options.recipe, this.members.length);
    const task = trainableTask(texts, labels, options.multiLabel);
    if (recipe === 'single') {
      const { state, report } = await fitMembers(this.members, this.pool, texts, task, fitOptions);
      this.use(state);
      return report;
    }
    assertAutoOverOneEncoder(this.members.length);
    const { state, report } = await fitAuto(this.members, this.pool, texts, task, {
      ...fitOptions,
      ...definedOnly({ budgetSeconds, student }),
      ...(onStage && { onStage }),
    });
    this.use(state);
    return report;
  }

  /**
   * Probabilities `[rows, labels]` for `texts`, with what happened to each text on the way:
   * fused over the encoders and temperature-scaled when training calibrated them.
   * `embedded` (from `embedPrimary`) stands in for the primary encoder's vectors of `texts`; it is
   * ignored when it is dense and the primary head reads sparse rows, or the reverse.
   */
  async predictProba(
    input: string | readonly string[],
    options: { signal?: AbortSignal | undefined; embedded?: Features } = {},
  ): Promise<Probabilities> {
    const texts = textList(input, 'predictProba');
    this.requireHead();
    return mixedProbabilities(this.members, this.state.mix, this.state.labels, texts, options);
  }

  /** The primary encoder's vectors of `texts`, sparse or dense as the primary head reads them. */
  embedPrimary(texts: readonly string[], options: { signal?: AbortSignal } = {}): Promise<Features> {
    this.requireHead();
    return memberFeatures(this.members[0]!, texts, options.signal);
  }

  /** The prediction for one text, or one per text (in order) for an array. */
  predict(text: string, options?: PredictOptions): Promise<Prediction>;
  predict(texts: readonly string[], options?: PredictOptions): Promise<Prediction[]>;
  async predict(input: string | readonly string[], options: PredictOptions = {}): Promise<Prediction | Prediction[]> {
    const probabilities = await this.predictProba(textList(input, 'predict'), options);
    const predictions = this.decide(probabilities, options.topK ?? 1);
    return typeof input === 'string' ? predictions[0]! : predictions;
  }

  /** Turns probabilities into predictions: argmax (single-label) or per-label thresholds (multi-label). */
  decide(probabilities: Probabilities, topK = 1): Prediction[] {
    return decide(probabilities, topK, {
      labels: this.state.labels,
      multiLabel: this.state.multiLabel,
      thresholds: this.requireHead().thresholds,
    });
  }

  /** Metrics on labelled texts. Labels the model does not know are a DataError listing them. `signal` stops it between embedding chunks. */
  async evaluate(
    texts: readonly string[],
    labels: LabelInput,
    options: { signal?: AbortSignal } = {},
  ): Promise<ClassificationReport | MultiLabelReport> {
    return (await this.evaluateWithScores(texts, labels, options)).report;
  }

  /** As evaluate(), keeping what the metrics were computed from: each row's probabilities and true label indices (a 0/1 row per text, multi-label). */
  async evaluateWithScores(
    texts: readonly string[],
    labels: LabelInput,
    options: { signal?: AbortSignal } = {},
  ): Promise<LabelledScores> {
    const targets = evaluationTargets(texts, labels, { labels: this.state.labels, multiLabel: this.state.multiLabel });
    const probabilities = await this.predictProba(texts, { signal: options.signal });
    return scorePredictions(this.decide(probabilities), probabilities, targets, this.state.labels);
  }

  /**
   * Saves atomically into `dir` (replacing a previous checkpoint there only once the new one is
   * complete). `extraTraining` joins the training record in `headstart.json`; `card` puts the
   * publisher's prose at the top of the model card (README.md).
   */
  async save(
    dir: string,
    extraTraining: Record<string, unknown> = {},
    options: { card?: ModelCardProse } = {},
  ): Promise<void> {
    this.requireHead();
    await saveCheckpoint(
      dir,
      this.members,
      { ...this.state, training: { ...this.state.training, ...extraTraining } },
      options,
    );
  }

  /**
   * Removes the members whose weight is 0, the primary included (the first member left becomes the
   * primary), and the encoders only they used, so that predictions, the checkpoint and loading it
   * no longer need them; probabilities are unchanged.
   */
  async dropUnusedMembers(): Promise<void> {
    const unused = this.members.filter((_, i) => this.state.mix.weights[i] === 0);
    if (unused.length === 0) return;
    this.state = { ...this.state, mix: withoutUnused(this.state.mix) };
    for (const member of unused) {
      this.members.splice(this.members.indexOf(member), 1);
      member.head?.dispose();
      for (const encoder of [member.encoder, member.pretrained?.encoder])
        if (encoder) await this.pool.release(encoder, this.members);
    }
  }

  /**
   * Takes over disposing `encoder`, an instance this classifier was created with or that one of its
   * encoders shares, which it would otherwise leave to the caller: for a caller that loaded it for
   * this classifier alone, such as the `auto` recipe.
   */
  adoptEncoder(encoder: Encoder): void {
    this.pool.own(encoder);
  }

  async dispose(): Promise<void> {
    for (const member of this.members) {
      member.head?.dispose();
      member.head = undefined;
    }
    await this.pool.dispose();
  }

  private use(state: TrainedState): this {
    this.state = state;
    return this;
  }

  private requireHead(): AnyHead {
    const head = this.members[0]!.head;
    if (!head)
      throw new UsageError('NOT_TRAINED', 'the classifier has not been trained: call fit() or TextClassifier.load()');
    return head;
  }
}
