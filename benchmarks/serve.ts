/**
 * `headstart serve` under load: the built CLI serves the shipped finance-sentiment checkpoint on
 * 127.0.0.1 (a child process, so its memory is its own), and autocannon (in this process) sends
 * 1-text and 32-text requests at 1, 16 and 64 connections. Beside it, in the same run, the same
 * model's offline `headstart predict` rows/s end to end (as benchmarks/predict-throughput.ts
 * measures it), the same server classifying on 1 and 2 worker threads (interleaved with the default),
 * and the default server's peak RSS over at least 1M classified texts.
 *
 *   npm run bench:serve [-- --seconds 8]
 *
 * Writes benchmarks/results/serve.{json,md}.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { parse } from 'csv-parse/sync';
import { describeMachine, machineLine, type MachineInfo } from './lib/machine.js';
import { round } from './lib/measure.js';
import { repoRoot, table, writeResult } from './lib/output.js';

const MODEL = path.join(repoRoot, 'checkpoints/finance-sentiment');
const TEXTS_FILE = path.join(repoRoot, 'corpora/samples/finance-news.csv');
const CLI = path.join(repoRoot, 'dist/cli/main.js');
const scratch = path.join(repoRoot, 'benchmarks/scratch/serve');
const CONCURRENCY = [1, 16, 64];
const TEXTS_PER_REQUEST = [1, 32];
const OFFLINE_ROWS = 100_000;
const RSS_TEXTS = 1_000_000;
/** Distinct request bodies each connection cycles through. */
const BODIES = 64;

interface LoadRun {
  concurrency: number;
  textsPerRequest: number;
  seconds: number;
  requestsPerSecond: number;
  textsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  failed: number;
}

interface Server {
  child: ChildProcess;
  url: string;
  stop(): Promise<number | null>;
}

function readTexts(): string[] {
  const rows = parse(readFileSync(TEXTS_FILE), { columns: true }) as { text: string }[];
  return rows.map((row) => row.text);
}

function bodies(texts: readonly string[], perRequest: number): string[] {
  return Array.from({ length: BODIES }, (_, i) =>
    JSON.stringify({ texts: Array.from({ length: perRequest }, (_, j) => texts[(i * perRequest + j) % texts.length]) }),
  );
}

async function startServer(extraArgs: readonly string[]): Promise<Server> {
  const child = spawn(process.execPath, [CLI, 'serve', '--model', MODEL, '--port', '0', ...extraArgs], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
      const match = /serving \S+ on (http:\/\/\S+)\n/.exec(stderr);
      if (match) resolve(match[1]);
    });
    void exited.then((code) => reject(new Error(`the server exited (${code}) before serving: ${stderr}`)));
  });
  return {
    child,
    url,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Resident and peak resident memory of a process, from /proc (Linux). */
function memoryOf(pid: number): { rssMb: number; peakRssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1]);
  return { rssMb: round(kb('VmRSS') / 1024, 1), peakRssMb: round(kb('VmHWM') / 1024, 1) };
}

async function textsClassified(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^headstart_texts_classified_total\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
}

async function load(
  url: string,
  concurrency: number,
  perRequest: number,
  texts: readonly string[],
  options: { seconds?: number; amount?: number },
): Promise<LoadRun> {
  const result = await autocannon({
    url,
    connections: concurrency,
    ...(options.amount === undefined ? { duration: options.seconds } : { amount: options.amount }),
    timeout: 30,
    requests: bodies(texts, perRequest).map((body) => ({
      method: 'POST',
      path: '/v1/classify',
      headers: { 'content-type': 'application/json' },
      body,
    })),
  });
  const requests = result['2xx'];
  return {
    concurrency,
    textsPerRequest: perRequest,
    seconds: round(result.duration, 2),
    requestsPerSecond: Math.round(requests / result.duration),
    textsPerSecond: Math.round((requests * perRequest) / result.duration),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests,
    failed: result.non2xx + result.errors + result.timeouts,
  };
}

