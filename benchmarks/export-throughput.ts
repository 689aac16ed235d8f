/**
 * The exported ONNX graph under onnxruntime-node against `headstart predict`, on the same 100k rows:
 * Financial PhraseBank sentences (all of them, repeated and shuffled with seed 42; the packaged
 * sample repeated when ../shared is missing) through the shipped checkpoint finance-sentiment (one
 * MLP head over potion-base-4m-int8, temperature-scaled), exported with `headstart export`.
 *
 *   npx tsx benchmarks/export-throughput.ts [--repeats N]
 *
 * Both sides are separate processes doing the same work: read JSONL, tokenise, classify, write
 * JSONL. `headstart predict` is the built CLI (--workers 0, batch 2048); the ONNX side is
 * benchmarks/lib/onnx-predict.ts (tokenising with @huggingface/tokenizers as headstart-onnx.json
 * says, batches of 256 padded to their longest row), with ONNX Runtime on 1 thread and on its
 * default (all cores). Runs are interleaved, N times each (default 3; the median is reported), and
 * every ONNX run's labels and scores are checked against predict's. Writes
 * benchmarks/results/export-throughput.{json,md}.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng, shuffleInPlace } from '../src/util/random.js';
import { loadLabelled } from './lib/corpora.js';
import { describeMachine, machineLine, type MachineInfo } from './lib/machine.js';
import { round } from './lib/measure.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const scratch = path.join(root, 'benchmarks/scratch/export-throughput');
const resultsDir = path.join(root, 'benchmarks/results');
const checkpoint = path.join(root, 'checkpoints/finance-sentiment');
const ROWS = 100_000;
const SEED = 42;
const PREDICT_BATCH = 2048;
const ONNX_BATCH = 256;
type Side = 'headstart predict' | 'onnxruntime, 1 thread' | 'onnxruntime, default threads';
const SIDES: readonly Side[] = ['headstart predict', 'onnxruntime, 1 thread', 'onnxruntime, default threads'];

interface Run {
  side: Side;
  /** From the model loaded to the output written. */
  runSeconds: number;
  rowsPerSecond: number;
  /** Rows per second of the process's own CPU time (all threads, start-up included): steadier than rows/s on a shared machine. */
  rowsPerCpuSecond: number;
  /** Whole process, start-up included. */
  wallSeconds: number;
  cpuSeconds: number;
  peakRssMB: number;
  /** ONNX side: seconds reading, tokenising, in the graph, writing. */
  stages?: Record<string, number>;
}

