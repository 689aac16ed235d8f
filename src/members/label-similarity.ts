/**
 * A member that learns nothing from the texts but a scale: it scores each text by the similarity of
 * its vector to each label's name (or descriptions), embedded by the same encoder, as
 * softmax(scale * similarity). That is the zero-shot classifier, used as a prior beside trained heads.
 * The scale is fitted by likelihood on the training rows (one parameter): names that say something
 * ("positive", "card arrival") get a sharp prior, names that say nothing ("ABBR", "0") a near-flat
 * one, which leaves an average with the trained heads' probabilities almost unchanged.
 * The head is a plain linear head (kernel = scale * label vectors, zero bias), so it saves, loads and
 * predicts like any other; for an encoder with unit-length outputs (every built-in dense one) its
 * logits are scaled cosines.
 */
import { type EmbedResult, type Matrix, isSparseEncoder } from '../encoders/index.js';
import { DataError, UsageError } from '../errors.js';
import { type HeadSpec, type Targets, linearHeadFromWeights, argmaxRows } from '../heads/index.js';
import { fitTemperature } from '../calibration/index.js';
import { memberFeatures, predictMember, selectRows, type Member, type MemberTraining } from './member.js';
import type { ComputedVectors } from './vectors.js';

/** Texts that stand for the labels: several per label are averaged. */
export type LabelTexts = Readonly<Record<string, readonly string[]>>;

/**
 * Similarities are multiplied by this before the scale is fitted; temperature scaling then reaches
 * scales from 1 to 400 (src/calibration/temperature.ts searches T in [0.05, 20]).
 */
const REFERENCE_SCALE = 20;

/** A label as words: `card_arrival` -> "card arrival", `Sci/Tech` -> "Sci Tech". */
export function labelAsText(label: string): string {
  return label.replace(/[_\-/]+/g, ' ').trim();
}

export async function trainLabelSimilarityMember(
  member: Member,
  texts: readonly string[],
  targets: Targets,
  vocabulary: readonly string[],
  validationRows: Int32Array,
  options: {
    signal?: AbortSignal | undefined;
    labelTexts?: LabelTexts | undefined;
    computed?: ComputedVectors;
    trainingRows?: Int32Array | undefined;
  },
): Promise<Extract<MemberTraining, { kind: 'label-similarity' }>> {
  const started = performance.now();
  if (isSparseEncoder(member.encoder)) {
    throw new UsageError(
      'LABEL_SIMILARITY_ENCODER',
      `label similarity needs a pretrained dense encoder, not ${member.encoder.spec.type}`,
    );
  }
  if (targets.kind !== 'single')
    throw new UsageError('LABEL_SIMILARITY_TARGETS', 'label similarity is for single-label data with hard labels');
  const embedded = (await memberFeatures(member, texts, options.signal, options.computed, false)) as EmbedResult;
  const labelVectors = await embedLabels(member, vocabulary, options.labelTexts, options.signal);
  const embedSeconds = (performance.now() - started) / 1000;

  const numLabels = vocabulary.length;
  const similarities = multiplyTransposed(embedded, labelVectors);
  const held = new Uint8Array(texts.length);
  validationRows.forEach((row) => (held[row] = 1));
  const fitRows = Int32Array.from({ length: texts.length }, (_, row) => row).filter((row) => held[row] === 0);
  const fitProbabilities = softmaxRows(similarities, numLabels, fitRows, REFERENCE_SCALE);
  const fitTargets = Int32Array.from(fitRows, (row) => targets.labels[row]!);
  const scale = REFERENCE_SCALE / fitTemperature(fitProbabilities, numLabels, fitTargets).temperature;
  const predicted = argmaxRows(similarities, numLabels);
  const trainingAccuracy = fitTargets.filter((label, i) => predicted[fitRows[i]!] === label).length / fitRows.length;

  const kernel = new Float32Array(embedded.dim * numLabels);
  for (let label = 0; label < numLabels; label++) {
    for (let j = 0; j < embedded.dim; j++)
      kernel[j * numLabels + label] = scale * labelVectors.data[label * embedded.dim + j]!;
  }
  const spec: HeadSpec = {
    type: 'linear',
    inputDim: embedded.dim,
    numLabels,
    multiLabel: false,
    hidden: 0,
    dropout: 0,
    standardize: false,
  };
  const head = await linearHeadFromWeights(spec, kernel, new Float32Array(numLabels));
  const validationProbabilities =
    validationRows.length > 0 ? predictMember(head, selectRows(embedded, validationRows)) : undefined;
  // Its one scale is fitted on the rows not held out: the same head on either side of the refit.
  const trainingProbabilities = options.trainingRows && predictMember(head, selectRows(embedded, options.trainingRows));
  const seconds = (performance.now() - started) / 1000 - embedSeconds;
  return {
    kind: 'label-similarity',
    head,
    spec,
    embedded,
    embedSeconds,
    report: { epochsRun: 0, bestEpoch: 0, history: [], seconds },
    validationProbabilities,
    trainingProbabilities,
    labelSimilarity: { scale, trainingAccuracy },
  };
}

/** One unit vector per label: the mean of its texts' vectors (its name as words by default). */
async function embedLabels(
  member: Member,
  vocabulary: readonly string[],
  labelTexts: LabelTexts | undefined,
  signal: AbortSignal | undefined,
): Promise<Matrix> {
  const textsOf = vocabulary.map((label) => labelTexts?.[label] ?? [labelAsText(label)]);
  const flat = textsOf.flat();
  const result = await member.encoder.embed(flat, { signal });
  const dim = result.dim;
  const data = new Float32Array(vocabulary.length * dim);
  let offset = 0;
  textsOf.forEach((labelTextList, label) => {
    for (const text of labelTextList) {
      if (result.info[offset]!.empty) {
        throw new DataError(
          'LABEL_TEXT_UNKNOWN',
          `label ${JSON.stringify(vocabulary[label])}: ${JSON.stringify(text)} has no token the encoder knows`,
          {
            hint: 'describe the label in words (--labels "label: description")',
          },
        );
      }
      for (let j = 0; j < dim; j++) data[label * dim + j]! += result.data[offset * dim + j]!;
      offset++;
    }
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += data[label * dim + j]! ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let j = 0; j < dim; j++) data[label * dim + j]! /= norm;
  });
  return { data, rows: vocabulary.length, dim };
}

/** `[a.rows, b.rows]`: every row of `a` dotted with every row of `b`. */
function multiplyTransposed(a: Matrix, b: Matrix): Float32Array {
  const out = new Float32Array(a.rows * b.rows);
  for (let i = 0; i < a.rows; i++) {
    for (let k = 0; k < b.rows; k++) {
      let sum = 0;
      for (let j = 0; j < a.dim; j++) sum += a.data[i * a.dim + j]! * b.data[k * b.dim + j]!;
      out[i * b.rows + k] = sum;
    }
  }
  return out;
}

function softmaxRows(scores: Float32Array, dim: number, rows: Int32Array, scale: number): Float32Array {
  const out = new Float32Array(rows.length * dim);
  rows.forEach((row, i) => {
    let max = -Infinity;
    for (let j = 0; j < dim; j++) max = Math.max(max, scale * scores[row * dim + j]!);
    let sum = 0;
    for (let j = 0; j < dim; j++) sum += out[i * dim + j] = Math.exp(scale * scores[row * dim + j]! - max);
    for (let j = 0; j < dim; j++) out[i * dim + j]! /= sum;
  });
  return out;
}
