/** One prediction run end to end: load and check the models, open the output, stream the input through a runner. */
import { readRecords, type ReadOptions } from '../data/index.js';
import { STDIN } from '../data/source.js';
import type { EncoderLoadOptions } from '../encoders/index.js';
import { UsageError } from '../errors.js';
import { csvHeader, type RowSettings } from './format.js';
import { HeadSet, type ModelRef } from './heads.js';
import { rowCollector } from './memory.js';
import { digestInput, digestModels, digestSettings } from './identity.js';
import type { RunIdentity } from './journal.js';
import { classifyStream, type ChunkRunner } from './pipeline.js';
import { journalSink, streamSink, type Counts, type Sink } from './sinks.js';

export interface PredictRunOptions {
  models: ModelRef[];
  loadOptions?: EncoderLoadOptions;
  /** A path, or '-' for stdin. */
  input: string;
  readOptions: ReadOptions;
  /** A path (journaled, resumable), or undefined for stdout. */
  output?: string;
  settings: RowSettings;
  chunkRows: number;
  resume?: boolean;
  /**
   * Builds the runner; `heads` are loaded on this thread for checking and for in-process runs.
   * `rowsToDo` estimates the rows left to classify (undefined for stdin).
   */
  createRunner(heads: HeadSet, identity: RunIdentity, rowsToDo: number | undefined): Promise<ChunkRunner>;
  /** Chunks in flight per unit of the runner's parallelism: one being classified, one waiting. */
  inFlightPerWorker?: number;
  onRows?(rows: number): void;
  /** Called once the input is measured: an estimate of its rows (undefined for stdin). */
  onStart?(info: { estimatedRows?: number; resumedRows: number }): void;
}

export interface PredictSummary extends Counts {
  /** Rows an earlier, interrupted run had already written. */
  resumedRows: number;
  seconds: number;
}

export async function runPredict(options: PredictRunOptions): Promise<PredictSummary> {
  const started = performance.now();
  if (options.resume && (options.output === undefined || options.input === STDIN)) {
    throw new UsageError('RESUME_NEEDS_FILES', '--resume needs --input and --output files (stdin and stdout cannot be resumed)');
  }
  const heads = await HeadSet.load(options.models, options.loadOptions);
  let runner: ChunkRunner | undefined;
  let sink: Sink | undefined;
  try {
    const input = options.input === STDIN ? undefined : await digestInput(options.input);
    const identity: RunIdentity = {
      input: input?.sha256 ?? 'stdin',
      models: await digestModels(options.models),
      settings: digestSettings({ ...options.settings, ...options.readOptions }),
    };
    const opened = options.output === undefined ? streamSink(process.stdout) : await journalSink(options.output, identity, options.resume ?? false);
    sink = opened;
    const resumed = 'resumed' in opened && opened.resumed;
    if (options.settings.format === 'csv' && !resumed) await sink.write({ text: csvHeader(heads.shapes, options.settings), rows: 0, truncated: 0, empty: 0 });
    const reader = readRecords(options.input, options.readOptions);
    const headerLines = reader.format === 'csv' || reader.format === 'tsv' ? 1 : 0;
    const estimatedRows = input && Math.max(0, input.lines - headerLines);
    options.onStart?.({ estimatedRows, resumedRows: sink.resumedRows });

    runner = await options.createRunner(heads, identity, estimatedRows === undefined ? undefined : Math.max(0, estimatedRows - sink.resumedRows));
    const target = sink;
    const collect = rowCollector();
    await classifyStream(reader, runner, {
      skip: sink.resumedRows,
      chunkRows: options.chunkRows,
      maxInFlight: runner.parallelism * (options.inFlightPerWorker ?? 2),
      onResult: async (result) => {
        await target.write(result);
        options.onRows?.(result.rows);
        collect(result.rows);
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
