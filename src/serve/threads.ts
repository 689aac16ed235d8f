/** Serving on worker threads: each thread loads every served model and classifies whole batches. */
import type { Worker } from 'node:worker_threads';
import type { Prediction } from '../classifier.js';
import type { EncoderLoadOptions } from '../encoders/index.js';
import { deserializeError, siblingModule, startWorkerThread, type SerializedError } from '../predict/index.js';
import type { ModelRef } from './models.js';

export interface ThreadJob {
  refs: readonly ModelRef[];
  loadOptions: EncoderLoadOptions;
}

export interface BatchMessage {
  id: number;
  model: string;
  texts: readonly string[];
}

export type ThreadReply =
  | { type: 'ready' }
  | { type: 'result'; id: number; predictions: Prediction[] }
  | { type: 'error'; id?: number; error: SerializedError };

export interface ThreadPool {
  classify(model: string, texts: readonly string[]): Promise<Prediction[]>;
  close(): Promise<void>;
}

const ENTRY = siblingModule(import.meta.url, 'thread-worker');

export async function startThreadPool(count: number, job: ThreadJob): Promise<ThreadPool> {
  const idle: Worker[] = [];
  const waiting: { message: BatchMessage; resolve(predictions: Prediction[]): void; reject(error: unknown): void }[] =
    [];
  const pending = new Map<number, { resolve(predictions: Prediction[]): void; reject(error: unknown): void }>();
  let nextId = 0;
  const dispatch = () => {
    while (idle.length > 0 && waiting.length > 0) {
      const { message, ...task } = waiting.shift()!;
      pending.set(message.id, task);
      idle.pop()!.postMessage(message);
    }
  };
  const workers = Array.from({ length: count }, () => startWorkerThread(ENTRY, job));
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve, reject) => {
          worker.on('error', reject);
          worker.on('message', (reply: ThreadReply) => {
            if (reply.type === 'error' && reply.id === undefined) return reject(deserializeError(reply.error));
            idle.push(worker);
            if (reply.type === 'ready') resolve();
            else {
              // A reply without an id (a failed start) was handled above.
              const id = reply.id!;
              const task = pending.get(id)!;
              pending.delete(id);
              if (reply.type === 'result') task.resolve(reply.predictions);
              else task.reject(deserializeError(reply.error));
            }
            dispatch();
          });
        }),
    ),
  ).catch(async (error) => {
    await Promise.all(workers.map((worker) => worker.terminate()));
    throw error;
  });
  return {
    classify: (model, texts) =>
      new Promise((resolve, reject) => {
        waiting.push({ message: { id: nextId++, model, texts }, resolve, reject });
        dispatch();
      }),
    close: async () => {
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}
