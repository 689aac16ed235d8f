/**
 * End-to-end batch classification throughput of `headstart predict` with the default static encoder
 * (potion-base-4m-int8) and the default MLP head trained on Financial PhraseBank: read JSONL, embed,
 * classify, write JSONL, as the built CLI (dist/) does it (child processes, so start-up is visible separately).
 * Beside it, the checkpoint `headstart train` writes by default (the auto recipe, which adds TF-IDF).
 *
 *   npx tsx benchmarks/predict-throughput.ts [--repeats N]
 *
 * Runs the MLP checkpoint on 10k and 100k rows on the main thread (--workers 0), 100k rows on 1 and
 * 2 worker threads and 1M rows on 0 and 2, and the auto checkpoint on 100k rows on 0 and 2, interleaved,
 * N times each (default 2; the median is reported), checks every run's output is byte-identical, and
 * times each stage of the MLP checkpoint in-process to show where the time goes. Writes
 * benchmarks/results/predict-throughput.{json,md}.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TextClassifier } from '../src/classifier.js';
import { trainAuto } from '../src/recipes/auto.js';
import { readRecords } from '../src/data/index.js';
import { formatRows, type InputRow } from '../src/predict/format.js';
import { createRng, shuffleInPlace } from '../src/util/random.js';
import { loadLabelled } from './lib/corpora.js';
import { describeMachine, machineLine, type MachineInfo } from './lib/machine.js';
import { round } from './lib/measure.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const scratch = path.join(root, 'benchmarks/scratch/predict-throughput');
const resultsDir = path.join(root, 'benchmarks/results');
const SEED = 42;
const BATCH = 2048;
type ModelName = 'mlp' | 'auto';
const CONFIGS: readonly { model: ModelName; rows: number; workers: number }[] = [
  { model: 'mlp', rows: 10_000, workers: 0 },
  { model: 'mlp', rows: 100_000, workers: 0 },
  { model: 'mlp', rows: 100_000, workers: 1 },
  { model: 'mlp', rows: 100_000, workers: 2 },
  { model: 'mlp', rows: 10_000, workers: 2 },
  // Worker threads pay their start-up (TensorFlow.js and the models, per thread) once: 1M rows shows the steady state.
  { model: 'mlp', rows: 1_000_000, workers: 0 },
  { model: 'mlp', rows: 1_000_000, workers: 2 },
  { model: 'auto', rows: 100_000, workers: 0 },
  { model: 'auto', rows: 100_000, workers: 2 },
];

interface Run {
  model: ModelName;
  rows: number;
  workers: number;
  /** Whole process: start-up, model loading, the run, exit. */
  wallSeconds: number;
  /** From the models being loaded to the output being renamed into place. */
  runSeconds: number;
  rowsPerSecond: number;
  wallRowsPerSecond: number;
  peakRssMB: number;
  /** CPU time of the process, all threads, start-up included. */
  cpuSeconds: number;
}

interface Summary {
  model: ModelName;
  rows: number;
  workers: number;
  rowsPerSecond: number;
  wallRowsPerSecond: number;
  runSeconds: number;
  wallSeconds: number;
  peakRssMB: number;
  cpuSeconds: number;
}

interface Result {
  machine: MachineInfo;
  endLoadAverage: number;
  batchSize: number;
  repeats: number;
  /** What the auto recipe chose on fpb50. */
  auto: { chosen: string; weights: number[] };
  summary: Summary[];
  rssGrowthPercent: { workers0: number; workers2: number; workers0From100kTo1M: number; workers2From100kTo1M: number };
  speedup: {
    workers1OverMain: number;
    workers2OverMain: number;
    workers2OverWorkers1: number;
    workers2OverMainAt1M: number;
    autoOverMlpMain: number;
    autoOverMlpWorkers2: number;
  };
  stageSecondsFor100kOnOneThread: Record<string, number>;
  runs: Run[];
}

function argument(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}

async function trainModels(dirs: Record<ModelName, string>): Promise<{ chosen: string; weights: number[] }> {
  const data = await loadLabelled('fpb50');
  const classifier = await TextClassifier.create();
  await classifier.fit(data.texts, data.labels, { recipe: 'single', seed: 0 });
  await classifier.save(dirs.mlp);
  await classifier.dispose();
  const auto = await trainAuto(data.texts, data.labels, { fit: { seed: 0 } });
  await auto.classifier.save(dirs.auto);
  await auto.classifier.dispose();
  return { chosen: auto.report.chosen, weights: auto.report.weights };
}

async function writeInputs(): Promise<Map<number, string>> {
  const texts = (await loadLabelled('fpb-all')).texts;
  const rng = createRng(SEED);
  const files = new Map<number, string>();
  for (const rows of new Set(CONFIGS.map((c) => c.rows))) {
    const order = shuffleInPlace(
      Array.from({ length: rows }, (_, i) => i % texts.length),
      rng,
    );
    const file = path.join(scratch, `input-${rows}.jsonl`);
    // Written in slices: one string of 1M rows would be ~150 MB.
    const lines = (start: number) =>
      order
        .slice(start, start + 100_000)
        .map((t, k) => `${JSON.stringify({ id: `r${start + k}`, text: texts[t] })}\n`)
        .join('');
    writeFileSync(file, '');
    for (let start = 0; start < rows; start += 100_000) appendFileSync(file, lines(start));
    files.set(rows, file);
  }
  return files;
}

