/** Where chunks are classified: in this thread, or in this thread and worker threads beside it (thread-runner.ts). */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { EncoderLoadOptions } from '../encoders/index.js';
import { HeadstartError, type ErrorCategory } from '../errors.js';
import type { RowSettings } from './format.js';
import type { ChunkResult, HeadSet, ModelRef } from './heads.js';
import type { ChunkRunner } from './pipeline.js';

/** Classifies on the calling thread; the reader and writer interleave with it on the event loop. */
export function localRunner(heads: HeadSet, settings: RowSettings): ChunkRunner {
  return {
    parallelism: 1,
    run: (chunk) => heads.classify(chunk, settings),
    close: async () => undefined,
  };
}

export interface ThreadJob {
  refs: ModelRef[];
  loadOptions: EncoderLoadOptions;
  settings: RowSettings;
}

export type ThreadReply =
  | { type: 'ready' }
  /** The worker could not load the models. */
  | { type: 'failed'; error: SerializedError }
  | { type: 'result'; id: number; result: ChunkResult }
  | { type: 'error'; id: number; error: SerializedError };

export interface SerializedError {
  message: string;
  category?: ErrorCategory;
  code?: string;
  hint?: string | undefined;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof HeadstartError)
    return { message: error.message, category: error.category, code: error.code, hint: error.hint };
  return { message: error instanceof Error ? error.message : String(error) };
}

export function deserializeError(error: SerializedError): Error {
  if (error.category && error.code)
    return new HeadstartError(error.category, error.code, error.message, { hint: error.hint });
  return new Error(error.message);
}

/** A module beside `moduleUrl`'s, with the same extension (.ts from source, .js when built). */
export function siblingModule(moduleUrl: string, name: string): string {
  const file = fileURLToPath(moduleUrl);
  return path.join(path.dirname(file), `${name}${path.extname(file)}`);
}

/** Node 20 does not carry tsx's `--import` hooks into worker threads, so from source the worker registers tsx itself. */
export function startWorkerThread(entry: string, workerData: unknown): Worker {
  if (!entry.endsWith('.ts')) return new Worker(entry, { workerData });
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(pathToFileURL(entry).href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}
