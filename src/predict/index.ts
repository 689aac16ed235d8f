/** Public face of predict/: what other folders of src/ may import. */
export { type OutputFormat, predictionFields, type RowSettings } from './format.js';
export { type Chunk, type ChunkResult, HeadSet, type ModelRef, parseModelRefs } from './heads.js';
export { digestModels } from './identity.js';
export { OutputJournal, type RunIdentity } from './journal.js';
export { heapCollector } from './memory.js';
export type { ChunkRunner } from './pipeline.js';
export { runPredict } from './run.js';
export {
  deserializeError,
  localRunner,
  type SerializedError,
  serializeError,
  siblingModule,
  startWorkerThread,
} from './runners.js';
export { startWorkerThreads, type WorkerThreads } from './thread-runner.js';
export {
  autoWorkers,
  cpuTimes,
  earlyWorkers,
  freeCoresSince,
  guessInputRows,
  THREADS_FROM_ROWS,
  threadsPerWorker,
} from './workers.js';
