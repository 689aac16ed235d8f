// The README's examples are run as written (only the import and output paths are redirected), so a README that stops working fails CI.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TextClassifier } from '../src/classifier.js';
import { exportModel } from '../src/export/index.js';
import { startHubServer } from './fixtures/hub-server.js';
import { potionDir, repoRoot, tempDir } from './helpers.js';
import { waitFor } from './predict-helpers.js';

const fullReadme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
// "Getting other models" downloads from a hub: its commands run against a local stand-in (test below), the rest as they are.
const DOWNLOAD_SECTION = /^## Getting other models\n[\s\S]*?(?=^## )/m;
const downloadSection = DOWNLOAD_SECTION.exec(fullReadme)?.[0] ?? '';
const readme = fullReadme.replace(DOWNLOAD_SECTION, '');
const blocksOf = (text: string, language: string) =>
  [...text.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);
const blocks = (language: string) => blocksOf(readme, language);
const cliLines = (text: string) =>
  blocksOf(text, 'sh')
    .flatMap((block) => block.split('\n'))
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line.startsWith('npx headstart '));
const root = tempDir();
const redirect = (code: string) => code.replaceAll('runs/', `${root}/`);

describe('README', () => {
  it('library example runs and predicts a label', () => {
    const [example] = blocks('ts');
    const file = path.join(root, 'example.mts');
    const source = redirect(example).replace(
      "from 'headstart'",
      `from ${JSON.stringify(path.join(repoRoot, 'src/index.ts'))}`,
    );
    expect(example.split('\n').filter((line) => line.trim()).length).toBeLessThanOrEqual(12);
    writeFileSync(
      file,
      `${source}\nprocess.stdout.write('\\n' + JSON.stringify(await sameModel.predict(['Sales fell sharply.'])));\n`,
    );
    const run = spawnSync(process.execPath, ['--import', 'tsx', file], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    const lastLine = run.stdout.trim().split('\n').pop()!;
    expect(JSON.parse(lastLine)[0]).toMatchObject({ label: expect.stringMatching(/^(positive|negative|neutral)$/) });
  });

  it(
    "the ONNX section's Node example runs the exported graph and agrees with predictProba",
    { timeout: 120_000 },
    async () => {
      const checkpoint = path.join(repoRoot, 'checkpoints/finance-sentiment');
      await exportModel(checkpoint, { out: path.join(root, 'onnx/model.onnx') });
      const [example] = blocks('js');
      const source = redirect(example)
        .replace("from 'onnxruntime-node'", `from ${JSON.stringify(import.meta.resolve('onnxruntime-node'))}`)
        .replace(
          "from '@huggingface/tokenizers'",
          `from ${JSON.stringify(import.meta.resolve('@huggingface/tokenizers'))}`,
        );
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
      printed.forEach((row, i) =>
        row.probabilities.forEach((p, j) => expect(Math.abs(p - expected.data[i * 3 + j])).toBeLessThanOrEqual(1e-5)),
      );
    },
  );

  it('the built `headstart` bin is executable, so `npx headstart` runs it (npm ci builds it)', (context) => {
    const bin = path.join(
      repoRoot,
      JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).bin.headstart,
    );
    if (!existsSync(bin)) {
      context.skip(`${bin} is not built (npm ci or npm run build builds it)`);
      return;
    }
    expect(statSync(bin).mode & 0o111).not.toBe(0);
  });

  it('CLI examples run', () => {
    // A server runs until stopped: its example is run by its own test below.
    const commands = cliLines(readme).filter((line) => !line.startsWith('npx headstart serve '));
    expect(commands.length).toBeGreaterThanOrEqual(3);
    for (const command of commands) {
      const args = redirect(command).split(/\s+/).slice(2);
      const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), ...args], {
        cwd: repoRoot,
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(run.stderr, command).not.toContain('headstart:');
      expect(run.status, command).toBe(0);
    }
  });

  it('the report example writes one self-contained page', () => {
    const command = blocks('sh')
      .flatMap((block) => block.split('\n'))
      .find((line) => line.includes(' --report '));
    expect(command).toBeDefined();
    const args = redirect(command!).split(/\s+/).slice(2);
    const file = args[args.indexOf('--report') + 1];
    const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), ...args], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const html = readFileSync(file, 'utf8');
    expect(html.match(/<section class="chart"/g)).toHaveLength(4);
    expect(html).not.toMatch(/<script|<link|src=/i);
  });

  it('the serving example answers the curl request, and the server stops on SIGTERM', async () => {
    const block = blocks('sh').find((b) => b.includes('npx headstart serve '))!;
    const lines = block.trim().split('\n');
    const serveLine = lines.find((line) => line.startsWith('npx headstart serve '))!;
    const curlLine = lines.find((line) => line.startsWith('curl '))!;
    expect(serveLine).toMatch(/ --port 8080 &$/);
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    const args = serveLine.replace(/ &$/, '').replace('--port 8080', `--port ${port}`).split(/\s+/).slice(2);
    const server = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    server.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const exited = new Promise<number | null>((resolve) => server.on('exit', resolve));
    try {
      await waitFor(
        () => stderr.includes('serving finance-sentiment on') || server.exitCode !== null,
        60_000,
        'the server to start',
      );
      expect(stderr).toContain('serving finance-sentiment on');
      const curl = spawnSync('sh', ['-c', curlLine.replace('localhost:8080', `127.0.0.1:${port}`)], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      const answer = JSON.parse(curl.stdout);
      expect(answer.model).toBe('finance-sentiment');
      expect(answer.results).toHaveLength(2);
      expect(answer.results[0]).toMatchObject({
        label: expect.stringMatching(/^(positive|negative|neutral)$/),
        scores: expect.any(Object),
      });
      server.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      server.kill('SIGKILL');
    }
  }, 90_000);

  it('"Getting other models" examples download from a hub (a local stand-in serving the packaged potion model) and then run offline', async () => {
    const commands = cliLines(downloadSection);
    expect(commands.length).toBeGreaterThanOrEqual(2);
    expect(commands[0]).toContain('--allow-download');
    const hubIds = [
      ...new Set(commands.flatMap((command) => [...command.matchAll(/hf:([\w.-]+\/[\w.-]+)/g)].map((m) => m[1]))),
    ];
    const server = await startHubServer(Object.fromEntries(hubIds.map((id) => [id, potionDir])));
    const env = { ...process.env, HEADSTART_HUB_URL: server.url, HEADSTART_CACHE: path.join(root, 'hub-cache') };
    try {
      for (const [i, command] of commands.entries()) {
        const requestsBefore = server.requests.length;
        const args = redirect(command).split(/\s+/).slice(2);
        const run = await new Promise<{ code: number; stderr: string }>((resolve) => {
          execFile(
            process.execPath,
            ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), ...args],
            { cwd: repoRoot, env, timeout: 120_000 },
            (error, _stdout, stderr) =>
              resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stderr }),
          );
        });
        expect(run.stderr, command).not.toContain('headstart:');
        expect(run.code, command).toBe(0);
        if (i > 0) expect(server.requests.length, `${command} reads the cache`).toBe(requestsBefore);
      }
      expect(server.requests.length).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });
});
