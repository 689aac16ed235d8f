/**
 * Start-up of `predict` (issue 23): the CLI loads the modules of the command it runs, not those of
 * every command (src/cli/main.ts). A module-loading hook registered in the child process lists every
 * module it loads; a 1-row predict of a linear checkpoint must load none of the listed heavy ones.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TextClassifier } from '../src/index.js';
import { RECORD_LOADS, repoRoot, sampleCsv, tempDir } from './helpers.js';

const dir = tempDir();
const modelDir = path.join(dir, 'linear');
const input = path.join(dir, 'one-row.txt');
const loadedList = path.join(dir, 'loaded.txt');

/** What a linear checkpoint's predict never needs: other commands, training, export, serving, TensorFlow.js, the hub client, natural (TF-IDF fitting). */
const NOT_FOR_PREDICT = [
  /\/src\/cli\/commands\/(train|eval|cv|distill|export|worker|serve)\.ts$/,
  /\/src\/(recipes|distill|export|serve|report|zero-shot)\//,
  /\/src\/cross-validate\.ts$/,
  /\/node_modules\/@tensorflow\//,
  /\/node_modules\/@huggingface\/(hub|transformers)\//,
  /\/node_modules\/natural\//,
];

function modulesLoadedBy(...args: string[]): string[] {
  writeFileSync(loadedList, '');
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--import', RECORD_LOADS, path.join(repoRoot, 'src/cli/main.ts'), ...args],
    { cwd: repoRoot, encoding: 'utf8', timeout: 120_000, env: { ...process.env, LOADED_LIST: loadedList } },
  );
  expect(run.stderr).not.toContain('Error');
  expect(run.status).toBe(0);
  return readFileSync(loadedList, 'utf8').trim().split('\n');
}

beforeAll(async () => {
  const rows = readFileSync(sampleCsv, 'utf8').trim().split('\n').slice(1);
  const texts = rows.map((row) => row.slice(0, row.lastIndexOf(',')));
  const labels = rows.map((row) => row.slice(row.lastIndexOf(',') + 1));
  const { classifier } = await TextClassifier.train(texts, labels, { recipe: 'single', head: 'linear', seed: 7 });
  await classifier.save(modelDir);
  await classifier.dispose();
  writeFileSync(input, `${texts[0]}\n`);
}, 120_000);

describe('predict start-up', () => {
  it('loads none of the modules a linear checkpoint does not need', () => {
    const loaded = modulesLoadedBy('predict', '--model', modelDir, '--input', input);
    expect(loaded.some((url) => url.endsWith('/src/cli/commands/predict.ts'))).toBe(true);
    expect(loaded.filter((url) => NOT_FOR_PREDICT.some((heavy) => heavy.test(url)))).toEqual([]);
  }, 120_000);

  it('loads every command for the help that lists them', () => {
    const loaded = modulesLoadedBy('--help');
    for (const command of ['train', 'predict', 'eval', 'cv', 'distill', 'export', 'worker', 'serve'])
      expect(loaded.some((url) => url.endsWith(`/src/cli/commands/${command}.ts`))).toBe(true);
  }, 120_000);
});
