/** `headstart serve`: trained models behind an HTTP JSON API, with micro-batching and Prometheus metrics. */
export { startServer, type RunningServer, type ServeOptions } from './server.js';
export { parseModelRefs, type ModelDescription, type ModelRef } from './models.js';
export type { BatchSettings } from './batcher.js';
