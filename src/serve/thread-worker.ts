/** Entry point of a serving worker thread: loads the models once, then classifies the batches it is sent. */
import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from '../predict/index.js';
import { classifyRanked, ModelSet } from './models.js';
import type { BatchMessage, ThreadJob, ThreadReply } from './threads.js';

const job = workerData as ThreadJob;
const port = parentPort!;
const reply = (message: ThreadReply) => port.postMessage(message);

try {
  const models = await ModelSet.load(job.refs, job.loadOptions);
  port.on('message', async ({ id, model, texts }: BatchMessage) => {
    try {
      reply({ type: 'result', id, predictions: await classifyRanked(models.resolve(model).classifier, texts) });
    } catch (error) {
      reply({ type: 'error', id, error: serializeError(error) });
    }
  });
  reply({ type: 'ready' });
} catch (error) {
  reply({ type: 'error', error: serializeError(error) });
}
