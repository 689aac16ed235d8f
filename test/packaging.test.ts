/**
 * The npm package as a user gets it: `npm pack`, `npm install <tarball>` into an empty project
 * (registry only; no dependency may need an install script), then the README's library example and
 * `npx headstart train` / `predict` run there with nothing else set up: no HEADSTART_MODELS, no
 * ../shared. The published types must compile without the optional packages. Any step that fails or
 * prints an `npm warn` / `Warning` line fails the test.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RECORD_LOADS, repoRoot, tempDir } from './helpers.js';

const OPTIONAL_PACKAGES = [
  '@huggingface/transformers',
  'bullmq',
  'onnxruntime-node',
  '@tensorflow/tfjs-node',
  'vega',
  'vega-lite',
  'fastify',
  'prom-client',
  'onnx-proto',
];
const WARNING = /^npm warn|^npm WARN|Warning/m;

/** Starts the installed package's prediction worker on its shipped MLP checkpoint and prints its answer to one row. */
const WORKER_CHECK = `import { Worker } from 'node:worker_threads';
const worker = new Worker('./node_modules/headstart/dist/predict/thread-worker.js', {
  workerData: {
    refs: [{ name: '', dir: 'node_modules/headstart/checkpoints/finance-sentiment' }],
    loadOptions: {},
    settings: { format: 'jsonl', topK: 1 },
  },
});
worker.on('message', (message) => {
  if (message.type === 'ready') return worker.postMessage({ id: 0, chunk: { first: 0, rows: [{ id: '1', line: 1, text: 'Sales fell sharply.' }] } });
  process.stdout.write(JSON.stringify(message));
  void worker.terminate();
});
`;

/**
 * The user's environment, not ours: no HEADSTART_* (the packaged model must be found on its own),
 * no npm_* (set when this runs under `npm test`; they would point npm at this repository).
 */
function userEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(HEADSTART_|npm_|ONNXRUNTIME_NODE_)/i.test(name)),
  );
}

/** Runs a command, failing with its output when it exits non-zero or prints a warning. */
function run(command: string, args: string[], options: SpawnSyncOptions & { cwd: string }): string {
  const result = spawnSync(command, args, { env: userEnv(), encoding: 'utf8', timeout: 180_000, ...options });
  const output = `${result.stdout}\n${result.stderr}`;
  const shown = `${command} ${args.join(' ')} (exit ${result.status}):\n${output}`;
  expect(result.error, shown).toBeUndefined();
  expect(result.status, shown).toBe(0);
  expect(output, shown).not.toMatch(WARNING);
  return String(result.stdout);
}

