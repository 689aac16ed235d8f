/** Shared by the predict and queue tests: small trained models, generated inputs, and the CLI as a child process. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { TextClassifier } from '../src/classifier.js';
import { readDataset } from '../src/data/index.js';
import { repoRoot, sampleCsv } from './helpers.js';

const CLI = ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts')];

/** A second labelling of the sample sentences, for a second head over the same encoder. */
export const TOPICS = ['results', 'markets', 'corporate'] as const;
function topicOf(text: string): string {
  if (/profit|revenue|sales|earnings|loss|margin/i.test(text)) return 'results';
  if (/shares|stock|index|bond|rating/i.test(text)) return 'markets';
  return 'corporate';
}

/** A small one-head model on the default encoder over the shipped sample: its sentiment, or a topic read off its words. */
export async function trainModel(kind: 'sentiment' | 'topic', dir: string): Promise<string> {
  const out = path.join(dir, kind);
  const data = await readDataset(sampleCsv);
  const texts = data.examples.map((e) => e.text);
  const labels = kind === 'sentiment' ? data.examples.map((e) => e.labels[0]) : texts.map(topicOf);
  const classifier = await TextClassifier.create();
  await classifier.fit(texts, labels, { recipe: 'single', epochs: 5, seed: 0 });
  await classifier.save(out);
  await classifier.dispose();
  return out;
}

/**
 * `rows` JSONL rows of the shipped sample sentences with ids; every 97th text is empty and
 * every 1000th is long enough to be truncated, so both flags appear.
 */
export async function writeInput(file: string, rows: number): Promise<void> {
  const texts = (await readDataset(sampleCsv)).examples.map((e) => e.text);
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const text =
      i % 97 === 5 ? '' : i % 1000 === 7 ? `${texts[i % texts.length]} `.repeat(300) : texts[i % texts.length];
    lines.push(JSON.stringify({ id: `row-${i}`, text }));
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

export function headstartSync(...args: string[]) {
  return headstartWithStdin(undefined, ...args);
}

export function headstartWithStdin(stdin: string | undefined, ...args: string[]) {
  const result = spawnSync(process.execPath, [...CLI, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 120_000,
    input: stdin,
  });
  const lines = result.stdout.trimEnd().split('\n');
  return { ...result, lastJson: () => JSON.parse(lines[lines.length - 1]) };
}

export interface Running {
  child: ChildProcess;
  stderr(): string;
  exited: Promise<number | null>;
}

export function headstartAsync(...args: string[]): Running {
  const child = spawn(process.execPath, [...CLI, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  child.stdout!.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
