// The README's examples are run as written (only the import and output paths are redirected), so a README that stops working fails CI.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TextClassifier } from '../src/classifier.js';
import { exportModel } from '../src/export/index.js';
import { repoRoot, tempDir } from './helpers.js';

const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
const blocks = (language: string) => [...readme.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);
const root = tempDir();
const redirect = (code: string) => code.replaceAll('runs/', `${root}/`);

describe('README', () => {
  it('library example runs and predicts a label', () => {
    const [example] = blocks('ts');
    const file = path.join(root, 'example.mts');
    const source = redirect(example).replace("from 'headstart'", `from ${JSON.stringify(path.join(repoRoot, 'src/index.ts'))}`);
    expect(example.split('\n').filter((line) => line.trim()).length).toBeLessThanOrEqual(12);
    writeFileSync(file, `${source}\nprocess.stdout.write('\\n' + JSON.stringify(await sameModel.predict(['Sales fell sharply.'])));\n`);
    const run = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    const lastLine = run.stdout.trim().split('\n').pop()!;
    expect(JSON.parse(lastLine)[0]).toMatchObject({ label: expect.stringMatching(/^(positive|negative|neutral)$/) });
  });

  it('the ONNX section\'s Node example runs the exported graph and agrees with predictProba', { timeout: 120_000 }, async () => {
    const checkpoint = path.join(repoRoot, 'checkpoints/finance-sentiment');
    await exportModel(checkpoint, { out: path.join(root, 'onnx/model.onnx') });
    const [example] = blocks('js');
    const source = redirect(example)
      .replace("from 'onnxruntime-node'", `from ${JSON.stringify(import.meta.resolve('onnxruntime-node'))}`)
      .replace("from '@huggingface/tokenizers'", `from ${JSON.stringify(import.meta.resolve('@huggingface/tokenizers'))}`);
    const file = path.join(root, 'onnx-example.mjs');
    writeFileSync(file, source);
    const run = spawnSync(process.execPath, [file], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const printed = JSON.parse(run.stdout.trim().split('\n').pop()!) as { text: string; probabilities: number[] }[];
    const classifier = await TextClassifier.load(checkpoint);
    const expected = await classifier.predictProba(printed.map((row) => row.text));
    await classifier.dispose();
    expect(printed).toHaveLength(2);
    printed.forEach((row, i) => row.probabilities.forEach((p, j) => expect(Math.abs(p - expected.data[i * 3 + j])).toBeLessThanOrEqual(1e-5)));
  });

  it('the built `headstart` bin is executable, so `npx headstart` runs it (npm ci builds it)', (context) => {
    const bin = path.join(repoRoot, JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).bin.headstart);
    if (!existsSync(bin)) {
      context.skip(`${bin} is not built (npm ci or npm run build builds it)`);
      return;
    }
    expect(statSync(bin).mode & 0o111).not.toBe(0);
  });

  it('CLI examples run', () => {
    const commands = blocks('sh')
      .flatMap((block) => block.split('\n'))
      .map((line) => line.replace(/\s+#.*$/, '').trim())
      .filter((line) => line.startsWith('npx headstart '));
    expect(commands.length).toBeGreaterThanOrEqual(3);
    for (const command of commands) {
      const args = redirect(command).split(/\s+/).slice(2);
      const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
      expect(run.stderr, command).not.toContain('headstart:');
      expect(run.status, command).toBe(0);
    }
  });
});
