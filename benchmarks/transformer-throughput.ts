/**
 * Throughput of headstart's TransformerEncoder against the transformers.js feature-extraction
 * pipeline, on a MiniLM-shaped BERT (6 layers, hidden 384, 12 heads, vocab 30,522; seeded random
 * weights generated into benchmarks/scratch) at fp32 and q8, same threads, same texts.
 *
 *   npx tsx benchmarks/transformer-throughput.ts [--quick] [--json]
 *
 * Corpus: Financial PhraseBank 50Agree sentences and medical abstracts (long; cut at 512 tokens),
 * sampled with a fixed seed and mixed. Writes benchmarks/results/transformer-throughput.{json,md}.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipeline } from '@huggingface/transformers';
import { parse } from 'csv-parse/sync';
import { DEFAULT_BATCH_PLAN, planBatches } from '../src/encoders/batching.js';
import type { EmbedResult, TransformerDtype } from '../src/encoders/encoder.js';
import { loadTransformerEncoder } from '../src/encoders/transformer/transformer.js';
import { physicalCoreCount } from '../src/encoders/transformer/transformer-threads.js';
import { createRng, shuffleInPlace } from '../src/util/random.js';
import { readBertUncasedWords } from '../test/fixtures/bert-tokenizer.js';
import { minilmShapeSpec, wordSourcePath, writeBertFixture } from '../test/fixtures/generate-bert.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const corporaDir = process.env.HEADSTART_CORPORA ?? path.resolve(root, '../shared/corpora');
const modelDir = path.join(root, 'benchmarks/scratch/minilm-shape');
const resultsDir = path.join(root, 'benchmarks/results');
const SEED = 42;
const PIPELINE_CHUNK = 32;
const HEADS = 12;
const SLICE = 250;
const EQUAL_COSINE = 0.9999;
/** Largest attention-score tensor (texts x heads x len^2 x 4 bytes) we let one whole-list pipeline call allocate. */
const WHOLE_LIST_LIMIT_BYTES = 2 * 1024 ** 3;

interface Run {
  seconds: number;
  textsPerSecond: number;
  tokensPerSecond: number;
  /** Tokens the model processed, padding included. */
  paddedTokens: number;
}

interface DtypeResult {
  dtype: TransformerDtype;
  headstart: Run;
  transformersjs: Run & { chunkSize: number };
  transformersjsWholeList: (Run & { minCosine: number }) | { skipped: string };
  speedup: number;
  /** The speedup measured on each slice of SLICE texts: its spread shows how noisy the run was. */
  sliceSpeedups: { min: number; max: number; slices: number };
  equality: { minCosine: number; textsBelow: number; minCosineTruncated: number | null; threshold: number };
}

function loadCorpus(financialCount: number, medicalCount: number): string[] {
  const phrasebank = readFileSync(path.join(corporaDir, 'financial_phrasebank/Sentences_50Agree.txt'), 'latin1')
    .split('\n')
    .filter((line) => line.includes('@'))
    .map((line) => line.slice(0, line.lastIndexOf('@')).trim());
  const medical = (
    parse(readFileSync(path.join(corporaDir, 'medical_abstracts_tc/medical_tc_test.csv')), { columns: true }) as Array<{
      medical_abstract: string;
    }>
  ).map((row) => row.medical_abstract);
  const rng = createRng(SEED);
  const texts = [
    ...shuffleInPlace(phrasebank, rng).slice(0, financialCount),
    ...shuffleInPlace(medical, rng).slice(0, medicalCount),
  ];
  return shuffleInPlace(texts, rng);
}

function ensureModel(): void {
  if (existsSync(path.join(modelDir, 'onnx/model_quantized.onnx'))) return;
  console.error(`generating minilm-shape into ${path.relative(root, modelDir)} ...`);
  writeBertFixture(modelDir, minilmShapeSpec(readBertUncasedWords(wordSourcePath())));
}

function run(seconds: number, texts: number, tokens: number, paddedTokens: number): Run {
  return {
    seconds: round(seconds, 2),
    textsPerSecond: round(texts / seconds, 1),
    tokensPerSecond: Math.round(tokens / seconds),
    paddedTokens,
  };
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await work();
  return [value, (performance.now() - start) / 1000];
}

interface Measured {
  result: DtypeResult;
  realTokens: number;
  truncated: number;
}

