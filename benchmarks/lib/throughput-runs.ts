/**
 * One throughput measurement: read a JSONL corpus, embed it call by call, classify each call's
 * vectors, and split the time into read / tokenize / encode / pool / head. Plus the cost-growth
 * runs (streaming N texts; fixed-length texts of L tokens).
 */
import { writeFileSync } from 'node:fs';
import { readDataset, readRecords } from '../../src/data/index.js';
import { measured, percentile, round, RssSampler, timed } from './measure.js';
import type { Subject } from './subjects.js';

export interface SplitSeconds {
  read: number;
  tokenize: number | null;
  encode: number;
  pool: number;
  head: number;
}

export interface ThroughputRow {
  encoder: string;
  dtype: string;
  threads: number;
  /** Texts per embed call. */
  batchTexts: number;
  /** Transformer only: padded tokens per model batch. */
  tokenBudget?: number;
  /** 'main' (the comparison corpus) or 'sweep' (a batch/threads sweep on a subset). */
  run: 'main' | 'sweep';
  texts: number;
  tokens: number;
  seconds: number;
  textsPerSec: number;
  tokensPerSec: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  peakRssMb: number;
  split: SplitSeconds;
  naiveTextsPerSec?: number;
  speedup?: number;
  /** Executed (padded) model FLOPs per second of embedding (matmuls and attention). */
  gflopsAchieved?: number;
  naiveGflopsAchieved?: number;
  /** gflopsAchieved over the measured attainable MatMul rate at the same thread count. */
  flopUtilization?: number;
  naiveFlopUtilization?: number;
  /** Static encoder: tokens/s of tokenizing alone, the bound on the whole path. */
  tokenizerBoundTokensPerSec?: number;
}

export function writeJsonlCorpus(file: string, texts: readonly string[]): void {
  writeFileSync(file, texts.map((text) => JSON.stringify({ text })).join('\n') + '\n');
}

/**
 * A first pass outside the measurement, so JIT compilation and first-run allocations stay out of
 * it: over all `texts` for the JavaScript encoders (cheap, and their code paths need the whole mix
 * of lengths to settle), over a few texts for the transformer (enough to initialise its session).
 */
async function warmUp(subject: Subject, texts: readonly string[]): Promise<void> {
  const sample = subject.encoder === 'transformer' ? texts.slice(0, 8) : texts;
  subject.head.predictProba(await subject.embed(sample));
}

export interface PathOptions {
  batchTexts: number;
  run: 'main' | 'sweep';
  tokenBudget?: number;
}

/** End to end over `file` (JSONL of {text}); the naive pipeline, if any, runs on the same calls, taking turns going first. */
export async function measurePath(subject: Subject, file: string, options: PathOptions): Promise<ThroughputRow> {
  const sampler = new RssSampler();
  const read = await timed(() => readDataset(file, { format: 'jsonl', labelled: false }));
  const texts = read.value.examples.map((e) => e.text);
  await warmUp(subject, texts);
  let embedSeconds = 0;
  let headSeconds = 0;
  let naiveSeconds = 0;
  let tokenizeSeconds: number | null = 0;
  let poolSeconds = 0;
  let flops = 0;
  let naiveFlops = 0;
  let tokens = 0;
  const latencies: number[] = [];
  for (let start = 0, turn = 0; start < texts.length; start += options.batchTexts, turn++) {
    const call = texts.slice(start, start + options.batchTexts);
    const naiveFirst = subject.naive !== undefined && turn % 2 === 1;
    if (naiveFirst) naiveSeconds += (await timed(() => subject.naive!(call))).seconds;
    const embedded = await timed(() => subject.embed(call));
    sampler.sample();
    const head = await timed(() => subject.head.predictProba(embedded.value));
    if (subject.naive && !naiveFirst) naiveSeconds += (await timed(() => subject.naive!(call))).seconds;
    embedSeconds += embedded.seconds;
    headSeconds += head.seconds;
    latencies.push((embedded.seconds + head.seconds) * 1000);
    const lengths = embedded.value.info.map((i) => i.tokens);
    tokens += lengths.reduce((a, b) => a + b, 0);
    poolSeconds += subject.poolSeconds(lengths);
    flops += subject.flops?.(lengths) ?? 0;
    naiveFlops += subject.naiveFlops?.(lengths) ?? 0;
    const tokenize = await subject.tokenizeSeconds(call);
    tokenizeSeconds = tokenize === null ? null : (tokenizeSeconds ?? 0) + tokenize;
  }
  const peakRssMb = sampler.stop();
  const total = read.seconds + embedSeconds + headSeconds;
  const row: ThroughputRow = {
    encoder: subject.encoder,
    dtype: subject.dtype,
    threads: subject.threads,
    batchTexts: options.batchTexts,
    ...(options.tokenBudget !== undefined ? { tokenBudget: options.tokenBudget } : {}),
    run: options.run,
    texts: texts.length,
    tokens,
    seconds: round(total, 3),
    textsPerSec: round(texts.length / total, 1),
    tokensPerSec: Math.round(tokens / total),
    latencyP50Ms: round(percentile(latencies, 50), 2),
    latencyP95Ms: round(percentile(latencies, 95), 2),
    peakRssMb,
    split: {
      read: round(read.seconds, 4),
      tokenize: tokenizeSeconds === null ? null : round(tokenizeSeconds, 4),
      encode: round(Math.max(0, embedSeconds - (tokenizeSeconds ?? 0) - poolSeconds), 4),
      pool: round(poolSeconds, 4),
      head: round(headSeconds, 4),
    },
  };
  if (subject.encoder === 'static') {
    // The static encoder's "encode" is the table lookup and mean: report it as pooling.
    row.split.pool = row.split.encode;
    row.split.encode = 0;
    if (tokenizeSeconds) row.tokenizerBoundTokensPerSec = Math.round(tokens / tokenizeSeconds);
  }
  if (subject.naive) {
    const naiveTotal = read.seconds + naiveSeconds + headSeconds;
    row.naiveTextsPerSec = round(texts.length / naiveTotal, 1);
    row.speedup = round(naiveTotal / total, 2);
  }
  if (subject.flops) {
    row.gflopsAchieved = round(flops / embedSeconds / 1e9, 2);
    if (subject.naive) row.naiveGflopsAchieved = round(naiveFlops / naiveSeconds / 1e9, 2);
  }
  return row;
}

