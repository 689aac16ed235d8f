import type { Command } from 'commander';
import { TextClassifier } from '../../classifier.js';
import { readDataset } from '../../data/index.js';
import { distill, DEFAULT_HOLD_OUT, DEFAULT_TEMPERATURE, type DistillReport } from '../../distill/index.js';
import { DEFAULT_ALPHA } from '../../heads/index.js';
import { checkCheckpointTarget } from '../../checkpoint/index.js';
import { definedPaths, loadLabelledData, readOptionsFrom, type DataFlags } from '../data.js';
import { printTaskWarning, reportDataWarnings } from '../data-warnings.js';
import { interruptSignal } from '../interrupt.js';
import {
  addDataOptions,
  addEncoderOptions,
  addTrainingOptions,
  fitOptionsFrom,
  fraction,
  positiveNumber,
  type TrainingFlags,
} from '../options.js';
import { info, printJsonResult } from '../output.js';

interface DistillFlags extends DataFlags, TrainingFlags {
  teacher: string;
  data: string;
  unlabeled?: string;
  evalData?: string;
  out: string;
  encoder: string;
  modelDir?: string;
  allowDownload?: boolean;
  temperature: number;
  alpha: number;
  holdOut: number;
  json?: boolean;
}

export function registerDistill(program: Command): void {
  const command = program
    .command('distill')
    .description(
      "train a fast student (one head over --encoder, potion by default) on a teacher checkpoint's soft labels, and compare the two",
    );
  command.requiredOption(
    '--teacher <dir>',
    'checkpoint of the teacher (any single-label headstart model, e.g. an auto recipe one)',
  );
  addDataOptions(command);
  command
    .option(
      '--unlabeled <file>',
      'extra in-domain texts without labels, one per line (or a csv/jsonl file or corpus name, whose text field is read); blank lines are skipped and counted',
    )
    .option('--eval-data <file>', 'labelled file to compare teacher and student on (else a held-out split of --data)')
    .option(
      '--hold-out <f>',
      'without --eval-data: share of --data held out from the student to compare on (0: none)',
      fraction('--hold-out', 0.9),
      DEFAULT_HOLD_OUT,
    )
    .option(
      '--temperature <t>',
      "softening temperature of the teacher's probabilities",
      positiveNumber('--temperature'),
      DEFAULT_TEMPERATURE,
    )
    .option(
      '--alpha <a>',
      'weight of the hard-label loss (the rest goes to the soft labels)',
      fraction('--alpha'),
      DEFAULT_ALPHA,
    );
  addEncoderOptions(command);
  addTrainingOptions(command);
  command
    .requiredOption(
      '--out <dir>',
      'checkpoint directory for the student: a new path, an empty directory or an earlier checkpoint (replaced atomically)',
    )
    .option('--json', 'print one JSON object with the results as the last line of stdout')
    .action(async (flags: DistillFlags) => {
      const signal = interruptSignal();
      await checkCheckpointTarget(flags.out, definedPaths(flags.teacher, flags.data, flags.unlabeled, flags.evalData));
      const teacher = await TextClassifier.load(flags.teacher, {
        modelDir: flags.modelDir,
        allowDownload: flags.allowDownload,
      });
      try {
        const { dataset, texts, labels } = await loadLabelledData(flags.data, flags);
        info(
          `read ${dataset.examples.length} examples, ${dataset.labelSet.length} labels from ${dataset.file}${dataset.skipped.length ? ` (${dataset.skipped.length} rows skipped)` : ''}`,
        );
        const warnings = reportDataWarnings(dataset);
        const unlabeled = flags.unlabeled !== undefined ? await readUnlabeled(flags.unlabeled, flags) : undefined;
        const evaluation = flags.evalData !== undefined ? await loadLabelledData(flags.evalData, flags) : undefined;
        const { classifier, report } = await distill({
          teacher,
          texts,
          labels: labels as string[],
          unlabeledTexts: unlabeled?.texts,
          student: {
            encoder: flags.encoder,
            fit: {
              ...fitOptionsFrom(flags),
              onEpoch: (log) => {
                if (log.epoch % 10 === 0)
                  info(
                    `epoch ${log.epoch}: loss ${log.loss.toFixed(4)}${log.valLoss !== undefined ? ` val_loss ${log.valLoss.toFixed(4)}` : ''}`,
                  );
              },
            },
          },
          temperature: flags.temperature,
          alpha: flags.alpha,
          holdOut: flags.holdOut,
          evaluation: evaluation && { texts: evaluation.texts, labels: evaluation.labels as string[] },
          modelDir: flags.modelDir,
          allowDownload: flags.allowDownload,
          signal,
          onStage: info,
          onWarning: printTaskWarning,
        });
        try {
          const comparison = comparisonLines(report);
          comparison.forEach((line) => info(line));
          signal.throwIfAborted();
          const sources = {
            source: dataset.file,
            skippedRows: dataset.skipped.length,
            ...(unlabeled && { unlabeledSource: unlabeled.file, blankUnlabeledLines: unlabeled.blank }),
            ...(evaluation && { evalSource: evaluation.dataset.file }),
          };
          await classifier.save(flags.out, {
            data: { ...(classifier.training.data as object), ...sources, ...warnings },
            distillation: { ...(classifier.training.distillation as object), teacherDir: flags.teacher },
            ...(report.comparison && { metrics: studentMetrics(report) }),
          });
          info(`saved ${flags.out}`);
          if (flags.json) {
            printJsonResult({
              command: 'distill',
              out: flags.out,
              teacherDir: flags.teacher,
              ...sources,
              ...warnings,
              ...report,
            });
          }
        } finally {
          await classifier.dispose();
        }
      } finally {
        await teacher.dispose();
      }
    });
}