async function measure(dtype: TransformerDtype, texts: string[], threads: number): Promise<Measured> {
  const sessionOptions = { intraOpNumThreads: threads, interOpNumThreads: 1 };
  const warmup = texts.slice(0, 8);
  const encoder = await loadTransformerEncoder({
    model: modelDir,
    dtype,
    pooling: 'mean',
    normalize: true,
    ...sessionOptions,
  });
  const extractor = await pipeline('feature-extraction', modelDir, {
    dtype,
    local_files_only: true,
    session_options: sessionOptions,
  });
  await encoder.embed(warmup);
  await extractor(warmup, { pooling: 'mean', normalize: true });

  // Slice by slice, one encoder right after the other (taking turns to go first), so that load
  // from other processes on the machine hits both alike.
  const dim = encoder.dim;
  const ours: EmbedResult = { data: new Float32Array(texts.length * dim), rows: texts.length, dim, info: [] };
  const theirs = new Float32Array(texts.length * dim);
  let ourSeconds = 0;
  let theirSeconds = 0;
  let ourPadded = 0;
  let theirPadded = 0;
  const sliceSpeedups: number[] = [];
  for (let first = 0, turn = 0; first < texts.length; first += SLICE, turn++) {
    const slice = texts.slice(first, first + SLICE);
    const runOurs = () => timed(() => encoder.embed(slice));
    const runTheirs = () =>
      timed(async () => {
        // As the transformers.js docs show it, a chunk at a time.
        for (let start = 0; start < slice.length; start += PIPELINE_CHUNK) {
          const output = await extractor(slice.slice(start, start + PIPELINE_CHUNK), {
            pooling: 'mean',
            normalize: true,
          });
          theirs.set(output.data as Float32Array, (first + start) * dim);
        }
      });
    let embedded: EmbedResult;
    let seconds: number;
    let pipelineSeconds: number;
    if (turn % 2 === 0) {
      [embedded, seconds] = await runOurs();
      [, pipelineSeconds] = await runTheirs();
    } else {
      [, pipelineSeconds] = await runTheirs();
      [embedded, seconds] = await runOurs();
    }
    ours.data.set(embedded.data, first * dim);
    ours.info.push(...embedded.info);
    ourSeconds += seconds;
    theirSeconds += pipelineSeconds;
    sliceSpeedups.push(pipelineSeconds / seconds);

    const sliceLengths = embedded.info.map((i) => i.tokens);
    const modelLengths = sliceLengths.filter((n) => n > 0); // empty texts skip the model
    ourPadded += planBatches(modelLengths, DEFAULT_BATCH_PLAN).reduce(
      (sum, batch) => sum + batch.length * modelLengths[batch[0]],
      0,
    );
    for (let start = 0; start < slice.length; start += PIPELINE_CHUNK) {
      const chunk = sliceLengths.slice(start, start + PIPELINE_CHUNK);
      theirPadded += chunk.length * Math.max(...chunk);
    }
  }
  await encoder.dispose();
  const lengths = ours.info.map((i) => i.tokens);
  const realTokens = lengths.reduce((a, b) => a + b, 0);

  const longest = Math.max(...lengths);
  const wholeListBytes = texts.length * HEADS * longest * longest * 4;
  let transformersjsWholeList: DtypeResult['transformersjsWholeList'];
  if (wholeListBytes <= WHOLE_LIST_LIMIT_BYTES) {
    const [output, seconds] = await timed(() => extractor(texts, { pooling: 'mean', normalize: true }));
    transformersjsWholeList = {
      ...run(seconds, texts.length, realTokens, texts.length * longest),
      minCosine: compare(ours, output.data as Float32Array).minCosine,
    };
  } else {
    const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
    transformersjsWholeList = {
      skipped: `one call pads all ${texts.length} texts to ${longest} tokens; its attention scores alone would take ${gib(wholeListBytes)} (limit ${gib(WHOLE_LIST_LIMIT_BYTES)})`,
    };
  }
  await extractor.dispose();

  return {
    result: {
      dtype,
      headstart: run(ourSeconds, texts.length, realTokens, ourPadded),
      transformersjs: { ...run(theirSeconds, texts.length, realTokens, theirPadded), chunkSize: PIPELINE_CHUNK },
      transformersjsWholeList,
      speedup: round(theirSeconds / ourSeconds, 2),
      sliceSpeedups: {
        min: round(Math.min(...sliceSpeedups), 2),
        max: round(Math.max(...sliceSpeedups), 2),
        slices: sliceSpeedups.length,
      },
      equality: compare(ours, theirs),
    },
    realTokens,
    truncated: ours.info.filter((i) => i.truncated).length,
  };
}

