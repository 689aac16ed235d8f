/**
 * bench:accuracy — accuracy and macro-F1 of every config in accuracy-configs.ts on the registry
 * corpora (k-fold CV or the official split), training time, k-shot learning curves, confusion
 * matrices of the best finance and medical models, and published reference points.
 *
 *   npx tsx benchmarks/accuracy.ts [--quick] [--json] [--out DIR] [--configs a,b] [--corpora x,y]
 *
 * --configs / --corpora measure only those (the accuracy table alone: no learning curves) and write
 * accuracy-<configs>.md, so a partial run never overwrites the full one.
 */
import path from 'node:path';
import { printJsonResult, reportError } from '../src/cli/output.js';
import { UsageError } from '../src/errors.js';
import { ACCURACY_CONFIGS, LEARNING_CURVE_CONFIGS, type AccuracyConfig } from './accuracy-configs.js';
import {
  describeProtocol,
  EncoderPool,
  learningCurve,
  NEAR_WHOLE_POOL,
  runProtocol,
  type AccuracyRow,
  type ConfusionResult,
  type LearningCurvePoint,
  type Protocol,
  type RunLimits,
} from './lib/accuracy-runs.js';
import { describeMachine, machineLine, type MachineInfo } from './lib/machine.js';
import { round } from './lib/measure.js';
import { isMain, parseBenchFlags, useSharedCorpora, resultName, table, writeResult } from './lib/output.js';
import { confusionChart, lineChart, writeSvg } from './lib/plot.js';
import { REFERENCES } from './references.js';

export const PROTOCOLS: Protocol[] = [
  { corpus: 'fpb50', kind: 'cv', source: 'fpb50', folds: 5 },
  { corpus: 'fpb-all', kind: 'cv', source: 'fpb-all', folds: 5 },
  { corpus: 'banking77', kind: 'split', train: 'banking77-train', test: 'banking77-test' },
  { corpus: 'medical-abstracts', kind: 'cv', source: 'medical-abstracts', folds: 5 },
  { corpus: 'trec', kind: 'split', train: 'trec-train', test: 'trec-test' },
  { corpus: 'sst2', kind: 'split', train: 'sst2-train', test: 'sst2-dev' },
  { corpus: 'hoc', kind: 'split', train: 'hoc-train', test: 'hoc-test' },
  { corpus: 'ag-news', kind: 'cv', source: 'ag-news-test', folds: 5 },
];

export interface AccuracyPlan {
  quick: boolean;
  /** Result file name (default `accuracy` or `accuracy-quick`): `accuracy-<configs>` for a filtered run. */
  name?: string;
  protocols: Protocol[];
  configs: AccuracyConfig[];
  limits: RunLimits;
  learningCurve: { corpora: string[]; configs: string[]; ks: number[]; draws: number; limits: RunLimits };
  /** Corpora whose best config gets a confusion-matrix chart. */
  confusionCorpora: string[];
}

const SEED = 42;

export function accuracyPlan(quick: boolean): AccuracyPlan {
  if (quick) {
    return {
      quick,
      protocols: PROTOCOLS.map((p) => (p.kind === 'cv' ? { ...p, folds: 3 } : p)),
      configs: ACCURACY_CONFIGS,
      limits: { maxRows: 500, maxTestRows: 300, seed: SEED },
      learningCurve: {
        corpora: ['fpb50'],
        configs: LEARNING_CURVE_CONFIGS,
        ks: [8, 32],
        draws: 2,
        limits: { maxTestRows: 300, seed: SEED },
      },
      confusionCorpora: ['fpb50', 'medical-abstracts'],
    };
  }
  return {
    quick,
    protocols: PROTOCOLS,
    configs: ACCURACY_CONFIGS,
    limits: { seed: SEED },
    learningCurve: {
      corpora: ['fpb50', 'banking77'],
      configs: LEARNING_CURVE_CONFIGS,
      ks: [8, 32, 128],
      draws: 5,
      limits: { seed: SEED },
    },
    confusionCorpora: ['fpb50', 'medical-abstracts'],
  };
}

export interface AccuracyResult {
  benchmark: 'accuracy';
  quick: boolean;
  machine: MachineInfo;
  configs: { name: string; description: string; encoder: AccuracyConfig['encoder'] }[];
  accuracy: AccuracyRow[];
  learningCurve: LearningCurvePoint[];
  confusion: ConfusionResult[];
  references: typeof REFERENCES;
  plots: string[];
  totalSeconds: number;
}