describe('the packed npm package', () => {
  it('installs from the registry alone and runs the README example, train and predict', { timeout: 300_000 }, () => {
    const root = tempDir('headstart-pack-');
    // Packed from a copy of the checkout: `npm pack` runs the build, which must not rewrite this
    // checkout's dist/ while other test files run.
    const stage = path.join(root, 'stage');
    const skipped = /^(node_modules|dist|\.git|runs|benchmarks|\.vitest-results\.json)$/;
    cpSync(repoRoot, stage, {
      recursive: true,
      filter: (source) => !skipped.test(path.relative(repoRoot, source).split(path.sep)[0]),
    });
    symlinkSync(path.join(repoRoot, 'node_modules'), path.join(stage, 'node_modules'));
    const [packed] = JSON.parse(
      run('npm', ['pack', '--json', '--pack-destination', root], {
        cwd: stage,
        stdio: ['ignore', 'pipe', 'pipe'],
      }).replace(/^[^[]*/, ''),
    );
    const files = (packed.files as { path: string }[]).map((file) => file.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'LICENSE',
        'README.md',
        'docs/errors.md',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/backend/tf-registrations.js',
        'models/potion-base-4m-int8/model.safetensors',
        'corpora/samples/finance-sentiment.csv',
      ]),
    );
    expect(
      files.filter((file) => file.endsWith('.map') || file.startsWith('src/') || file.startsWith('test/')),
    ).toEqual([]);
    // Everything the README links to ships with it.
    const linked = [...readFileSync(path.join(repoRoot, 'README.md'), 'utf8').matchAll(/\]\(([^)#]+)\)/g)]
      .map((m) => m[1])
      .filter((link) => !/^[a-z]+:/.test(link));
    expect(linked.length).toBeGreaterThan(0);
    expect(files).toEqual(expect.arrayContaining(linked));
    // dist is rebuilt from scratch: nothing left over from a source file that no longer exists
    // (the CLI bundle's chunks and its worker entry, scripts/bundle-cli.mjs, have no source file of their own).
    const sources = new Set(
      readdirSync(path.join(repoRoot, 'src'), { recursive: true, encoding: 'utf8' }).map((file) =>
        file.replace(/\.(d\.ts|ts|js)$/, ''),
      ),
    );
    const orphans = files.filter(
      (file) =>
        file.startsWith('dist/') &&
        !/^dist\/cli\/(chunk-[A-Z0-9]+|thread-worker)\.js$/.test(file) &&
        !sources.has(file.slice('dist/'.length).replace(/\.(d\.ts|js)$/, '')),
    );
    expect(orphans).toEqual([]);

    const project = path.join(root, 'project');
    mkdirSync(project);
    // npm 11 lists a local tarball's `prepare` as an unreviewed install script (a registry install
    // does not); denying it for this tarball alone keeps any other install script, of any
    // dependency, a warning that fails the test.
    const tarball = path.join(root, packed.filename);
    const allowScripts = { [`file:${tarball}`]: false };
    writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'packaging-check', version: '1.0.0', private: true, type: 'module', allowScripts }),
    );
    run('npm', ['install', tarball, '--no-audit', '--no-fund'], { cwd: project });
    for (const name of OPTIONAL_PACKAGES) {
      expect(
        () => readFileSync(path.join(project, 'node_modules', name, 'package.json')),
        `${name} is optional and must not be installed`,
      ).toThrow();
    }

    // The README's library example as written, run from the project so `runs/` lands there.
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const example = /```ts\n([\s\S]*?)```/.exec(readme)![1];
    expect(example).toContain("from 'headstart'");
    writeFileSync(
      path.join(project, 'example.mts'),
      `${example}\nprocess.stdout.write('\\n' + JSON.stringify(await sameModel.predict(['Sales fell sharply.'])));\n`,
    );
    const tsx = fileURLToPath(import.meta.resolve('tsx'));
    const printed = run(process.execPath, ['--import', tsx, 'example.mts'], { cwd: project });
    expect(JSON.parse(printed.trim().split('\n').pop()!)[0]).toMatchObject({
      label: expect.stringMatching(/^(positive|negative|neutral)$/),
    });

    // The CLI on the package's own sample data.
    const samples = path.join(project, 'node_modules/headstart/corpora/samples');
    copyFileSync(path.join(samples, 'finance-sentiment.csv'), path.join(project, 'train.csv'));
    copyFileSync(path.join(samples, 'finance-new.txt'), path.join(project, 'new.txt'));
    run('npx', ['--no', 'headstart', 'train', '--data', 'train.csv', '--out', 'runs/finance'], { cwd: project });
    const predictions = run(
      'npx',
      ['--no', 'headstart', 'predict', '--model', 'runs/finance', '--input', 'new.txt', '--top-k', '2'],
      { cwd: project },
    );
    const lines = predictions.trim().split('\n');
    expect(lines.length).toBe(readFileSync(path.join(project, 'new.txt'), 'utf8').trim().split('\n').length);

    // --report draws with the optional vega and vega-lite: without them, one line saying what to install.
    const report = spawnSync(
      'npx',
      ['--no', 'headstart', 'eval', '--model', 'runs/finance', '--data', 'train.csv', '--report', 'report.html'],
      { cwd: project, env: userEnv(), encoding: 'utf8' },
    );
    expect(report.stderr).toContain(
      'needs the optional package vega, which is not installed: npm install vega vega-lite',
    );
    expect(report.status).toBe(2);

    // A shipped ready-to-use checkpoint, straight from the installed package.
    const shipped = run(
      'npx',
      [
        '--no',
        'headstart',
        'predict',
        '--model',
        'node_modules/headstart/checkpoints/finance-sentiment',
        '--input',
        'new.txt',
      ],
      { cwd: project },
    );
    const labels = shipped
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).label);
    expect(labels.length).toBe(lines.length);
    for (const label of labels) expect(['positive', 'negative', 'neutral']).toContain(label);

    // A prediction worker thread, started from the path the runner starts it from, loads the bundle
    // (scripts/bundle-cli.mjs) and not dist/'s ~170 modules one by one; an MLP checkpoint needs no
    // TensorFlow.js (a backend no one has makes loading it throw).
    const installed = path.join(project, 'node_modules/headstart');
    writeFileSync(path.join(project, 'worker.mjs'), WORKER_CHECK);
    const loadedList = path.join(project, 'worker-loaded.txt');
    writeFileSync(loadedList, '');
    const classified = run(process.execPath, ['--import', RECORD_LOADS, 'worker.mjs'], {
      cwd: project,
      env: { ...userEnv(), LOADED_LIST: loadedList, HEADSTART_TF_BACKEND: 'none-loaded' },
    });
    expect(JSON.parse(classified)).toMatchObject({ type: 'result', result: { rows: 1 } });
    const loadedFromDist = readFileSync(loadedList, 'utf8')
      .trim()
      .split('\n')
      .filter((url) => url.startsWith(pathToFileURL(path.join(installed, 'dist')).href))
      .map((url) => path.relative(installed, fileURLToPath(url)));
    expect(loadedFromDist).toContain('dist/cli/thread-worker.js');
    expect(loadedFromDist.filter((file) => !/^dist\/cli\/(chunk-[A-Z0-9]+|thread-worker)\.js$/.test(file))).toEqual([
      'dist/predict/thread-worker.js',
    ]);

    // The published types, checked in full (skipLibCheck off), need none of the optional packages.
    writeFileSync(
      path.join(project, 'check.ts'),
      "import { TextClassifier, TransformerEncoder, createEncoder } from 'headstart';\nexport const used = [TextClassifier, TransformerEncoder, createEncoder];\n",
    );
    const tsc = spawnSync(
      process.execPath,
      [
        path.join(repoRoot, 'node_modules/typescript/bin/tsc'),
        '--noEmit',
        '--strict',
        '--skipLibCheck',
        'false',
        '--module',
        'nodenext',
        '--target',
        'es2022',
        '--lib',
        'es2023',
        '--types',
        'node',
        '--typeRoots',
        path.join(repoRoot, 'node_modules/@types'),
        'check.ts',
      ],
      { cwd: project, encoding: 'utf8', env: userEnv() },
    );
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });
});
