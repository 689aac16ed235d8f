import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';

type BackendModule = typeof import('../src/backend/tf.js');

/** A fresh copy of the backend module (its memo reset) loaded under the given HEADSTART_TF_BACKEND. */
async function freshBackend(forced: string | undefined): Promise<BackendModule> {
  vi.resetModules();
  if (forced === undefined) delete process.env.HEADSTART_TF_BACKEND;
  else process.env.HEADSTART_TF_BACKEND = forced;
  return import('../src/backend/tf.js');
}

function nativeInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

const originalSetting = process.env.HEADSTART_TF_BACKEND;
afterEach(() => {
  vi.restoreAllMocks();
  if (originalSetting === undefined) delete process.env.HEADSTART_TF_BACKEND;
  else process.env.HEADSTART_TF_BACKEND = originalSetting;
});

describe('loadTf', () => {
  it('picks a backend once and reports it, leaving process-wide error handlers alone', async () => {
    const backend = await freshBackend(undefined);
    expect(backend.tfBackendName()).toBeUndefined();
    const handlers = () => [process.listenerCount('uncaughtException'), process.listenerCount('unhandledRejection')];
    const handlersBefore = handlers();
    const [first, second] = await Promise.all([backend.loadTf(), backend.loadTf()]);
    expect(handlers()).toEqual(handlersBefore);
    expect(second).toBe(first);
    expect(backend.tfBackendName()).toBe(first.getBackend());
    expect(first.getBackend()).toBe(nativeInstalled() ? 'tensorflow' : 'wasm');
  });

  it('runs on the WebAssembly backend in Node without setWasmPaths', async () => {
    const tf = await (await freshBackend('wasm')).loadTf();
    expect(tf.getBackend()).toBe('wasm');
    const product = tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
    expect(Array.from(product.dataSync())).toEqual([11]);
  });

  it("forces the 'cpu' backend without printing tfjs' Node banner", async () => {
    const warn = vi.spyOn(console, 'warn');
    const stderr = vi.spyOn(process.stderr, 'write');
    const backend = await freshBackend('cpu');
    const tf = await backend.loadTf();
    expect(backend.tfBackendName()).toBe('cpu');
    tf.tensor1d([1, 2, 3]).dispose();
    expect(warn).not.toHaveBeenCalled();
    expect(stderr).not.toHaveBeenCalled();
  });

  it('rejects an unknown backend name, and retries after a failure', async () => {
    const backend = await freshBackend('gpu');
    // resetModules reloads errors.js too, so compare by name rather than class identity.
    await expect(backend.loadTf()).rejects.toMatchObject({ name: 'UsageError', code: 'TF_BACKEND_UNKNOWN' });
    await expect(backend.loadTf()).rejects.toThrow('HEADSTART_TF_BACKEND="gpu" is not a TensorFlow.js backend');
    process.env.HEADSTART_TF_BACKEND = 'wasm';
    expect((await backend.loadTf()).getBackend()).toBe('wasm');
  });

  it.skipIf(nativeInstalled())('says how to get the native backend when it is forced but not installed', async () => {
    const backend = await freshBackend('tensorflow');
    await expect(backend.loadTf()).rejects.toMatchObject({
      code: 'TF_BACKEND_UNAVAILABLE',
      hint: expect.stringContaining('npm install @tensorflow/tfjs-node'),
    });
  });
});
