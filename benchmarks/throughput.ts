/**
 * bench:throughput — texts/s and tokens/s end to end (read, embed, classify) for the static potion
 * encoder, a MiniLM-shaped transformer (fp32, q8) and TF-IDF on one mixed-length corpus, with the
 * time split into read / tokenize / encode / pool / head, latency per call, peak RSS, the naive
 * transformers.js pipeline side by side, FLOP utilisation against a measured MatMul rate, batch
 * and thread sweeps, and cost growth in the number and the length of texts.
 *
 *   npx tsx benchmarks/throughput.ts [--quick] [--json] [--out DIR]
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { printJsonResult, reportError } from '../src/cli/output.js';
import type { TransformerDtype } from '../src/encoders/encoder.js';
import { DEFAULT_BATCH_PLAN } from '../src/encoders/batching.js';
import { physicalCoreCount } from '../src/encoders/transformer/transformer-threads.js';
import { createRng, shuffleInPlace } from '../src/util/random.js';
import { readBertUncasedWords } from '../test/fixtures/bert-tokenizer.js';
import { minilmShapeSpec, wordSourcePath, writeBertFixture } from '../test/fixtures/generate-bert.js';
import { loadLabelled } from './lib/corpora.js';
import { bertFlopsPerSequence, measureAttainableGflops, type AttainableRate } from './lib/flops.js';
import { describeMachine, machineLine, type MachineInfo } from './lib/machine.js';
import { processMaxRssMb, round } from './lib/measure.js';
import { isMain, parseBenchFlags, useSharedCorpora, repoRoot, resultName, table, writeResult } from './lib/output.js';
import { lineChart, writeSvg, type Row } from './lib/plot.js';
import {
  bertShapeOf,
  NAIVE_CHUNK,
  staticSubject,
  tfidfSubject,
  transformerSubject,
  type Subject,
} from './lib/subjects.js';
import {
  measureLength,
  measurePath,
  scalingExponent,
  streamCorpus,
  writeJsonlCorpus,
  type GrowthPoint,
  type ThroughputRow,
} from './lib/throughput-runs.js';

const SEED = 42;
export const MINILM_DIR = path.join(repoRoot, 'benchmarks/scratch/minilm-shape');

export interface ThroughputPlan {
  quick: boolean;
  /** Where corpora files are written. */
  scratchDir: string;
  /** The mixed-length comparison corpus: sentences and long texts (registry names), counts of each. */
  corpus: { short: string; shortCount: number; long: string; longCount: number };
  /** Corpora pooled (and shuffled) for the growth-in-N runs. */
  poolSources: string[];
  transformer: {
    modelDir: string;
    dtypes: TransformerDtype[];
    threads: number[];
    tokenBudgets: number[];
    sweepTexts: number;
    lengthTexts: number;
  };
  batchTexts: number;
  staticBatches: number[];
  tfidfBatches: number[];
  tfidfFitTexts: number;
  growthCounts: number[];
  lengths: number[];
  lengthTexts: number;
}

export function throughputPlan(quick: boolean): ThroughputPlan {
  const cores = physicalCoreCount();
  const threads = [...new Set([1, Math.min(2, cores)])];
  return {
    quick,
    scratchDir: path.join(repoRoot, 'benchmarks/scratch'),
    corpus: { short: 'fpb50', shortCount: quick ? 90 : 600, long: 'medical-abstracts', longCount: quick ? 30 : 200 },
    poolSources: [
      'sst2-train',
      'hoc-train',
      'banking77-train',
      'banking77-test',
      'ag-news-test',
      'trec-train',
      'fpb50',
      'medical-abstracts',
    ],
    transformer: {
      modelDir: MINILM_DIR,
      dtypes: ['fp32', 'q8'],
      threads,
      tokenBudgets: quick ? [512, 2048] : [256, 1024, 4096],
      sweepTexts: quick ? 48 : 240,
      lengthTexts: quick ? 6 : 24,
    },
    batchTexts: 128,
    staticBatches: [1, 32, 1024],
    tfidfBatches: [32, 1024],
    tfidfFitTexts: 5000,
    growthCounts: quick ? [1000, 10_000] : [1000, 10_000, 100_000],
    lengths: quick ? [16, 128, 512] : [16, 32, 64, 128, 256, 512],
    lengthTexts: quick ? 200 : 1000,
  };
}