interface Result {
  machine: MachineInfo;
  endLoadAverage: number;
  rows: number;
  source: string;
  repeats: number;
  modelBytes: number;
  summary: (Omit<Run, 'stages'> & { stages?: Record<string, number> })[];
  ratio: {
    onnxOneThreadOverPredict: number;
    onnxDefaultOverPredict: number;
    perCpuSecond: { onnxOneThreadOverPredict: number; onnxDefaultOverPredict: number };
  };
  agreement: { rows: number; sameLabel: number; maxScoreDifference: number };
  runs: Run[];
}

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function run(command: string, args: string[]): { stdout: string; wallSeconds: number } {
  const started = performance.now();
  const child = spawnSync(command, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const wallSeconds = (performance.now() - started) / 1000;
  if (child.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${child.status}): ${child.stderr}`);
  return { stdout: child.stdout, wallSeconds };
}

function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

async function writeInput(file: string): Promise<string> {
  process.env.HEADSTART_CORPORA ??= path.resolve(root, '../shared/corpora');
  const shared = existsSync(path.join(process.env.HEADSTART_CORPORA, 'financial_phrasebank'));
  const source = shared ? 'fpb-all' : path.join(root, 'corpora/samples/finance-news.csv');
  const texts = (await loadLabelled(source)).texts;
  const order = shuffleInPlace(
    Array.from({ length: ROWS }, (_, i) => i % texts.length),
    createRng(SEED),
  );
  writeFileSync(file, '');
  for (let start = 0; start < ROWS; start += 10_000) {
    appendFileSync(
      file,
      order
        .slice(start, start + 10_000)
        .map((t, k) => `${JSON.stringify({ id: `r${start + k}`, text: texts[t] })}\n`)
        .join(''),
    );
  }
  return shared
    ? `Financial PhraseBank (\`fpb-all\`: the ${texts.length} sentences all annotators agree on), repeated`
    : `corpora/samples/finance-news.csv (${texts.length} texts), repeated`;
}

function runSide(side: Side, model: string, input: string, output: string): Run {
  if (side === 'headstart predict') {
    rmSync(output, { force: true });
    const args = [
      path.join(root, 'dist/cli/main.js'),
      'predict',
      '--model',
      checkpoint,
      '--input',
      input,
      '--id-field',
      'id',
      '--output',
      output,
      '--batch-size',
      String(PREDICT_BATCH),
      '--workers',
      '0',
      '--json',
    ];
    const { stdout, wallSeconds } = run(process.execPath, args);
    const summary = lastJson(stdout) as { seconds: number; cpuSeconds: number; peakRssMB: number };
    return {
      side,
      runSeconds: round(summary.seconds, 2),
      rowsPerSecond: Math.round(ROWS / summary.seconds),
      rowsPerCpuSecond: Math.round(ROWS / summary.cpuSeconds),
      wallSeconds: round(wallSeconds, 2),
      cpuSeconds: round(summary.cpuSeconds, 2),
      peakRssMB: round(summary.peakRssMB, 1),
    };
  }
  const threads = side === 'onnxruntime, 1 thread' ? 1 : 0;
  const { stdout, wallSeconds } = run(process.execPath, [
    '--import',
    'tsx',
    path.join(root, 'benchmarks/lib/onnx-predict.ts'),
    model,
    input,
    output,
    String(ONNX_BATCH),
    String(threads),
  ]);
  const summary = lastJson(stdout) as {
    seconds: number;
    cpuSeconds: number;
    peakRssMB: number;
    times: Record<string, number>;
  };
  return {
    side,
    runSeconds: round(summary.seconds, 2),
    rowsPerSecond: Math.round(ROWS / summary.seconds),
    rowsPerCpuSecond: Math.round(ROWS / summary.cpuSeconds),
    wallSeconds: round(wallSeconds, 2),
    cpuSeconds: round(summary.cpuSeconds, 2),
    peakRssMB: round(summary.peakRssMB, 1),
    stages: Object.fromEntries(Object.entries(summary.times).map(([k, v]) => [k, round(v, 2)])),
  };
}

/** Labels and scores of the ONNX output against predict's (which rounds scores to 6 decimals). */
function agreement(predicted: string, exported: string): Result['agreement'] {
  const read = (file: string) =>
    new Map(
      readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((line) => {
          const row = JSON.parse(line) as { id: string; label: string; score: number };
          return [row.id, row] as const;
        }),
    );
  const a = read(predicted);
  const b = read(exported);
  let sameLabel = 0;
  let maxScoreDifference = 0;
  for (const [id, row] of a) {
    const other = b.get(id);
    if (!other) throw new Error(`row ${id} is missing from the ONNX output`);
    if (other.label === row.label) sameLabel++;
    maxScoreDifference = Math.max(maxScoreDifference, Math.abs(other.score - row.score));
  }
  return { rows: a.size, sameLabel, maxScoreDifference: Number(maxScoreDifference.toExponential(2)) };
}

async function main(): Promise<void> {
  const repeats = argument('--repeats', 3);
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed: ${build.stdout}${build.stderr}`);
  mkdirSync(scratch, { recursive: true });
  const machine = await describeMachine();
  const input = path.join(scratch, 'input.jsonl');
  const source = await writeInput(input);
  const model = path.join(scratch, 'onnx', 'model.onnx');
  run(process.execPath, [path.join(root, 'dist/cli/main.js'), 'export', '--model', checkpoint, '--out', model]);
  const outputs = { predict: path.join(scratch, 'predict.jsonl'), onnx: path.join(scratch, 'onnx.jsonl') };

  const runs: Run[] = [];
  let agreed: Result['agreement'] | undefined;
  for (let r = 0; r < repeats; r++) {
    for (const side of SIDES) {
      const result = runSide(side, model, input, side === 'headstart predict' ? outputs.predict : outputs.onnx);
      runs.push(result);
      process.stderr.write(`${JSON.stringify(result)}\n`);
      if (side !== 'headstart predict') {
        const check = agreement(outputs.predict, outputs.onnx);
        if (check.sameLabel !== check.rows || check.maxScoreDifference > 2e-5)
          throw new Error(`ONNX output disagrees with predict: ${JSON.stringify(check)}`);
        agreed = check;
      }
    }
  }
  const summary = SIDES.map((side) => {
    const mine = runs.filter((run) => run.side === side);
    const stat = (key: 'runSeconds' | 'wallSeconds' | 'cpuSeconds' | 'peakRssMB') =>
      round(median(mine.map((run) => run[key])), 2);
    const stages =
      mine[0].stages &&
      Object.fromEntries(
        Object.keys(mine[0].stages).map((k) => [k, round(median(mine.map((run) => run.stages![k])), 2)]),
      );
    return {
      side,
      runSeconds: stat('runSeconds'),
      rowsPerSecond: Math.round(median(mine.map((run) => run.rowsPerSecond))),
      rowsPerCpuSecond: Math.round(median(mine.map((run) => run.rowsPerCpuSecond))),
      wallSeconds: stat('wallSeconds'),
      cpuSeconds: stat('cpuSeconds'),
      peakRssMB: stat('peakRssMB'),
      ...(stages && { stages }),
    };
  });
  const rate = (side: Side, key: 'rowsPerSecond' | 'rowsPerCpuSecond' = 'rowsPerSecond') =>
    summary.find((s) => s.side === side)![key];
  const result: Result = {
    machine,
    endLoadAverage: round(os.loadavg()[0], 2),
    rows: ROWS,
    source,
    repeats,
    modelBytes: readFileSync(model).byteLength,
    summary,
    ratio: {
      onnxOneThreadOverPredict: round(rate('onnxruntime, 1 thread') / rate('headstart predict'), 2),
      onnxDefaultOverPredict: round(rate('onnxruntime, default threads') / rate('headstart predict'), 2),
      perCpuSecond: {
        onnxOneThreadOverPredict: round(
          rate('onnxruntime, 1 thread', 'rowsPerCpuSecond') / rate('headstart predict', 'rowsPerCpuSecond'),
          2,
        ),
        onnxDefaultOverPredict: round(
          rate('onnxruntime, default threads', 'rowsPerCpuSecond') / rate('headstart predict', 'rowsPerCpuSecond'),
          2,
        ),
      },
    },
    agreement: agreed!,
    runs,
  };
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, 'export-throughput.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(path.join(resultsDir, 'export-throughput.md'), markdown(result, machineLine(machine)));
  process.stdout.write(markdown(result, machineLine(machine)));
}

function markdown(result: Result, machine: string): string {
  const rows = result.summary
    .map(
      (s) =>
        `| ${s.side} | ${s.rowsPerSecond} | ${s.rowsPerCpuSecond} | ${s.runSeconds} | ${s.wallSeconds} | ${s.cpuSeconds} | ${s.peakRssMB} | ${
          s.stages
            ? Object.entries(s.stages)
                .map(([k, v]) => `${k} ${v}`)
                .join(', ')
            : ''
        } |`,
    )
    .join('\n');
  const { agreement: a } = result;
  return `# ONNX export throughput: onnxruntime-node vs headstart predict

${machine}; load average ${result.endLoadAverage} at the end.

${result.rows.toLocaleString('en')} rows of ${result.source} (shuffled, seed ${SEED}), JSONL in and out, through the shipped
checkpoint \`checkpoints/finance-sentiment\` (one MLP head over potion-base-4m-int8, temperature-scaled) and its
\`headstart export\` (${(result.modelBytes / 1e6).toFixed(1)} MB graph, int8 table). Each side is its own process doing the same work:
read, tokenise, classify, write. **headstart predict**: the built CLI, \`--workers 0\`, batch ${PREDICT_BATCH}.
**onnxruntime**: \`benchmarks/lib/onnx-predict.ts\`, tokenising with @huggingface/tokenizers as
\`headstart-onnx.json\` says (plain \`Tokenizer.encode\` per text), batches of ${ONNX_BATCH} padded to their longest row, ONNX
Runtime on 1 intra-op thread or its default (all cores). Median of ${result.repeats} interleaved runs. rows/s and run s count from
the model loaded to the output written; wall s is the whole process (the ONNX side starts through tsx).

| side | rows/s | rows per CPU s | run s | wall s | CPU s | peak RSS MB | ONNX stages (s) |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |
${rows}

- onnxruntime / headstart predict, rows/s: ${result.ratio.onnxOneThreadOverPredict}x on 1 thread, ${result.ratio.onnxDefaultOverPredict}x on the default threads; per CPU second: ${result.ratio.perCpuSecond.onnxOneThreadOverPredict}x and ${result.ratio.perCpuSecond.onnxDefaultOverPredict}x.
- CPU s is the process's CPU time, all threads, start-up included; rows per CPU s divides the rows by it, which a busy
  machine (other processes taking the cores) changes far less than rows/s.
- Load average ${result.machine.loadAverage} at the start and ${result.endLoadAverage} at the end on ${result.machine.logicalCpus} cores: ${result.machine.loadAverage > result.machine.logicalCpus ? 'the cores were shared with other work, so rows/s and run s are slower than on a quiet machine, and the ONNX Runtime thread pool (which spins while waiting) suffers most; compare rows per CPU s' : 'a quiet machine'}.
- Outputs agree: ${a.sameLabel.toLocaleString('en')} of ${a.rows.toLocaleString('en')} rows have the same label; largest score difference ${a.maxScoreDifference} (predict rounds scores to 6 decimals).
`;
}

await main();