export async function runAccuracy(
  plan: AccuracyPlan,
  outDir: string,
  log: (line: string) => void = () => {},
): Promise<AccuracyResult> {
  const started = performance.now();
  const machine = await describeMachine();
  const pool = new EncoderPool();
  const accuracy: AccuracyRow[] = [];
  const confusions: ConfusionResult[] = [];
  const points: LearningCurvePoint[] = [];
  try {
    for (const protocol of plan.protocols) {
      const { rows, confusions: found } = await runProtocol(pool, protocol, plan.configs, plan.limits, log);
      accuracy.push(...rows);
      confusions.push(...found);
    }
    const lc = plan.learningCurve;
    const lcConfigs = plan.configs.filter((c) => lc.configs.includes(c.name));
    for (const corpus of lc.corpora) {
      const protocol = plan.protocols.find((p) => p.corpus === corpus);
      if (!protocol) throw new Error(`learning-curve corpus ${corpus} has no protocol`);
      points.push(...(await learningCurve(pool, protocol, lcConfigs, lc.ks, lc.draws, lc.limits, log)));
    }
  } finally {
    await pool.dispose();
  }

  const name = plan.name ?? resultName('accuracy', plan.quick);
  const best = plan.confusionCorpora.flatMap((corpus) => bestConfusion(corpus, accuracy, confusions));
  const plots: string[] = [];
  if (points.length > 0) {
    const file = `${name}-learning-curves.svg`;
    const rows = points.map((p) => ({ corpus: p.corpus, config: p.config, k: p.k, macroF1: p.macroF1 }));
    await writeSvg(
      path.join(outDir, file),
      lineChart({
        title: 'Macro-F1 vs labelled examples per class',
        rows,
        x: 'k',
        y: 'macroF1',
        series: 'config',
        xTitle: 'examples per class (k)',
        yTitle: 'macro-F1',
        logX: true,
        facet: 'corpus',
      }),
    );
    plots.push(file);
  }
  for (const c of best) {
    const file = `${name}-confusion-${c.corpus}.svg`;
    await writeSvg(
      path.join(outDir, file),
      confusionChart(`${c.corpus}: ${c.config} (summed over folds)`, c.labels, c.confusion),
    );
    plots.push(file);
  }
  const result: AccuracyResult = {
    benchmark: 'accuracy',
    quick: plan.quick,
    machine,
    configs: plan.configs.map((c) => ({ name: c.name, description: c.description, encoder: c.encoder })),
    accuracy,
    learningCurve: points,
    confusion: confusions,
    references: REFERENCES,
    plots,
    totalSeconds: round((performance.now() - started) / 1000, 1),
  };
  writeResult(outDir, name, result, accuracyMarkdown(result, plan));
  return result;
}

function bestConfusion(
  corpus: string,
  rows: readonly AccuracyRow[],
  confusions: readonly ConfusionResult[],
): ConfusionResult[] {
  const candidates = rows.filter(
    (r) => r.corpus === corpus && confusions.some((c) => c.corpus === corpus && c.config === r.config),
  );
  if (candidates.length === 0) return [];
  const winner = candidates.reduce((a, b) => (b.macroF1 > a.macroF1 ? b : a));
  return confusions.filter((c) => c.corpus === corpus && c.config === winner.config);
}

const pm = (mean: number, std: number) => `${mean.toFixed(3)} ± ${std.toFixed(3)}`;

