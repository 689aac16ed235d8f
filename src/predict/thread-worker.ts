/** Entry point of a prediction worker thread: loads the models once, then classifies the chunks it is sent. */
import { parentPort, workerData } from 'node:worker_threads';
import { HeadSet, type Chunk } from './heads.js';
import { heapCollector } from './memory.js';
import { serializeError, type ThreadJob, type ThreadReply } from './runners.js';

const job = workerData as ThreadJob;
const port = parentPort!;
const reply = (message: ThreadReply) => port.postMessage(message);

try {
  const heads = await HeadSet.load(job.refs, job.loadOptions);
  const collect = heapCollector();
  const classify = async ({ id, chunk }: { id: number; chunk: Chunk }) => {
    try {
      reply({ type: 'result', id, result: await heads.classify(chunk, job.settings) });
      collect();
    } catch (error) {
      reply({ type: 'error', id, error: serializeError(error) });
    }
  };
  // The runner sends the next chunk before this one is done: one at a time, in the order sent.
  let previous = Promise.resolve();
  port.on('message', (message: { id: number; chunk: Chunk }) => {
    previous = previous.then(() => classify(message));
  });
  reply({ type: 'ready' });
} catch (error) {
  reply({ type: 'failed', error: serializeError(error) });
}
