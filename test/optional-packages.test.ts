/**
 * @huggingface/transformers, bullmq, fastify and prom-client are optional peer dependencies: asking for a
 * transformer encoder, a queue or a server without them is a one-line error naming the package to install. Their absence
 * is simulated (a package that does not exist, or an importer that fails the way Node's loader
 * does); nothing is uninstalled.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEncoder } from '../src/encoders/index.js';
import { UsageError } from '../src/errors.js';
import { QueueCoordinator } from '../src/queue/coordinator.js';
import { startServer } from '../src/serve/index.js';
import { startQueueWorker } from '../src/queue/worker.js';
import { importOptional, optionalImporter } from '../src/util/optional-package.js';
import { renderSvg } from '../src/report/index.js';

/** The error Node's loader gives for a package that is not installed. */
function notInstalled(specifier: string): Error {
  return Object.assign(new Error(`Cannot find package '${specifier}' imported from /app/dist/index.js`), {
    code: 'ERR_MODULE_NOT_FOUND',
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

/** Makes `specifier` look uninstalled; every other import goes through. */
function simulateMissing(specifier: string): void {
  const real = optionalImporter.import;
  vi.spyOn(optionalImporter, 'import').mockImplementation((name) =>
    name === specifier ? Promise.reject(notInstalled(name)) : real(name),
  );
}

describe('importOptional', () => {
  it('names the package to install when it is missing', async () => {
    const error = await importOptional('headstart-no-such-package', 'a test feature').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({
      code: 'OPTIONAL_PACKAGE_MISSING',
      message:
        'a test feature needs the optional package headstart-no-such-package, which is not installed: npm install headstart-no-such-package',
    });
    expect((error as Error).message).not.toContain('\n');
  });

  it('rethrows other failures unchanged, a missing package of the optional one included', async () => {
    const nested = notInstalled('sharp');
    vi.spyOn(optionalImporter, 'import').mockRejectedValueOnce(nested);
    await expect(importOptional('@huggingface/transformers', 'x')).rejects.toBe(nested);
    const broken = new SyntaxError('Unexpected token');
    vi.spyOn(optionalImporter, 'import').mockRejectedValueOnce(broken);
    await expect(importOptional('bullmq', 'x')).rejects.toBe(broken);
  });

  it('returns the module when it is installed', async () => {
    const zod = await importOptional<typeof import('zod')>('zod', 'x');
    expect(typeof zod.z.string).toBe('function');
  });
});

describe('features behind optional packages', () => {
  it('a transformer encoder without @huggingface/transformers says to install it', async () => {
    simulateMissing('@huggingface/transformers');
    await expect(createEncoder('hf:Xenova/all-MiniLM-L6-v2')).rejects.toMatchObject({
      code: 'OPTIONAL_PACKAGE_MISSING',
      message: expect.stringContaining('npm install @huggingface/transformers'),
    });
  });

  it('predict --queue and the queue worker without bullmq say to install it', async () => {
    simulateMissing('bullmq');
    const url = 'redis://127.0.0.1:1';
    const log = (): void => undefined;
    await expect(
      QueueCoordinator.connect({ url, queueName: 'q', statusMs: 1000, outageMs: 1000, log }),
    ).rejects.toMatchObject({
      code: 'OPTIONAL_PACKAGE_MISSING',
      message: 'predict --queue needs the optional package bullmq, which is not installed: npm install bullmq',
    });
    await expect(
      startQueueWorker({
        url,
        queueName: 'q',
        concurrency: 1,
        lockMs: 1000,
        stalledCheckMs: 1000,
        statusMs: 1000,
        log,
      }),
    ).rejects.toMatchObject({
      code: 'OPTIONAL_PACKAGE_MISSING',
      message: 'headstart worker needs the optional package bullmq, which is not installed: npm install bullmq',
    });
  });

  it('a report without vega or vega-lite says to install both', async () => {
    const spec = {
      data: { values: [{ x: 1 }] },
      mark: 'point' as const,
      encoding: { x: { field: 'x', type: 'quantitative' as const } },
    };
    for (const name of ['vega', 'vega-lite']) {
      vi.restoreAllMocks();
      simulateMissing(name);
      await expect(renderSvg(spec)).rejects.toMatchObject({
        code: 'OPTIONAL_PACKAGE_MISSING',
        message: `drawing charts (--report) needs the optional package ${name}, which is not installed: npm install vega vega-lite`,
      });
    }
  });

  it('headstart serve without fastify or prom-client says to install it', async () => {
    const options = {
      models: [],
      host: '127.0.0.1',
      port: 0,
      batch: { maxBatch: 1, maxWaitMs: 0 },
      maxTexts: 1,
      bodyLimit: 1024,
    };
    for (const name of ['fastify', 'prom-client']) {
      simulateMissing(name);
      await expect(startServer(options)).rejects.toMatchObject({
        code: 'OPTIONAL_PACKAGE_MISSING',
        message: `headstart serve needs the optional package ${name}, which is not installed: npm install ${name}`,
      });
      vi.restoreAllMocks();
    }
  });
});