export interface GrowthPoint {
  encoder: string;
  dtype: string;
  /** 'texts' (N texts of the mixed corpus) or 'length' (texts of exactly L tokens, or fewer when shorter). */
  axis: 'texts' | 'length';
  texts: number;
  /** For axis 'length': the token cap every text was cut to. */
  length?: number;
  tokens: number;
  seconds: number;
  microsecondsPerToken: number;
  peakRssMb: number;
  gflopsAchieved?: number;
}

const STREAM_CHUNK = 1024;

/** Streams `file` (JSONL) in chunks: read, embed, classify, drop. Memory stays flat in N. */
export async function streamCorpus(subject: Subject, file: string, textCount: number): Promise<GrowthPoint> {
  await warmUp(subject, ['a short text to warm up', 'and another one']);
  const {
    value: tokens,
    seconds,
    peakRssMb,
  } = await measured(async (sampler) => {
    let total = 0;
    let chunk: string[] = [];
    const flush = async () => {
      const embedded = await subject.embed(chunk);
      subject.head.predictProba(embedded);
      total += embedded.info.reduce((sum, i) => sum + i.tokens, 0);
      sampler.sample();
      chunk = [];
    };
    for await (const example of readRecords(file, { format: 'jsonl', labelled: false })) {
      chunk.push(example.text);
      if (chunk.length === STREAM_CHUNK) await flush();
    }
    if (chunk.length > 0) await flush();
    return total;
  });
  return {
    encoder: subject.encoder,
    dtype: subject.dtype,
    axis: 'texts',
    texts: textCount,
    tokens,
    seconds: round(seconds, 3),
    microsecondsPerToken: round((seconds * 1e6) / tokens, 3),
    peakRssMb,
  };
}

/** Embeds + classifies `texts` with a subject whose token cap is `length`. */
export async function measureLength(subject: Subject, texts: readonly string[], length: number): Promise<GrowthPoint> {
  await warmUp(subject, texts);
  const { value, seconds, peakRssMb } = await measured(async () => {
    const embedded = await subject.embed(texts);
    subject.head.predictProba(embedded);
    return embedded.info.map((i) => i.tokens);
  });
  const tokens = value.reduce((a, b) => a + b, 0);
  const point: GrowthPoint = {
    encoder: subject.encoder,
    dtype: subject.dtype,
    axis: 'length',
    texts: texts.length,
    length,
    tokens,
    seconds: round(seconds, 3),
    microsecondsPerToken: round((seconds * 1e6) / tokens, 3),
    peakRssMb,
  };
  if (subject.flops) point.gflopsAchieved = round(subject.flops(value) / seconds / 1e9, 2);
  return point;
}

/**
 * Least-squares slope of log(seconds) against log(tokens) over `points`: 1 means cost linear in
 * tokens, above 1 super-linear (attention), below 1 fixed costs still being amortised.
 */
export function scalingExponent(points: readonly GrowthPoint[]): number {
  const xs = points.map((p) => Math.log(p.tokens));
  const ys = points.map((p) => Math.log(p.seconds));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => {
    num += (x - mx) * (ys[i] - my);
    den += (x - mx) ** 2;
  });
  return den === 0 ? Number.NaN : round(num / den, 3);
}
