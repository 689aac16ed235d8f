/**
 * `headstart serve`: classification over HTTP with fastify. The port is bound before the models
 * load (a port in use fails at once; /readyz says when the models are in), concurrent requests for
 * one model are micro-batched, and closing finishes the requests in flight before the models go.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import type { Prediction } from '../classifier.js';
import type { EncoderLoadOptions } from '../encoders/index.js';
import { DataError, EnvironmentError, HeadstartError, UsageError } from '../errors.js';
import { importOptional } from '../util/index.js';
import { predictionFields } from '../predict/index.js';
import { MicroBatcher, type BatchSettings } from './batcher.js';
import { createMetrics, type ServerMetrics } from './metrics.js';
import { classifyRanked, ModelSet, type ModelRef } from './models.js';
import { errorBody, Refusal } from './refusal.js';
import { checkTopK, parseBody, readClassifyRequest } from './request.js';
import { startThreadPool, type ThreadPool } from './threads.js';

export interface ServeOptions {
  models: readonly ModelRef[];
  host: string;
  /** 0 picks a free port (see `url`). */
  port: number;
  batch: BatchSettings;
  /** Texts one request may carry. */
  maxTexts: number;
  /** Request body size limit in bytes (413 above it). */
  bodyLimit: number;
  /** Worker threads classifying batches (0: the main thread). */
  workers?: number;
  loadOptions?: EncoderLoadOptions;
}

export interface RunningServer {
  /** http://host:port, with the port actually bound. */
  url: string;
  /** Resolves once every model is loaded and /readyz answers 200; rejects if one fails to load. */
  ready: Promise<void>;
  names: readonly string[];
  metrics: ServerMetrics;
  /** Stops accepting connections, finishes the requests in flight, then frees the models. */
  close(): Promise<void>;
}

interface Loaded {
  models: ModelSet;
  batchers: Map<string, MicroBatcher<Prediction>>;
  pool?: ThreadPool | undefined;
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  // Optional packages: a default install carries neither.
  const { default: fastify } = await importOptional<typeof import('fastify')>('fastify', 'headstart serve');
  const metrics = createMetrics(await importOptional<typeof import('prom-client')>('prom-client', 'headstart serve'));
  let loaded: Loaded | undefined;
  let closing = false;
  const app = fastify({ bodyLimit: options.bodyLimit, logger: false });
  // A response finished while closing ends its keep-alive connection: fastify keeps idle ones 72 s, which would hold up the exit.
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  defineRoutes(app, options, metrics, () => loaded);
  const url = await listen(app, options.host, options.port);
  const ready = (async () => {
    const models = await ModelSet.load(options.models, options.loadOptions);
    const workers = options.workers ?? 0;
    let pool: ThreadPool | undefined;
    try {
      if (workers > 0)
        pool = await startThreadPool(workers, { refs: options.models, loadOptions: options.loadOptions ?? {} });
    } catch (error) {
      await models.dispose();
      throw error;
    }
    const batch = { ...options.batch, parallelism: Math.max(1, workers) };
    const batchers = new Map(
      models.names.map((name) => {
        const { classifier } = models.resolve(name);
        const classify = pool
          ? (texts: readonly string[]) => pool.classify(name, texts)
          : (texts: readonly string[]) => classifyRanked(classifier, texts);
        const onBatch = (size: number) => {
          metrics.batchSize.observe({ model: name }, size);
          metrics.texts.inc({ model: name }, size);
        };
        return [name, new MicroBatcher(classify, batch, onBatch)] as const;
      }),
    );
    loaded = { models, batchers, pool };
  })();
  // Awaited by the caller; this only keeps a load failure from being "unhandled" before it is.
  ready.catch(() => undefined);
  return {
    url,
    ready,
    names: options.models.map((ref) => ref.name),
    metrics,
    close: async () => {
      closing = true;
      await app.close();
      await ready.catch(() => undefined);
      await loaded?.pool?.close();
      await loaded?.models.dispose();
    },
  };
}

