/**
 * A child process measured from outside, the same way for every program compared: wall time
 * around the spawn, and CPU time and peak RSS from GNU time (`/usr/bin/time`, Debian's `time`).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';

const GNU_TIME = '/usr/bin/time';

export interface ChildMeasure {
  /** From spawn to exit: process start-up, model loading, the run. */
  wallSeconds: number;
  /** User + system CPU time of the process, all threads. */
  cpuSeconds: number;
  peakRssMB: number;
  /** What the child printed on stdout, unless it was sent to a file. */
  stdout: string;
}

export function gnuTimePresent(): boolean {
  return existsSync(GNU_TIME);
}

/** Runs `command args` under GNU time; stdout goes to `stdoutFile` when given. Throws on a non-zero exit. */
export function runMeasured(
  command: string,
  args: readonly string[],
  options: { stdoutFile?: string; cwd?: string } = {},
): ChildMeasure {
  const report = `${options.stdoutFile ?? `/tmp/headstart-bench-${process.pid}`}.time`;
  const out = options.stdoutFile ? openSync(options.stdoutFile, 'w') : 'pipe';
  const started = performance.now();
  const child = spawnSync(GNU_TIME, ['-o', report, '-f', '%U %S %M', command, ...args], {
    cwd: options.cwd,
    encoding: 'utf8',
    stdio: ['ignore', out, 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallSeconds = (performance.now() - started) / 1000;
  if (typeof out === 'number') closeSync(out);
  if (child.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${child.status}): ${child.stderr}`);
  const measured = parseGnuTime(readFileSync(report, 'utf8'));
  rmSync(report);
  return { wallSeconds, ...measured, stdout: child.stdout ?? '' };
}

/** GNU time's `-f '%U %S %M'` line: user s, system s, peak RSS in KiB. */
export function parseGnuTime(text: string): { cpuSeconds: number; peakRssMB: number } {
  const last = text.trim().split('\n').pop() ?? '';
  const [user, system, kib] = last.split(' ').map(Number);
  if (![user, system, kib].every(Number.isFinite)) throw new Error(`unexpected GNU time output: ${text}`);
  return { cpuSeconds: user + system, peakRssMB: kib / 1024 };
}