async function readUnlabeled(
  source: string,
  flags: DistillFlags,
): Promise<{ file: string; texts: string[]; blank: number }> {
  const { path, options } = readOptionsFrom(
    source,
    { ...flags, format: 'auto', textField: undefined, labelField: undefined, delimiter: undefined },
    false,
  );
  const dataset = await readDataset(path, options);
  const texts = dataset.examples.map((example) => example.text).filter((text) => text.trim() !== '');
  const blank = dataset.examples.length - texts.length;
  info(`read ${texts.length} unlabelled texts from ${dataset.file}${blank ? ` (${blank} blank lines skipped)` : ''}`);
  return { file: dataset.file, texts, blank };
}

/** The student's scores for its model card: on the evaluation set or the held-out split. */
function studentMetrics(report: DistillReport): Record<string, number> {
  const { student, teacher, agreement, speedup } = report.comparison!;
  return {
    ...(student.accuracy !== undefined && {
      accuracy: student.accuracy,
      macroF1: student.macroF1!,
      teacherMacroF1: teacher.macroF1!,
    }),
    agreementWithTeacher: agreement,
    speedupOverTeacher: speedup,
  };
}

function comparisonLines(report: DistillReport): string[] {
  const c = report.comparison;
  const lines = [
    `student trained on ${report.trainingRows} soft labels (${report.labelledTexts} labelled + ${report.unlabeledTexts} unlabelled texts) in ${report.student.trainSeconds.toFixed(1)} s`,
  ];
  if (!c) return lines;
  const side = (name: string, s: { textsPerSecond: number; accuracy?: number; macroF1?: number }) =>
    `${name.padEnd(8)} ${s.macroF1 !== undefined ? `macro-F1 ${s.macroF1.toFixed(4)}  accuracy ${s.accuracy!.toFixed(4)}  ` : ''}${Math.round(s.textsPerSecond)} texts/s`;
  lines.push(
    `on ${c.rows} ${c.source} texts:`,
    side('teacher', c.teacher),
    side('student', c.student),
    `agreement ${c.agreement.toFixed(4)}, student ${c.speedup.toFixed(1)}x the teacher's speed`,
  );
  return lines;
}
