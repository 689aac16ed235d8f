/**
 * fastText (Debian's `fasttext` package) as the benchmarks' reference: installed when missing,
 * trained supervised on the same labelled texts as headstart's models, run as `fasttext predict`.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';

/** Training settings compared: fastText's defaults, and the accurate setting from issue 23. */
export const FASTTEXT_SETTINGS = {
  default: [] as string[],
  accurate: ['-wordNgrams', '2', '-epoch', '25', '-lr', '0.5'],
} as const;
export type FastTextSetting = keyof typeof FASTTEXT_SETTINGS;

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).status === 0;
}

/** Installs Debian's fasttext (with sudo when not root) when `fasttext` is not on the PATH; says so through `log`. */
export function ensureFastText(log: (line: string) => void): void {
  if (onPath('fasttext')) return;
  log('fasttext is not installed: installing the Debian package (apt-get install -y fasttext)');
  const asRoot = os.userInfo().uid === 0;
  const run = (args: string[]) => {
    const [command, ...rest] = asRoot ? args : ['sudo', ...args];
    const child = spawnSync(command, rest, { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
    if (child.status !== 0) throw new Error(`${args.join(' ')} failed (${child.status}): ${child.stderr}`);
  };
  run(['apt-get', 'update', '-qq']);
  run(['apt-get', 'install', '-y', '-qq', 'fasttext']);
  if (!onPath('fasttext')) throw new Error('apt-get installed fasttext, but the fasttext command is not on the PATH');
}

/** The installed package's version, e.g. 0.9.2+ds-1+b1 (the binary itself prints none). */
export function fastTextVersion(): string {
  const child = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'fasttext'], { encoding: 'utf8' });
  return child.status === 0 ? child.stdout.trim() : 'unknown';
}

/**
 * One line of fastText's supervised format: `__label__<label> <text>`. The text is kept as it is
 * (not lowercased or re-tokenised), so fastText sees the same text headstart does; line breaks and
 * other whitespace runs become one space (a line is one example), and spaces in a label become `_`.
 */
export function fastTextLine(text: string, label: string): string {
  return `__label__${label.trim().replace(/\s+/g, '_')} ${oneLine(text)}`;
}

/** A text as one input line: whitespace runs (line breaks included) collapsed to one space. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export function writeFastTextTraining(file: string, texts: readonly string[], labels: readonly string[]): void {
  writeFileSync(file, texts.map((text, i) => `${fastTextLine(text, labels[i])}\n`).join(''));
}

/** Trains `<outPrefix>.bin` from a file of fastText lines; the run is silent (progress goes to a pipe). */
export function trainFastText(trainFile: string, outPrefix: string, setting: FastTextSetting, seed: number): void {
  const args = ['supervised', '-input', trainFile, '-output', outPrefix, '-seed', String(seed), '-verbose', '0'];
  const child = spawnSync('fasttext', [...args, ...FASTTEXT_SETTINGS[setting]], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`fasttext supervised failed (${child.status}): ${child.stderr}`);
}