export interface ThroughputResult {
  benchmark: 'throughput';
  quick: boolean;
  machine: MachineInfo;
  attainable: AttainableRate[];
  corpus: { texts: number; file: string; description: string; tokensByEncoder: Record<string, number> };
  model: { transformer: string; static: string; tfidf: string };
  throughput: ThroughputRow[];
  flopsPerToken: { length: number; flopsPerToken: number }[];
  growth: GrowthPoint[];
  /** Per encoder and axis: the slope of log(time) against log(tokens) (1 = linear in tokens). */
  scaling: { encoder: string; axis: string; exponent: number }[];
  plots: string[];
  /** The whole run's resident-memory high-water mark (process.resourceUsage().maxRSS). */
  processMaxRssMb: number;
  totalSeconds: number;
}

function ensureMinilm(dir: string): void {
  if (existsSync(path.join(dir, 'onnx/model_quantized.onnx'))) return;
  console.error(`generating the minilm-shape model into ${dir} (about 5 s) ...`);
  writeBertFixture(dir, minilmShapeSpec(readBertUncasedWords(wordSourcePath())));
}

async function mixedCorpus(plan: ThroughputPlan): Promise<string[]> {
  const rng = createRng(SEED);
  const short = shuffleInPlace((await loadLabelled(plan.corpus.short)).texts, rng).slice(0, plan.corpus.shortCount);
  const long = shuffleInPlace((await loadLabelled(plan.corpus.long)).texts, rng).slice(0, plan.corpus.longCount);
  return shuffleInPlace([...short, ...long], rng);
}

async function textPool(sources: readonly string[], size: number): Promise<string[]> {
  const texts: string[] = [];
  for (const source of sources) texts.push(...(await loadLabelled(source)).texts);
  shuffleInPlace(texts, createRng(SEED + 1));
  // Repeat the pool when it is smaller than the largest count asked for.
  while (texts.length < size) texts.push(...texts.slice(0, size - texts.length));
  return texts.slice(0, size);
}

/** Long texts (medical abstracts joined in threes), to be cut at each length of the sweep. */
async function longTexts(source: string, count: number): Promise<string[]> {
  const abstracts = shuffleInPlace((await loadLabelled(source)).texts, createRng(SEED + 2));
  return Array.from({ length: count }, (_, i) =>
    [0, 1, 2].map((j) => abstracts[(3 * i + j) % abstracts.length]).join(' '),
  );
}

