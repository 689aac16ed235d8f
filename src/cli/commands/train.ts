import type { Command } from 'commander';
import { recipeEntries, TextClassifier, type FitReport } from '../../classifier.js';
import { trainAuto, type AutoReport } from '../../recipes/index.js';
import { definedPaths, loadLabelledData, type DataFlags } from '../data.js';
import {
  addDataOptions,
  addEncoderOptions,
  addLabelDescriptionOption,
  addMultiLabelOption,
  addRecipeOptions,
  addTrainingOptions,
  fitOptionsFrom,
  type RecipeFlags,
  type TrainingFlags,
} from '../options.js';
import { info, printJsonResult } from '../output.js';
import { interruptSignal } from '../interrupt.js';
import { printTaskWarning, reportDataWarnings } from '../data-warnings.js';
import { summariseMetrics } from '../metrics-text.js';
import { createTrainingProgress } from '../training-progress.js';
import { UsageError } from '../../errors.js';
import { checkCheckpointTarget } from '../../checkpoint/index.js';
import { descriptionsByLabel, parseLabelDescriptions, ZERO_SHOT_FIT_OPTIONS } from '../../zero-shot/index.js';
import { definedOnly } from '../../util/index.js';

interface TrainFlags extends DataFlags, TrainingFlags, RecipeFlags {
  data?: string;
  labels?: string;
  encoder: string;
  modelDir?: string;
  allowDownload?: boolean;
  out: string;
  evalData?: string;
  json?: boolean;
}

