/**
 * A checkpoint whose heads are all linear predicts without TensorFlow.js (src/heads/dense/stored-linear.ts).
 * HEADSTART_TF_BACKEND set to a name no backend has makes `loadTf` throw, so a run that succeeds under it
 * never loaded TensorFlow.js; the MLP checkpoint shows the same setting does stop a run that needs it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { TextClassifier } from '../src/index.js';
import { repoRoot, sampleCsv, tempDir } from './helpers.js';

const dir = tempDir();
const modelDir = path.join(dir, 'linear');
const input = path.join(dir, 'input.txt');
let texts: string[];

function predictWithoutTf(model: string) {
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), 'predict', '--model', model, '--input', input],
    {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, HEADSTART_TF_BACKEND: 'none-loaded' },
    },
  );
}

beforeAll(async () => {
  const rows = (await readFile(sampleCsv, 'utf8')).trim().split('\n').slice(1);
  texts = rows.map((row) => row.slice(0, row.lastIndexOf(',')));
  const labels = rows.map((row) => row.slice(row.lastIndexOf(',') + 1));
  const { classifier } = await TextClassifier.train(texts, labels, { recipe: 'single', head: 'linear', seed: 5 });
  await classifier.save(modelDir);
  await classifier.dispose();
  await writeFile(input, `${texts.join('\n')}\n`);
}, 120_000);

describe('prediction without TensorFlow.js', () => {
  it('predicts with a linear checkpoint without loading TensorFlow.js, as the loaded classifier does', async () => {
    const run = predictWithoutTf(modelDir);
    expect(run.stderr).not.toContain('TF_BACKEND');
    expect(run.status).toBe(0);
    const predicted = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { label: string });
    const classifier = await TextClassifier.load(modelDir);
    try {
      const expected = await classifier.predict(texts);
      expect(predicted.map((row) => row.label)).toEqual(expected.map((p) => p.label));
    } finally {
      await classifier.dispose();
    }
  }, 120_000);

  it('still loads TensorFlow.js for an MLP checkpoint', () => {
    const run = predictWithoutTf(path.join(repoRoot, 'checkpoints/finance-sentiment'));
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('HEADSTART_TF_BACKEND="none-loaded" is not a TensorFlow.js backend');
  }, 120_000);

  it('saves a loaded linear head as the files it was loaded from', async () => {
    const classifier = await TextClassifier.load(modelDir);
    const again = path.join(dir, 'saved-again');
    try {
      await classifier.save(again);
    } finally {
      await classifier.dispose();
    }
    for (const file of ['model.json', 'weights.bin', 'head.json'])
      expect(await readFile(path.join(again, file)), file).toEqual(await readFile(path.join(modelDir, file)));
  }, 120_000);
});
