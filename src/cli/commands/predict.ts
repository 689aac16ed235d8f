import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Option, type Command } from 'commander';
import type { BadRowPolicy } from '../../data/index.js';
import { UsageError } from '../../errors.js';
import {
  autoWorkers,
  cpuTimes,
  earlyWorkers,
  freeCoresSince,
  guessInputRows,
  type OutputFormat,
  parseModelRefs,
  THREADS_FROM_ROWS,
  threadsPerWorker,
  OutputJournal,
  runPredict,
  localRunner,
  startWorkerThreads,
  type WorkerThreads,
} from '../../predict/index.js';
import { QueueCoordinator } from '../../queue/index.js';
import { readOptionsFrom, type DataFlags } from '../data.js';
import { addDataOptions, ALLOW_DOWNLOAD_HELP, integer } from '../options.js';
import { interruptSignal } from '../interrupt.js';
import { info, printJsonResult } from '../output.js';
import { createProgress, type Progress } from '../progress.js';

interface PredictFlags extends DataFlags {
  model?: string[];
  input: string;
  output?: string;
  outputFormat?: OutputFormat;
  topK: number;
  idField?: string;
  batchSize: number;
  workers: number | 'auto';
  threads?: number;
  resume?: boolean;
  queue?: string;
  queueName: string;
  queueStatusMs: number;
  queueOutageMs: number;
  modelDir?: string;
  allowDownload?: boolean;
  json?: boolean;
  strict?: boolean;
}

function workersOption(value: string): number | 'auto' {
  return value === 'auto' ? 'auto' : integer('--workers', 0)(value);
}

