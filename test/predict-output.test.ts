/**
 * predict --output never replaces what it must not (devices, directories, the input), never writes
 * through a symlink planted at its journal names, is locked against a second run, and reads its
 * input in one pass (FIFOs, /dev/stdin, process substitutions).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EnvironmentError, UsageError } from '../src/errors.js';
import { OutputJournal } from '../src/predict/journal.js';
import { lockPath } from '../src/util/lock-file.js';
import { repoRoot, tempDir } from './helpers.js';
import { headstartSync, headstartWithStdin, trainModel } from './predict-helpers.js';

const root = tempDir('headstart-output-');
const input = path.join(root, 'input.txt');
const TEXTS = [
  'Operating profit doubled on record sales.',
  'The firm cut 500 jobs after losses widened.',
  'The annual meeting will be held in Helsinki.',
];
let model: string;

beforeAll(async () => {
  model = await trainModel('sentiment', root);
  writeFileSync(input, `${TEXTS.join('\n')}\n`);
});

const predict = (...args: string[]) => headstartSync('predict', '--model', model, '--workers', '0', ...args);

function jsonLines(text: string): { line: number; label: string }[] {
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

describe('predict --output targets', () => {
  it('writes /dev/null directly and leaves it a character device', () => {
    const run = predict('--input', input, '--output', '/dev/null');
    expect(run.status, run.stderr).toBe(0);
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(existsSync('/dev/null.partial') || existsSync('/dev/null.lock')).toBe(false);
  });

  it('writes /dev/stdout as stdout, and refuses --resume on it', () => {
    const run = predict('--input', input, '--output', '/dev/stdout');
    expect(run.status, run.stderr).toBe(0);
    expect(jsonLines(run.stdout).map((row) => row.line)).toEqual([1, 2, 3]);
    const resumed = predict('--input', input, '--output', '/dev/stdout', '--resume');
    expect(resumed.status).toBe(2);
    expect(resumed.stderr).toMatch(/^headstart: --resume needs --input and --output to be regular files/m);
  });

  it('reports a full disk (/dev/full) as an environment error, exit 5', () => {
    const run = predict('--input', input, '--output', '/dev/full');
    expect(run.status, run.stderr).toBe(5);
    expect(run.stderr).toMatch(/^headstart: \/dev\/full: no space left on the device \(ENOSPC\)$/m);
  });

  it('refuses a directory, a missing directory and the input file before loading the model', () => {
    const cases: [string, RegExp][] = [
      [root, /is a directory$/m],
      [path.join(root, 'missing', 'out.jsonl'), /directory .*missing does not exist$/m],
      [input, /is the --input file: the predictions would replace the data$/m],
    ];
    for (const [output, message] of cases) {
      // A missing model would be exit 4: the output is checked first.
      const run = headstartSync(
        'predict',
        '--model',
        path.join(root, 'no-such-model'),
        '--input',
        input,
        '--output',
        output,
      );
      expect(run.status, run.stderr).toBe(2);
      expect(run.stderr).toMatch(message);
    }
    expect(readFileSync(input, 'utf8')).toBe(`${TEXTS.join('\n')}\n`);
    expect(existsSync(path.join(root, 'missing'))).toBe(false);
  });

  it('refuses a directory it cannot write (/proc/sys, even for root) before loading the model, exit 5', () => {
    const run = headstartSync(
      'predict',
      '--model',
      path.join(root, 'no-such-model'),
      '--input',
      input,
      '--output',
      '/proc/sys/headstart-out.jsonl',
    );
    expect(run.status, run.stderr).toBe(5);
    expect(run.stderr).toMatch(
      /^headstart: \/proc\/sys: (permission denied \(EACCES\)|the file system is read-only \(EROFS\))$/m,
    );
  });
});

describe('predict journal files', () => {
  it('never writes through a symlink planted at OUT.partial or at the progress temporary', () => {
    for (const planted of [OutputJournal.partialPath, OutputJournal.temporaryPath]) {
      const output = path.join(root, `planted-${planted.name}.jsonl`);
      const victim = path.join(root, `victim-${planted.name}`);
      writeFileSync(victim, 'precious\n');
      symlinkSync(victim, planted(output));
      const run = predict('--input', input, '--output', output);
      expect(run.status, run.stderr).toBe(2);
      expect(run.stderr).toMatch(/is a symbolic link: refusing to write through it$/m);
      expect(readFileSync(victim, 'utf8')).toBe('precious\n');
      expect(existsSync(output)).toBe(false);
    }
  });

  it('refuses on resume a partial file replaced by a symlink', async () => {
    const identity = { input: 'a'.repeat(64), models: 'b'.repeat(64), settings: 'c'.repeat(64) };
    const output = path.join(root, 'resume-link.jsonl');
    const victim = path.join(root, 'victim-resume');
    writeFileSync(victim, 'precious\n');
    const first = await OutputJournal.open(output, identity, false);
    await first.journal.commit({ text: 'one\n', rows: 1, truncated: 0, empty: 0, invalidUtf8: 0, unreadable: 0 });
    await first.journal.close();
    spawnSync('rm', [OutputJournal.partialPath(output)]);
    symlinkSync(victim, OutputJournal.partialPath(output));
    await expect(OutputJournal.open(output, identity, true)).rejects.toThrow(
      /partial is a symbolic link: refusing to write through it/,
    );
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
  });

  it("resumes after a kill that left the progress record's temporary behind", async () => {
    const identity = { input: 'a'.repeat(64), models: 'b'.repeat(64), settings: 'c'.repeat(64) };
    const output = path.join(root, 'stale-temporary.jsonl');
    const first = await OutputJournal.open(output, identity, false);
    await first.journal.commit({ text: 'one\n', rows: 1, truncated: 0, empty: 0, invalidUtf8: 0, unreadable: 0 });
    await first.journal.close();
    writeFileSync(OutputJournal.temporaryPath(output), '{"version":1,"ro');
    const resumed = await OutputJournal.open(output, identity, true);
    await resumed.journal.commit({ text: 'two\n', rows: 1, truncated: 0, empty: 0, invalidUtf8: 0, unreadable: 0 });
    await resumed.journal.finish();
    expect(readFileSync(output, 'utf8')).toBe('one\ntwo\n');
    expect(existsSync(OutputJournal.temporaryPath(output))).toBe(false);
  });

  it('does not discard files at the journal names that no interrupted run left', () => {
    const output = path.join(root, 'foreign.jsonl');
    writeFileSync(OutputJournal.partialPath(output), 'mine\n');
    const run = predict('--input', input, '--output', output);
    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).toMatch(
      /foreign\.jsonl\.partial already exists without a progress record of an interrupted headstart run/,
    );
    expect(readFileSync(OutputJournal.partialPath(output), 'utf8')).toBe('mine\n');
  });
});

describe('predict output lock', () => {
  const identity = { input: 'a'.repeat(64), models: 'b'.repeat(64), settings: 'c'.repeat(64) };

  it('refuses a second writer of the same output, naming the lock and its owner', async () => {
    const output = path.join(root, 'locked.jsonl');
    const first = await OutputJournal.open(output, identity, false);
    const error = await OutputJournal.open(output, identity, false).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as EnvironmentError).code).toBe('OUTPUT_LOCKED');
    expect((error as EnvironmentError).message).toBe(
      `${lockPath(output)}: ${output} is locked by another headstart run (pid ${process.pid} on ${hostname()})`,
    );
    await first.journal.commit({ text: 'one\n', rows: 1, truncated: 0, empty: 0, invalidUtf8: 0, unreadable: 0 });
    await first.journal.finish();
    expect(readFileSync(output, 'utf8')).toBe('one\n');
    expect(existsSync(lockPath(output))).toBe(false);
  });

  it("refuses a CLI run while a live process holds the lock (exit 5), and takes over a dead process's lock", () => {
    const output = path.join(root, 'cli-locked.jsonl');
    const holder = spawn('sleep', ['60']);
    try {
      writeFileSync(lockPath(output), JSON.stringify({ pid: holder.pid, host: hostname() }));
      const refused = predict('--input', input, '--output', output);
      expect(refused.status, refused.stderr).toBe(5);
      expect(refused.stderr).toMatch(
        new RegExp(
          `^headstart: .*cli-locked\\.jsonl\\.lock: .* is locked by another headstart run \\(pid ${holder.pid} on `,
          'm',
        ),
      );
      expect(existsSync(output)).toBe(false);
    } finally {
      holder.kill('SIGKILL');
    }
    const dead = spawnSync('true').pid!;
    writeFileSync(lockPath(output), JSON.stringify({ pid: dead, host: hostname() }));
    const run = predict('--input', input, '--output', output);
    expect(run.status, run.stderr).toBe(0);
    expect(jsonLines(readFileSync(output, 'utf8'))).toHaveLength(3);
    expect(existsSync(lockPath(output))).toBe(false);
  });

  it('a journal opened on a refused resume releases its lock', async () => {
    const output = path.join(root, 'released.jsonl');
    const first = await OutputJournal.open(output, identity, false);
    await first.journal.close();
    await expect(OutputJournal.open(output, { ...identity, input: 'd'.repeat(64) }, true)).rejects.toBeInstanceOf(
      UsageError,
    );
    expect(existsSync(lockPath(output))).toBe(false);
  });
});

describe('predict --input read once', () => {
  it('reads a FIFO, /dev/stdin and a process substitution, with the same rows as a file', () => {
    const expected = jsonLines(predict('--input', input).stdout);
    expect(expected.map((row) => row.line)).toEqual([1, 2, 3]);

    const fifo = path.join(root, 'fifo.txt');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const writer = spawn('sh', ['-c', `cat "${input}" > "${fifo}"`]);
    const fromFifo = predict('--input', fifo);
    writer.kill();
    expect(fromFifo.status, fromFifo.stderr).toBe(0);
    expect(jsonLines(fromFifo.stdout)).toEqual(expected);

    const fromStdin = headstartWithStdin(
      readFileSync(input, 'utf8'),
      'predict',
      '--model',
      model,
      '--workers',
      '0',
      '--input',
      '/dev/stdin',
      '--format',
      'lines',
    );
    expect(fromStdin.status, fromStdin.stderr).toBe(0);
    expect(jsonLines(fromStdin.stdout)).toEqual(expected);

    const substituted = spawnSync(
      'bash',
      [
        '-c',
        `"${process.execPath}" --import tsx src/cli/main.ts predict --model "${model}" --workers 0 --format lines --input <(cat "${input}")`,
      ],
      {
        cwd: repoRoot,
        encoding: 'utf8',
      },
    );
    expect(substituted.status, substituted.stderr).toBe(0);
    expect(jsonLines(substituted.stdout)).toEqual(expected);
  });

  it('refuses --resume with a FIFO input', () => {
    const fifo = path.join(root, 'fifo-resume.txt');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const run = predict('--input', fifo, '--output', path.join(root, 'fifo-out.jsonl'), '--resume');
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--resume needs --input and --output to be regular files/);
  });
});
