// `headstart serve`: the HTTP API in-process on a free port of 127.0.0.1, and the CLI's signal and port handling as a child process.
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TextClassifier } from '../src/classifier.js';
import { parseModelRefs, startServer, type RunningServer, type ServeOptions } from '../src/serve/index.js';
import { repoRoot } from './helpers.js';
import { headstartAsync, waitFor } from './predict-helpers.js';

const finance = path.join(repoRoot, 'checkpoints/finance-sentiment');
const banking = path.join(repoRoot, 'checkpoints/banking-intent');
const TEXTS = [
  'Operating profit rose to EUR 13.1 mn from EUR 8.7 mn.',
  'The company will publish its results on Monday.',
  'Sales fell sharply and the group swung to a loss.',
];

const defaults = (models: ServeOptions['models'], overrides: Partial<ServeOptions> = {}): ServeOptions => ({
  models,
  host: '127.0.0.1',
  port: 0,
  batch: { maxBatch: 256, maxWaitMs: 0 },
  maxTexts: 64,
  bodyLimit: 64 * 1024,
  ...overrides,
});

async function started(options: ServeOptions): Promise<RunningServer> {
  const server = await startServer(options);
  await server.ready;
  return server;
}

async function post(server: RunningServer, body: unknown, route = '/v1/classify') {
  const response = await fetch(`${server.url}${route}`, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** Prometheus text lines `name{labels} value`, checked to parse. */
function samples(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (-?(?:\d+(?:\.\d+)?(?:e[+-]?\d+)?|[Nn]a[Nn]|[+-]Inf))$/.exec(line);
    expect(match, `a metrics line that does not parse: ${line}`).not.toBeNull();
    values.set(match![1], Number(match![2]));
  }
  return values;
}

describe('headstart serve: one model', () => {
  let server: RunningServer;
  let reference: TextClassifier;
  beforeAll(async () => {
    server = await started(defaults(parseModelRefs([finance])));
    reference = await TextClassifier.load(finance);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await reference?.dispose();
  });

  it('classifies texts in input order with the labels and scores predict gives, top_k scores best first', async () => {
    const expected = await reference.predict(TEXTS, { topK: 2 });
    const { status, body } = await post(server, { texts: TEXTS, top_k: 2 });
    expect(status).toBe(200);
    expect(body.model).toBe('finance-sentiment');
    expect(body.results).toHaveLength(TEXTS.length);
    body.results.forEach((row: Record<string, any>, i: number) => {
      expect(row.label).toBe(expected[i].label);
      expect(row.score).toBeCloseTo(expected[i].score, 5);
      expect(Object.keys(row.scores)).toEqual(expected[i].top.map((t) => t.label));
    });
    const single = await post(server, { texts: [TEXTS[2]] });
    expect(single.body.results).toEqual([{ label: expected[2].label, score: body.results[2].score }]);
  });

  it('flags truncated, empty and invalid UTF-8 texts instead of refusing them', async () => {
    const long = 'profit '.repeat(5000);
    const { status, body } = await post(server, { texts: [long, '', 'ok'] });
    expect(status).toBe(200);
    expect(body.results[0]).toMatchObject({ truncated: true });
    expect(body.results[1]).toMatchObject({ empty: true });
    expect(body.results[2]).not.toHaveProperty('truncated');
    const bytes = Buffer.concat([Buffer.from('{"texts": ["caf'), Buffer.from([0xe9]), Buffer.from('", "clean"]}')]);
    const invalid = await fetch(`${server.url}/v1/classify`, {
      method: 'POST',
      body: bytes,
      headers: { 'content-type': 'application/json' },
    });
    const rows = ((await invalid.json()) as { results: Record<string, unknown>[] }).results;
    expect(rows[0]).toMatchObject({ invalid_utf8: true });
    expect(rows[1]).not.toHaveProperty('invalid_utf8');
  });

  it('refuses bad requests with 4xx and {"error": {code, message}}', async () => {
    const refusals: [unknown, number, string][] = [
      ['{"texts": [', 400, 'REQUEST_JSON_INVALID'],
      [[1, 2], 400, 'REQUEST_BODY_INVALID'],
      [{ text: 'a' }, 400, 'REQUEST_BODY_INVALID'],
      [{ texts: 'a' }, 400, 'REQUEST_BODY_INVALID'],
      [{ texts: ['a', 7] }, 400, 'TEXT_NOT_STRING'],
      [{ texts: Array(65).fill('a') }, 400, 'REQUEST_TOO_MANY_TEXTS'],
      [{ texts: ['a'], top_k: 0 }, 400, 'TOP_K_OUT_OF_RANGE'],
      [{ texts: ['a'], top_k: 4 }, 400, 'TOP_K_OUT_OF_RANGE'],
      [{ texts: ['a'], model: 'nope' }, 404, 'MODEL_NOT_SERVED'],
      [{ texts: ['x'.repeat(70 * 1024)] }, 413, 'REQUEST_TOO_LARGE'],
    ];
    for (const [body, status, code] of refusals) {
      const response = await post(server, body);
      expect(response.status, code).toBe(status);
      expect(response.body.error, code).toMatchObject({ code, message: expect.any(String) });
      expect(response.body.error.message).not.toContain('\n');
    }
    expect((await post(server, { texts: ['a', 7] })).body.error.message).toBe(
      'text #1, field "texts": a number, not a string',
    );
    const unknownRoute = await fetch(`${server.url}/v2/classify`);
    expect(unknownRoute.status).toBe(404);
    expect(await unknownRoute.json()).toMatchObject({ error: { code: 'ROUTE_NOT_FOUND' } });
  });

  it('answers health, readiness and the model list', async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${server.url}/readyz`)).json()).toEqual({
      status: 'ready',
      models: ['finance-sentiment'],
    });
    const { models } = (await (await fetch(`${server.url}/v1/models`)).json()) as { models: Record<string, any>[] };
    expect(models).toEqual([
      {
        name: 'finance-sentiment',
        labels: ['negative', 'neutral', 'positive'],
        multiLabel: false,
        encoder: { spec: 'static:potion-base-4m-int8', fingerprint: reference.encoder.fingerprint },
        checkpoint: { path: finance, format: 'headstart-checkpoint', formatVersion: 2 },
      },
    ]);
  });

  it('exposes Prometheus metrics that parse and count requests, statuses and texts', async () => {
    const before = samples(await (await fetch(`${server.url}/metrics`)).text());
    const ok = 'headstart_http_requests_total{route="/v1/classify",method="POST",status="200"}';
    const refused = 'headstart_http_requests_total{route="/v1/classify",method="POST",status="400"}';
    const texts = 'headstart_texts_classified_total{model="finance-sentiment"}';
    await post(server, { texts: TEXTS });
    await post(server, { texts: [] });
    const response = await fetch(`${server.url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const after = samples(await response.text());
    expect(after.get(ok)! - (before.get(ok) ?? 0)).toBe(1);
    expect(after.get(refused)! - (before.get(refused) ?? 0)).toBe(1);
    expect(after.get(texts)! - (before.get(texts) ?? 0)).toBe(TEXTS.length);
    expect(after.get('headstart_http_request_duration_seconds_count{route="/v1/classify"}')).toBeGreaterThanOrEqual(2);
    expect(after.get('headstart_process_resident_memory_bytes')).toBeGreaterThan(0);
  });
});

describe('headstart serve: several models and batching', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await started(
      defaults(parseModelRefs([finance, `bank=${banking}`]), { batch: { maxBatch: 256, maxWaitMs: 50 } }),
    );
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it('routes each request to the model it names, and asks for a name when there are several', async () => {
    const sentiment = await post(server, { texts: ['Profit rose.'], model: 'finance-sentiment' });
    expect(sentiment.body.results[0].label).toMatch(/^(positive|negative|neutral)$/);
    const intent = await post(server, { texts: ['I lost my card, please block it'], model: 'bank', top_k: 5 });
    expect(intent.body.model).toBe('bank');
    expect(Object.keys(intent.body.results[0].scores)).toHaveLength(5);
    expect(intent.body.results[0].label).toMatch(/card/);
    const unnamed = await post(server, { texts: ['Profit rose.'] });
    expect(unnamed).toMatchObject({ status: 400, body: { error: { code: 'REQUEST_MODEL_REQUIRED' } } });
    expect(() => parseModelRefs([finance, `finance-sentiment=${banking}`])).toThrow(
      expect.objectContaining({ code: 'MODEL_NAME_DUPLICATE' }),
    );
  });

  it('batches 20 concurrent requests together and gives each its own rows', async () => {
    const count = 'headstart_batch_texts_count{model="finance-sentiment"}';
    const ones = 'headstart_batch_texts_bucket{le="1",model="finance-sentiment"}';
    const before = samples(await server.metrics.registry.metrics());
    const texts = Array.from({ length: 20 }, (_, i) => [
      `Net sales rose by ${i + 1}% in quarter ${i}.`,
      `The plant ${i} will be closed and ${i * 10} jobs cut.`,
    ]);
    const alone: unknown[] = [];
    for (const pair of texts)
      alone.push((await post(server, { texts: pair, model: 'finance-sentiment', top_k: 3 })).body.results);
    const mid = samples(await server.metrics.registry.metrics());
    const together = await Promise.all(
      texts.map(
        async (pair) => (await post(server, { texts: pair, model: 'finance-sentiment', top_k: 3 })).body.results,
      ),
    );
    const after = samples(await server.metrics.registry.metrics());
    expect(together).toEqual(alone);
    const batchCount = after.get(count)! - mid.get(count)!;
    expect(batchCount).toBeLessThan(20);
    expect(after.get(count)! - after.get(ones)!).toBeGreaterThan(0);
    expect(mid.get(count)! - (before.get(count) ?? 0)).toBe(20);
  });
});

