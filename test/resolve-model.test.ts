import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelError } from '../src/errors.js';
import { createEncoder } from '../src/encoders/index.js';
import { packagedModel } from '../src/encoders/static/packaged-models.js';
import { DEFAULT_STATIC_MODEL, resolveStaticModel } from '../src/encoders/static/resolve-model.js';
import { StaticEncoder } from '../src/encoders/static/static.js';
import { useSharedCorpora } from '../scripts/shared-data.js';
import { potionDir, repoRoot } from './helpers.js';

describe('resolveStaticModel', () => {
  let root: string;
  let models: string;
  let defaultDir: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'headstart-resolve-'));
    models = path.join(root, 'models');
    defaultDir = path.join(models, DEFAULT_STATIC_MODEL);
    await mkdir(defaultDir, { recursive: true });
    await writeFile(path.join(defaultDir, 'model.safetensors'), '');
    await writeFile(path.join(defaultDir, 'tokenizer.json'), '');
    await mkdir(path.join(root, 'incomplete'));
    await writeFile(path.join(root, 'incomplete', 'model.safetensors'), '');
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('finds the default model under HEADSTART_MODELS', () => {
    expect(DEFAULT_STATIC_MODEL).toBe('potion-base-4m-int8');
    expect(resolveStaticModel(undefined, { env: { HEADSTART_MODELS: models } })).toEqual({
      name: DEFAULT_STATIC_MODEL,
      dir: defaultDir,
    });
    expect(resolveStaticModel(DEFAULT_STATIC_MODEL, { env: { HEADSTART_MODELS: models } })).toEqual({
      name: DEFAULT_STATIC_MODEL,
      dir: defaultDir,
    });
  });

  it('takes an existing model directory as the name', () => {
    expect(resolveStaticModel(defaultDir, { env: {} })).toEqual({ name: DEFAULT_STATIC_MODEL, dir: defaultDir });
  });

  it('takes --model-dir as the model directory or as the folder holding it', () => {
    expect(resolveStaticModel(undefined, { modelDir: defaultDir, env: {} })).toEqual({
      name: DEFAULT_STATIC_MODEL,
      dir: defaultDir,
    });
    expect(resolveStaticModel(undefined, { modelDir: models, env: {} })).toEqual({
      name: DEFAULT_STATIC_MODEL,
      dir: defaultDir,
    });
  });

  it('searches only --model-dir when it is given', () => {
    expect(() =>
      resolveStaticModel(undefined, { modelDir: path.join(root, 'incomplete'), env: { HEADSTART_MODELS: models } }),
    ).toThrow(
      `model not found: ${DEFAULT_STATIC_MODEL} (looked in: ${path.join(root, 'incomplete')}, ${path.join(root, 'incomplete', DEFAULT_STATIC_MODEL)}).`,
    );
  });

  it('falls back to the copy packaged with headstart, with the hashes its files must have', () => {
    const packaged = {
      name: DEFAULT_STATIC_MODEL,
      dir: potionDir,
      sha256: packagedModel(DEFAULT_STATIC_MODEL)!.sha256,
    };
    expect(resolveStaticModel(undefined, { env: {} })).toEqual(packaged);
    expect(
      resolveStaticModel(DEFAULT_STATIC_MODEL, { env: { HEADSTART_MODELS: path.join(root, 'elsewhere') } }),
    ).toEqual(packaged);
    // A copy under HEADSTART_MODELS comes first and is the user's own: no packaged hashes apply.
    expect(resolveStaticModel(undefined, { env: { HEADSTART_MODELS: models } }).sha256).toBeUndefined();
  });

  it("records the packaged files' true sha256 (a changed packaged file is refused at load)", () => {
    const expected = packagedModel(DEFAULT_STATIC_MODEL)!.sha256;
    const sha256 = (file: string) =>
      createHash('sha256')
        .update(readFileSync(path.join(potionDir, file)))
        .digest('hex');
    expect(expected).toMatchObject({ table: sha256('model.safetensors'), tokenizer: sha256('tokenizer.json') });
    for (const file of ['LICENSE', 'PROVENANCE.txt', 'README.md'])
      expect(readFileSync(path.join(potionDir, file), 'utf8').length).toBeGreaterThan(100);
  });

  it('refuses a packaged model file whose sha256 differs from the one built into headstart', async () => {
    const copy = path.join(root, 'damaged');
    await mkdir(copy);
    await copyFile(path.join(potionDir, 'model.safetensors'), path.join(copy, 'model.safetensors'));
    await copyFile(path.join(potionDir, 'tokenizer.json'), path.join(copy, 'tokenizer.json'));
    const { sha256 } = packagedModel(DEFAULT_STATIC_MODEL)!;
    const encoder = await StaticEncoder.load(copy, { sha256 });
    await encoder.dispose();
    for (const wrong of [
      { ...sha256, table: sha256.tokenizer },
      { ...sha256, tokenizer: sha256.table },
    ]) {
      const error = await StaticEncoder.load(copy, { sha256: wrong }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelError);
      expect((error as ModelError).code).toBe('MODEL_HASH_MISMATCH');
      expect((error as ModelError).message).toMatch(
        wrong.table === sha256.table ? /tokenizer\.json/ : /model\.safetensors/,
      );
    }
  });

  it('loads the packaged default with no environment at all', async () => {
    const saved = process.env.HEADSTART_MODELS;
    delete process.env.HEADSTART_MODELS;
    try {
      const encoder = await createEncoder('potion');
      expect(encoder.spec).toMatchObject({ type: 'static', model: DEFAULT_STATIC_MODEL });
      expect(encoder.dim).toBe(128);
      await encoder.dispose();
    } finally {
      if (saved !== undefined) process.env.HEADSTART_MODELS = saved;
    }
  });

  it('throws one ModelError saying where it looked and what to do', () => {
    const elsewhere = path.join(root, 'elsewhere');
    let caught: unknown;
    try {
      resolveStaticModel('potion-base-8m', { env: { HEADSTART_MODELS: elsewhere } });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ModelError);
    expect((caught as ModelError).code).toBe('MODEL_NOT_FOUND');
    expect((caught as ModelError).message).toBe(
      `model not found: potion-base-8m (looked in: ${path.join(elsewhere, 'potion-base-8m')}). ` +
        'Set HEADSTART_MODELS to the folder that contains it, or pass the model directory (library: modelDir, CLI: --model-dir DIR).',
    );
  });

  it('says so when HEADSTART_MODELS is not set', () => {
    expect(() => resolveStaticModel('some-model', { env: {} })).toThrow(
      'model not found: some-model (looked in: nowhere, HEADSTART_MODELS is not set). Set HEADSTART_MODELS',
    );
  });

  it('names the download option, and says a download needs a hub id owner/name', () => {
    const caught = (name: string, options: Parameters<typeof resolveStaticModel>[1]) => {
      try {
        resolveStaticModel(name, options);
      } catch (error) {
        expect(error).toBeInstanceOf(ModelError);
        return error as ModelError;
      }
      throw new Error('expected MODEL_NOT_FOUND');
    };
    const cache = path.join(root, 'cache');
    const hubId = caught('minishlab/potion-base-8M', { env: { HEADSTART_CACHE: cache } });
    expect(hubId.message).toContain(`looked in: ${path.join(cache, 'models/minishlab/potion-base-8M/main')}`);
    expect(hubId.hint).toMatch(
      /^pass --allow-download \(library: allowDownload: true; or HEADSTART_ALLOW_DOWNLOAD=1\)/,
    );
    expect(caught(DEFAULT_STATIC_MODEL, { modelDir: path.join(root, 'incomplete'), env: {} }).hint).toContain(
      '(the default model came from minishlab/potion-base-4M)',
    );
    for (const options of [{ allowDownload: true, env: {} }, { env: { HEADSTART_ALLOW_DOWNLOAD: '1' } }]) {
      expect(caught('some-model', options).hint).toMatch(/^name a hub model as owner\/name\[@revision\]/);
    }
  });
});

describe('useSharedCorpora', () => {
  it('points an unset HEADSTART_CORPORA at ../shared/corpora beside the project and keeps a set one', () => {
    const unset: NodeJS.ProcessEnv = {};
    expect(useSharedCorpora(unset)).toBe(path.resolve(repoRoot, '../shared/corpora'));
    expect(unset).toEqual({ HEADSTART_CORPORA: path.resolve(repoRoot, '../shared/corpora') });
    const set: NodeJS.ProcessEnv = { HEADSTART_CORPORA: '/corpora' };
    useSharedCorpora(set);
    expect(set).toEqual({ HEADSTART_CORPORA: '/corpora' });
  });
});
