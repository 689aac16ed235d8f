/**
 * `headstart serve` under load: the built CLI serves the shipped finance-sentiment checkpoint on
 * 127.0.0.1 (a child process, so its memory is its own), and autocannon (in this process) sends
 * 1-text and 32-text requests at 1, 16 and 64 connections. Beside it, in the same run, the same
 * model's offline `headstart predict` rows/s end to end (as benchmarks/predict-throughput.ts
 * measures it), and the server's peak RSS over at least 1M classified texts.
 *
 *   npm run bench:serve [-- --seconds 10] [-- --server-args "--max-wait-ms 1"]
 *
 * Writes benchmarks/results/serve.{json,md}.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  return Array.from({ length: BODIES }, (_, i) => JSON.stringify({ texts: Array.from({ length: perRequest }, (_, j) => texts[(i * perRequest + j) % texts.length]) }));
}

async function startServer(extraArgs: readonly string[]): Promise<Server> {
  const child = spawn(process.execPath, [CLI, 'serve', '--model', MODEL, '--port', '0', ...extraArgs], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
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

async function load(url: string, concurrency: number, perRequest: number, texts: readonly string[], options: { seconds?: number; amount?: number }): Promise<LoadRun> {
  const result = await autocannon({
    url,
    connections: concurrency,
    ...(options.amount === undefined ? { duration: options.seconds } : { amount: options.amount }),
    timeout: 30,
    requests: bodies(texts, perRequest).map((body) => ({ method: 'POST', path: '/v1/classify', headers: { 'content-type': 'application/json' }, body })),
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
  writeFileSync(input, Array.from({ length: OFFLINE_ROWS }, (_, i) => `${JSON.stringify({ text: texts[i % texts.length] })}\n`).join(''));
  const child = spawnSync(process.execPath, [CLI, 'predict', '--model', MODEL, '--input', input, '--output', output, '--workers', '0', '--json'], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (child.status !== 0) throw new Error(`predict failed: ${child.stderr}`);
  const summary = JSON.parse(child.stdout.trim().split('\n').pop()!);
  return { rows: summary.rows, rowsPerSecond: Math.round(summary.rowsPerSecond), peakRssMb: round(summary.peakRssMB, 1) };
}

function build(): void {
  const child = spawnSync('npm', ['run', 'build'], { cwd: repoRoot, encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`npm run build failed: ${child.stdout}${child.stderr}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, 'server-args': { type: 'string', default: '' }, name: { type: 'string', default: 'serve' } } });
  const seconds = Number(values.seconds);
  const serverArgs = values['server-args']!.split(/\s+/).filter(Boolean);
  build();
  const machine: MachineInfo = await describeMachine();
  const texts = readTexts();

  const offline = offlinePredict(texts);
  console.error(`offline predict: ${offline.rowsPerSecond} rows/s`);

  const server = await startServer(serverArgs);
  const runs: LoadRun[] = [];
  // A short warm-up: the first requests pay for JIT compilation and TensorFlow.js kernel set-up.
  await load(server.url, 16, 32, texts, { seconds: 2 });
  for (const perRequest of TEXTS_PER_REQUEST) {
    for (const concurrency of CONCURRENCY) {
      const run = await load(server.url, concurrency, perRequest, texts, { seconds });
      runs.push(run);
      console.error(`c=${concurrency} texts=${perRequest}: ${run.requestsPerSecond} req/s, ${run.textsPerSecond} texts/s, p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, failed ${run.failed}`);
    }
  }

  // Memory over at least 1M texts: 32-text requests at 16 connections until the server has classified that many.
  const memory: { texts: number; rssMb: number }[] = [];
  const sample = async () => memory.push({ texts: await textsClassified(server.url), ...memoryOf(server.child.pid!) });
  await sample();
  const sampler = setInterval(() => void sample(), 1000);
  const remaining = Math.max(0, RSS_TEXTS - (await textsClassified(server.url)));
  await load(server.url, 16, 32, texts, { amount: Math.ceil(remaining / 32) });
  clearInterval(sampler);
  await sample();
  const totalTexts = await textsClassified(server.url);
  const { peakRssMb } = memoryOf(server.child.pid!);
  const exitCode = await server.stop();

  const goalRun = runs.find((run) => run.concurrency === 64 && run.textsPerRequest === 1)!;
  const result = {
    machine,
    serverArgs,
    model: 'checkpoints/finance-sentiment',
    texts: 'corpora/samples/finance-news.csv',
    secondsPerRun: seconds,
    offline,
    runs,
    goal: { ratio: round(goalRun.textsPerSecond / offline.rowsPerSecond, 3), target: 0.5 },
    memory: { totalTexts, peakRssMb, samples: memory.map((m) => ({ texts: m.texts, rssMb: m.rssMb })) },
    serverExitCode: exitCode,
  };
  const quartiles = [0.25, 0.5, 0.75, 1].map((q) => memory[Math.min(memory.length - 1, Math.round(q * (memory.length - 1)))]);
  const markdown = [
    '# headstart serve under load',
    '',
    machineLine(machine) + `; load average ${round((await import('node:os')).loadavg()[0], 2)} at the end.`,
    '',
    `\`headstart serve\` (built CLI${serverArgs.length ? `, ${serverArgs.join(' ')}` : ', defaults'}) with \`checkpoints/finance-sentiment\` on 127.0.0.1; autocannon in the benchmark process,`,
    `${seconds} s per row after a 2 s warm-up, each connection cycling through ${BODIES} distinct bodies of texts from \`corpora/samples/finance-news.csv\`.`,
    'Server and load generator share the 2 cores.',
    '',
    table(
      ['connections', 'texts/request', 'requests/s', 'texts/s', 'p50 ms', 'p99 ms', 'failed'],
      runs.map((r) => [r.concurrency, r.textsPerRequest, r.requestsPerSecond, r.textsPerSecond, r.p50Ms, r.p99Ms, r.failed]),
      [true, true, true, true, true, true, true],
    ),
    '',
    `- Offline \`headstart predict\` of the same model, ${offline.rows.toLocaleString('en-US')} rows of the same texts, main thread, end to end: **${offline.rowsPerSecond} rows/s** (peak RSS ${offline.peakRssMb} MB).`,
    `- Goal: at 64 connections with 1-text requests, >= 50% of offline rows/s. Measured: ${goalRun.textsPerSecond} texts/s = **${round(100 * result.goal.ratio, 1)}%**${result.goal.ratio >= 0.5 ? ' (met)' : ' (not met)'}.`,
    `- Memory: the server classified ${totalTexts.toLocaleString('en-US')} texts; peak RSS **${peakRssMb} MB**; RSS ${quartiles.map((m) => `${m.rssMb} MB after ${m.texts.toLocaleString('en-US')}`).join(', ')} texts.`,
    `- The server exited ${exitCode} on SIGTERM.`,
    '',
  ].join('\n');
  writeResult(path.join(repoRoot, 'benchmarks/results'), values.name!, result, markdown);
  console.log(markdown);
}

await main();