function runCli(
  name: ModelName,
  model: string,
  input: string,
  rows: number,
  workers: number,
): { run: Run; output: string } {
  const output = path.join(scratch, `output-${name}-${rows}-w${workers}.jsonl`);
  const started = performance.now();
  const child = spawnSync(
    process.execPath,
    [
      path.join(root, 'dist/cli/main.js'),
      'predict',
      '--model',
      model,
      '--input',
      input,
      '--id-field',
      'id',
      '--output',
      output,
      '--batch-size',
      String(BATCH),
      '--workers',
      String(workers),
      '--json',
    ],
    { cwd: root, encoding: 'utf8' },
  );
  const wallSeconds = (performance.now() - started) / 1000;
  if (child.status !== 0) throw new Error(`predict failed (${child.status}): ${child.stderr}`);
  const lines = child.stdout.trim().split('\n');
  const summary = JSON.parse(lines[lines.length - 1]);
  return {
    output,
    run: {
      model: name,
      rows,
      workers,
      wallSeconds: round(wallSeconds, 2),
      runSeconds: round(summary.seconds, 2),
      rowsPerSecond: Math.round(summary.rowsPerSecond),
      wallRowsPerSecond: Math.round(rows / wallSeconds),
      peakRssMB: round(summary.peakRssMB, 1),
      cpuSeconds: round(summary.cpuSeconds, 2),
    },
  };
}

/** Seconds per stage for `file` on one thread: read+parse, embed, head, decide, serialise. */
async function stageTimes(model: string, file: string): Promise<Record<string, number>> {
  const classifier = await TextClassifier.load(model);
  const times = { readParse: 0, embed: 0, head: 0, decide: 0, serialise: 0 };
  let mark = performance.now();
  const lap = (stage: keyof typeof times) => {
    const now = performance.now();
    times[stage] += (now - mark) / 1000;
    mark = now;
  };
  const rows: InputRow[] = [];
  for await (const record of readRecords(file, { labelled: false, idField: 'id' }))
    rows.push({ id: record.id, line: record.line, text: record.text });
  lap('readParse');
  for (let start = 0; start < rows.length; start += BATCH) {
    const chunk = rows.slice(start, start + BATCH);
    const embedded = await classifier.encoder.embed(chunk.map((row) => row.text));
    lap('embed');
    const probabilities = await classifier.predictProba([], { embedded });
    lap('head');
    const predictions = classifier.decide(probabilities);
    lap('decide');
    formatRows(chunk, [{ name: '', multiLabel: false }], [predictions], { format: 'jsonl', topK: 1 });
    lap('serialise');
  }
  await classifier.dispose();
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, round(v, 3)]));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The runs use the built CLI, as installed users run it (tsx would compile the sources in every process and worker thread). */
function build(): void {
  const child = spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`npm run build failed: ${child.stdout}${child.stderr}`);
}