export async function runThroughput(
  plan: ThroughputPlan,
  outDir: string,
  log: (line: string) => void = () => {},
): Promise<ThroughputResult> {
  const started = performance.now();
  const machine = await describeMachine();
  mkdirSync(plan.scratchDir, { recursive: true });
  ensureMinilm(plan.transformer.modelDir);
  // Measured before the runs and again after them; the better of the two is the least disturbed by other load.
  const attainable: AttainableRate[] = [];
  for (const threads of plan.transformer.threads) attainable.push(await measureAttainableGflops(threads));
  log(
    `attainable fp32 MatMul: ${attainable.map((a) => `${a.threads} thread(s) ${a.gflops.toFixed(1)} GFLOP/s`).join(', ')}`,
  );

  const texts = await mixedCorpus(plan);
  const corpusFile = path.join(plan.scratchDir, `throughput-corpus${plan.quick ? '-quick' : ''}.jsonl`);
  writeJsonlCorpus(corpusFile, texts);
  const sweepFile = path.join(plan.scratchDir, `throughput-sweep${plan.quick ? '-quick' : ''}.jsonl`);
  writeJsonlCorpus(sweepFile, texts.slice(0, plan.transformer.sweepTexts));
  const maxThreads = Math.max(...plan.transformer.threads);
  const rows: ThroughputRow[] = [];
  const record = (row: ThroughputRow) => {
    rows.push(row);
    const naive = row.speedup !== undefined ? `, naive ${row.naiveTextsPerSec} texts/s, ${row.speedup}x` : '';
    const flops = row.gflopsAchieved !== undefined ? `, ${row.gflopsAchieved} GFLOP/s` : '';
    log(
      `${row.run} ${row.encoder} ${row.dtype} t=${row.threads} batch=${row.tokenBudget ?? row.batchTexts}: ${row.textsPerSec} texts/s, ${row.tokensPerSec} tokens/s${naive}${flops}`,
    );
  };
  const withSubject = async <S extends Subject>(subject: S, work: (s: S) => Promise<void>) => {
    try {
      await work(subject);
    } finally {
      await subject.dispose();
    }
  };

  // Transformer: main comparison (with the naive pipeline), then the budget x threads sweep.
  const t = plan.transformer;
  for (const dtype of t.dtypes) {
    await withSubject(
      await transformerSubject({ modelDir: t.modelDir, dtype, threads: maxThreads, withNaive: true }),
      async (s) =>
        record(
          await measurePath(s, corpusFile, {
            batchTexts: plan.batchTexts,
            run: 'main',
            tokenBudget: DEFAULT_BATCH_PLAN.tokenBudget,
          }),
        ),
    );
    for (const threads of t.threads) {
      for (const tokenBudget of t.tokenBudgets) {
        await withSubject(await transformerSubject({ modelDir: t.modelDir, dtype, threads, tokenBudget }), async (s) =>
          record(await measurePath(s, sweepFile, { batchTexts: plan.batchTexts, run: 'sweep', tokenBudget })),
        );
      }
    }
  }

  // Static and TF-IDF: main row at the common call size, then the call-size sweep.
  const pool = await textPool(plan.poolSources, Math.max(...plan.growthCounts, plan.tfidfFitTexts));
  const growth: GrowthPoint[] = [];
  const growthFiles = plan.growthCounts.map((count) => {
    const file = path.join(plan.scratchDir, `growth-${count}.jsonl`);
    writeJsonlCorpus(file, pool.slice(0, count));
    return { count, file };
  });
  const fitTexts = pool.slice(0, plan.tfidfFitTexts);
  const tfidfModel = { description: '' };
  const staticModel = { description: '' };
  for (const build of [() => staticSubject(), () => tfidfSubject(fitTexts)]) {
    await withSubject(await build(), async (s) => {
      if ('fitSeconds' in s) tfidfModel.description = `${s.model}, fit ${round(s.fitSeconds as number, 2)} s`;
      else staticModel.description = s.model;
      record(await measurePath(s, corpusFile, { batchTexts: plan.batchTexts, run: 'main' }));
      for (const batchTexts of s.encoder === 'static' ? plan.staticBatches : plan.tfidfBatches) {
        record(await measurePath(s, corpusFile, { batchTexts, run: 'sweep' }));
      }
      for (const { count, file } of growthFiles) {
        const point = await streamCorpus(s, file, count);
        growth.push(point);
        log(
          `growth ${s.encoder} ${count} texts: ${point.seconds} s, ${point.microsecondsPerToken} µs/token, peak RSS ${point.peakRssMb} MB`,
        );
      }
    });
  }

  // Cost against text length: every text cut to L tokens.
  const long = await longTexts(plan.corpus.long, Math.max(plan.lengthTexts, t.lengthTexts));
  for (const length of plan.lengths) {
    const subjects: (() => Promise<Subject>)[] = [
      () => staticSubject(length),
      ...t.dtypes.map(
        (dtype) => () => transformerSubject({ modelDir: t.modelDir, dtype, threads: maxThreads, maxTokens: length }),
      ),
    ];
    for (const build of subjects) {
      await withSubject(await build(), async (s) => {
        const count = s.encoder === 'transformer' ? t.lengthTexts : plan.lengthTexts;
        const point = await measureLength(s, long.slice(0, count), length);
        growth.push(point);
        log(`length ${s.encoder} ${s.dtype} L=${length}: ${point.microsecondsPerToken} µs/token`);
      });
    }
  }

  for (const [i, threads] of plan.transformer.threads.entries()) {
    const again = await measureAttainableGflops(threads);
    if (again.gflops > attainable[i].gflops) attainable[i] = again;
  }
  log(
    `attainable fp32 MatMul (best of start and end): ${attainable.map((a) => `${a.threads} thread(s) ${a.gflops.toFixed(1)} GFLOP/s`).join(', ')}`,
  );
  for (const row of rows) {
    const rate = attainable.find((a) => a.threads === row.threads)?.gflops;
    if (rate === undefined) continue;
    if (row.gflopsAchieved !== undefined) row.flopUtilization = round(row.gflopsAchieved / rate, 4);
    if (row.naiveGflopsAchieved !== undefined) row.naiveFlopUtilization = round(row.naiveGflopsAchieved / rate, 4);
  }

  const shape = bertShapeOf(t.modelDir);
  const flopsPerToken = plan.lengths.map((length) => ({
    length,
    flopsPerToken: Math.round(bertFlopsPerSequence(shape, length) / length),
  }));
  const name = resultName('throughput', plan.quick);
  const plots = await writeThroughputPlots(outDir, name, rows, growth);
  const tokensByEncoder = Object.fromEntries(
    rows.filter((r) => r.run === 'main').map((r) => [`${r.encoder} ${r.dtype}`, r.tokens]),
  );
  const result: ThroughputResult = {
    benchmark: 'throughput',
    quick: plan.quick,
    machine,
    attainable: attainable.map((a) => ({ ...a, gflops: round(a.gflops, 1) })),
    corpus: {
      texts: texts.length,
      file: path.relative(repoRoot, corpusFile),
      description: `${plan.corpus.shortCount} ${plan.corpus.short} sentences + ${plan.corpus.longCount} ${plan.corpus.long} texts, shuffled (seed ${SEED})`,
      tokensByEncoder,
    },
    model: {
      transformer: `minilm-shape: generated BERT with ${shape.layers} layers, hidden ${shape.hidden}, FFN ${shape.intermediate}, 12 heads, vocab 30522, 512 positions; seeded random weights (speed only)`,
      static: staticModel.description,
      tfidf: tfidfModel.description,
    },
    throughput: rows,
    flopsPerToken,
    growth,
    scaling: scalingOf(growth),
    plots,
    processMaxRssMb: processMaxRssMb(),
    totalSeconds: round((performance.now() - started) / 1000, 1),
  };
  writeResult(outDir, name, result, throughputMarkdown(result, plan));
  return result;
}

