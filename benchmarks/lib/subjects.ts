/**
 * The encoders bench:throughput measures, each wrapped with what is needed to split its time:
 * a tokenize-only pass (timed apart), a replay of the pooling for the transformer, FLOP counts,
 * and a classification head of the default kind (its weights do not change its speed).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AutoTokenizer, pipeline, type FeatureExtractionPipeline } from '@huggingface/transformers';
import { DEFAULT_BATCH_PLAN, planBatches, type BatchPlanOptions } from '../../src/encoders/batching.js';
import type { EmbedResult, TransformerDtype } from '../../src/encoders/encoder.js';
import { l2NormalizeRows, meanPool } from '../../src/encoders/pooling.js';
import { resolveStaticModel } from '../../src/encoders/static/resolve-model.js';
import { StaticEncoder } from '../../src/encoders/static/static.js';
import { TfidfEncoder } from '../../src/encoders/lexical/tfidf.js';
import { loadTransformerEncoder } from '../../src/encoders/transformer/transformer.js';
import { detectSpecialTokenLayout, tokenizeTexts } from '../../src/encoders/transformer/transformer-tokens.js';
import { createHead } from '../../src/heads/factory.js';
import type { Head, HeadType } from '../../src/heads/head.js';
import { createRng } from '../../src/util/random.js';
import { bertFlopsPerSequence, paddedBatchFlops, type BertShape } from './flops.js';

export interface Subject {
  encoder: 'static' | 'transformer' | 'tfidf';
  dtype: string;
  threads: number;
  model: string;
  embed(texts: readonly string[]): Promise<EmbedResult>;
  head: Head;
  /** Seconds to tokenize `texts` the way `embed` does; null when tokenizing is not a separate step. */
  tokenizeSeconds(texts: readonly string[]): Promise<number | null>;
  /** Seconds the pooling of one embed call with these token counts takes (0 when pooling is part of the lookup). */
  poolSeconds(lengths: readonly number[]): number;
  /** FLOPs the model executes for one embed call with these token counts (undefined: not a matrix model). */
  flops?(lengths: readonly number[]): number;
  /** The transformers.js feature-extraction pipeline over the same model, when it applies. */
  naive?: ((texts: readonly string[]) => Promise<void>) | undefined;
  naiveFlops?(lengths: readonly number[]): number;
  dispose(): Promise<void>;
}

const HEAD_LABELS = 3;
/** Texts per pipeline call, as the transformers.js docs batch them. */
export const NAIVE_CHUNK = 32;

/** A head of the default kind for this encoder, fitted for one epoch on random vectors. */
async function headFor(dim: number, type: HeadType): Promise<Head> {
  const mlp = type === 'mlp';
  const head = await createHead({
    type,
    inputDim: dim,
    numLabels: HEAD_LABELS,
    multiLabel: false,
    hidden: mlp ? 256 : 0,
    dropout: mlp ? 0.2 : 0,
    standardize: mlp,
  });
  const rows = 64;
  const rng = createRng(3);
  const data = Float32Array.from({ length: rows * dim }, () => rng() - 0.5);
  const labels = Int32Array.from({ length: rows }, (_, i) => i % HEAD_LABELS);
  await head.fit({ data, rows, dim }, { kind: 'single', labels }, { epochs: 1, validationSplit: 0, seed: 1 });
  return head;
}

function seconds(work: () => void): number {
  const start = performance.now();
  work();
  return (performance.now() - start) / 1000;
}

export async function staticSubject(maxTokens?: number): Promise<Subject> {
  const resolved = resolveStaticModel(undefined);
  const encoder = await StaticEncoder.load(resolved.dir, { maxTokens, modelName: resolved.name });
  const head = await headFor(encoder.dim, 'mlp');
  return {
    encoder: 'static',
    dtype: 'int8',
    threads: 1,
    model: resolved.name,
    embed: (texts) => encoder.embed(texts),
    head,
    tokenizeSeconds: async (texts) => seconds(() => texts.forEach((text) => encoder.tokenize(text))),
    poolSeconds: () => 0,
    dispose: async () => head.dispose(),
  };
}

export async function tfidfSubject(fitTexts: readonly string[]): Promise<Subject & { fitSeconds: number }> {
  const encoder = new TfidfEncoder();
  const start = performance.now();
  await encoder.fit(fitTexts);
  const fitSeconds = (performance.now() - start) / 1000;
  const head = await headFor(encoder.dim, 'linear');
  return {
    encoder: 'tfidf',
    dtype: 'fp32',
    threads: 1,
    model: `tfidf fitted on ${fitTexts.length} texts (${encoder.dim} features)`,
    fitSeconds,
    embed: (texts) => encoder.embed(texts),
    head,
    tokenizeSeconds: async () => null,
    poolSeconds: () => 0,
    dispose: async () => {
      head.dispose();
      await encoder.dispose();
    },
  };
}