async function main(): Promise<void> {
  const repeats = argument('--repeats', 2);
  build();
  mkdirSync(scratch, { recursive: true });
  const machine = await describeMachine();
  const models: Record<ModelName, string> = {
    mlp: path.join(scratch, 'fpb50-model'),
    auto: path.join(scratch, 'fpb50-auto'),
  };
  const auto = await trainModels(models);
  const inputs = await writeInputs();

  const runs: Run[] = [];
  const outputs = new Map<string, string>();
  for (let r = 0; r < repeats; r++) {
    for (const config of CONFIGS) {
      const { run, output } = runCli(
        config.model,
        models[config.model],
        inputs.get(config.rows)!,
        config.rows,
        config.workers,
      );
      const bytes = createHash('sha256').update(readFileSync(output)).digest('hex');
      const key = `${config.model} ${config.rows}`;
      if ((outputs.get(key) ?? bytes) !== bytes)
        throw new Error(
          `output of the ${config.model} model on ${config.rows} rows with ${config.workers} workers differs from the first run`,
        );
      outputs.set(key, bytes);
      runs.push(run);
      process.stderr.write(`${JSON.stringify(run)}\n`);
    }
  }
  const summary: Summary[] = CONFIGS.map((config) => {
    const mine = runs.filter(
      (run) => run.model === config.model && run.rows === config.rows && run.workers === config.workers,
    );
    return {
      ...config,
      rowsPerSecond: Math.round(median(mine.map((run) => run.rowsPerSecond))),
      wallRowsPerSecond: Math.round(median(mine.map((run) => run.wallRowsPerSecond))),
      runSeconds: round(median(mine.map((run) => run.runSeconds)), 2),
      wallSeconds: round(median(mine.map((run) => run.wallSeconds)), 2),
      peakRssMB: round(median(mine.map((run) => run.peakRssMB)), 1),
      cpuSeconds: round(median(mine.map((run) => run.cpuSeconds)), 2),
    };
  });
  const find = (rows: number, workers: number, model: ModelName = 'mlp') =>
    summary.find((s) => s.model === model && s.rows === rows && s.workers === workers)!;
  const rssGrowth = (workers: number) =>
    round((find(100_000, workers).peakRssMB / find(10_000, workers).peakRssMB - 1) * 100, 1);
  const rssGrowthTo1M = (workers: number) =>
    round((find(1_000_000, workers).peakRssMB / find(100_000, workers).peakRssMB - 1) * 100, 1);
  const stages = await stageTimes(models.mlp, inputs.get(100_000)!);
  const result: Result = {
    machine,
    endLoadAverage: round(os.loadavg()[0], 2),
    batchSize: BATCH,
    repeats,
    auto,
    summary,
    rssGrowthPercent: {
      workers0: rssGrowth(0),
      workers2: rssGrowth(2),
      workers0From100kTo1M: rssGrowthTo1M(0),
      workers2From100kTo1M: rssGrowthTo1M(2),
    },
    speedup: {
      workers1OverMain: round(find(100_000, 1).rowsPerSecond / find(100_000, 0).rowsPerSecond, 2),
      workers2OverMain: round(find(100_000, 2).rowsPerSecond / find(100_000, 0).rowsPerSecond, 2),
      workers2OverWorkers1: round(find(100_000, 2).rowsPerSecond / find(100_000, 1).rowsPerSecond, 2),
      workers2OverMainAt1M: round(find(1_000_000, 2).rowsPerSecond / find(1_000_000, 0).rowsPerSecond, 2),
      autoOverMlpMain: round(find(100_000, 0, 'auto').rowsPerSecond / find(100_000, 0).rowsPerSecond, 2),
      autoOverMlpWorkers2: round(find(100_000, 2, 'auto').rowsPerSecond / find(100_000, 2).rowsPerSecond, 2),
    },
    stageSecondsFor100kOnOneThread: stages,
    runs,
  };
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, 'predict-throughput.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(path.join(resultsDir, 'predict-throughput.md'), markdown(result, machineLine(machine)));
  process.stdout.write(markdown(result, machineLine(machine)));
}

function markdown(result: Result, machine: string): string {
  const rows = result.summary
    .map(
      (s) =>
        `| ${s.model} | ${s.rows.toLocaleString('en')} | ${s.workers === 0 ? 'main thread (0)' : s.workers} | ${s.rowsPerSecond} | ${s.runSeconds} | ${s.wallSeconds} | ${s.wallRowsPerSecond} | ${s.peakRssMB} | ${s.cpuSeconds} |`,
    )
    .join('\n');
  const stages = Object.entries(result.stageSecondsFor100kOnOneThread)
    .map(([k, v]) => `${k} ${v} s`)
    .join(', ');
  return `# predict throughput (default static encoder, end to end)

${machine}; load average ${result.endLoadAverage} at the end.

\`headstart predict\` on JSONL of Financial PhraseBank sentences (seed ${SEED}), batch ${result.batchSize}, output JSONL committed in fsynced
chunks. Models trained on fpb50 (seed 0): **mlp**, one MLP head over potion (\`headstart train --recipe single\`);
**auto**, \`headstart train\`'s default recipe, which chose ${result.auto.chosen} (weights ${result.auto.weights.join('/')} over
fine-tuned potion / TF-IDF+potion / potion), so it runs TF-IDF and its regression beside potion. Median of ${result.repeats} interleaved runs; every run's output was byte-identical.
rows/s counts from the models being loaded to the output renamed into place; "wall" includes process start-up
(node, TensorFlow.js, models) and, with workers, the threads' own start-up. CPU s is the process's CPU time,
all threads: on a busy machine, CPU s / wall s shows how many cores the run actually got.

| model | rows | workers | rows/s | run s | wall s | wall rows/s | peak RSS MB | CPU s |
| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |
${rows}

- Peak RSS growth from 10k to 100k rows: main thread ${result.rssGrowthPercent.workers0}%, 2 workers ${result.rssGrowthPercent.workers2}%; from 100k to 1M rows: main thread ${result.rssGrowthPercent.workers0From100kTo1M}%, 2 workers ${result.rssGrowthPercent.workers2From100kTo1M}%.
- Speed-up at 100k rows: 1 worker thread / main thread ${result.speedup.workers1OverMain}x; 2 workers / main thread ${result.speedup.workers2OverMain}x; 2 workers / 1 worker ${result.speedup.workers2OverWorkers1}x. At 1M rows, 2 workers / main thread ${result.speedup.workers2OverMainAt1M}x.
- auto / mlp at 100k rows: main thread ${result.speedup.autoOverMlpMain}x, 2 workers ${result.speedup.autoOverMlpWorkers2}x.
- Where the time goes on one thread for 100k rows (mlp): ${stages}.
- Reference point from the issue: a plain Python + numpy Model2Vec embeds about 7,000 Financial PhraseBank sentences/s on one core.
`;
}

await main();
