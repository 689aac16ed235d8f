/** Where chunks are classified: in this thread, or in a pool of worker threads (each with its own models). */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { EncoderLoadOptions } from '../encoders/index.js';
import { HeadstartError, type ErrorCategory } from '../errors.js';
import type { RowSettings } from './format.js';
import type { Chunk, ChunkResult, HeadSet, ModelRef } from './heads.js';
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
  | { type: 'result'; id: number; result: ChunkResult }
  | { type: 'error'; id?: number; error: SerializedError };

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

interface Task {
  chunk: Chunk;
  resolve(result: ChunkResult): void;
  reject(error: unknown): void;
}

/** The worker entry beside this module, in whichever form is running (.ts under tsx, .js when built). */
const WORKER_ENTRY = siblingModule(import.meta.url, 'thread-worker');

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

/** `count` worker threads, each loading the models once; resolves when all are ready. */
export async function threadRunner(count: number, job: ThreadJob): Promise<ChunkRunner> {
  const idle: Worker[] = [];
  const busy = new Map<Worker, Task>();
  const queue: Task[] = [];
  let failure: Error | undefined;

  const dispatch = () => {
    while (idle.length > 0 && queue.length > 0) {
      const worker = idle.pop()!;
      const task = queue.shift()!;
      busy.set(worker, task);
      worker.postMessage({ id: task.chunk.first, chunk: task.chunk });
    }
  };
  const fail = (error: Error) => {
    failure ??= error;
    for (const task of [...busy.values(), ...queue.splice(0)]) task.reject(failure);
    busy.clear();
  };

  const workers = Array.from({ length: count }, () => startWorkerThread(WORKER_ENTRY, job));
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve, reject) => {
          worker.on('message', (reply: ThreadReply) => {
            if (reply.type === 'ready') {
              idle.push(worker);
              resolve();
              dispatch();
              return;
            }
            const task = busy.get(worker);
            if (reply.type === 'error' && reply.id === undefined) {
              reject(deserializeError(reply.error));
              return;
            }
            busy.delete(worker);
            idle.push(worker);
            if (reply.type === 'result') task?.resolve(reply.result);
            else task?.reject(deserializeError(reply.error));
            dispatch();
          });
          worker.on('error', (error) => {
            reject(error);
            fail(error);
          });
          worker.on('exit', (code) => {
            if (code !== 0) fail(new Error(`a prediction worker thread exited with code ${code}`));
          });
        }),
    ),
  ).catch(async (error) => {
    await Promise.all(workers.map((worker) => worker.terminate()));
    throw error;
  });

  return {
    parallelism: count,
    run: (chunk) =>
      new Promise<ChunkResult>((resolve, reject) => {
        if (failure) return reject(failure);
        queue.push({ chunk, resolve, reject });
        dispatch();
      }),
    close: async () => {
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}