function scalingOf(growth: readonly GrowthPoint[]): ThroughputResult['scaling'] {
  const groups = new Map<string, GrowthPoint[]>();
  for (const point of growth) {
    const key = `${point.encoder} ${point.dtype}\u0000${point.axis}`;
    groups.set(key, [...(groups.get(key) ?? []), point]);
  }
  return [...groups]
    .filter(([, points]) => points.length >= 2)
    .map(([key, points]) => {
      const [encoder, axis] = key.split('\u0000');
      return { encoder, axis, exponent: scalingExponent(points) };
    });
}

async function writeThroughputPlots(
  outDir: string,
  name: string,
  rows: ThroughputRow[],
  growth: GrowthPoint[],
): Promise<string[]> {
  mkdirSync(outDir, { recursive: true });
  const charts: [string, Parameters<typeof lineChart>[0]][] = [];
  const sweep = rows.filter((r) => r.run === 'sweep');
  const transformerSweep: Row[] = sweep
    .filter((r) => r.encoder === 'transformer')
    .map((r) => ({
      tokenBudget: r.tokenBudget ?? 0,
      tokensPerSec: r.tokensPerSec,
      setting: `${r.dtype}, ${r.threads} thread(s)`,
    }));
  if (transformerSweep.length > 0) {
    charts.push([
      'transformer-batch',
      {
        title: 'Transformer tokens/s vs padded tokens per batch',
        rows: transformerSweep,
        x: 'tokenBudget',
        y: 'tokensPerSec',
        series: 'setting',
        xTitle: 'token budget per batch',
        yTitle: 'tokens/s (end to end)',
        logX: true,
      },
    ]);
  }
  const callSweep: Row[] = sweep
    .filter((r) => r.encoder !== 'transformer')
    .map((r) => ({ batchTexts: r.batchTexts, textsPerSec: r.textsPerSec, encoder: r.encoder }));
  if (callSweep.length > 0) {
    charts.push([
      'call-batch',
      {
        title: 'Static and TF-IDF texts/s vs texts per call',
        rows: callSweep,
        x: 'batchTexts',
        y: 'textsPerSec',
        series: 'encoder',
        xTitle: 'texts per embed call',
        yTitle: 'texts/s (end to end)',
        logX: true,
        logY: true,
      },
    ]);
  }
  const byCount: Row[] = growth
    .filter((g) => g.axis === 'texts')
    .map((g) => ({ texts: g.texts, seconds: g.seconds, peakRssMb: g.peakRssMb, encoder: g.encoder }));
  if (byCount.length > 0) {
    charts.push([
      'cost-texts',
      {
        title: 'Time vs number of texts (streamed in chunks of 1024)',
        rows: byCount,
        x: 'texts',
        y: 'seconds',
        series: 'encoder',
        xTitle: 'texts',
        yTitle: 'seconds',
        logX: true,
        logY: true,
      },
    ]);
    charts.push([
      'memory-texts',
      {
        title: 'Peak RSS vs number of texts',
        rows: byCount,
        x: 'texts',
        y: 'peakRssMb',
        series: 'encoder',
        xTitle: 'texts',
        yTitle: 'peak RSS (MB)',
        logX: true,
      },
    ]);
  }
  const byLength: Row[] = growth
    .filter((g) => g.axis === 'length')
    .map((g) => ({
      length: g.length ?? 0,
      microsecondsPerToken: g.microsecondsPerToken,
      encoder: `${g.encoder} ${g.dtype}`,
    }));
  if (byLength.length > 0) {
    charts.push([
      'cost-length',
      {
        title: 'Cost per token vs text length',
        rows: byLength,
        x: 'length',
        y: 'microsecondsPerToken',
        series: 'encoder',
        xTitle: 'tokens per text',
        yTitle: 'µs per token',
        logX: true,
        logY: true,
      },
    ]);
  }
  const files: string[] = [];
  for (const [suffix, options] of charts) {
    const file = `${name}-${suffix}.svg`;
    await writeSvg(path.join(outDir, file), lineChart(options));
    files.push(file);
  }
  return files;
}

