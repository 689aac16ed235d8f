import type { Command } from 'commander';
import { createEncoder } from '../../encoders/index.js';
import { crossValidate } from '../../cross-validate.js';
import { loadLabelledData, type DataFlags } from '../data.js';
import {
  addDataOptions,
  addEncoderOptions,
  addMultiLabelOption,
  addRecipeOptions,
  addTrainingOptions,
  fitOptionsFrom,
  integer,
  type RecipeFlags,
  type TrainingFlags,
} from '../options.js';
import { interruptSignal } from '../interrupt.js';
import { info, printJsonResult } from '../output.js';
import { createTrainingProgress } from '../training-progress.js';
import { printTaskWarning } from '../data-warnings.js';
import { addReportOption, prepareReport, refuseMultiLabelReport, saveReport } from '../report.js';
import { isMultiLabelInput } from '../../labels.js';
import { classificationReport } from '../../metrics/index.js';

interface CvFlags extends DataFlags, TrainingFlags, RecipeFlags {
  data: string;
  folds: number;
  encoder: string;
  modelDir?: string;
  allowDownload?: boolean;
  json?: boolean;
  report?: string;
}

export function registerCv(program: Command): void {
  const command = program
    .command('cv')
    .description('stratified k-fold cross-validation: mean and std of accuracy and macro-F1');
  addDataOptions(command);
  command.option('--folds <k>', 'number of folds', integer('--folds', 2), 5);
  addEncoderOptions(command);
  addTrainingOptions(command);
  addMultiLabelOption(command);
  addRecipeOptions(command);
  addReportOption(command);
  command
    .option('--json', 'print one JSON object with the results as the last line of stdout')
    .action(async (flags: CvFlags) => {
      const signal = interruptSignal();
      const reportTarget = flags.report === undefined ? undefined : await prepareReport(flags.report, [flags.data]);
      const { dataset, texts, labels } = await loadLabelledData(flags.data, flags);
      if (reportTarget && isMultiLabelInput(labels)) refuseMultiLabelReport();
      info(`read ${texts.length} examples, ${dataset.labelSet.length} labels from ${dataset.file}`);
      const encoder = await createEncoder(flags.encoder, {
        modelDir: flags.modelDir,
        allowDownload: flags.allowDownload,
      });
      // The auto recipe trains for minutes per fold: show which member is training (against the fold's budget, if given).
      const progress = flags.recipe === 'auto' ? createTrainingProgress(flags.budget) : undefined;
      const say = progress ? progress.stage : info;
      try {
        const result = await crossValidate(encoder, texts, labels, {
          folds: flags.folds,
          seed: flags.seed,
          fit: {
            ...fitOptionsFrom(flags),
            signal,
            onWarning: printTaskWarning,
            student: flags.student,
            ...(progress && { onProgress: progress.update }),
          },
          recipe: flags.recipe,
          budgetSeconds: flags.budget,
          onFoldStart: (fold) => progress?.restart(`fold ${fold + 1}/${flags.folds}`),
          onStage: say,
          keepScores: reportTarget !== undefined,
          onFold: (fold) => {
            const scores = `accuracy ${fold.accuracy.toFixed(4)} macro-F1 ${fold.macroF1.toFixed(4)} (${fold.trainSeconds.toFixed(1)} s)`;
            // The progress display prefixes its lines with the fold already.
            if (progress) progress.stage(scores);
            else info(`fold ${fold.fold + 1}/${flags.folds}: ${scores}`);
          },
        });
        progress?.stop();
        process.stdout.write(
          `accuracy ${result.accuracy.mean.toFixed(4)} ± ${result.accuracy.std.toFixed(4)}, macro-F1 ${result.macroF1.mean.toFixed(4)} ± ${result.macroF1.std.toFixed(4)} over ${flags.folds} folds (${result.seconds.toFixed(1)} s)\n`,
        );
        for (const c of result.perClass) {
          info(
            `  ${c.label}: precision ${c.precision.toFixed(4)} recall ${c.recall.toFixed(4)} F1 ${c.f1.toFixed(4)} (${c.support} examples)`,
          );
        }
        if (reportTarget && result.outOfFold) {
          const { labels: labelList, probabilities, targets, predicted } = result.outOfFold;
          const report = classificationReport(targets, predicted, labelList);
          const model = `encoder ${flags.encoder}, recipe ${flags.recipe}, ${flags.folds} folds, seed ${flags.seed}`;
          await saveReport(reportTarget, {
            command: 'cv',
            model,
            data: dataset.file,
            date: new Date(),
            labels: labelList,
            texts,
            probabilities,
            targets,
            predicted,
            report,
            folds: result.folds,
          });
        }
        if (flags.json) {
          printJsonResult({
            command: 'cv',
            data: dataset.file,
            examples: texts.length,
            encoder: encoder.spec,
            recipe: flags.recipe,
            folds: flags.folds,
            seed: flags.seed,
            accuracy: result.accuracy.mean,
            accuracyStd: result.accuracy.std,
            macroF1: result.macroF1.mean,
            macroF1Std: result.macroF1.std,
            seconds: result.seconds,
            perClass: result.perClass,
            perFold: result.folds,
            warnings: result.warnings,
          });
        }
      } finally {
        progress?.stop();
        await encoder.dispose();
      }
    });
}
