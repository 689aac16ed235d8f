/** Public face of queue/: what other folders of src/ may import. */
export { QueueCoordinator } from './coordinator.js';
export { startQueueWorker } from './worker.js';