const pct = (fraction: number | undefined) => (fraction === undefined ? '' : `${(fraction * 100).toFixed(1)}%`);

export function throughputMarkdown(result: ThroughputResult, plan: ThroughputPlan): string {
  const main = result.throughput.filter((r) => r.run === 'main');
  const sweep = result.throughput.filter((r) => r.run === 'sweep');
  const split = (r: ThroughputRow) =>
    `${r.split.read} / ${r.split.tokenize ?? '–'} / ${r.split.encode} / ${r.split.pool} / ${r.split.head}`;
  const lines = [
    `# Throughput${result.quick ? ' (quick run)' : ''}`,
    '',
    machineLine(result.machine),
    '',
    `Corpus: ${result.corpus.texts} texts (${result.corpus.description}). End to end = read the JSONL file, embed in calls of ${plan.batchTexts} texts, classify each call with the default head. ` +
      `tokens/s counts the tokens each encoder saw (transformer: WordPiece with [CLS]/[SEP], cut at 512; potion: WordPiece without specials, unknowns dropped; TF-IDF: its tokens). Total run ${result.totalSeconds} s.`,
    '',
    `Models: ${result.model.transformer}. Static: ${result.model.static}. TF-IDF: ${result.model.tfidf}.`,
    '',
    `Attainable fp32 rate (best of ${result.attainable[0]?.runs} runs of a ${result.attainable[0]?.size}² MatMul in onnxruntime-node, measured before and after the runs, the better kept): ${result.attainable.map((a) => `${a.threads} thread(s) ${a.gflops} GFLOP/s`).join(', ')}.`,
    '',
    '### Side by side',
    '',
    `Naive = the transformers.js feature-extraction pipeline called on chunks of ${NAIVE_CHUNK} texts (as its docs show), same model, threads and head, run on the same calls taking turns going first; speedup = naive time / headstart time, end to end. ` +
      'FLOP utilisation = executed (padded) matmul + attention FLOPs per second of embedding / the attainable fp32 MatMul rate at the same thread count (q8 runs int8 kernels, so its percentage is against the fp32 rate). ' +
      'Split: seconds of read / tokenize / encode / pool / head (transformer tokenize and pool are timed in a separate replay of the same work; static "pool" is the table lookup and mean). ' +
      `Peak RSS: the whole process during that run, sampled every 10 ms (every model loaded so far included; the transformer rows hold both headstart's and the pipeline's sessions); the run's high-water mark was ${result.processMaxRssMb} MB.`,
    '',
    table(
      [
        'encoder',
        'dtype',
        'threads',
        'texts/s',
        'tokens/s',
        'naive texts/s',
        'speedup',
        'GFLOP/s',
        'FLOP util.',
        'naive FLOP util.',
        'p50 / p95 ms per call',
        'peak RSS MB',
        'split s (read/tok/enc/pool/head)',
      ],
      main.map((r) => [
        r.encoder,
        r.dtype,
        r.threads,
        r.textsPerSec,
        r.tokensPerSec,
        r.naiveTextsPerSec ?? '',
        r.speedup ? `${r.speedup}x` : '',
        r.gflopsAchieved ?? '',
        pct(r.flopUtilization),
        pct(r.naiveFlopUtilization),
        `${r.latencyP50Ms} / ${r.latencyP95Ms}`,
        r.peakRssMb,
        split(r),
      ]),
      [false, false, true, true, true, true, true, true, true, true, true, true, false],
    ),
    '',
  ];
  const staticMain = main.find((r) => r.encoder === 'static');
  if (staticMain?.tokenizerBoundTokensPerSec) {
    lines.push(
      `Static encoder against its tokenizer-only bound: tokenizing alone runs at ${staticMain.tokenizerBoundTokensPerSec} tokens/s; the whole path (read, tokenize, look up, pool, classify) at ${staticMain.tokensPerSec} tokens/s = ${pct(staticMain.tokensPerSec / staticMain.tokenizerBoundTokensPerSec)} of the bound.`,
      '',
    );
  }
  lines.push(
    '### Sweeps',
    '',
    `Transformer: padded-token budget per model batch x intra-op threads on the first ${plan.transformer.sweepTexts} texts; static / TF-IDF: texts per embed call (single-threaded JavaScript).`,
    '',
    table(
      [
        'encoder',
        'dtype',
        'threads',
        'token budget / texts per call',
        'texts/s',
        'tokens/s',
        'FLOP util.',
        'p50 / p95 ms per call',
        'peak RSS MB',
      ],
      sweep.map((r) => [
        r.encoder,
        r.dtype,
        r.threads,
        r.tokenBudget ?? r.batchTexts,
        r.textsPerSec,
        r.tokensPerSec,
        pct(r.flopUtilization),
        `${r.latencyP50Ms} / ${r.latencyP95Ms}`,
        r.peakRssMb,
      ]),
      [false, false, true, true, true, true, true, true, true],
    ),
    '',
    '### Model FLOPs per token',
    '',
    'Per layer: Q, K, V, output projections 8·L·h², feed-forward 4·L·h·f, attention scores and weighted sum 4·L²·h (2 FLOPs per multiply-add); the attention term makes cost per token grow with length.',
    '',
    table(
      ['tokens per text', 'GFLOPs per token'],
      result.flopsPerToken.map((f) => [f.length, (f.flopsPerToken / 1e9).toFixed(4)]),
      [true, true],
    ),
    '',
    '### Cost growth',
    '',
    'Number of texts: the first N texts of a shuffled pool of all corpora, streamed from a JSONL file in chunks of 1024 (read, embed, classify, drop). Length: long texts (three medical abstracts joined) cut to L tokens.',
    '',
    table(
      [
        'encoder',
        'axis',
        'texts',
        'tokens per text (cap)',
        'tokens',
        'seconds',
        'µs per token',
        'peak RSS MB',
        'GFLOP/s',
      ],
      result.growth.map((g) => [
        `${g.encoder} ${g.dtype}`,
        g.axis,
        g.texts,
        g.length ?? '',
        g.tokens,
        g.seconds,
        g.microsecondsPerToken,
        g.peakRssMb,
        g.gflopsAchieved ?? '',
      ]),
      [false, false, true, true, true, true, true, true, true],
    ),
    '',
    'Scaling exponent: least-squares slope of log(seconds) against log(tokens); 1 = cost linear in tokens.',
    '',
    table(
      ['encoder', 'axis', 'exponent'],
      result.scaling.map((s) => [s.encoder, s.axis, s.exponent]),
      [false, false, true],
    ),
    '',
    '### Plots',
    '',
    ...result.plots.map((file) => `![${file}](${file})`),
    '',
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  useSharedCorpora();
  const flags = parseBenchFlags(process.argv.slice(2));
  const result = await runThroughput(throughputPlan(flags.quick), flags.out, (line) => console.error(line));
  if (flags.json) printJsonResult(result);
  else
    console.log(
      `throughput: ${result.throughput.length} rows in ${result.totalSeconds} s; see ${path.join(flags.out, `${resultName('throughput', flags.quick)}.md`)}`,
    );
}

if (isMain(import.meta.url)) main().catch((error: unknown) => process.exit(reportError(error, true)));
