/** Ctrl-C: train stops cleanly and writes nothing; a second Ctrl-C exits at once. */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TextClassifier } from '../src/classifier.js';
import { readDataset } from '../src/data/index.js';
import { repoRoot, sampleCsv, tempDir } from './helpers.js';

interface Run {
  /** Resolves once stderr matches `pattern`. */
  waitFor(pattern: RegExp): Promise<void>;
  kill(signal: NodeJS.Signals): void;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

function start(args: string[]): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    for (const waiter of waiters.filter((w) => w.pattern.test(stderr))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  child.stdout.resume();
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  return {
    waitFor: (pattern) =>
      new Promise<void>((resolve, reject) => {
        if (pattern.test(stderr)) return resolve();
        waiters.push({ pattern, resolve });
        void exit.then(({ stderr: all }) => reject(new Error(`exited before ${pattern}:\n${all}`)));
      }),
    kill: (signal) => child.kill(signal),
    exit,
  };
}

describe('Ctrl-C', () => {
  it('during train: exits 130 with a clear message and leaves no checkpoint and no temporary directory', async () => {
    const root = tempDir();
    const out = path.join(root, 'model');
    const run = start([
      path.join(repoRoot, 'src/cli/main.ts'),
      'train',
      '--data',
      sampleCsv,
      '--out',
      out,
      '--epochs',
      '1000000',
      '--validation-split',
      '0',
    ]);
    await run.waitFor(/epoch 20:/);
    run.kill('SIGINT');
    const { code, stderr } = await run.exit;
    expect(code).toBe(130);
    expect(stderr).toMatch(/^headstart: interrupted by SIGINT before finishing$/m);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(root)).toEqual([]);
  });

  it('a second Ctrl-C exits at once even when the command is not checking for the first', async () => {
    const script = [
      "import { interruptSignal } from './src/cli/interrupt.ts';",
      'interruptSignal();',
      "process.stderr.write('ready\\n');",
      'setInterval(() => {}, 1000);',
    ].join('\n');
    const run = start(['--input-type=module', '-e', script]);
    await run.waitFor(/ready/);
    run.kill('SIGINT');
    await run.waitFor(/SIGINT received: stopping/);
    run.kill('SIGINT');
    const { code, stderr } = await run.exit;
    expect(code).toBe(130);
    expect(stderr).toContain('SIGINT again: exiting now');
  });
});

/** Rows the predict journal records as committed (0 while it has none, or between its writes). */
function committedRows(progressFile: string): number {
  try {
    return (JSON.parse(readFileSync(progressFile, 'utf8')) as { rows: number }).rows;
  } catch {
    return 0;
  }
}

describe('Ctrl-C during predict --output', () => {
  it('leaves committed chunks that --resume completes: every row once, in input order', async () => {
    const root = tempDir();
    const model = path.join(root, 'model');
    const cli = path.join(repoRoot, 'src/cli/main.ts');
    const data = await readDataset(sampleCsv);
    const classifier = await TextClassifier.create();
    await classifier.fit(
      data.examples.map((e) => e.text),
      data.examples.map((e) => e.labels[0]),
      { recipe: 'single', epochs: 5 },
    );
    await classifier.save(model);
    await classifier.dispose();

    const rows = 30_000;
    const input = path.join(root, 'input.txt');
    writeFileSync(
      input,
      Array.from({ length: rows }, (_, i) => `Quarterly sales in region ${i} rose ${i % 97} percent.`).join('\n'),
    );
    const output = path.join(root, 'out.jsonl');
    const args = [
      cli,
      'predict',
      '--model',
      model,
      '--input',
      input,
      '--output',
      output,
      '--batch-size',
      '200',
      '--workers',
      '0',
    ];
    const first = start(args);
    while (committedRows(`${output}.progress.json`) === 0) await sleep(20);
    first.kill('SIGINT');
    const stopped = await first.exit;
    expect(stopped.code === 0).toBe(false);
    expect(existsSync(output)).toBe(false);
    expect(existsSync(`${output}.partial`)).toBe(true);

    const resumed = start([...args, '--resume']);
    const { code, stderr } = await resumed.exit;
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/resuming after [1-9]\d* committed rows/);
    const lines = readFileSync(output, 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { line: number }).line);
    expect(lines).toEqual(Array.from({ length: rows }, (_, i) => i + 1));
  });
});

describe('every command stops the same way on SIGINT and SIGTERM', () => {
  const cli = path.join(repoRoot, 'src/cli/main.ts');
  const root = tempDir();
  let model: string;

  const ready = path.join(repoRoot, 'test/fixtures/signal-ready.mjs');

  async function expectInterrupted(run: Run, signal: 'SIGINT' | 'SIGTERM'): Promise<string> {
    await run.waitFor(/signal handler ready/);
    run.kill(signal);
    const { code, stderr } = await run.exit;
    expect(code, stderr).toBe(130);
    expect(stderr).toContain(`${signal} received: stopping`);
    expect(stderr).toMatch(new RegExp(`^headstart: interrupted by ${signal} before finishing$`, 'm'));
    expect(stderr).not.toMatch(/internal error|\n\s+at /);
    return stderr;
  }

  it('SIGTERM during predict --output: exit 130, the journal left for --resume, the lock released', async () => {
    model = path.join(root, 'model');
    const data = await readDataset(sampleCsv);
    const classifier = await TextClassifier.create();
    await classifier.fit(
      data.examples.map((e) => e.text),
      data.examples.map((e) => e.labels[0]),
      { epochs: 5 },
    );
    await classifier.save(model);
    await classifier.dispose();
    const input = path.join(root, 'input.txt');
    writeFileSync(
      input,
      Array.from({ length: 30_000 }, (_, i) => `Quarterly sales in region ${i} rose ${i % 97} percent.`).join('\n'),
    );
    const output = path.join(root, 'out.jsonl');
    const run = start([
      '--import',
      ready,
      cli,
      'predict',
      '--model',
      model,
      '--input',
      input,
      '--output',
      output,
      '--batch-size',
      '200',
      '--workers',
      '0',
    ]);
    while (committedRows(`${output}.progress.json`) === 0) await sleep(20);
    await expectInterrupted(run, 'SIGTERM');
    expect(existsSync(output)).toBe(false);
    expect(existsSync(`${output}.partial`)).toBe(true);
    expect(existsSync(`${output}.lock`)).toBe(false);
  });

  it('SIGTERM during cv: exit 130 with the same message', async () => {
    await expectInterrupted(
      start([
        '--import',
        ready,
        cli,
        'cv',
        '--data',
        sampleCsv,
        '--epochs',
        '1000000',
        '--validation-split',
        '0',
        '--folds',
        '2',
      ]),
      'SIGTERM',
    );
  });

  it('SIGINT during eval: exit 130 with the same message', async () => {
    const rows = readFileSync(sampleCsv, 'utf8').trimEnd().split('\n');
    const large = path.join(root, 'large.csv');
    writeFileSync(large, `${[rows[0], ...Array.from({ length: 500 }, () => rows.slice(1)).flat()].join('\n')}\n`);
    await expectInterrupted(start(['--import', ready, cli, 'eval', '--model', model, '--data', large]), 'SIGINT');
  });
});