/** hidden_size, num_hidden_layers and intermediate_size from the model's config.json. */
export function bertShapeOf(modelDir: string): BertShape {
  const config = JSON.parse(readFileSync(path.join(modelDir, 'config.json'), 'utf8')) as Record<string, number>;
  return { layers: config.num_hidden_layers, hidden: config.hidden_size, intermediate: config.intermediate_size };
}

export interface TransformerSubjectOptions {
  modelDir: string;
  dtype: TransformerDtype;
  threads: number;
  tokenBudget?: number;
  maxTokens?: number | undefined;
  withNaive?: boolean;
}

export async function transformerSubject(options: TransformerSubjectOptions): Promise<Subject> {
  const { modelDir, dtype, threads } = options;
  const plan: BatchPlanOptions = {
    ...DEFAULT_BATCH_PLAN,
    tokenBudget: options.tokenBudget ?? DEFAULT_BATCH_PLAN.tokenBudget,
  };
  const sessionOptions = { intraOpNumThreads: threads, interOpNumThreads: 1 };
  const encoder = await loadTransformerEncoder({
    model: modelDir,
    dtype,
    pooling: 'mean',
    normalize: true,
    maxTokens: options.maxTokens,
    tokenBudget: plan.tokenBudget,
    ...sessionOptions,
  });
  const tokenizer = await AutoTokenizer.from_pretrained(modelDir, { local_files_only: true });
  const layout = detectSpecialTokenLayout(tokenizer);
  const shape = bertShapeOf(modelDir);
  let extractor: FeatureExtractionPipeline | undefined;
  if (options.withNaive)
    extractor = await pipeline('feature-extraction', modelDir, {
      dtype,
      local_files_only: true,
      session_options: sessionOptions,
    });
  const warmup = ['warm up the session', 'a second, slightly longer text to warm up the session'];
  await encoder.embed(warmup);
  await extractor?.(warmup, { pooling: 'mean', normalize: true });
  const dim = encoder.dim;
  const head = await headFor(dim, 'mlp');
  return {
    encoder: 'transformer',
    dtype,
    threads,
    model: path.basename(modelDir),
    embed: (texts) => encoder.embed(texts),
    head,
    tokenizeSeconds: async (texts) => seconds(() => tokenizeTexts(tokenizer, texts, encoder.maxTokens, layout)),
    poolSeconds: (lengths) =>
      replayPooling(
        lengths.filter((n) => n > 0),
        plan,
        dim,
      ),
    flops: (lengths) => {
      const used = lengths.filter((n) => n > 0);
      return paddedBatchFlops(shape, planBatches(used, plan), used);
    },
    naive: extractor
      ? async (texts) => {
          for (let start = 0; start < texts.length; start += NAIVE_CHUNK)
            await extractor!(texts.slice(start, start + NAIVE_CHUNK), { pooling: 'mean', normalize: true });
        }
      : undefined,
    naiveFlops: (lengths) => {
      let total = 0;
      for (let start = 0; start < lengths.length; start += NAIVE_CHUNK) {
        const chunk = lengths.slice(start, start + NAIVE_CHUNK).map((n) => Math.max(n, 2));
        total += chunk.length * bertFlopsPerSequence(shape, Math.max(...chunk));
      }
      return total;
    },
    dispose: async () => {
      head.dispose();
      await encoder.dispose();
      await extractor?.dispose();
    },
  };
}

/** Times mean pooling + L2 normalisation over batches shaped like the encoder's (states are dummies). */
function replayPooling(lengths: readonly number[], plan: BatchPlanOptions, dim: number): number {
  const batches = planBatches(lengths, plan);
  const largest = Math.max(0, ...batches.map((batch) => batch.length * lengths[batch[0]]));
  const states = new Float32Array(largest * dim).fill(0.01);
  let total = 0;
  for (const batch of batches) {
    const seq = lengths[batch[0]];
    const mask = new Uint8Array(batch.length * seq);
    batch.forEach((index, row) => mask.fill(1, row * seq, row * seq + lengths[index]));
    total += seconds(() =>
      l2NormalizeRows(
        meanPool({ data: states.subarray(0, batch.length * seq * dim), batch: batch.length, seq, dim }, mask),
      ),
    );
  }
  return total;
}
