// Opt-in download from a hub: a local stand-in for huggingface.co on 127.0.0.1 (test/fixtures/hub-server.ts)
// serves the packaged potion model and the tiny BERT fixture; HEADSTART_HUB_URL points at it and
// HEADSTART_CACHE at a temporary folder.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TextClassifier } from '../src/classifier.js';
import { createEncoder } from '../src/encoders/index.js';
import { loadTransformerEncoder } from '../src/encoders/transformer/transformer.js';
import { EnvironmentError, HeadstartError, ModelError } from '../src/errors.js';
import { MANIFEST_FILE } from '../src/hub/manifest.js';
import { cachedModelDir, parseHubRef } from '../src/hub/settings.js';
import { TINY_BERT_DIR } from './fixtures/generate-bert.js';
import { startHubServer, type HubServer } from './fixtures/hub-server.js';
import { potionDir, repoRoot, sampleCsv, tempDir } from './helpers.js';

const STATIC_REPO = 'minishlab/potion-test';
const BERT_REPO = 'headstart/tiny-bert';
const NO_ONNX_REPO = 'headstart/no-onnx';
const root = tempDir('headstart-hub-');
const texts = [
  'Profits soared to a record.',
  'Losses deepened and the shares slumped.',
  'The company kept its forecast.',
];

let server: HubServer;
let cache: string;
let caseNumber = 0;
const saved = { ...process.env };

beforeAll(async () => {
  const noOnnx = path.join(root, 'no-onnx');
  cpSync(TINY_BERT_DIR, noOnnx, { recursive: true });
  rmSync(path.join(noOnnx, 'onnx/model.onnx'));
  server = await startHubServer({ [STATIC_REPO]: potionDir, [BERT_REPO]: TINY_BERT_DIR, [NO_ONNX_REPO]: noOnnx });
});
afterAll(() => server.close());

beforeEach(() => {
  cache = path.join(root, `cache-${++caseNumber}`);
  process.env.HEADSTART_CACHE = cache;
  process.env.HEADSTART_HUB_URL = server.url;
  delete process.env.HEADSTART_ALLOW_DOWNLOAD;
  delete process.env.HEADSTART_MODELS;
  server.reset();
});
afterEach(() => {
  for (const key of ['HEADSTART_CACHE', 'HEADSTART_HUB_URL', 'HEADSTART_ALLOW_DOWNLOAD', 'HEADSTART_MODELS']) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
});

function modelFolder(repo: string): string {
  return cachedModelDir(cache, parseHubRef(repo)!);
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

async function rejection(promise: Promise<unknown>): Promise<HeadstartError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HeadstartError);
  return error as HeadstartError;
}

/** Which files of `repo` the server sent whole or in part (the one-byte probes that ask for size and ETag left out). */
function transfers(repo: string): string[] {
  return server.requests
    .filter((r) => r.startsWith(`/${repo}/`) && !r.endsWith(' bytes=0-0'))
    .map((r) => r.slice(repo.length + '/resolve/main/'.length + 1));
}

function vectors(result: { data: Float32Array }): number[] {
  return Array.from(result.data);
}