function defineRoutes(
  app: FastifyInstance,
  options: ServeOptions,
  metrics: ServerMetrics,
  current: () => Loaded | undefined,
): void {
  const serving = (): Loaded => {
    const loaded = current();
    if (!loaded)
      throw new Refusal(
        503,
        new UsageError('SERVER_NOT_READY', 'the models are still loading', {
          hint: 'retry when GET /readyz answers 200',
        }),
      );
    return loaded;
  };

  // Every body is read as JSON whatever its content type, so `curl -d '{...}'` works as typed.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, parseBody(body as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ route, method: request.method, status: String(reply.statusCode) });
    metrics.latency.observe({ route }, reply.elapsedTime / 1000);
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (!current()) return reply.code(503).send({ status: 'loading' });
    return { status: 'ready', models: options.models.map((ref) => ref.name) };
  });
  app.get('/v1/models', async () => ({ models: serving().models.describe() }));
  app.get('/metrics', async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );

  app.post('/v1/classify', async (request) => {
    const body = request.body as ReturnType<typeof parseBody> | undefined;
    if (body === undefined)
      throw new Refusal(
        400,
        new DataError('REQUEST_JSON_INVALID', 'the request has no body', {
          hint: 'send a JSON object such as {"texts": ["..."]}',
        }),
      );
    const input = readClassifyRequest(body.value, body.invalidUtf8, { maxTexts: options.maxTexts });
    const { models, batchers } = serving();
    const { name, classifier } = models.resolve(input.model);
    checkTopK(input.topK, classifier.labels.length);
    const predictions = await batchers.get(name)!.submit(input.texts);
    const results = predictions.map((prediction, i) =>
      predictionFields(
        { ...prediction, top: prediction.top.slice(0, input.topK) },
        classifier.multiLabel,
        input.topK,
        input.invalidUtf8[i] ?? false,
      ),
    );
    return { model: name, results };
  });

  app.setNotFoundHandler(async (request, reply) => {
    const error = new UsageError('ROUTE_NOT_FOUND', `no route ${request.method} ${request.url}`, {
      hint: 'POST /v1/classify, GET /v1/models, /healthz, /readyz, /metrics',
    });
    return reply.code(404).send(errorBody(error));
  });

  app.setErrorHandler(async (thrown: FastifyError | Refusal | Error, _request, reply) => {
    const refusal = thrown instanceof Refusal ? thrown : fromFastify(thrown as FastifyError, options.bodyLimit);
    if (refusal) return reply.code(refusal.status).send(errorBody(refusal.error));
    const error = thrown instanceof HeadstartError ? thrown : undefined;
    return reply.code(500).send({ error: { code: error?.code ?? 'INTERNAL', message: thrown.message } });
  });
}

/** fastify's own 4xx (body too large, a malformed request) in the server's error shape. */
function fromFastify(error: FastifyError, bodyLimit: number): Refusal | undefined {
  if (error.statusCode === 413) {
    return new Refusal(
      413,
      new DataError('REQUEST_TOO_LARGE', `the request body is over the limit of ${bodyLimit} bytes`, {
        hint: 'send fewer texts per request (or start the server with a larger --body-limit)',
      }),
    );
  }
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new Refusal(error.statusCode, new DataError('REQUEST_BODY_INVALID', error.message));
  }
  return undefined;
}

async function listen(app: FastifyInstance, host: string, port: number): Promise<string> {
  try {
    await app.listen({ host, port });
  } catch (thrown) {
    await app.close();
    const errno = thrown as NodeJS.ErrnoException;
    const where = `${host}:${port}`;
    if (errno.code === 'EADDRINUSE')
      throw new EnvironmentError('PORT_IN_USE', `cannot listen on ${where}: the port is in use (EADDRINUSE)`, {
        hint: 'stop what holds it, or pick another --port',
        cause: thrown,
      });
    if (typeof errno.code === 'string')
      throw new EnvironmentError('BIND_FAILED', `cannot listen on ${where} (${errno.code})`, {
        hint: 'check --host names an address of this machine, and that the port is allowed',
        cause: thrown,
      });
    throw thrown;
  }
  const address = app.server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  return `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
}
