import type { Command } from 'commander';
import { startQueueWorker } from '../../queue/index.js';
import { ALLOW_DOWNLOAD_HELP, integer } from '../options.js';
import { interruptSignal, treatSignalAsNormalStop } from '../interrupt.js';
import { info } from '../output.js';

interface WorkerFlags {
  queue: string;
  queueName: string;
  concurrency: number;
  lockMs: number;
  stalledCheckMs: number;
  statusMs: number;
  modelsRoot?: string;
  allowDownload?: boolean;
  verbose?: boolean;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('process `predict --queue` chunk jobs from a BullMQ queue on Redis until stopped (SIGINT/SIGTERM)')
    .requiredOption('--queue <url>', 'Redis URL (redis://host:port)')
    .option('--queue-name <name>', 'BullMQ queue name', 'headstart-predict')
    .option('--concurrency <n>', 'chunks processed at once', integer('--concurrency', 1), 1)
    .option(
      '--lock-ms <ms>',
      "job lock duration: a dead worker's chunk is retried after about this long",
      integer('--lock-ms', 100),
      30_000,
    )
    .option(
      '--stalled-check-ms <ms>',
      'how often to look for chunks of dead workers',
      integer('--stalled-check-ms', 100),
      30_000,
    )
    .option(
      '--status-ms <ms>',
      'how often to say what the worker waits for (Redis, or chunks) while idle',
      integer('--status-ms', 100),
      10_000,
    )
    .option(
      '--models-root <dir>',
      'load only model directories inside this folder (jobs name them; default: the working directory)',
    )
    .option('--allow-download', `${ALLOW_DOWNLOAD_HELP}; a job's own choice is ignored`)
    .option('--verbose', 'log every chunk started and completed on stderr')
    .action(async (flags: WorkerFlags) => {
      treatSignalAsNormalStop();
      const stop = interruptSignal();
      const worker = await startQueueWorker({
        url: flags.queue,
        queueName: flags.queueName,
        concurrency: flags.concurrency,
        lockMs: flags.lockMs,
        stalledCheckMs: flags.stalledCheckMs,
        statusMs: flags.statusMs,
        modelsRoot: flags.modelsRoot,
        allowDownload: flags.allowDownload,
        log: info,
        onJob: flags.verbose ? (event, job) => info(`worker ${process.pid}: ${event} chunk ${job.id}`) : undefined,
      });
      void worker.ready.then(
        () => info(`worker ${process.pid}: ready on ${flags.queueName}`),
        () => undefined,
      );
      // A signal that came while bullmq was loading has already fired: do not wait for another.
      if (!stop.aborted) await new Promise((resolve) => stop.addEventListener('abort', resolve, { once: true }));
      info(`worker ${process.pid}: finishing the current chunk`);
      await worker.close();
    });
}