/** `headstart predict` on the same texts, end to end on the main thread (rows/s from the models loaded to the output renamed into place). */
function offlinePredict(texts: readonly string[]): { rows: number; rowsPerSecond: number; peakRssMb: number } {
  mkdirSync(scratch, { recursive: true });
  const input = path.join(scratch, 'input.jsonl');
  const output = path.join(scratch, 'output.jsonl');
  writeFileSync(
    input,
    Array.from({ length: OFFLINE_ROWS }, (_, i) => `${JSON.stringify({ text: texts[i % texts.length] })}\n`).join(''),
  );
  const child = spawnSync(
    process.execPath,
    [CLI, 'predict', '--model', MODEL, '--input', input, '--output', output, '--workers', '0', '--json'],
    { cwd: repoRoot, encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  if (child.status !== 0) throw new Error(`predict failed: ${child.stderr}`);
  const summary = JSON.parse(child.stdout.trim().split('\n').pop()!);
  return {
    rows: summary.rows,
    rowsPerSecond: Math.round(summary.rowsPerSecond),
    peakRssMb: round(summary.peakRssMB, 1),
  };
}

function build(): void {
  const child = spawnSync('npm', ['run', 'build'], { cwd: repoRoot, encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`npm run build failed: ${child.stdout}${child.stderr}`);
}

/** The default server (classifying on its main thread) and the worker-thread variants measured against it. */
const VARIANTS: readonly { name: string; args: string[] }[] = [
  { name: 'main thread', args: [] },
  { name: '1 worker thread', args: ['--workers', '1'] },
  { name: '2 worker threads', args: ['--workers', '2'] },
];

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '8' } } });
  const seconds = Number(values.seconds);
  build();
  const machine: MachineInfo = await describeMachine();
  const texts = readTexts();

  // Offline predict before and after the load runs: on a shared machine the faster one is the fairer yardstick.
  const offlineBefore = offlinePredict(texts);
  console.error(`offline predict: ${offlineBefore.rowsPerSecond} rows/s`);

  const servers = [];
  for (const variant of VARIANTS) servers.push({ ...variant, server: await startServer(variant.args) });
  // A short warm-up each: the first requests pay for JIT compilation and TensorFlow.js kernel set-up.
  for (const { server } of servers) await load(server.url, 16, 32, texts, { seconds: 2 });
  // Interleaved, so that a change in the machine's load (shared with other jobs) hits every variant alike.
  const runs: (LoadRun & { variant: string })[] = [];
  for (const perRequest of TEXTS_PER_REQUEST) {
    for (const concurrency of CONCURRENCY) {
      for (const { name, server } of servers) {
        const run = { variant: name, ...(await load(server.url, concurrency, perRequest, texts, { seconds })) };
        runs.push(run);
        console.error(
          `${name}, c=${concurrency} texts=${perRequest}: ${run.requestsPerSecond} req/s, ${run.textsPerSecond} texts/s, p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, failed ${run.failed}`,
        );
      }
    }
  }
  for (const { server } of servers.slice(1)) await server.stop();

  // Memory of the default server over at least 1M more texts (32-text requests at 16 connections), sampled every second.
  const server = servers[0].server;
  const memory: { texts: number; rssMb: number }[] = [];
  const sample = async () =>
    memory.push({ texts: await textsClassified(server.url), rssMb: memoryOf(server.child.pid!).rssMb });
  await sample();
  const sampler = setInterval(() => void sample(), 1000);
  const memoryRun = await load(server.url, 16, 32, texts, { amount: Math.ceil(RSS_TEXTS / 32) });
  clearInterval(sampler);
  await sample();
  const totalTexts = await textsClassified(server.url);
  const { peakRssMb } = memoryOf(server.child.pid!);
  const exitCode = await server.stop();
  const offlineAfter = offlinePredict(texts);
  console.error(`offline predict: ${offlineAfter.rowsPerSecond} rows/s`);
  const offline = offlineAfter.rowsPerSecond > offlineBefore.rowsPerSecond ? offlineAfter : offlineBefore;

  const textsPerSecond = (variant: string, concurrency: number, perRequest: number) =>
    runs.find((r) => r.variant === variant && r.concurrency === concurrency && r.textsPerRequest === perRequest)!
      .textsPerSecond;
  const goal = textsPerSecond(VARIANTS[0].name, 64, 1);
  const result = {
    machine,
    model: 'checkpoints/finance-sentiment',
    texts: 'corpora/samples/finance-news.csv',
    secondsPerRun: seconds,
    offline: { before: offlineBefore, after: offlineAfter },
    runs,
    goal: { textsPerSecond: goal, ratio: round(goal / offline.rowsPerSecond, 3), target: 0.5 },
    memory: { texts: memoryRun.requests * 32, failed: memoryRun.failed, totalTexts, peakRssMb, samples: memory },
    serverExitCode: exitCode,
  };
  const first = memory[0];
  const last = memory[memory.length - 1];
  const ratioLines = VARIANTS.slice(1).map(
    ({ name }) =>
      `- ${name} / main thread, texts/s: ` +
      TEXTS_PER_REQUEST.flatMap((perRequest) =>
        CONCURRENCY.map(
          (c) =>
            `${c}×${perRequest} ${round(textsPerSecond(name, c, perRequest) / textsPerSecond(VARIANTS[0].name, c, perRequest), 2)}x`,
        ),
      ).join(', ') +
      '.',
  );
  const markdown = [
    '# headstart serve under load',
    '',
    `${machineLine(machine)}; load average ${round(os.loadavg()[0], 2)} at the end.`,
    '',
    '`headstart serve` (built CLI, defaults: `--max-batch 256 --max-wait-ms 0`) with `checkpoints/finance-sentiment` on 127.0.0.1, classifying on its main thread',
    '(the default) or on `--workers 1` / `2` worker threads; autocannon in the benchmark process, one server per variant, the variants interleaved',
    `row by row, ${seconds} s each after a 2 s warm-up; each connection cycles through ${BODIES} distinct bodies of texts from \`corpora/samples/finance-news.csv\`.`,
    'Server and load generator share the 2 cores (with whatever else runs on the machine: see the load average). Latencies are whole milliseconds (autocannon), 0 = under 1 ms.',
    '',
    table(
      ['connections', 'texts/request', 'server', 'requests/s', 'texts/s', 'p50 ms', 'p99 ms', 'failed'],
      runs.map((r) => [
        r.concurrency,
        r.textsPerRequest,
        r.variant,
        r.requestsPerSecond,
        r.textsPerSecond,
        r.p50Ms,
        r.p99Ms,
        r.failed,
      ]),
      [true, true, false, true, true, true, true, true],
    ),
    '',
    `- Offline \`headstart predict\` of the same model in the same run, ${offline.rows.toLocaleString('en-US')} rows of the same texts, main thread, end to end: ${offlineBefore.rowsPerSecond} rows/s before the load runs and ${offlineAfter.rowsPerSecond} after; the faster, **${offline.rowsPerSecond} rows/s**, is the yardstick (peak RSS ${offline.peakRssMb} MB).`,
    `- Goal: at 64 connections with 1-text requests, >= 50% of offline rows/s. Measured (main thread): ${goal} texts/s = **${round(100 * result.goal.ratio, 1)}%** of offline${result.goal.ratio >= 0.5 ? ' (met)' : ' (not met)'}.`,
    ...ratioLines,
    `- Memory (main-thread server): ${result.memory.texts.toLocaleString('en-US')} texts in ${memoryRun.requests.toLocaleString('en-US')} requests after the table (${totalTexts.toLocaleString('en-US')} in all, ${memoryRun.failed} failed); RSS ${first.rssMb} MB at ${first.texts.toLocaleString('en-US')} texts, ${last.rssMb} MB at ${last.texts.toLocaleString('en-US')}; peak RSS over the whole run **${peakRssMb} MB**.`,
    `- The server exited ${exitCode} on SIGTERM.`,
    '',
  ].join('\n');
  writeResult(path.join(repoRoot, 'benchmarks/results'), 'serve', result, markdown);
  console.log(markdown);
}

await main();
