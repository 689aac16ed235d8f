import type { Command } from 'commander';
import { TextClassifier } from '../../classifier.js';
import { loadLabelledData, type DataFlags } from '../data.js';
import { addDataOptions, addEncoderOptions, addTrainingOptions, fitOptionsFrom, type TrainingFlags } from '../options.js';
import { info, printJsonResult } from '../output.js';
import { summariseMetrics } from '../metrics-text.js';

interface TrainFlags extends DataFlags, TrainingFlags {
  data: string;
  encoder: string;
  modelDir?: string;
  out: string;
  evalData?: string;
  json?: boolean;
}

export function registerTrain(program: Command): void {
  const command = program.command('train').description('train a classifier on a labelled file and save it as a checkpoint');
  addDataOptions(command);
  addEncoderOptions(command);
  addTrainingOptions(command);
  command
    .requiredOption('--out <dir>', 'checkpoint directory to write (replaced atomically)')
    .option('--eval-data <file>', 'labelled file to score the trained model on (recorded in the model card)')
    .option('--json', 'print one JSON object with the results as the last line of stdout')
    .action(async (flags: TrainFlags) => {
      const { dataset, texts, labels } = await loadLabelledData(flags.data, flags);
      info(`read ${texts.length} examples, ${dataset.labelSet.length} labels from ${dataset.file}${dataset.skipped.length ? ` (${dataset.skipped.length} rows skipped)` : ''}`);
      const classifier = await TextClassifier.create({ encoder: flags.encoder, modelDir: flags.modelDir });
      try {
        const report = await classifier.fit(texts, labels, {
          ...fitOptionsFrom(flags),
          onEpoch: (log) => {
            if (log.epoch % 10 === 0) info(`epoch ${log.epoch}: loss ${log.loss.toFixed(4)}${log.valLoss !== undefined ? ` val_loss ${log.valLoss.toFixed(4)}` : ''}`);
          },
        });
        info(`trained ${report.epochsRun} epochs (best ${report.bestEpoch}) in ${report.seconds.toFixed(1)} s; embedding took ${report.embedSeconds.toFixed(1)} s`);
        let metrics: Record<string, number> | undefined;
        if (flags.evalData) {
          const evaluation = await loadLabelledData(flags.evalData, flags);
          metrics = summariseMetrics(await classifier.evaluate(evaluation.texts, evaluation.labels));
          info(`eval on ${evaluation.dataset.file}: ${Object.entries(metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}`);
        }
        await classifier.save(flags.out, {
          data: { ...(classifier.training.data as object), source: dataset.file, skippedRows: dataset.skipped.length },
          ...(metrics ? { metrics } : {}),
        });
        info(`saved ${flags.out}`);
        if (flags.json) {
          printJsonResult({
            command: 'train',
            out: flags.out,
            examples: texts.length,
            labels: report.labels,
            epochsRun: report.epochsRun,
            bestEpoch: report.bestEpoch,
            trainSeconds: report.seconds,
            embedSeconds: report.embedSeconds,
            truncatedTexts: report.truncatedTexts,
            skippedRows: dataset.skipped.length,
            ...(metrics ? { metrics } : {}),
          });
        }
      } finally {
        await classifier.dispose();
      }
    });
}