export function accuracyMarkdown(result: AccuracyResult, plan: AccuracyPlan): string {
  const lines = [
    `# Accuracy${result.quick ? ' (quick run)' : ''}`,
    '',
    machineLine(result.machine),
    '',
    `Seed ${SEED}. Every number is measured by \`benchmarks/accuracy.ts\` in this run (${result.totalSeconds} s). ` +
      'CV: stratified folds, mean ± std over folds; split: the official train/test split (std 0). ' +
      'Multi-label (hoc): accuracy is subset accuracy, micro-F1 is the usual headline. ' +
      'Training time: wall clock of one fit, embedding included unless cached from an earlier fold or config of the same encoder.',
    '',
    '### Configurations',
    '',
    ...result.configs.map((c) => `- **${c.name}**: ${c.description}`),
    '',
    '### Results',
    '',
    table(
      ['corpus', 'protocol', 'config', 'accuracy', 'macro-F1', 'micro-F1', 'train s', 'train / test rows', 'note'],
      result.accuracy.map((r) => [
        r.corpus,
        r.protocol,
        r.config,
        pm(r.accuracy, r.accuracyStd),
        pm(r.macroF1, r.macroF1Std),
        r.microF1.toFixed(3),
        r.trainSeconds,
        `${r.trainExamples} / ${r.testExamples}`,
        r.note ?? '',
      ]),
      [false, false, false, true, true, true, true, true, false],
    ),
    '',
    '### Published reference points',
    '',
    'Not measured here: quoted for scale. Different models (mostly fine-tuned transformers), and often different splits.',
    '',
    table(
      ['corpus', 'system', 'metric', 'value', 'source', 'caveat'],
      result.references.map((r) => [r.corpus, r.system, r.metric, r.value, r.source, r.caveat ?? '']),
    ),
    '',
  ];
  if (result.learningCurve.length > 0) {
    const lc = plan.learningCurve;
    lines.push(
      '### Learning curve',
      '',
      `k labelled examples per class drawn from the training pool (${lc.draws} seeded draws; mean ± std), scored on the test split, or on fold 1 of the CV for corpora without one. ` +
        `Where k examples per class take ${Math.round(NEAR_WHOLE_POOL * 100)}% of the pool or more, every draw is nearly the same data, so one draw is run.`,
      '',
      table(
        ['corpus', 'config', 'k', 'train rows', 'draws', 'macro-F1', 'accuracy'],
        result.learningCurve.map((p) => [
          p.corpus,
          p.config,
          p.k,
          p.trainExamples,
          p.draws,
          pm(p.macroF1, p.macroF1Std),
          p.accuracy.toFixed(3),
        ]),
        [false, false, true, true, true, true, true],
      ),
      '',
    );
  }
  if (result.plots.length > 0) lines.push('### Plots', '', ...result.plots.map((file) => `![${file}](${file})`), '');
  lines.push(`Protocols: ${plan.protocols.map((p) => `${p.corpus} = ${describeProtocol(p)}`).join('; ')}.`, '');
  return lines.join('\n');
}

/** The plan restricted to some configs and corpora: the accuracy table alone, under its own result name. */
export function filteredPlan(plan: AccuracyPlan, configs?: string[], corpora?: string[]): AccuracyPlan {
  if (!configs && !corpora) return plan;
  const unknown = [
    ...(configs ?? []).filter((c) => !plan.configs.some((k) => k.name === c)),
    ...(corpora ?? []).filter((c) => !plan.protocols.some((p) => p.corpus === c)),
  ];
  if (unknown.length > 0)
    throw new UsageError('BENCH_ARGS', `unknown config or corpus: ${unknown.join(', ')}`, {
      hint: `configs: ${plan.configs.map((c) => c.name).join(', ')}; corpora: ${plan.protocols.map((p) => p.corpus).join(', ')}`,
    });
  const kept = plan.configs.filter((c) => !configs || configs.includes(c.name));
  return {
    ...plan,
    name: `${resultName('accuracy', plan.quick)}-${kept.map((c) => c.name.replace(/[^a-z0-9]+/gi, '-')).join('-')}`,
    configs: kept,
    protocols: plan.protocols.filter((p) => !corpora || corpora.includes(p.corpus)),
    learningCurve: { ...plan.learningCurve, corpora: [] },
    confusionCorpora: [],
  };
}

async function main(): Promise<void> {
  useSharedCorpora();
  const flags = parseBenchFlags(process.argv.slice(2), ['configs', 'corpora']);
  const plan = filteredPlan(accuracyPlan(flags.quick), flags.lists.configs, flags.lists.corpora);
  const result = await runAccuracy(plan, flags.out, (line) => console.error(line));
  if (flags.json) printJsonResult(result);
  else
    console.log(
      `accuracy: ${result.accuracy.length} rows, ${result.learningCurve.length} learning-curve points in ${result.totalSeconds} s; see ${path.join(flags.out, `${plan.name ?? resultName('accuracy', flags.quick)}.md`)}`,
    );
}

if (isMain(import.meta.url)) main().catch((error: unknown) => process.exit(reportError(error, true)));
