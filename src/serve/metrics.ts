/** The server's Prometheus metrics (prom-client), in a registry of its own so several servers in one process stay apart. */
import type { Counter, Histogram, Registry } from 'prom-client';

type PromClient = typeof import('prom-client');

export interface ServerMetrics {
  registry: Registry;
  requests: Counter<'route' | 'method' | 'status'>;
  latency: Histogram<'route'>;
  batchSize: Histogram<'model'>;
  texts: Counter<'model'>;
}

/** `prom-client` is the module, imported by the caller (it is an optional package). */
export function createMetrics({ collectDefaultMetrics, Counter, Histogram, Registry }: PromClient): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'headstart_' });
  return {
    registry,
    requests: new Counter({
      name: 'headstart_http_requests_total',
      help: 'HTTP requests answered, by route and status',
      labelNames: ['route', 'method', 'status'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'headstart_http_request_duration_seconds',
      help: 'Time from a request arriving to its response being sent',
      labelNames: ['route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'headstart_batch_texts',
      help: 'Texts per micro-batch classified together',
      labelNames: ['model'],
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
      registers: [registry],
    }),
    texts: new Counter({
      name: 'headstart_texts_classified_total',
      help: 'Texts classified',
      labelNames: ['model'],
      registers: [registry],
    }),
  };
}