/** Per-text cosine; truncated texts are reported apart (transformers.js drops their [SEP], we keep it). */
function compare(ours: EmbedResult, theirs: Float32Array): DtypeResult['equality'] {
  let minCosine = 1;
  let minCosineTruncated: number | null = null;
  let textsBelow = 0;
  for (let i = 0; i < ours.rows; i++) {
    if (ours.info[i].empty) continue; // ours is zero by design; the pipeline encodes [CLS][SEP]
    let dot = 0;
    for (let d = 0; d < ours.dim; d++) dot += ours.data[i * ours.dim + d] * theirs[i * ours.dim + d];
    if (ours.info[i].truncated) {
      minCosineTruncated = Math.min(minCosineTruncated ?? 1, dot);
    } else {
      minCosine = Math.min(minCosine, dot);
      if (dot < EQUAL_COSINE) textsBelow += 1;
    }
  }
  return {
    minCosine: round(minCosine, 6),
    textsBelow,
    minCosineTruncated: minCosineTruncated === null ? null : round(minCosineTruncated, 6),
    threshold: EQUAL_COSINE,
  };
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

function markdown(report: Report): string {
  const lines = [
    '# Transformer encoder throughput',
    '',
    `${report.date} · ${report.machine.cpus} CPUs, ${report.machine.threads} ORT intra-op threads, load average ${report.machine.loadAverage.join(' -> ')} · model ${report.model}`,
    '',
    `Corpus: ${report.corpus.texts} texts (${report.corpus.financial} Financial PhraseBank 50Agree sentences + ${report.corpus.medical} medical abstracts, seed ${SEED}), ` +
      `${report.corpus.realTokens} real tokens, ${report.corpus.truncated} texts cut at ${report.corpus.maxTokens} tokens.`,
    '',
    `Both encoders run on the same slices of ${SLICE} texts one after the other; headstart embeds a slice in one call.`,
    '',
    '| dtype | encoder | seconds | texts/s | tokens/s | padded tokens | speedup (slice min-max) | equal outputs |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const r of report.results) {
    const eq = r.equality;
    const equal = `min cos ${eq.minCosine} (${eq.textsBelow} below ${eq.threshold}); truncated texts min cos ${eq.minCosineTruncated ?? 'n/a'}`;
    lines.push(
      `| ${r.dtype} | headstart TransformerEncoder | ${r.headstart.seconds} | ${r.headstart.textsPerSecond} | ${r.headstart.tokensPerSecond} | ${r.headstart.paddedTokens} | ${r.speedup}x (${r.sliceSpeedups.min}-${r.sliceSpeedups.max}) | ${equal} |`,
    );
    lines.push(
      `| ${r.dtype} | transformers.js pipeline, chunks of ${r.transformersjs.chunkSize} | ${r.transformersjs.seconds} | ${r.transformersjs.textsPerSecond} | ${r.transformersjs.tokensPerSecond} | ${r.transformersjs.paddedTokens} | 1x | |`,
    );
  }
  lines.push('');
  for (const r of report.results) {
    const whole = r.transformersjsWholeList;
    lines.push(
      'skipped' in whole
        ? `${r.dtype}: transformers.js on the whole list in one call was not run: ${whole.skipped}.`
        : `${r.dtype}: transformers.js on the whole list in one call: ${whole.seconds} s, ${whole.textsPerSecond} texts/s, min cos ${whole.minCosine}.`,
    );
  }
  lines.push(
    '',
    'tokens/s counts real (non-pad) tokens, [CLS]/[SEP] included. The weights are random, so the',
    'numbers measure speed only. Truncated texts differ by design: transformers.js cuts their final',
    '[SEP], headstart keeps it as Hugging Face tokenizers do.',
    '',
  );
  return lines.join('\n');
}

interface Report {
  benchmark: 'transformer-throughput';
  date: string;
  quick: boolean;
  /** loadAverage: 1-minute load at start and end; above the CPU count, other processes competed for the cores. */
  machine: { cpus: number; threads: number; node: string; loadAverage: [number, number] };
  model: string;
  corpus: {
    texts: number;
    financial: number;
    medical: number;
    realTokens: number;
    truncated: number;
    maxTokens: number;
  };
  results: DtypeResult[];
  totalSeconds: number;
}

async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2));
  const quick = args.has('--quick');
  const [financial, medical] = quick ? [300, 100] : [1500, 500];
  const started = performance.now();
  const loadAtStart = os.loadavg()[0];
  ensureModel();
  const texts = loadCorpus(financial, medical);
  const threads = physicalCoreCount();
  const measured: Measured[] = [];
  for (const dtype of ['fp32', 'q8'] as const) {
    const m = await measure(dtype, texts, threads);
    measured.push(m);
    const result = m.result;
    console.error(
      `${dtype}: headstart ${result.headstart.textsPerSecond} texts/s, transformers.js ${result.transformersjs.textsPerSecond} texts/s, ${result.speedup}x`,
    );
  }
  const report: Report = {
    benchmark: 'transformer-throughput',
    date: new Date().toISOString().slice(0, 10),
    quick,
    machine: {
      cpus: os.availableParallelism(),
      threads,
      node: process.version,
      loadAverage: [round(loadAtStart, 2), round(os.loadavg()[0], 2)],
    },
    model:
      'minilm-shape (generated BERT: 6 layers, hidden 384, 12 heads, FFN 1536, vocab 30522, 512 positions; random weights)',
    corpus: {
      texts: texts.length,
      financial,
      medical,
      realTokens: measured[0].realTokens,
      truncated: measured[0].truncated,
      maxTokens: 512,
    },
    results: measured.map((m) => m.result),
    totalSeconds: round((performance.now() - started) / 1000, 1),
  };
  mkdirSync(resultsDir, { recursive: true });
  const suffix = quick ? '-quick' : '';
  writeFileSync(path.join(resultsDir, `transformer-throughput${suffix}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(path.join(resultsDir, `transformer-throughput${suffix}.md`), markdown(report));
  if (args.has('--json')) console.log(JSON.stringify(report));
  else console.log(markdown(report));
}

await main();
