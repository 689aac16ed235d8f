import type { Command } from 'commander';
import { TextClassifier } from '../../classifier.js';
import { formatConfusion } from '../../metrics/index.js';
import { loadLabelledData, type DataFlags } from '../data.js';
import { summariseMetrics } from '../metrics-text.js';
import { addDataOptions, ALLOW_DOWNLOAD_HELP } from '../options.js';
import { interruptSignal } from '../interrupt.js';
import { printJsonResult } from '../output.js';
import { addReportOption, prepareReport, refuseMultiLabelReport, saveReport } from '../report.js';

interface EvalFlags extends DataFlags {
  model: string;
  data: string;
  modelDir?: string;
  allowDownload?: boolean;
  json?: boolean;
  report?: string;
}

export function registerEval(program: Command): void {
  const command = program
    .command('eval')
    .description('score a saved model on a labelled file: metrics and confusion matrix');
  command.requiredOption('--model <dir>', 'checkpoint directory written by train');
  addDataOptions(command);
  command
    .option(
      '--model-dir <dir>',
      'directory holding the encoder model files (else $HEADSTART_MODELS/<name>, then the packaged default)',
    )
    .option('--allow-download', ALLOW_DOWNLOAD_HELP)
    .option('--json', 'print one JSON object with the results as the last line of stdout');
  addReportOption(command);
  command.action(async (flags: EvalFlags) => {
    const signal = interruptSignal();
    const reportTarget =
      flags.report === undefined ? undefined : await prepareReport(flags.report, [flags.data, flags.model]);
    const classifier = await TextClassifier.load(flags.model, {
      modelDir: flags.modelDir,
      allowDownload: flags.allowDownload,
    });
    try {
      if (reportTarget && classifier.multiLabel) refuseMultiLabelReport();
      // A multi-label model reads a single label as a list of one, as training with --multi-label did.
      const { dataset, texts, labels } = await loadLabelledData(flags.data, {
        ...flags,
        multiLabel: classifier.multiLabel || undefined,
      });
      const scored = await classifier.evaluateWithScores(texts, labels, { signal });
      const report = scored.report;
      const headline = summariseMetrics(report);
      const lines = [
        `${dataset.file}: ${texts.length} examples`,
        ...Object.entries(headline).map(([name, value]) => `${name.padEnd(14)} ${value.toFixed(4)}`),
        '',
      ];
      const perClass = 'perClass' in report ? report.perClass : report.perLabel;
      lines.push(`${'label'.padEnd(28)} precision  recall     f1  support`);
      for (const row of perClass) {
        lines.push(
          `${row.label.slice(0, 28).padEnd(28)} ${row.precision.toFixed(4).padStart(9)} ${row.recall.toFixed(4).padStart(7)} ${row.f1.toFixed(4).padStart(6)} ${String(row.support).padStart(8)}`,
        );
      }
      if ('confusion' in report)
        lines.push(
          '',
          'confusion matrix (rows: true, columns: predicted)',
          formatConfusion(report.confusion, [...classifier.labels]),
        );
      process.stdout.write(`${lines.join('\n')}\n`);
      if (reportTarget && scored.kind === 'single') {
        const { probabilities, targets, predicted } = scored;
        await saveReport(reportTarget, {
          command: 'eval',
          model: flags.model,
          data: dataset.file,
          date: new Date(),
          labels: probabilities.labels,
          texts,
          probabilities: probabilities.data,
          targets,
          predicted,
          report: scored.report,
        });
      }
      if (flags.json)
        printJsonResult({
          command: 'eval',
          model: flags.model,
          data: dataset.file,
          examples: texts.length,
          ...headline,
          report,
        });
    } finally {
      await classifier.dispose();
    }
  });
}
