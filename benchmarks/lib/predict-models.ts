/**
 * What `bench:predict` runs: the input rows (plain lines, one file for headstart and fastText) and
 * the models per corpus, trained once per benchmark run outside the timed part.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRng } from '../../src/util/index.js';
import { loadLabelled } from './corpora.js';
import { oneLine, trainFastText, writeFastTextTraining, type FastTextSetting } from './fasttext.js';

export interface CorpusPlan {
  name: string;
  /** Corpus the models are trained on (registry name). */
  train: string;
  /** Corpora whose texts the input rows are sampled from. */
  rowsFrom: string[];
}

export const CORPUS_PLANS: readonly CorpusPlan[] = [
  { name: 'fpb50', train: 'fpb50', rowsFrom: ['fpb-all'] },
  { name: 'banking77', train: 'banking77-train', rowsFrom: ['banking77-train', 'banking77-test'] },
];

/** headstart `train` flags per model: the default checkpoint, one MLP head, one linear head. */
export const HEADSTART_MODELS: Readonly<Record<string, readonly string[]>> = {
  auto: [],
  mlp: ['--recipe', 'single'],
  linear: ['--recipe', 'single', '--head', 'linear'],
};

export const FASTTEXT_MODELS: Readonly<Record<string, FastTextSetting>> = {
  'fasttext-default': 'default',
  'fasttext-accurate': 'accurate',
};

/** `rows` texts drawn with replacement (seeded), each as one input line. */
export function sampleLines(texts: readonly string[], rows: number, seed: number): string[] {
  const rng = createRng(seed);
  return Array.from({ length: rows }, () => oneLine(texts[Math.floor(rng() * texts.length)]));
}

/** Writes the sampled rows to `file`, in slices (a million rows in one string would be ~150 MB). */
export async function writeRows(plan: CorpusPlan, rows: number, seed: number, file: string): Promise<void> {
  const texts = (await Promise.all(plan.rowsFrom.map(loadLabelled))).flatMap((data) => data.texts);
  const lines = sampleLines(texts, rows, seed);
  writeFileSync(file, '');
  for (let start = 0; start < rows; start += 100_000)
    appendFileSync(file, `${lines.slice(start, start + 100_000).join('\n')}\n`);
}

export interface TrainedModels {
  /** Model name to checkpoint directory (headstart) or `.bin` file (fastText). */
  paths: Record<string, string>;
  /** What `train` (auto) chose, from its --json summary. */
  auto?: { chosen: string; weights: number[]; encoders: string[] } | undefined;
}

/** Trains every model of `plan` into `dir` with the built CLI (headstart) and `fasttext supervised`. */
export async function trainModels(
  plan: CorpusPlan,
  dir: string,
  cli: string,
  seed: number,
  only?: readonly string[],
): Promise<TrainedModels> {
  const wanted = (model: string) => only === undefined || only.includes(model);
  const paths: Record<string, string> = {};
  let auto: TrainedModels['auto'];
  for (const [model, flags] of Object.entries(HEADSTART_MODELS).filter(([model]) => wanted(model))) {
    const out = path.join(dir, `${plan.name}-${model}`);
    rmSync(out, { recursive: true, force: true });
    const args = [cli, 'train', '--data', plan.train, '--out', out, '--seed', String(seed), '--json', ...flags];
    const child = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (child.status !== 0) throw new Error(`headstart train ${flags.join(' ')} failed: ${child.stderr}`);
    const summary = JSON.parse(child.stdout.trim().split('\n').pop()!);
    if (model === 'auto' && summary.recipe) {
      const { chosen, weights, encoders } = summary.recipe;
      auto = { chosen, weights, encoders };
    }
    paths[model] = out;
  }
  const data = await loadLabelled(plan.train);
  const trainFile = path.join(dir, `${plan.name}.fasttext-train.txt`);
  writeFastTextTraining(trainFile, data.texts, data.labels as string[]);
  for (const [model, setting] of Object.entries(FASTTEXT_MODELS).filter(([model]) => wanted(model))) {
    const prefix = path.join(dir, `${plan.name}-${model}`);
    trainFastText(trainFile, prefix, setting, seed);
    rmSync(`${prefix}.vec`, { force: true });
    paths[model] = `${prefix}.bin`;
  }
  return { paths, auto };
}