export function registerTrain(program: Command): void {
  const command = program
    .command('train')
    .description('train a classifier on a labelled file and save it as a checkpoint');
  addDataOptions(command, '--data <file>', false);
  addEncoderOptions(command);
  addTrainingOptions(command);
  addMultiLabelOption(command);
  addRecipeOptions(command);
  addLabelDescriptionOption(command);
  command
    .requiredOption(
      '--out <dir>',
      'checkpoint directory to write: a new path, an empty directory or an earlier checkpoint (replaced atomically)',
    )
    .option('--eval-data <file>', 'labelled file to score the trained model on (recorded in the model card)')
    .option('--json', 'print one JSON object with the results as the last line of stdout')
    .action(async (flags: TrainFlags) => {
      const signal = interruptSignal();
      await checkCheckpointTarget(flags.out, definedPaths(flags.data, flags.evalData));
      const descriptions = flags.labels !== undefined ? parseLabelDescriptions(flags.labels) : [];
      if (flags.data === undefined && descriptions.length === 0) {
        throw new UsageError(
          'MISSING_DATA',
          'train needs --data, or --labels to train a zero-shot classifier from label descriptions',
        );
      }
      const loaded = flags.data !== undefined ? await loadLabelledData(flags.data, flags) : undefined;
      const dataset = loaded?.dataset;
      if (dataset)
        info(
          `read ${dataset.examples.length} examples, ${dataset.labelSet.length} labels from ${dataset.file}${dataset.skipped.length ? ` (${dataset.skipped.length} rows skipped)` : ''}`,
        );
      if (loaded && descriptions.length > 0 && Array.isArray(loaded.labels[0])) {
        throw new UsageError('BAD_LABEL_DESCRIPTIONS', '--labels works with single-label data only');
      }
      const texts = [...(loaded?.texts ?? []), ...descriptions.map((d) => d.description)];
      const labels = [...((loaded?.labels as string[] | undefined) ?? []), ...descriptions.map((d) => d.label)] as
        string[] | string[][];
      if (descriptions.length > 0)
        info(`${loaded ? 'added' : 'zero-shot: training on'} ${descriptions.length} label descriptions`);
      const zeroShot = loaded === undefined;
      const warnings = dataset ? reportDataWarnings(dataset) : {};
      // Read before training, so a bad file is refused before minutes of work rather than after.
      const evaluation = flags.evalData ? await loadLabelledData(flags.evalData, flags) : undefined;
      const auto = flags.recipe === 'auto' && !zeroShot;
      const progress = auto ? createTrainingProgress(flags.budget) : undefined;
      const say = progress ? progress.stage : info;
      const fit = {
        ...(zeroShot ? ZERO_SHOT_FIT_OPTIONS : {}),
        ...definedOnly(fitOptionsFrom(flags)),
        signal,
        onWarning: printTaskWarning,
        onEpoch: (log: { epoch: number; loss: number; valLoss?: number }) => {
          if (log.epoch % 10 === 0)
            say(
              `epoch ${log.epoch}: loss ${log.loss.toFixed(4)}${log.valLoss !== undefined ? ` val_loss ${log.valLoss.toFixed(4)}` : ''}`,
            );
        },
        ...(progress && { onProgress: progress.update }),
      };
      let classifier: TextClassifier;
      let report: FitReport;
      let autoReport: AutoReport | undefined;
      if (auto) {
        const labelTexts = descriptions.length > 0 ? descriptionsByLabel(descriptions) : undefined;
        try {
          ({ classifier, report: autoReport } = await trainAuto(texts, labels, {
            encoder: flags.encoder,
            modelDir: flags.modelDir,
            allowDownload: flags.allowDownload,
            budgetSeconds: flags.budget,
            student: flags.student,
            fit,
            labelTexts,
            signal,
            onStage: say,
          }));
        } finally {
          progress?.stop();
        }
        report = autoReport.fit;
        info(
          `auto recipe chose ${autoReport.chosen} (weights ${autoReport.weights.map((w) => +w.toFixed(3)).join('/')} over ${autoReport.encoders.join(' + ')}): ${autoReport.reason}`,
        );
      } else {
        ({ classifier, report } = await TextClassifier.train(
          texts,
          labels,
          { ...fit, recipe: 'single' },
          { encoder: flags.encoder, modelDir: flags.modelDir, allowDownload: flags.allowDownload },
        ));
      }
      try {
        if (report.calibration) {
          const c = report.calibration;
          info(
            `calibration: temperature ${c.temperature.toFixed(3)}, held-out ECE ${c.eceBefore.toFixed(4)} -> ${c.eceAfter.toFixed(4)} (${c.rows} rows)`,
          );
        }
        info(
          `trained ${report.epochsRun} epochs (best ${report.bestEpoch}) in ${report.seconds.toFixed(1)} s; embedding took ${report.embedSeconds.toFixed(1)} s`,
        );
        let metrics: Record<string, number> | undefined;
        if (evaluation) {
          metrics = summariseMetrics(await classifier.evaluate(evaluation.texts, evaluation.labels));
          info(
            `eval on ${evaluation.dataset.file}: ${Object.entries(metrics)
              .map(([k, v]) => `${k} ${v.toFixed(4)}`)
              .join(', ')}`,
          );
        }
        signal.throwIfAborted();
        await classifier.save(flags.out, {
          data: {
            ...(classifier.training.data as object),
            source: dataset?.file ?? 'label descriptions',
            skippedRows: dataset?.skipped.length ?? 0,
            ...warnings,
          },
          ...(descriptions.length > 0 && { labelDescriptions: descriptions }),
          ...(metrics ? { metrics } : {}),
          ...(autoReport && recipeEntries(classifier.training, recipeRecord(autoReport))),
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
            skippedRows: dataset?.skipped.length ?? 0,
            ...(zeroShot && { zeroShot: true }),
            ...warnings,
            warnings: report.warnings,
            ...(metrics ? { metrics } : {}),
            ...(autoReport && { recipe: recipeRecord(autoReport) }),
            ...(report.calibration && { calibration: report.calibration }),
          });
        }
      } finally {
        await classifier.dispose();
      }
    });
}

function recipeRecord(auto: AutoReport) {
  const { fit: _fit, ...record } = auto;
  return record;
}
