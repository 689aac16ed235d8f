/**
 * `predict --queue` when things go wrong: bad URLs, no Redis, no worker, a failed chunk, Redis
 * restarted empty or gone for good. Each case must end in a clear line on stderr and a documented
 * exit code (or a complete, byte-identical output), never a silent hang or a stack dump.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectionFrom } from '../src/queue/connection.js';
import { repoRoot, tempDir } from './helpers.js';
import { headstartAsync, headstartSync, trainModel, waitFor, writeInput, type Running } from './predict-helpers.js';
import { freePort, redisAvailable, TestRedis } from './redis-helpers.js';

describe('--queue URLs', () => {
  it('refuses URLs that are not redis[s]://HOST[:PORT][/DB] with a one-line QUEUE_URL_INVALID', () => {
    for (const url of [
      'redis://127.0.0.1:6399/abc',
      'http://127.0.0.1:6379',
      'redis://',
      'redis://h:6379/1/2',
      'redis://h:6379/0?x=1',
      'not a url',
    ]) {
      expect(() => connectionFrom(url), url).toThrow(expect.objectContaining({ code: 'QUEUE_URL_INVALID' }));
    }
    expect(connectionFrom('rediss://user:p%40ss@example.org:6390/3')).toMatchObject({
      host: 'example.org',
      port: 6390,
      username: 'user',
      password: 'p@ss',
      db: 3,
      tls: {},
    });
    expect(connectionFrom('redis://127.0.0.1')).toMatchObject({ host: '127.0.0.1', port: 6379 });
    expect(connectionFrom('redis://127.0.0.1')).not.toHaveProperty('db');
  });
});

describe('late connection errors after a queue client closes', () => {
  // BullMQ rejects a never-ready connection after close() dropped its listeners (seen: 2 of 40 closes of a
  // Worker that never reached Redis); such a rejection must not turn a clean shutdown into exit 1.
  const run = (rejection: string) =>
    spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `import { dropLateConnectionErrors } from './src/queue/late-errors.ts'; dropLateConnectionErrors(); ${rejection}; setTimeout(() => console.log('still running'), 100);`,
      ],
      { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 },
    );

  it('drops connection errors that arrive after close, and still fails on any other unhandled rejection', () => {
    for (const late of [
      "Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))",
      "Promise.reject(new Error('Connection is closed.'))",
    ]) {
      const result = run(late);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toBe('still running\n');
    }
    const other = run("Promise.reject(new TypeError('a real bug'))");
    expect(other.status).toBe(1);
    expect(other.stderr).toContain('a real bug');
  });
});

describe.skipIf(!redisAvailable)('predict --queue failures', () => {
  const root = tempDir('headstart-queue-failures-');
  const input = path.join(root, 'input.jsonl');
  const reference = path.join(root, 'reference.jsonl');
  const ROWS = 4000;
  let redis: TestRedis;
  let model: string;
  let running: Running[] = [];
  const start = (...args: string[]): Running => {
    const child = headstartAsync(...args);
    running.push(child);
    return child;
  };
  const predictArgs = (output: string, ...extra: string[]) => [
    'predict',
    '--model',
    model,
    '--input',
    input,
    '--id-field',
    'id',
    '--output',
    output,
    '--queue',
    redis.url,
    '--batch-size',
    '250',
    '--queue-status-ms',
    '300',
    ...extra,
  ];
  const workerArgs = (modelsRoot = root) => [
    'worker',
    '--queue',
    redis.url,
    '--lock-ms',
    '1000',
    '--stalled-check-ms',
    '300',
    '--status-ms',
    '300',
    '--models-root',
    modelsRoot,
    '--verbose',
  ];

  beforeAll(async () => {
    redis = await TestRedis.start();
    model = await trainModel('sentiment', root);
    await writeInput(input, ROWS);
    expect(
      headstartSync(
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
      ).status,
    ).toBe(0);
  }, 120_000);

  afterEach(() => {
    for (const child of running) child.child.kill('SIGKILL');
    running = [];
  });

  afterAll(async () => {
    await redis?.kill();
  });

  it('refuses a --queue URL whose database is not a number, in one line, before creating any output', () => {
    const output = path.join(root, 'bad-url.jsonl');
    const result = headstartSync(
      'predict',
      '--model',
      model,
      '--input',
      input,
      '--output',
      output,
      '--queue',
      `redis://127.0.0.1:${redis.port}/abc`,
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(
      /^headstart: --queue "redis:\/\/127\.0\.0\.1:\d+\/abc": database "abc" is not a number\n {2}hint: /,
    );
    expect(result.stderr).not.toMatch(/ReplyError|\n\s+at /);
    expect(existsSync(`${output}.partial`) || existsSync(`${output}.progress.json`)).toBe(false);
  }, 60_000);

  it('stops at once on an unreachable Redis with one line, no stack dump and no output files', () => {
    const output = path.join(root, 'unreachable.jsonl');
    return freePort().then((closed) => {
      const started = Date.now();
      const result = headstartSync(
        'predict',
        '--model',
        model,
        '--input',
        input,
        '--output',
        output,
        '--queue',
        `redis://127.0.0.1:${closed}`,
      );
      expect(result.status).toBe(5);
      expect(result.stderr).toMatch(
        new RegExp(
          `^headstart: cannot reach Redis at redis://127\\.0\\.0\\.1:${closed}: connect ECONNREFUSED[^\\n]*\\n {2}hint: start redis-server, or check --queue\\n$`,
        ),
      );
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(existsSync(`${output}.partial`) || existsSync(`${output}.progress.json`)).toBe(false);
    });
  }, 60_000);

  it('a worker with no Redis says what it waits for, and exits on SIGTERM', async () => {
    const closed = await freePort();
    const worker = start('worker', '--queue', `redis://127.0.0.1:${closed}`, '--status-ms', '300');
    await waitFor(
      () =>
        /waiting for Redis at redis:\/\/127\.0\.0\.1:\d+ \(unreachable for \d+ s: connect ECONNREFUSED/.test(
          worker.stderr(),
        ),
      30_000,
      'the worker to say it waits for Redis',
    );
    worker.child.kill('SIGTERM');
    expect(await worker.exited, worker.stderr()).toBe(0);
    expect(worker.stderr()).not.toMatch(/\[ioredis\]|\n\s+at /);
  }, 60_000);

  it('a rerun retries chunks that failed in an earlier run instead of failing with the stale error', async () => {
    // A model whose manifest changes after the coordinator hashed it: every worker refuses its chunks.
    const flaky = path.join(root, 'flaky-model');
    cpSync(model, flaky, { recursive: true });
    const manifest = path.join(flaky, 'headstart.json');
    const original = readFileSync(manifest, 'utf8');
    const output = path.join(root, 'rerun.jsonl');
    const args = predictArgs(output).map((arg) => (arg === model ? flaky : arg));

    const first = start(...args);
    await waitFor(
      () =>
        /waiting for workers: 0 of 16 chunks done, 0 active, \d+ queued; none finished for \d+ s; is `headstart worker --queue redis:\/\/127\.0\.0\.1:\d+` running\?/.test(
          first.stderr(),
        ),
      60_000,
      'the coordinator to say it waits for workers',
    );
    writeFileSync(manifest, `${original}\n`);
    start(...workerArgs());
    expect(await first.exited).toBe(3);
    expect(first.stderr()).toMatch(
      /\nheadstart: rows \d+-\d+ failed on a worker: the models at .* differ from the coordinator's\n/,
    );
    expect(first.stderr()).not.toMatch(/internal error|Connection is closed|\n\s+at /);

    writeFileSync(manifest, original);
    const second = start(...args);
    expect(await second.exited).toBe(0);
    expect(readFileSync(output, 'utf8') === readFileSync(reference, 'utf8')).toBe(true);
  }, 120_000);

  it('a worker refuses model directories outside its --models-root, failing the run with one line; a --models-root that is not a directory is a usage error', async () => {
    const missing = start('worker', '--queue', redis.url, '--models-root', path.join(root, 'no-such-folder'));
    expect(await missing.exited).toBe(2);
    expect(missing.stderr()).toContain(`--models-root ${path.join(root, 'no-such-folder')} is not a directory`);

    const elsewhere = path.join(root, 'elsewhere');
    mkdirSync(elsewhere, { recursive: true });
    const output = path.join(root, 'outside.jsonl');
    start(...workerArgs(elsewhere));
    const coordinator = start(...predictArgs(output));
    expect(await coordinator.exited).toBe(3);
    expect(coordinator.stderr()).toContain(
      `failed on a worker: the model directory ${model} is outside this worker's models root ${realpathSync(elsewhere)}; start the worker with --models-root`,
    );
    expect(coordinator.stderr()).not.toMatch(/internal error|\n\s+at /);
  }, 120_000);

  it('Redis restarted empty mid-run: the coordinator queues the lost chunks again and completes, byte-identical', async () => {
    const output = path.join(root, 'restarted.jsonl');
    const coordinator = start(...predictArgs(output));
    await waitFor(
      () => coordinator.stderr().includes('waiting for workers: 0 of 16 chunks done'),
      60_000,
      'the coordinator to queue its first chunks',
    );
    await redis.kill();
    await redis.restart();
    await waitFor(
      () =>
        coordinator.stderr().includes('the job is gone from Redis (restarted without persistence?); queuing it again'),
      30_000,
      'the coordinator to notice the lost jobs',
    );
    const worker = start(...workerArgs());
    expect(await coordinator.exited).toBe(0);
    await waitFor(
      () => /waiting for chunks on headstart-predict \(idle for \d+ s; \d+ done so far\)/.test(worker.stderr()),
      10_000,
      'the idle worker to say it waits for chunks',
    );
    expect(coordinator.stderr()).toMatch(
      /lost the connection to Redis at redis:\/\/127\.0\.0\.1:\d+ \(.*\); reconnecting, giving up after 60 s\n/,
    );
    expect(coordinator.stderr()).toMatch(
      /Redis at redis:\/\/127\.0\.0\.1:\d+ is back after \d+ s; checking the chunks in flight\n/,
    );
    expect(readFileSync(output, 'utf8') === readFileSync(reference, 'utf8')).toBe(true);
  }, 120_000);

  it('Redis gone for good: exits 5 with one line, keeps the journal, and --resume completes once Redis is back', async () => {
    const output = path.join(root, 'outage.jsonl');
    const coordinator = start(...predictArgs(output, '--queue-outage-ms', '1500'));
    await waitFor(
      () => coordinator.stderr().includes('waiting for workers: 0 of 16 chunks done'),
      60_000,
      'the coordinator to queue its first chunks',
    );
    await redis.kill();
    await waitFor(
      () =>
        /Redis at redis:\/\/127\.0\.0\.1:\d+ unreachable for \d+ s \(.+\); giving up after 2 s\n/.test(
          coordinator.stderr(),
        ),
      30_000,
      'the coordinator to report the outage',
    );
    expect(await coordinator.exited).toBe(5);
    const lines = coordinator.stderr().split('\n');
    expect(lines.filter((line) => line.startsWith('headstart: '))).toEqual([
      expect.stringMatching(/^headstart: lost Redis at redis:\/\/127\.0\.0\.1:\d+: unreachable for \d+ s \(.+\)$/),
    ]);
    expect(coordinator.stderr()).toContain(
      'hint: the rows written so far are kept: once Redis is back, rerun the same command with --resume',
    );
    expect(coordinator.stderr()).not.toMatch(/internal error|\n\s+at /);
    expect(existsSync(`${output}.partial`) && existsSync(`${output}.progress.json`)).toBe(true);

    await redis.restart();
    start(...workerArgs());
    const resumed = start(...predictArgs(output, '--resume'));
    expect(await resumed.exited).toBe(0);
    expect(readFileSync(output, 'utf8') === readFileSync(reference, 'utf8')).toBe(true);
  }, 120_000);
});