describe('headstart serve: worker threads', () => {
  it('--workers 2 answers the same rows as the main thread, batches included', async () => {
    const refs = parseModelRefs([finance]);
    const [main, threaded] = [
      await started(defaults(refs)),
      await started(defaults(refs, { workers: 2, batch: { maxBatch: 8, maxWaitMs: 20 } })),
    ];
    try {
      const requests = Array.from({ length: 12 }, (_, i) => ({
        texts: [TEXTS[i % 3], `Quarterly revenue grew ${i}%.`],
        top_k: 2,
      }));
      const expected = await Promise.all(requests.map(async (body) => (await post(main, body)).body));
      const answered = await Promise.all(requests.map(async (body) => (await post(threaded, body)).body));
      expect(answered).toEqual(expected);
      const batches = samples(await threaded.metrics.registry.metrics()).get(
        'headstart_batch_texts_count{model="finance-sentiment"}',
      )!;
      expect(batches).toBeLessThan(12);
    } finally {
      await Promise.all([main.close(), threaded.close()]);
    }
  }, 90_000);
});

describe('headstart serve: start-up', () => {
  it('binds before loading: /healthz answers at once, /readyz and model requests 503 until the models are in', async () => {
    const server = await startServer(defaults(parseModelRefs([finance])));
    try {
      const [health, readiness, models] = await Promise.all([
        fetch(`${server.url}/healthz`),
        fetch(`${server.url}/readyz`),
        fetch(`${server.url}/v1/models`),
      ]);
      expect(health.status).toBe(200);
      expect(readiness.status).toBe(503);
      expect(await readiness.json()).toEqual({ status: 'loading' });
      expect(models.status).toBe(503);
      expect(await models.json()).toMatchObject({ error: { code: 'SERVER_NOT_READY' } });
      await server.ready;
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('an address it cannot bind is an environment error naming host, port and errno', async () => {
    // 192.0.2.1 (TEST-NET-1) is never an address of this machine.
    await expect(
      startServer(defaults(parseModelRefs([finance]), { host: '192.0.2.1', port: 8080 })),
    ).rejects.toMatchObject({
      code: 'BIND_FAILED',
      category: 'environment',
      message: 'cannot listen on 192.0.2.1:8080 (EADDRNOTAVAIL)',
    });
  });
});

describe('headstart serve (CLI)', () => {
  it('on SIGTERM finishes the request in flight, then exits 0 with one line', async () => {
    const serve = headstartAsync('serve', '--model', finance, '--port', '0', '--max-wait-ms', '1500');
    try {
      await waitFor(
        () => /serving finance-sentiment on http:\/\/127\.0\.0\.1:\d+\n/.test(serve.stderr()),
        60_000,
        'the server to start',
      );
      const url = /on (http:\/\/\S+)\n/.exec(serve.stderr())![1];
      const before = serve.stderr();
      const inFlight = fetch(`${url}/v1/classify`, { method: 'POST', body: JSON.stringify({ texts: TEXTS }) });
      await new Promise((resolve) => setTimeout(resolve, 300));
      serve.child.kill('SIGTERM');
      const signalled = Date.now();
      const response = await inFlight;
      expect(response.status).toBe(200);
      expect(((await response.json()) as { results: unknown[] }).results).toHaveLength(TEXTS.length);
      expect(await serve.exited).toBe(0);
      // Not held up by the client's idle keep-alive connection (fastify would keep it 72 s).
      expect(Date.now() - signalled).toBeLessThan(20_000);
      expect(serve.stderr().slice(before.length)).toMatch(/^SIGTERM received: [^\n]*\n$/);
    } finally {
      serve.child.kill('SIGKILL');
    }
  }, 90_000);

  it('a port in use is one environment error, exit 5, before any model loads', async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const serve = headstartAsync('serve', '--model', path.join(repoRoot, 'no-such-model'), '--port', String(port));
      expect(await serve.exited).toBe(5);
      expect(serve.stderr()).toBe(
        `headstart: cannot listen on 127.0.0.1:${port}: the port is in use (EADDRINUSE)\n  hint: stop what holds it, or pick another --port\n`,
      );
    } finally {
      holder.close();
    }
  }, 60_000);
});
