/**
 * One chaos trial of `predict --queue`: a coordinator and a worker run while, at seeded random
 * moments, the worker is killed (and another started), the coordinator is killed (and rerun with
 * `--resume`), or redis-server is killed and restarted empty. The run must still end with exit 0
 * and an output byte-identical to an uninterrupted local run. Used by test/queue-chaos.test.ts (a
 * few trials) and benchmarks/queue-chaos.ts (many). Spawns the CLI from source, as the tests do.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng } from '../../src/util/random.js';
import type { TestRedis } from '../../test/redis-helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = ['--import', 'tsx', path.join(root, 'src/cli/main.ts')];

export type Fault = 'worker' | 'coordinator' | 'redis';

export interface ChaosWorld {
  redis: TestRedis;
  model: string;
  input: string;
  /** The uninterrupted local run's output. */
  reference: string;
  /** Where this trial writes (removed first). */
  output: string;
  batchSize: number;
}

export interface TrialResult {
  seed: number;
  /** What was done and when (ms after the coordinator first started). */
  faults: string[];
  /** Exit codes of coordinators that ended on their own (a killed one is not listed). */
  exits: number[];
  identical: boolean;
  seconds: number;
}

interface Proc {
  child: ChildProcess;
  exited: Promise<number | null>;
  stderr(): string;
}

function headstart(args: string[]): Proc {
  const child = spawn(process.execPath, [...CLI, ...args], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

async function kill(proc: Proc): Promise<void> {
  proc.child.kill('SIGKILL');
  await proc.exited;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `faults` faults, each after a pause drawn from [200 ms, 200 ms + windowMs). */
export async function chaosTrial(
  world: ChaosWorld,
  seed: number,
  faults = 3,
  windowMs = 4000,
  timeoutMs = 120_000,
): Promise<TrialResult> {
  const rng = createRng(seed);
  for (const suffix of ['', '.partial', '.progress.json', '.progress.json.tmp'])
    rmSync(`${world.output}${suffix}`, { force: true });
  const { redis } = world;
  const predict = (resume: boolean) =>
    headstart([
      'predict',
      '--model',
      world.model,
      '--input',
      world.input,
      '--id-field',
      'id',
      '--output',
      world.output,
      '--batch-size',
      String(world.batchSize),
      '--queue',
      redis.url,
      '--queue-status-ms',
      '2000',
      '--queue-outage-ms',
      '30000',
      ...(resume ? ['--resume'] : []),
    ]);
  const startWorker = () =>
    headstart([
      'worker',
      '--queue',
      redis.url,
      '--lock-ms',
      '1000',
      '--stalled-check-ms',
      '300',
      '--models-root',
      path.dirname(path.resolve(world.model)),
    ]);

  const started = Date.now();
  let worker = startWorker();
  let coordinator = predict(false);
  const result: TrialResult = { seed, faults: [], exits: [], identical: false, seconds: 0 };
  let finished: number | null | undefined;
  const watch = (proc: Proc) => proc.exited.then((code) => (proc === coordinator ? (finished = code) : undefined));
  void watch(coordinator);
  try {
    for (let i = 0; i < faults && finished === undefined; i++) {
      await Promise.race([sleep(200 + rng() * windowMs), coordinator.exited]);
      if (finished !== undefined) break;
      const fault: Fault = (['worker', 'coordinator', 'redis'] as const)[Math.floor(rng() * 3)];
      result.faults.push(`${Date.now() - started} ms: ${fault}`);
      if (fault === 'worker') {
        await kill(worker);
        worker = startWorker();
      } else if (fault === 'coordinator') {
        const old = coordinator;
        coordinator = predict(true);
        await kill(old);
        void watch(coordinator);
      } else {
        await redis.kill();
        await sleep(rng() * 1000);
        await redis.restart();
      }
    }
    // Coordinators that stop on their own with an error are rerun with --resume (and counted): a trial must end complete.
    const deadline = started + timeoutMs;
    for (let reruns = 0; reruns <= 3; reruns++) {
      const code = await Promise.race([
        coordinator.exited,
        sleep(Math.max(0, deadline - Date.now())).then(() => 'timeout' as const),
      ]);
      if (code === 'timeout') {
        result.faults.push(
          `${Date.now() - started} ms: timed out; coordinator stderr: ${coordinator.stderr().slice(-500)}`,
        );
        await kill(coordinator);
        break;
      }
      result.exits.push(code ?? -1);
      if (code === 0) break;
      result.faults.push(
        `${Date.now() - started} ms: coordinator exited ${code}: ${coordinator.stderr().trim().split('\n').slice(-2).join(' | ')}`,
      );
      coordinator = predict(true);
    }
  } finally {
    await kill(worker);
  }
  result.seconds = (Date.now() - started) / 1000;
  result.identical = existsSync(world.output) && readFileSync(world.output).equals(readFileSync(world.reference));
  return result;
}
