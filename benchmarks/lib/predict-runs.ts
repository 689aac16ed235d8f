/** One timed `predict` child process: headstart's built CLI or `fasttext predict`, on a file of plain lines. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { runMeasured, type ChildMeasure } from './timed-child.js';

export interface PredictRun extends Omit<ChildMeasure, 'stdout'> {
  /** sha256 of the output file, to check repeats agree. */
  outputHash: string;
  /** headstart only: rows/s from the models being loaded to the output renamed into place (its --json summary). */
  runRowsPerSecond?: number;
}

function hashOf(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** `headstart predict --format lines`, JSONL out; `workers` undefined leaves the CLI's default (auto). */
export function runHeadstartPredict(
  cli: string,
  model: string,
  input: string,
  output: string,
  options: { batch: number; workers?: number },
): PredictRun {
  const args = [cli, 'predict', '--model', model, '--input', input, '--format', 'lines', '--output', output];
  args.push('--batch-size', String(options.batch), '--json');
  if (options.workers !== undefined) args.push('--workers', String(options.workers));
  const { stdout, ...measure } = runMeasured(process.execPath, args);
  const summary = JSON.parse(stdout.trim().split('\n').pop()!) as { rowsPerSecond: number };
  return { ...measure, outputHash: hashOf(output), runRowsPerSecond: Math.round(summary.rowsPerSecond) };
}

/** `fasttext predict model input` (top label per line) with stdout written to `output`, as headstart writes its file. */
export function runFastTextPredict(model: string, input: string, output: string, rows: number): PredictRun {
  const { stdout: _none, ...measure } = runMeasured('fasttext', ['predict', model, input], { stdoutFile: output });
  const lines = readFileSync(output, 'utf8').split('\n').length - 1;
  if (lines !== rows) throw new Error(`fasttext predict wrote ${lines} lines for ${rows} rows of ${input}`);
  return { ...measure, outputHash: hashOf(output) };
}
