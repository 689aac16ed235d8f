import { createWriteStream, promises as fs } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { TextClassifier, type Prediction } from '../../classifier.js';
import { readRecords, type Example } from '../../data/index.js';
import { readOptionsFrom, type DataFlags } from '../data.js';
import { addDataOptions, integer } from '../options.js';
import { info, printJsonResult } from '../output.js';
import { createProgress } from '../progress.js';

interface PredictFlags extends DataFlags {
  model: string;
  input: string;
  output?: string;
  topK: number;
  idField?: string;
  batchSize: number;
  modelDir?: string;
  json?: boolean;
}

export function registerPredict(program: Command): void {
  const command = program.command('predict').description('classify every row of a file (or stdin) into JSONL, in input order');
  command.requiredOption('--model <dir>', 'checkpoint directory written by train');
  addDataOptions(command, '--input <file>');
  command
    .option('--output <file>', 'JSONL output file (default: stdout); written to a temporary file and renamed when complete')
    .option('--top-k <k>', 'how many labels with scores to include per row', integer('--top-k', 1), 1)
    .option('--id-field <name>', 'column or JSON field holding a row id (default: the line number)')
    .option('--batch-size <n>', 'texts embedded per batch', integer('--batch-size', 1), 2048)
    .option('--model-dir <dir>', 'directory holding the encoder model files (else $HEADSTART_MODELS/<name>)')
    .option('--json', 'print one JSON summary object as the last line of stdout')
    .action(async (flags: PredictFlags) => {
      const classifier = await TextClassifier.load(flags.model, { modelDir: flags.modelDir });
      const { path, options } = readOptionsFrom(flags.input, flags, false);
      if (flags.idField) options.idField = flags.idField;
      const target = flags.output ? `${flags.output}.tmp-${process.pid}` : undefined;
      const out: Writable = target ? createWriteStream(target) : process.stdout;
      const progress = createProgress('predict', undefined);
      const counts = { rows: 0, truncated: 0, empty: 0 };
      const started = performance.now();
      try {
        let batch: Example[] = [];
        const flush = async () => {
          if (batch.length === 0) return;
          const predictions = await classifier.predict(
            batch.map((example) => example.text),
            { topK: flags.topK },
          );
          const lines = predictions.map((prediction, i) => formatRow(batch[i], prediction, flags.topK, classifier.multiLabel));
          if (!out.write(lines.join(''))) await once(out, 'drain');
          for (const p of predictions) {
            counts.truncated += p.truncated ? 1 : 0;
            counts.empty += p.empty ? 1 : 0;
          }
          counts.rows += batch.length;
          progress.tick(batch.length);
          batch = [];
        };
        for await (const example of readRecords(path, options)) {
          batch.push(example);
          if (batch.length >= flags.batchSize) await flush();
        }
        await flush();
        if (target) {
          out.end();
          await once(out, 'finish');
          await fs.rename(target, flags.output!);
        }
      } catch (error) {
        if (target) {
          out.destroy();
          await fs.rm(target, { force: true });
        }
        throw error;
      } finally {
        progress.stop();
        await classifier.dispose();
      }
      const seconds = (performance.now() - started) / 1000;
      info(`classified ${counts.rows} rows in ${seconds.toFixed(1)} s (${(counts.rows / seconds).toFixed(0)} rows/s); truncated ${counts.truncated}, empty ${counts.empty}`);
      if (flags.json) printJsonResult({ command: 'predict', summary: true, output: flags.output ?? null, ...counts, seconds, rowsPerSecond: counts.rows / seconds });
    });
}

function formatRow(example: Example, prediction: Prediction, topK: number, multiLabel: boolean): string {
  const row: Record<string, unknown> = { id: example.id, line: example.line };
  if (multiLabel) row.labels = prediction.labels;
  else {
    row.label = prediction.label;
    row.score = round(prediction.score);
  }
  if (topK > 1 || multiLabel) row.scores = Object.fromEntries(prediction.top.map((t) => [t.label, round(t.score)]));
  if (prediction.truncated) row.truncated = true;
  if (prediction.empty) row.empty = true;
  return `${JSON.stringify(row)}\n`;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