describe('hub download (opt-in)', () => {
  it('downloads a Model2Vec model, trains and predicts with it, then loads it from the cache with the server stopped', async () => {
    const lines = readFileSync(sampleCsv, 'utf8').trim().split('\n').slice(1);
    const rows = lines.map((line) => [line.slice(0, line.lastIndexOf(',')), line.slice(line.lastIndexOf(',') + 1)]);
    const { classifier } = await TextClassifier.train(
      rows.map((r) => r[0]),
      rows.map((r) => r[1]),
      { recipe: 'single', epochs: 30, seed: 7 },
      { encoder: `hf:${STATIC_REPO}`, allowDownload: true },
    );
    const checkpoint = path.join(root, 'static-model');
    const before = await classifier.predict(texts);
    await classifier.save(checkpoint);
    await classifier.dispose();
    expect(transfers(STATIC_REPO).sort()).toEqual(['config.json', 'model.safetensors', 'tokenizer.json']);
    const dir = modelFolder(STATIC_REPO);
    expect(sha256(path.join(dir, 'model.safetensors'))).toBe(sha256(path.join(potionDir, 'model.safetensors')));
    const manifest = JSON.parse(readFileSync(path.join(dir, MANIFEST_FILE), 'utf8'));
    expect(manifest).toMatchObject({ repo: STATIC_REPO, revision: 'main', hub: server.url });
    expect(manifest.files['tokenizer.json'].sha256).toBe(sha256(path.join(potionDir, 'tokenizer.json')));

    const stopped = await startHubServer({});
    process.env.HEADSTART_HUB_URL = stopped.url;
    await stopped.close();
    // No opt-in now: the cache alone serves the checkpoint's encoder (recorded by hub id) and the choice itself.
    const reloaded = await TextClassifier.load(checkpoint);
    expect(await reloaded.predict(texts)).toEqual(before);
    await reloaded.dispose();
    const encoder = await createEncoder(`hf:${STATIC_REPO}`);
    expect(encoder.spec).toMatchObject({ type: 'static', model: STATIC_REPO, maxTokens: 512 });
    await encoder.dispose();
  });

  it('downloads an ONNX transformer in the transformers.js layout, embedding as the local copy does, and loads it offline afterwards', async () => {
    const encoder = await createEncoder(`hf:${BERT_REPO}`, { allowDownload: true });
    expect(encoder.spec).toMatchObject({ type: 'transformer', model: BERT_REPO, dtype: 'fp32' });
    expect(transfers(BERT_REPO).sort()).toEqual([
      'config.json',
      'onnx/model.onnx',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    const local = await loadTransformerEncoder({ model: TINY_BERT_DIR });
    expect(vectors(await encoder.embed(texts))).toEqual(vectors(await local.embed(texts)));
    await Promise.all([encoder.dispose(), local.dispose()]);

    server.requests.length = 0;
    const quantized = await loadTransformerEncoder({ model: BERT_REPO, dtype: 'q8', allowDownload: true });
    expect(transfers(BERT_REPO)).toContain('onnx/model_quantized.onnx');
    await quantized.dispose();

    server.requests.length = 0;
    const again = await createEncoder(`hf:${BERT_REPO}`, { allowDownload: true });
    await again.dispose();
    expect(server.requests).toEqual([]);
  });

  it('never touches the network without the opt-in, and says how to opt in', async () => {
    for (const choice of [`hf:${STATIC_REPO}`, `hf:${BERT_REPO}`]) {
      const error = await rejection(createEncoder(choice));
      expect(error).toBeInstanceOf(ModelError);
      expect(error.code).toBe('MODEL_NOT_FOUND');
      expect(error.hint).toContain('--allow-download');
      expect(error.hint).toContain('HEADSTART_ALLOW_DOWNLOAD=1');
    }
    const checkpointName = await rejection(createEncoder({ type: 'static', model: STATIC_REPO, maxTokens: 512 }));
    expect(checkpointName.code).toBe('MODEL_NOT_FOUND');
    expect(checkpointName.hint).toContain('allowDownload: true');
    expect(server.requests).toEqual([]);
    expect(existsSync(cache)).toBe(false);
  });

  it('downloads with HEADSTART_ALLOW_DOWNLOAD=1 alone, and allowDownload: false overrides it', async () => {
    process.env.HEADSTART_ALLOW_DOWNLOAD = '1';
    expect((await rejection(createEncoder(`hf:${STATIC_REPO}`, { allowDownload: false }))).code).toBe(
      'MODEL_NOT_FOUND',
    );
    expect(server.requests).toEqual([]);
    const encoder = await createEncoder(`hf:${STATIC_REPO}`);
    await encoder.dispose();
    expect(transfers(STATIC_REPO)).toHaveLength(3);
  });

  it('resumes a transfer cut off in the middle with a Range request, placing nothing until the model is whole', async () => {
    server.truncateOnce(STATIC_REPO, 'model.safetensors');
    const cut = await rejection(createEncoder(`hf:${STATIC_REPO}`, { allowDownload: true }));
    expect(cut).toBeInstanceOf(EnvironmentError);
    expect(cut.code).toBe('DOWNLOAD_INTERRUPTED');
    expect(cut.message).toMatch(/model\.safetensors of minishlab\/potion-test@main stopped after \d+ of 3779672 bytes/);
    expect(cut.hint).toContain('resumes');
    const dir = modelFolder(STATIC_REPO);
    expect(existsSync(dir)).toBe(false);
    const part = path.join(`${dir}.partial`, 'model.safetensors.part');
    const kept = statSync(part).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(3779672);

    server.requests.length = 0;
    const encoder = await createEncoder(`hf:${STATIC_REPO}`, { allowDownload: true });
    await encoder.dispose();
    expect(server.requests).toContain(`/${STATIC_REPO}/resolve/main/model.safetensors bytes=${kept}-3779671`);
    expect(transfers(STATIC_REPO)).not.toContain('config.json');
    expect(sha256(path.join(dir, 'model.safetensors'))).toBe(sha256(path.join(potionDir, 'model.safetensors')));
    expect(existsSync(`${dir}.partial`)).toBe(false);
  });

  it('refuses bytes that differ from the advertised sha256, keeps nothing of them, and downloads afresh next time', async () => {
    server.corrupt(STATIC_REPO, 'model.safetensors');
    const error = await rejection(createEncoder(`hf:${STATIC_REPO}`, { allowDownload: true }));
    expect(error.code).toBe('DOWNLOAD_CORRUPT');
    expect(error.category).toBe('environment');
    expect(error.message).toContain('model.safetensors of minishlab/potion-test@main');
    expect(existsSync(modelFolder(STATIC_REPO))).toBe(false);
    expect(existsSync(path.join(`${modelFolder(STATIC_REPO)}.partial`, 'model.safetensors.part'))).toBe(false);
    server.reset();
    const encoder = await createEncoder(`hf:${STATIC_REPO}`, { allowDownload: true });
    await encoder.dispose();
    expect(server.requests).toContain(`/${STATIC_REPO}/resolve/main/model.safetensors`);
    expect(sha256(path.join(modelFolder(STATIC_REPO), 'model.safetensors'))).toBe(
      sha256(path.join(potionDir, 'model.safetensors')),
    );
  });

  it('refuses a small file whose bytes differ from its git blob ETag', async () => {
    server.corrupt(BERT_REPO, 'tokenizer_config.json');
    const error = await rejection(createEncoder(`hf:${BERT_REPO}`, { allowDownload: true }));
    expect(error.code).toBe('DOWNLOAD_CORRUPT');
    expect(error.message).toContain('tokenizer_config.json');
    expect(existsSync(modelFolder(BERT_REPO))).toBe(false);
  });

  it('names the missing file, the repository and the host on a 404', async () => {
    const missing = await rejection(createEncoder(`hf:${NO_ONNX_REPO}`, { allowDownload: true }));
    expect(missing).toBeInstanceOf(EnvironmentError);
    expect(missing.code).toBe('HUB_FILE_NOT_FOUND');
    expect(missing.message).toBe(`onnx/model.onnx not found in ${NO_ONNX_REPO}@main on ${server.url} (HTTP 404)`);
    expect(existsSync(modelFolder(NO_ONNX_REPO))).toBe(false);

    const noRepo = await rejection(createEncoder('hf:nobody/nothing@v2', { allowDownload: true }));
    expect(noRepo.code).toBe('HUB_FILE_NOT_FOUND');
    expect(noRepo.message).toBe(`config.json not found in nobody/nothing@v2 on ${server.url} (HTTP 404)`);
    expect(existsSync(path.join(cache, 'models/nobody/nothing/v2.partial'))).toBe(false);
  });

  it('names the host when the hub cannot be reached, and refuses a hub URL that is not one', async () => {
    const gone = await startHubServer({});
    await gone.close();
    process.env.HEADSTART_HUB_URL = gone.url;
    const error = await rejection(createEncoder(`hf:${STATIC_REPO}`, { allowDownload: true }));
    expect(error.code).toBe('HUB_UNREACHABLE');
    expect(error.category).toBe('environment');
    expect(error.message).toBe(
      `cannot reach the hub at ${gone.url} (ECONNREFUSED) to fetch config.json of ${STATIC_REPO}@main`,
    );
    process.env.HEADSTART_HUB_URL = 'huggingface.co';
    expect((await rejection(createEncoder(`hf:${STATIC_REPO}`, { allowDownload: true }))).code).toBe('BAD_HUB_URL');
  });

  it('refuses a cached file changed after the download', async () => {
    const encoder = await createEncoder(`hf:${STATIC_REPO}`, { allowDownload: true });
    await encoder.dispose();
    const tokenizer = path.join(modelFolder(STATIC_REPO), 'tokenizer.json');
    writeFileSync(tokenizer, readFileSync(tokenizer, 'utf8').replace('[UNK]', '[UNX]'));
    for (const choice of [`hf:${STATIC_REPO}`, { type: 'static' as const, model: STATIC_REPO, maxTokens: 512 }]) {
      const error = await rejection(createEncoder(choice, { allowDownload: true }));
      expect(error.code).toBe('MODEL_HASH_MISMATCH');
      expect(error.message).toContain(tokenizer);
      expect(error.message).toContain('recorded when it was downloaded');
      expect(error.hint).toContain(`delete ${modelFolder(STATIC_REPO)}`);
    }
  });

  it('checks the files a cached static model is computed from, as it parses them, and not config.json', async () => {
    const encoder = await createEncoder(`hf:${STATIC_REPO}`, { allowDownload: true });
    const expected = await encoder.embed(['a cached model']);
    await encoder.dispose();
    const config = path.join(modelFolder(STATIC_REPO), 'config.json');
    writeFileSync(config, readFileSync(config, 'utf8') + '\n');
    const reloaded = await createEncoder(`hf:${STATIC_REPO}`);
    expect(await reloaded.embed(['a cached model'])).toEqual(expected);
    await reloaded.dispose();
    const table = path.join(modelFolder(STATIC_REPO), 'model.safetensors');
    const bytes = readFileSync(table);
    bytes[bytes.length - 1] ^= 1;
    writeFileSync(table, bytes);
    const error = await rejection(createEncoder(`hf:${STATIC_REPO}`));
    expect([error.code, error.location?.file]).toEqual(['MODEL_HASH_MISMATCH', table]);
  });

  it('lets one of two simultaneous loads download the model while the other waits for it', async () => {
    const [a, b] = await Promise.all([
      createEncoder(`hf:${BERT_REPO}`, { allowDownload: true }),
      createEncoder(`hf:${BERT_REPO}`, { allowDownload: true }),
    ]);
    await Promise.all([a.dispose(), b.dispose()]);
    expect(transfers(BERT_REPO).sort()).toEqual([
      'config.json',
      'onnx/model.onnx',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    expect(readdirSync(path.dirname(modelFolder(BERT_REPO)))).toEqual(['main']);
  });

  it('loads a checkpoint whose encoder was downloaded on a machine with an empty cache: refused offline, downloaded with the opt-in', async () => {
    const { classifier } = await TextClassifier.train(
      ['good', 'great', 'bad', 'awful'],
      ['pos', 'pos', 'neg', 'neg'],
      { recipe: 'single', epochs: 5, seed: 1 },
      { encoder: `hf:${STATIC_REPO}`, allowDownload: true },
    );
    const checkpoint = path.join(root, 'moved-model');
    await classifier.save(checkpoint);
    await classifier.dispose();
    process.env.HEADSTART_CACHE = path.join(root, `cache-${caseNumber}-elsewhere`);
    server.reset();
    expect((await rejection(TextClassifier.load(checkpoint))).code).toBe('MODEL_NOT_FOUND');
    expect(server.requests).toEqual([]);
    const loaded = await TextClassifier.load(checkpoint, { allowDownload: true });
    await loaded.dispose();
    expect(transfers(STATIC_REPO).sort()).toEqual(['config.json', 'model.safetensors', 'tokenizer.json']);
  });

  it('lets two processes that load the same model at once download it only once', async () => {
    const script = path.join(root, 'load-twice.mts');
    writeFileSync(
      script,
      `import { createEncoder } from ${JSON.stringify(path.join(repoRoot, 'src/encoders/index.ts'))};\nawait (await createEncoder('hf:${BERT_REPO}', { allowDownload: true })).dispose();\n`,
    );
    const runs = await Promise.all([node(script), node(script)]);
    expect(runs.map((run) => run.status)).toEqual([0, 0]);
    expect(transfers(BERT_REPO).sort()).toEqual([
      'config.json',
      'onnx/model.onnx',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    expect(readdirSync(path.dirname(modelFolder(BERT_REPO)))).toEqual(['main']);
  });

  it('headstart train --allow-download fetches the encoder; without the flag the CLI exits 4 naming it, and a 404 exits 5', async () => {
    const out = path.join(root, 'cli-model');
    const refused = await cli(
      'train',
      '--data',
      sampleCsv,
      '--encoder',
      `hf:${STATIC_REPO}`,
      '--recipe',
      'single',
      '--out',
      out,
    );
    expect(refused.status).toBe(4);
    expect(refused.stderr).toContain('--allow-download');
    expect(server.requests).toEqual([]);

    const trained = await cli(
      'train',
      '--data',
      sampleCsv,
      '--encoder',
      `hf:${STATIC_REPO}`,
      '--recipe',
      'single',
      '--epochs',
      '20',
      '--allow-download',
      '--out',
      out,
      '--json',
    );
    expect(trained.stderr).not.toContain('headstart:');
    expect(trained.status).toBe(0);
    expect(existsSync(path.join(modelFolder(STATIC_REPO), MANIFEST_FILE))).toBe(true);

    const missing = await cli(
      'train',
      '--data',
      sampleCsv,
      '--encoder',
      `hf:${NO_ONNX_REPO}`,
      '--recipe',
      'single',
      '--allow-download',
      '--out',
      path.join(root, 'never'),
    );
    expect(missing.status).toBe(5);
    expect(missing.stderr).toContain(`onnx/model.onnx not found in ${NO_ONNX_REPO}@main`);
  });
});

/** The CLI in a child process without blocking this one, whose event loop runs the hub server. */
function cli(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return node(path.join(repoRoot, 'src/cli/main.ts'), ...args);
}

function node(script: string, ...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', script, ...args],
      { cwd: repoRoot, env: process.env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        resolve({ status: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}
