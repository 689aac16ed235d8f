/**
 * Classifying on this thread and on worker threads at once. Each worker loads its modules and the
 * models again (0.1-0.4 s), so it can be started before this thread has loaded its own (on another core
 * that load is free), and this thread classifies the first chunks while a worker is still loading;
 * every thread takes the next chunk when it is free. A worker that is not ready yet therefore never
 * holds the run back, and a run that ends before it is ready, or turns out too small for it, simply stops it.
 */
import type { Worker } from 'node:worker_threads';
import type { Chunk, ChunkResult, HeadSet } from './heads.js';
import type { ChunkRunner } from './pipeline.js';
import { deserializeError, siblingModule, startWorkerThread, type ThreadJob, type ThreadReply } from './runners.js';

/** The worker entry beside this module, in whichever form is running (.ts under tsx, .js when built). */
const WORKER_ENTRY = siblingModule(import.meta.url, 'thread-worker');

/**
 * Chunks a worker holds at once: one being classified and the next waiting in its port, so it does
 * not idle while this thread, busy with a chunk of its own, cannot hand it one.
 */
const CHUNKS_PER_WORKER = 2;

interface Task {
  chunk: Chunk;
  resolve(result: ChunkResult): void;
  reject(error: unknown): void;
}

interface WorkerLane {
  worker: Worker;
  ready: boolean;
  /** Stopped before the run because it was not needed: its exit is no failure. */
  dropped: boolean;
  /** The chunks sent to it, by their first row. */
  tasks: Map<number, Task>;
}

type Classifier = Pick<HeadSet, 'classify'>;

/** Worker threads started ahead of the run they will classify for. */
export interface WorkerThreads {
  readonly count: number;
  /**
   * The runner classifying on this thread (with the models it has loaded, `here`) and on the first
   * `keep` workers; the others are stopped now.
   */
  runner(here: Classifier, keep?: number): ChunkRunner;
  /** Stops every worker (when the run is over, or will not use them). */
  close(): Promise<void>;
}

/** `count` worker threads started now from `entry` (thread-worker.ts; another module in tests). */
export function startWorkerThreads(count: number, job: ThreadJob, entry = WORKER_ENTRY): WorkerThreads {
  const queue: Task[] = [];
  let failure: Error | undefined;
  let here: Classifier | undefined;
  let classifyingHere = false;

  const fail = (error: Error) => {
    failure ??= error;
    for (const lane of lanes) {
      for (const task of lane.tasks.values()) task.reject(failure);
      lane.tasks.clear();
    }
    for (const task of queue.splice(0)) task.reject(failure);
  };

  // Workers first: this thread takes what they leave, since it also reads, orders and writes.
  const dispatch = () => {
    for (const lane of lanes) {
      while (lane.ready && lane.tasks.size < CHUNKS_PER_WORKER && queue.length > 0) {
        const task = queue.shift()!;
        lane.tasks.set(task.chunk.first, task);
        lane.worker.postMessage({ id: task.chunk.first, chunk: task.chunk });
      }
    }
    if (here && !classifyingHere && queue.length > 0) {
      classifyingHere = true;
      // After pending I/O and worker messages, so a worker that has just become free gets the chunk.
      setImmediate(classifyHere);
    }
  };

  const classifyHere = () => {
    const task = queue.shift();
    if (!task) {
      classifyingHere = false;
      return;
    }
    here!
      .classify(task.chunk, job.settings)
      .then(task.resolve, task.reject)
      .finally(() => {
        classifyingHere = false;
        dispatch();
      });
  };

  const lanes = Array.from({ length: count }, (): WorkerLane => {
    const lane: WorkerLane = { worker: startWorkerThread(entry, job), ready: false, dropped: false, tasks: new Map() };
    lane.worker.on('message', (reply: ThreadReply) => {
      if (lane.dropped) return;
      if (reply.type === 'ready') {
        lane.ready = true;
        return dispatch();
      }
      if (reply.type === 'failed') return fail(deserializeError(reply.error));
      const task = lane.tasks.get(reply.id);
      lane.tasks.delete(reply.id);
      if (reply.type === 'result') task?.resolve(reply.result);
      else task?.reject(deserializeError(reply.error));
      dispatch();
    });
    lane.worker.on('error', (error) => lane.dropped || fail(error));
    lane.worker.on('exit', (code) => {
      // Chunks still held by a worker that has gone would never be answered.
      if (lane.dropped) return;
      if (code !== 0 || lane.tasks.size > 0) fail(new Error(`a prediction worker thread exited with code ${code}`));
    });
    return lane;
  });
  const stop = (stopped: WorkerLane[]) =>
    Promise.all(
      stopped.map((lane) => {
        lane.dropped = true;
        return lane.worker.terminate();
      }),
    );

  const close = async () => {
    await stop(lanes.splice(0));
  };

  return {
    count,
    runner: (classifier, keep = count) => {
      here = classifier;
      void stop(lanes.splice(keep));
      return {
        parallelism: lanes.length + 1,
        run: (chunk) =>
          new Promise<ChunkResult>((resolve, reject) => {
            if (failure) return reject(failure);
            queue.push({ chunk, resolve, reject });
            dispatch();
          }),
        close,
      };
    },
    close,
  };
}
