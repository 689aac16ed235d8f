import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelError } from '../src/errors.js';
import { DEFAULT_STATIC_MODEL, resolveStaticModel } from '../src/encoders/resolve-model.js';
import { useSharedDataDefaults } from '../src/shared-data.js';
import { repoRoot } from './helpers.js';

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
    expect(resolveStaticModel(undefined, { env: { HEADSTART_MODELS: models } })).toEqual({ name: DEFAULT_STATIC_MODEL, dir: defaultDir });
    expect(resolveStaticModel(DEFAULT_STATIC_MODEL, { env: { HEADSTART_MODELS: models } })).toEqual({ name: DEFAULT_STATIC_MODEL, dir: defaultDir });
  });

  it('takes an existing model directory as the name', () => {
    expect(resolveStaticModel(defaultDir, { env: {} })).toEqual({ name: DEFAULT_STATIC_MODEL, dir: defaultDir });
  });

  it('takes --model-dir as the model directory or as the folder holding it', () => {
    expect(resolveStaticModel(undefined, { modelDir: defaultDir, env: {} })).toEqual({ name: DEFAULT_STATIC_MODEL, dir: defaultDir });
    expect(resolveStaticModel(undefined, { modelDir: models, env: {} })).toEqual({ name: DEFAULT_STATIC_MODEL, dir: defaultDir });
  });

  it('searches only --model-dir when it is given', () => {
    expect(() => resolveStaticModel(undefined, { modelDir: path.join(root, 'incomplete'), env: { HEADSTART_MODELS: models } })).toThrow(
      `model not found: ${DEFAULT_STATIC_MODEL} (looked in: ${path.join(root, 'incomplete')}, ${path.join(root, 'incomplete', DEFAULT_STATIC_MODEL)}).`,
    );
  });

  it('throws one ModelError saying where it looked and what to do', () => {
    const elsewhere = path.join(root, 'elsewhere');
    let caught: unknown;
    try {
      resolveStaticModel(undefined, { env: { HEADSTART_MODELS: elsewhere } });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ModelError);
    expect((caught as ModelError).code).toBe('MODEL_NOT_FOUND');
    expect((caught as ModelError).message).toBe(
      `model not found: potion-base-4m-int8 (looked in: ${path.join(elsewhere, DEFAULT_STATIC_MODEL)}). ` +
        'Set HEADSTART_MODELS to the folder that contains it, or pass --model-dir DIR.',
    );
  });

  it('says so when HEADSTART_MODELS is not set', () => {
    expect(() => resolveStaticModel('some-model', { env: {} })).toThrow(
      'model not found: some-model (looked in: nowhere, HEADSTART_MODELS is not set). Set HEADSTART_MODELS',
    );
  });

  it('explains that remote download is not available when it is allowed', () => {
    for (const options of [{ allowRemote: true, env: {} }, { env: { HEADSTART_ALLOW_REMOTE: '1' } }]) {
      let caught: unknown;
      try {
        resolveStaticModel(undefined, options);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ModelError);
      expect((caught as ModelError).message).toMatch(/^model not found: potion-base-4m-int8 .* Remote download \(HEADSTART_ALLOW_REMOTE=1\) is not available in this build\.$/);
      expect((caught as ModelError).hint).toContain('minishlab/potion-base-4M');
    }
  });
});

describe('useSharedDataDefaults', () => {
  it('points unset HEADSTART_MODELS / HEADSTART_CORPORA at ../shared beside the project and keeps set ones', () => {
    const unset: NodeJS.ProcessEnv = {};
    useSharedDataDefaults(unset);
    expect(unset).toEqual({ HEADSTART_MODELS: path.resolve(repoRoot, '../shared/models'), HEADSTART_CORPORA: path.resolve(repoRoot, '../shared/corpora') });
    const set: NodeJS.ProcessEnv = { HEADSTART_MODELS: '/models', HEADSTART_CORPORA: '/corpora' };
    useSharedDataDefaults(set);
    expect(set).toEqual({ HEADSTART_MODELS: '/models', HEADSTART_CORPORA: '/corpora' });
  });
});