export function registerPredict(program: Command): void {
  const command = program
    .command('predict')
    .description('classify every row of a file (or stdin) into JSONL or CSV, in input order');
  command.option(
    '--model <dir>',
    'checkpoint directory written by train; repeat (optionally as NAME=DIR) for several heads on one encoder',
    collect,
  );
  addDataOptions(command, '--input <file>');
  command
    .option(
      '--output <file>',
      'output file (default or -: stdout); committed in fsynced chunks to <file>.partial and renamed when complete (a device or FIFO is written directly)',
    )
    .addOption(
      new Option('--output-format <format>', 'output format (default: csv for a .csv output file, else jsonl)').choices(
        ['jsonl', 'csv'],
      ),
    )
    .addOption(
      new Option(
        '--strict',
        'fail on the first row that cannot be read cleanly (invalid UTF-8, a malformed record), naming file and line; by default such rows are output flagged (invalid_utf8, error) and counted',
      ).conflicts('onBadRow'),
    )
    .option(
      '--resume',
      'continue the interrupted run that left <output>.partial, after checking the input, models and options are unchanged',
    )
    .option('--top-k <k>', 'how many labels with scores to include per row', integer('--top-k', 1), 1)
    .option('--id-field <name>', 'column or JSON field holding a row id (default: the line number)')
    .option(
      '--batch-size <n>',
      'rows per chunk: embedded together, and the unit of commit and of distribution',
      integer('--batch-size', 1),
      2048,
    )
    .option(
      '--workers <n>',
      `worker threads classifying chunks beside the main thread: a number (0: the main thread alone), or auto (from ${THREADS_FROM_ROWS} rows up, one per core other processes leave idle, started while the models load)`,
      workersOption,
      'auto',
    )
    .option(
      '--threads <n>',
      'ONNX Runtime threads per transformer encoder session (default: the physical cores, shared out among worker threads)',
      integer('--threads', 1),
    )
    .option(
      '--queue <url>',
      'distribute chunks as BullMQ jobs on this Redis (redis://host:port); run `headstart worker` to process them',
    )
    .option('--queue-name <name>', 'BullMQ queue name', 'headstart-predict')
    .option(
      '--queue-status-ms <ms>',
      'with --queue: how often to say what the run waits for while no chunk finishes',
      integer('--queue-status-ms', 100),
      10_000,
    )
    .option(
      '--queue-outage-ms <ms>',
      'with --queue: how long Redis may be unreachable before the run stops (exit 5; --resume continues)',
      integer('--queue-outage-ms', 100),
      60_000,
    )
    .option(
      '--model-dir <dir>',
      'directory holding the encoder model files (else $HEADSTART_MODELS/<name>, then the packaged default)',
    )
    .option('--allow-download', ALLOW_DOWNLOAD_HELP)
    .option('--json', 'print one JSON summary object as the last line of stdout')
    .action(async (flags: PredictFlags, self: Command) => {
      const started = cpuTimes();
      if (!flags.model)
        throw new UsageError('MODEL_REQUIRED', "required option '--model <dir>' not specified", {
          hint: 'see headstart predict --help',
        });
      const models = parseModelRefs(flags.model);
      const { path, options: readOptions } = readOptionsFrom(flags.input, flags, false);
      if (flags.idField) readOptions.idField = flags.idField;
      readOptions.onBadRow = badRowPolicy(flags, self.getOptionValueSource('onBadRow') === 'cli');
      const format: OutputFormat =
        flags.outputFormat ?? (flags.output?.toLowerCase().endsWith('.csv') ? 'csv' : 'jsonl');
      const settings = { format, topK: flags.topK };
      const loadOptions = { modelDir: flags.modelDir, threads: flags.threads, allowDownload: flags.allowDownload };
      const signal = interruptSignal();
      // Before any output file exists: a bad --queue URL or an unreachable Redis leaves nothing behind.
      const queue = flags.queue
        ? await QueueCoordinator.connect({
            url: flags.queue,
            queueName: flags.queueName,
            statusMs: flags.queueStatusMs,
            outageMs: flags.queueOutageMs,
            log: info,
          })
        : undefined;
      if (flags.output) {
        const interrupted = existsSync(OutputJournal.progressPath(flags.output));
        if (interrupted && !flags.resume)
          info(
            `${flags.output}: starting over; an interrupted run's partial output is discarded (--resume continues it)`,
          );
        if (!interrupted && flags.resume)
          info(`${flags.output}: no interrupted run to resume; starting from the beginning`);
      }
      const startThreads = (count: number) =>
        startWorkerThreads(count, {
          refs: models,
          // This thread classifies beside the workers.
          loadOptions: { ...loadOptions, threads: flags.threads ?? threadsPerWorker(count + 1) },
          settings,
        });
      // Started before this thread loads the models, which then costs no time on a 2-core machine.
      const early = queue
        ? 0
        : flags.workers === 'auto'
          ? earlyWorkers(await guessInputRows(path), loadavg()[0] ?? 0)
          : flags.workers;
      let threads: WorkerThreads | undefined = early > 0 ? startThreads(early) : undefined;
      let progress: Progress | undefined;
      let workersUsed = 0;
      try {
        const summary = await runPredict({
          models,
          loadOptions,
          input: path,
          readOptions,
          output: flags.output,
          settings,
          chunkRows: flags.batchSize,
          resume: flags.resume,
          signal,
          createRunner: async (heads, identity, rowsToDo) => {
            if (queue)
              return queue.runner({
                runId: identity,
                models,
                loadOptions,
                settings,
                expectedChunks: rowsToDo === undefined ? undefined : Math.ceil(rowsToDo / flags.batchSize),
              });
            const wanted = flags.workers === 'auto' ? autoWorkers(rowsToDo, freeCoresSince(started)) : flags.workers;
            if (wanted === 0) {
              await threads?.close();
              return localRunner(heads, settings);
            }
            threads ??= startThreads(wanted);
            workersUsed = Math.min(wanted, threads.count);
            return threads.runner(heads, workersUsed);
          },
          onStart: ({ estimatedRows, resumedRows }) => {
            if (resumedRows > 0) info(`resuming after ${resumedRows} committed rows`);
            progress = createProgress(
              'predict',
              estimatedRows === undefined ? undefined : Math.max(0, estimatedRows - resumedRows),
            );
          },
          onRows: (rows) => progress?.tick(rows),
        });
        progress?.stop();
        const { rows, truncated, empty, invalidUtf8, unreadable, resumedRows, seconds } = summary;
        const classified = rows - resumedRows;
        info(
          `classified ${classified} rows in ${seconds.toFixed(1)} s (${(classified / seconds).toFixed(0)} rows/s); truncated ${truncated}, empty ${empty}, invalid UTF-8 ${invalidUtf8}, unreadable ${unreadable}`,
        );
        if (flags.json)
          printJsonResult({
            command: 'predict',
            summary: true,
            output: flags.output ?? null,
            rows,
            truncated,
            empty,
            invalidUtf8,
            unreadable,
            resumedRows,
            workers: workersUsed,
            seconds,
            rowsPerSecond: classified / seconds,
            peakRssMB: process.resourceUsage().maxRSS / 1024,
            cpuSeconds: cpuSeconds(),
          });
      } finally {
        progress?.stop();
        await threads?.close();
        await queue?.close();
      }
    });
}

/**
 * Like Spark's PERMISSIVE mode, a batch run outputs every row by default, flagging the ones it could
 * not read cleanly; --strict (or an explicit --on-bad-row) asks for the reading rules of training data.
 */
function badRowPolicy(flags: PredictFlags, explicit: boolean): BadRowPolicy {
  if (flags.strict) return 'fail';
  return explicit ? flags.onBadRow : 'flag';
}

/** CPU time of the whole process, worker threads included. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
