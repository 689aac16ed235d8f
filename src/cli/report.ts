/** `--report FILE` of eval and cv: the target and the chart packages checked before any work, the page written after it. */
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { buildReport, checkReportTarget, writeReport, type ReportSource, loadVega } from '../report/index.js';
import { info } from './output.js';

export function addReportOption(command: Command): void {
  command.option(
    '--report <file>',
    'also write an HTML report: confusion matrix, per-class precision/recall/F1, reliability diagram, score histogram, most confident mistakes (needs the optional packages vega and vega-lite)',
  );
}

/** The path to write, once it is known to be writable, not an input of the run, and the charts can be drawn. */
export async function prepareReport(report: string, inputs: readonly string[]): Promise<string> {
  const target = await checkReportTarget(report, inputs);
  await loadVega();
  return target;
}

export function refuseMultiLabelReport(): never {
  throw new UsageError('REPORT_MULTI_LABEL', '--report draws single-label results; this task is multi-label', {
    hint: 'leave --report out for a multi-label model',
  });
}

export async function saveReport(target: string, source: ReportSource): Promise<void> {
  await writeReport(target, await buildReport(source));
  info(`report written to ${target}`);
}
