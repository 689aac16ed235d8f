/** One prediction run end to end: check the output, load and check the models, open the output, stream the input through a runner. */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { readRecords, type ReadOptions, STDIN } from '../data/index.js';
import type { EncoderLoadOptions } from '../encoders/index.js';
import { UsageError } from '../errors.js';
import { csvHeader, type RowSettings } from './format.js';
import { HeadSet, type ModelRef } from './heads.js';
import { heapCollector } from './memory.js';
import { digestInput, digestModels, digestSettings } from './identity.js';
import type { RunIdentity } from './journal.js';
import { classifyStream, type ChunkRunner } from './pipeline.js';
import { NO_COUNTS, type Counts } from './counts.js';
import { deviceSink, journalSink, streamSink, type Sink } from './sinks.js';
import { inspectOutput, type OutputTarget } from './output-target.js';

export interface PredictRunOptions {
  models: ModelRef[];
  loadOptions?: EncoderLoadOptions;
  /** A path, or '-' for stdin. */
  input: string;
  readOptions: ReadOptions;
  /** A path (journaled and resumable when it is a regular file or a new path), or undefined or '-' for stdout. */
  output?: string | undefined;
  settings: RowSettings;
  chunkRows: number;
  resume?: boolean | undefined;
  /**
   * Builds the runner; `heads` are loaded on this thread for checking and for in-process runs.
   * `rowsToDo` estimates the rows left to classify (undefined for stdin).
   */
  createRunner(heads: HeadSet, identity: RunIdentity, rowsToDo: number | undefined): Promise<ChunkRunner>;
  /** Chunks in flight per unit of the runner's parallelism: one being classified, one waiting. */
  inFlightPerWorker?: number;
  onRows?(rows: number): void;
  /** Called once the input is measured: an estimate of its rows (undefined for stdin). */
  onStart?(info: { estimatedRows?: number | undefined; resumedRows: number }): void;
  /** Stops the run after the chunk being written (leaving a journaled output resumable). */
  signal?: AbortSignal;
}

export interface PredictSummary extends Counts {
  /** Rows an earlier, interrupted run had already written. */
  resumedRows: number;
  seconds: number;
}

export async function runPredict(options: PredictRunOptions): Promise<PredictSummary> {
  const started = performance.now();
  const target = await inspectOutput(options.output, options.input);
  const inputIsFile = options.input !== STDIN && (await isRegularFileOrMissing(options.input));
  if (options.resume && (target.kind !== 'file' || !inputIsFile)) {
    throw new UsageError(
      'RESUME_NEEDS_FILES',
      '--resume needs --input and --output to be regular files (stdin, stdout, devices, FIFOs and process substitutions cannot be resumed)',
    );
  }
  const heads = await HeadSet.load(options.models, options.loadOptions);
  let runner: ChunkRunner | undefined;
  let sink: Sink | undefined;
  try {
    // A regular file is hashed (and its lines counted) before the run, so a resume can check it is unchanged;
    // a stream can be read only once, so it is not.
    const input = inputIsFile ? await digestInput(options.input) : undefined;
    const identity: RunIdentity = {
      // A stream gets a fresh id, so two streamed runs never share queue job ids.
      input: input?.sha256 ?? `stream-${randomUUID()}`,
      models: await digestModels(options.models),
      settings: digestSettings({ ...options.settings, ...options.readOptions }),
    };
    const opened = await openSink(target, identity, options.resume ?? false);
    sink = opened;
    const resumed = 'resumed' in opened && opened.resumed;
    if (options.settings.format === 'csv' && !resumed)
      await sink.write({ text: csvHeader(heads.shapes, options.settings), ...NO_COUNTS });
    const reader = readRecords(options.input, options.readOptions);
    const headerLines = reader.format === 'csv' || reader.format === 'tsv' ? 1 : 0;
    const estimatedRows = input && Math.max(0, input.lines - headerLines);
    options.onStart?.({ estimatedRows, resumedRows: sink.resumedRows });

    options.signal?.throwIfAborted();
    runner = await options.createRunner(
      heads,
      identity,
      estimatedRows === undefined ? undefined : Math.max(0, estimatedRows - sink.resumedRows),
    );
    const output = sink;
    const collect = heapCollector();
    await classifyStream(reader.blocks(), runner, {
      skip: sink.resumedRows,
      chunkRows: options.chunkRows,
      maxInFlight: runner.parallelism * (options.inFlightPerWorker ?? 2),
      onResult: async (result) => {
        await output.write(result);
        options.signal?.throwIfAborted();
        options.onRows?.(result.rows);
        collect();
      },
    });
    await sink.finish();
    return { ...sink.counts, resumedRows: sink.resumedRows, seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    await sink?.abandon();
    throw error;
  } finally {
    await runner?.close();
    await heads.dispose();
  }
}

async function openSink(
  target: OutputTarget,
  identity: RunIdentity,
  resume: boolean,
): Promise<Sink & { resumed?: boolean }> {
  switch (target.kind) {
    case 'stdout':
      return streamSink(process.stdout);
    case 'stream':
      return deviceSink(target.path);
    case 'file':
      return journalSink(target.path, identity, resume);
  }
}

/** A path that does not exist counts as a file: reading it reports FILE_NOT_FOUND. */
async function isRegularFileOrMissing(file: string): Promise<boolean> {
  const stat = await fs.stat(file).catch(() => undefined);
  return stat === undefined || stat.isFile();
}
