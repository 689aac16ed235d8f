/**
 * A checkpoint of dense heads, linear or MLP, predicts without TensorFlow.js (src/heads/dense/stored-dense.ts).
 * HEADSTART_TF_BACKEND set to a name no backend has makes `loadTf` throw, so a run that succeeds under it
 * never loaded TensorFlow.js; `train` shows the same setting does stop a run that needs it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { TextClassifier } from '../src/index.js';
import { repoRoot, sampleCsv, tempDir } from './helpers.js';

const dir = tempDir();
const modelDir = path.join(dir, 'linear');
const mlpDir = path.join(dir, 'mlp');
const input = path.join(dir, 'input.txt');
let texts: string[];
let mlpAfterFit: Float32Array;

function withoutTf(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, HEADSTART_TF_BACKEND: 'none-loaded' },
  });
}

const predictWithoutTf = (model: string) => withoutTf('predict', '--model', model, '--input', input);

beforeAll(async () => {
  const rows = (await readFile(sampleCsv, 'utf8')).trim().split('\n').slice(1);
  texts = rows.map((row) => row.slice(0, row.lastIndexOf(',')));
  const labels = rows.map((row) => row.slice(row.lastIndexOf(',') + 1));
  const { classifier } = await TextClassifier.train(texts, labels, { recipe: 'single', head: 'linear', seed: 5 });
  await classifier.save(modelDir);
  await classifier.dispose();
  const mlp = (await TextClassifier.train(texts, labels, { recipe: 'single', head: 'mlp', seed: 5 })).classifier;
  mlpAfterFit = (await mlp.predictProba(texts)).data;
  await mlp.save(mlpDir);
  await mlp.dispose();
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

  it('predicts with an MLP checkpoint without TensorFlow.js, the probabilities of the head it saved', async () => {
    const run = predictWithoutTf(mlpDir);
    expect(run.stderr).not.toContain('TF_BACKEND');
    expect(run.status).toBe(0);
    const classifier = await TextClassifier.load(mlpDir);
    try {
      // After fit and after load alike through the MLP kernel: the same bits.
      expect((await classifier.predictProba(texts)).data).toEqual(mlpAfterFit);
      const expected = await classifier.predict(texts);
      expect(
        run.stdout
          .trim()
          .split('\n')
          .map((line) => (JSON.parse(line) as { label: string }).label),
      ).toEqual(expected.map((p) => p.label));
    } finally {
      await classifier.dispose();
    }
  }, 120_000);

  it('still loads TensorFlow.js to train', () => {
    const run = withoutTf('train', '--data', sampleCsv, '--recipe', 'single', '--out', path.join(dir, 'trained'));
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('HEADSTART_TF_BACKEND="none-loaded" is not a TensorFlow.js backend');
  }, 120_000);

  it.each([
    ['linear', modelDir],
    ['MLP', mlpDir],
  ])(
    'saves a loaded %s head as the files it was loaded from',
    async (kind, loadedDir) => {
      const classifier = await TextClassifier.load(loadedDir);
      const again = path.join(dir, `saved-again-${kind}`);
      try {
        await classifier.save(again);
      } finally {
        await classifier.dispose();
      }
      for (const file of ['model.json', 'weights.bin', 'head.json'])
        expect(await readFile(path.join(again, file)), file).toEqual(await readFile(path.join(loadedDir, file)));
    },
    120_000,
  );
});
