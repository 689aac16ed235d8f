/**
 * What an exported graph must compute, read off a loaded classifier: one embedding table per
 * distinct static encoder, each member's standardisation and dense layers, the fusion weights, the
 * prior correction and the temperature. Anything a graph of standard ONNX operators cannot
 * reproduce is refused here, before a file is written.
 */
import type { TextClassifier } from '../classifier.js';
import { describeSpec } from '../classifier.js';
import { type Encoder, isLexicalSpec, StaticEncoder } from '../encoders/index.js';
import { ModelError } from '../errors.js';
import { type Standardization, type DenseLayerParameters } from '../heads/index.js';
import { StoredDenseHead, TfHead } from '../heads/training/index.js';

export interface ExportTable {
  /** `[rows, dim]` row-major, as the encoder holds it. */
  table: Float32Array;
  rows: number;
  dim: number;
}

export interface ExportMember {
  /** Index into `ExportPlan.tables`. */
  table: number;
  /** Share of the average, the fusion weights normalised. */
  weight: number;
  standardization?: Standardization;
  /** Dense layers, ReLU between them. */
  layers: DenseLayerParameters[];
}

export interface ExportTokenizer {
  tokenizerJson: Uint8Array;
  unknownId: number;
  maxTokens: number;
}

export interface ExportPlan {
  labels: string[];
  multiLabel: boolean;
  thresholds?: Float32Array;
  tables: ExportTable[];
  members: ExportMember[];
  prior?: { alpha: number; priors: readonly number[] };
  temperature: number;
  tokenizer: ExportTokenizer;
}

export function planExport(classifier: TextClassifier, modelDir: string): ExportPlan {
  const { members, weights, prior, temperature } = classifier.composition;
  const used = members
    .map((member, index) => ({ ...member, index, weight: weights[index] ?? 0 }))
    .filter((member) => member.weight > 0);
  const encoders = used.map((member) => staticEncoderOf(member.encoder, member.index, modelDir));
  const tokenizer = sharedTokenizer(encoders, modelDir);
  const tables: ExportTable[] = [];
  const tableOf = new Map<string, number>();
  const total = used.reduce((sum, member) => sum + member.weight, 0);
  const planned = used.map((member, k) => {
    const encoder = encoders[k]!;
    let table = tableOf.get(encoder.fingerprint);
    if (table === undefined) {
      const values = encoder.copyTable();
      table = tables.push({ table: values, rows: values.length / encoder.dim, dim: encoder.dim }) - 1;
      tableOf.set(encoder.fingerprint, table);
    }
    const head = member.head;
    if (!(head instanceof TfHead || head instanceof StoredDenseHead))
      throw unsupported(
        modelDir,
        member.index,
        'its head reads sparse TF-IDF rows, which a static-encoder graph does not produce',
      );
    const { layers, standardization } = head.parameters();
    return { table, weight: member.weight / total, layers, ...(standardization && { standardization }) };
  });
  const primary = members[0]!.head;
  return {
    labels: [...classifier.labels],
    multiLabel: classifier.multiLabel,
    ...(primary.thresholds && { thresholds: primary.thresholds }),
    tables,
    members: planned,
    ...(prior && { prior }),
    temperature,
    tokenizer,
  };
}

function staticEncoderOf(encoder: Encoder, index: number, modelDir: string): StaticEncoder {
  if (encoder instanceof StaticEncoder) return encoder;
  const { spec } = encoder;
  if (isLexicalSpec(spec)) {
    throw unsupported(
      modelDir,
      index,
      `its encoder is ${describeSpec(spec)}: TF-IDF tokenises with the natural library's word tokenizer and stemmer, which no ONNX operator reproduces`,
    );
  }
  throw unsupported(
    modelDir,
    index,
    `its encoder is ${describeSpec(spec)}, not a static (Model2Vec) one: only static encoders are built into the graph`,
    spec.type === 'transformer'
      ? "distill it into a static-encoder student (headstart distill --teacher DIR --encoder potion) and export that, or run the transformer's own model.onnx followed by the head yourself"
      : undefined,
  );
}

/** Every member must read the same ids: one tokenizer, one unknown id, one token limit. */
function sharedTokenizer(encoders: StaticEncoder[], modelDir: string): ExportTokenizer {
  const [first] = encoders;
  if (!first) throw unsupported(modelDir, 0, 'no member has a positive weight');
  const parts = first.tokenizerParts();
  for (const [k, encoder] of encoders.entries()) {
    const other = encoder.tokenizerParts();
    if (
      encoder.maxTokens !== first.maxTokens ||
      other.unknownId !== parts.unknownId ||
      !Buffer.from(other.tokenizerJson).equals(Buffer.from(parts.tokenizerJson))
    ) {
      throw unsupported(
        modelDir,
        k,
        'its encoder tokenizes differently from the first member, and the graph takes one sequence of token ids',
      );
    }
  }
  return { tokenizerJson: parts.tokenizerJson, unknownId: parts.unknownId, maxTokens: first.maxTokens };
}

function unsupported(modelDir: string, member: number, why: string, hint?: string): ModelError {
  return new ModelError('EXPORT_UNSUPPORTED', `cannot export to ONNX: member ${member} of the model: ${why}`, {
    location: { file: modelDir },
    hint:
      hint ??
      'only models whose members are all static (Model2Vec) encoders with dense heads export: train one with --recipe single over potion or a Model2Vec directory, or distill this one into such a student (headstart distill)',
  });
}
