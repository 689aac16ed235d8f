/**
 * Chaos trials of `predict --queue` (BullMQ on Redis): per trial, a coordinator and a worker run on
 * 12,000 rows in chunks of 300 while the worker, the coordinator or redis-server (restarted empty)
 * is killed at seeded random moments; the trial passes when it ends with exit 0 and an output
 * byte-identical to an uninterrupted local `predict`. Needs redis-server on the PATH.
 *
 *   npx tsx benchmarks/queue-chaos.ts [--trials 10] [--faults 3] [--seed 1]
 *
 * Writes benchmarks/results/queue-chaos.{json,md}.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chaosTrial, type TrialResult } from './lib/queue-chaos.js';
import { defaultResultsDir, isMain, repoRoot } from './lib/output.js';
import { redisAvailable, TestRedis } from '../test/redis-helpers.js';

const ROWS = 12_000;
const BATCH = 300;

function headstart(...args: string[]): void {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`headstart ${args[0]} failed: ${result.stderr}`);
}

/** Sample sentences with ids, every 97th text empty (the same shape as the tests' inputs). */
function writeInput(file: string): void {
  const lines: string[] = [];
  const words = [
    'shares',
    'rose',
    'fell',
    'profit',
    'loss',
    'after',
    'the',
    'company',
    'reported',
    'weak',
    'strong',
    'sales',
  ];
  for (let i = 0; i < ROWS; i++) {
    const text =
      i % 97 === 5
        ? ''
        : Array.from({ length: 6 + (i % 7) }, (_, k) => words[(i * 7 + k * 3) % words.length]).join(' ');
    lines.push(JSON.stringify({ id: `row-${i}`, text }));
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      trials: { type: 'string', default: '10' },
      faults: { type: 'string', default: '3' },
      seed: { type: 'string', default: '1' },
    },
  });
  const trials = Number(values.trials);
  const faults = Number(values.faults);
  const firstSeed = Number(values.seed);
  if (!redisAvailable) throw new Error('redis-server is not installed (apt-get install redis-server)');
  const scratch = mkdtempSync(path.join(tmpdir(), 'headstart-queue-chaos-'));
  const redis = await TestRedis.start();
  try {
    const model = path.join(scratch, 'model');
    headstart(
      'train',
      '--data',
      path.join(repoRoot, 'corpora/samples/finance-sentiment.csv'),
      '--recipe',
      'single',
      '--epochs',
      '5',
      '--out',
      model,
    );
    const input = path.join(scratch, 'input.jsonl');
    writeInput(input);
    const reference = path.join(scratch, 'reference.jsonl');
    headstart(
      'predict',
      '--model',
      model,
      '--input',
      input,
      '--id-field',
      'id',
      '--output',
      reference,
      '--workers',
      '0',
    );
    const results: TrialResult[] = [];
    for (let seed = firstSeed; seed < firstSeed + trials; seed++) {
      const trial = await chaosTrial(
        { redis, model, input, reference, output: path.join(scratch, `chaos-${seed}.jsonl`), batchSize: BATCH },
        seed,
        faults,
      );
      results.push(trial);
      process.stderr.write(
        `seed ${seed}: ${trial.identical ? 'identical' : 'DIFFERENT'}, exits ${trial.exits.join(',')}, ${trial.seconds.toFixed(1)} s; ${trial.faults.join('; ')}\n`,
      );
    }
    const identical = results.filter((trial) => trial.identical).length;
    const gaveUp = (trial: TrialResult) =>
      trial.faults.some((fault) => fault.includes('coordinator exited') && !fault.includes('cannot reach Redis'));
    const clean = results.filter((trial) => trial.identical && !gaveUp(trial)).length;
    const lines = [
      '# predict --queue under chaos',
      '',
      `${trials} trials of ${ROWS} rows in chunks of ${BATCH}, ${faults} faults each (worker, coordinator or redis-server killed at seeded random moments; the coordinator rerun with --resume, redis-server restarted empty).`,
      '',
      `**${identical} of ${trials} identical** to an uninterrupted local run; ${clean} of ${trials} without any coordinator giving up mid-run. A redis-server killed while a coordinator starts makes that coordinator refuse at once (QUEUE_UNREACHABLE, exit 5, by design: it checks Redis before creating any output); the harness then reruns it with --resume.`,
      '',
      '| seed | identical | coordinator exits | seconds | faults |',
      '| ---: | --- | --- | ---: | --- |',
      ...results.map(
        (trial) =>
          `| ${trial.seed} | ${trial.identical ? 'yes' : '**no**'} | ${trial.exits.join(', ')} | ${trial.seconds.toFixed(1)} | ${trial.faults.join('; ').replace(/\|/g, '\\|')} |`,
      ),
      '',
    ];
    mkdirSync(defaultResultsDir, { recursive: true });
    writeFileSync(path.join(defaultResultsDir, 'queue-chaos.md'), lines.join('\n'));
    writeFileSync(
      path.join(defaultResultsDir, 'queue-chaos.json'),
      `${JSON.stringify({ rows: ROWS, batch: BATCH, faults, trials: results }, null, 2)}\n`,
    );
    process.stderr.write(`${identical} of ${trials} identical\n`);
  } finally {
    await redis.kill();
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) await main();
