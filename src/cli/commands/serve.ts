import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { parseModelRefs, startServer } from '../../serve/index.js';
import { integer } from '../options.js';
import { interruptSignal, treatSignalAsNormalStop } from '../interrupt.js';
import { info } from '../output.js';

interface ServeFlags {
  model?: string[];
  host: string;
  port: number;
  maxBatch: number;
  maxWaitMs: number;
  maxTexts: number;
  bodyLimit: number;
  workers: number;
  modelDir?: string;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'serve models over HTTP (POST /v1/classify, GET /v1/models, /healthz, /readyz, /metrics) until stopped (SIGINT/SIGTERM)',
    )
    .option(
      '--model <dir>',
      'checkpoint directory written by train, named after its folder; repeat (optionally as NAME=DIR) to serve several',
      collect,
    )
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port to listen on (0: any free port)', integer('--port', 0), 8080)
    .option(
      '--max-batch <n>',
      'texts classified together at most, across concurrent requests',
      integer('--max-batch', 1),
      256,
    )
    .option(
      '--max-wait-ms <ms>',
      'how long a request may wait for others to join its batch while the model is idle',
      integer('--max-wait-ms', 0),
      0,
    )
    .option('--max-texts <n>', 'texts one request may carry', integer('--max-texts', 1), 1024)
    .option('--body-limit <bytes>', 'largest request body', integer('--body-limit', 1), 1024 * 1024)
    .option(
      '--workers <n>',
      'worker threads classifying batches, each with its own copy of the models (0: the main thread)',
      integer('--workers', 0),
      0,
    )
    .option(
      '--model-dir <dir>',
      'directory holding the encoder model files (else $HEADSTART_MODELS/<name>, then the packaged default)',
    )
    .action(async (flags: ServeFlags) => {
      if (!flags.model)
        throw new UsageError('MODEL_REQUIRED', "required option '--model <dir>' not specified", {
          hint: 'see headstart serve --help',
        });
      const models = parseModelRefs(flags.model);
      treatSignalAsNormalStop();
      const stop = interruptSignal();
      const server = await startServer({
        models,
        host: flags.host,
        port: flags.port,
        batch: { maxBatch: flags.maxBatch, maxWaitMs: flags.maxWaitMs },
        maxTexts: flags.maxTexts,
        bodyLimit: flags.bodyLimit,
        workers: flags.workers,
        loadOptions: { modelDir: flags.modelDir },
      });
      try {
        await server.ready;
      } catch (error) {
        await server.close();
        throw error;
      }
      info(`serving ${server.names.join(', ')} on ${server.url}`);
      if (!stop.aborted) await new Promise((resolve) => stop.addEventListener('abort', resolve, { once: true }));
      await server.close();
    });
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
