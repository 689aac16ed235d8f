/**
 * Knowledge distillation: a potion MLP student trained on the soft labels of a fused potion +
 * TF-IDF teacher (the `auto` recipe's ensemble, trained without its time budget so the fusion is
 * always the teacher), against the teacher and against the same potion MLP trained on the hard
 * labels. Macro-F1 on each corpus's official test split, texts/s of each model measured side by
 * side (alternating passes over the test texts, best of 5; encoding included).
 *
 *   npx tsx benchmarks/distill.ts [--quick] [--json] [--only banking77,trec]
 *
 * Two settings per corpus: every training label; and 20% of the training rows labelled (teacher,
 * student and baseline see only those labels) with the other 80% given to the student as
 * unlabelled in-domain text. No test text is ever used for training.
 * --quick trains on a stratified 2,000-row subsample. Writes benchmarks/results/distill{,-quick}.{json,md}.
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import { TextClassifier } from '../src/classifier.js';
import { compareOnTexts, type Comparison } from '../src/distill/compare.js';
import { distill, DEFAULT_TEMPERATURE } from '../src/distill/distill.js';
import type { EncoderSpec } from '../src/encoders/encoder.js';
import { DEFAULT_TFIDF_OPTIONS } from '../src/encoders/lexical/tfidf.js';
import { DEFAULT_ALPHA } from '../src/heads/targets.js';
import { encodeTargets } from '../src/labels.js';
import { stratifiedSplit } from '../src/splits/index.js';
import { loadLabelled, pick, strataOf, subsample, subset, type LabelledData } from './lib/corpora.js';
import { describeMachine, type MachineInfo } from './lib/machine.js';
import { round, timed } from './lib/measure.js';
import { defaultResultsDir, isMain, resultName, table, useSharedCorpora, writeResult } from './lib/output.js';

const SEED = 42;
const QUICK_TRAIN_ROWS = 2000;
const TIMING_ROUNDS = 5;
const LOW_LABEL_SHARE = 0.2;
/** The fused TF-IDF member of the auto recipe (src/recipes/auto.ts). */
const TEACHER_TFIDF: EncoderSpec = { type: 'tfidf', ...DEFAULT_TFIDF_OPTIONS, maxFeatures: 5000 };

const CORPORA = [
  { name: 'banking77', train: 'banking77-train', test: 'banking77-test' },
  { name: 'trec', train: 'trec-train', test: 'trec-test' },
];

interface ModelResult {
  model: string;
  macroF1: number;
  accuracy: number;
  textsPerSecond: number;
  /** Student texts/s over teacher texts/s, measured alternately on the test texts. */
  speedup?: number;
  /** Share of test texts given the teacher's label. */
  agreement?: number;
  trainSeconds: number;
  trainingRows: number;
}

interface SettingResult {
  corpus: string;
  setting: string;
  labelledRows: number;
  unlabelledRows: number;
  testRows: number;
  teacherFusionWeights: number[];
  models: ModelResult[];
}

async function runSetting(
  corpus: string,
  setting: string,
  labelled: LabelledData,
  unlabelled: string[],
  test: LabelledData,
): Promise<SettingResult> {
  const labels = labelled.labels as string[];
  const testLabels = test.labels as string[];
  process.stderr.write(`${corpus}, ${setting}: teacher (potion + TF-IDF fusion) on ${labelled.texts.length} rows\n`);
  const teacherRun = await timed(async () => {
    const teacher = await TextClassifier.create({ encoder: 'potion', fuseWith: [TEACHER_TFIDF] });
    return { teacher, report: await teacher.fit(labelled.texts, labels, { priorCorrection: true, seed: SEED }) };
  });
  const { teacher, report: teacherReport } = teacherRun.value;
  const testTargets = encodeTargets(testLabels, teacher.labels).labels as Int32Array;
  const models: ModelResult[] = [];
  const side = (
    model: string,
    s: Comparison['teacher'],
    trainSeconds: number,
    trainingRows: number,
    comparison?: Comparison,
  ): ModelResult => ({
    model,
    macroF1: round(s.macroF1!, 4),
    accuracy: round(s.accuracy!, 4),
    textsPerSecond: Math.round(s.textsPerSecond),
    ...(comparison && { speedup: round(comparison.speedup, 2), agreement: round(comparison.agreement, 4) }),
    trainSeconds: round(trainSeconds, 1),
    trainingRows,
  });
  try {
    const students: [string, string[], boolean][] = [
      ["student: potion MLP on the teacher's soft labels", [], false],
      ["student: potion MLP and fine-tuned table on the teacher's soft labels", [], true],
    ];
    if (unlabelled.length > 0)
      students.push([
        `student: potion MLP on soft labels of the labelled + ${unlabelled.length} unlabelled texts`,
        unlabelled,
        false,
      ]);
    let teacherSide: ModelResult | undefined;
    for (const [model, unlabeledTexts, fineTune] of students) {
      process.stderr.write(`${corpus}, ${setting}: ${model}\n`);
      const run = await timed(() =>
        distill({
          teacher,
          texts: labelled.texts,
          labels,
          unlabeledTexts,
          evaluation: { texts: test.texts, labels: testLabels },
          student: { fit: { seed: SEED, fineTune } },
          timingRounds: TIMING_ROUNDS,
        }),
      );
      const { classifier, report } = run.value;
      await classifier.dispose();
      const comparison = report.comparison!;
      teacherSide ??= side(
        `teacher: ${report.teacher.encoders.join(' + ')} (weights ${(teacherReport.fusion?.weights ?? [1]).join('/')})`,
        comparison.teacher,
        teacherRun.seconds,
        labelled.texts.length,
      );
      models.push(side(model, comparison.student, run.seconds, report.trainingRows, comparison));
    }
    models.unshift(teacherSide!);

    process.stderr.write(`${corpus}, ${setting}: potion MLP on hard labels\n`);
    const hardRun = await timed(() =>
      TextClassifier.train(labelled.texts, labels, { recipe: 'single', seed: SEED }, { encoder: 'potion' }),
    );
    try {
      const comparison = await compareOnTexts(teacher, hardRun.value.classifier, test.texts, testTargets, {
        rounds: TIMING_ROUNDS,
      });
      models.push(
        side('potion MLP on the hard labels', comparison.student, hardRun.seconds, labelled.texts.length, comparison),
      );
    } finally {
      await hardRun.value.classifier.dispose();
    }
  } finally {
    await teacher.dispose();
  }
  return {
    corpus,
    setting,
    labelledRows: labelled.texts.length,
    unlabelledRows: unlabelled.length,
    testRows: test.texts.length,
    teacherFusionWeights: teacherReport.fusion?.weights ?? [1],
    models,
  };
}

async function runCorpus(corpus: (typeof CORPORA)[number], quick: boolean): Promise<SettingResult[]> {
  const full = await loadLabelled(corpus.train);
  const train = quick ? subsample(full, QUICK_TRAIN_ROWS, SEED) : full;
  const test = await loadLabelled(corpus.test);
  const few = stratifiedSplit(strataOf(train.labels, false), LOW_LABEL_SHARE, SEED);
  return [
    await runSetting(corpus.name, 'all training labels', train, [], test),
    await runSetting(
      corpus.name,
      `${LOW_LABEL_SHARE * 100}% of the training labels`,
      subset(train, few.test),
      pick(train.texts, few.train),
      test,
    ),
  ];
}

function markdown(results: SettingResult[], machine: MachineInfo, quick: boolean, seconds: number): string {
  const rows = results.flatMap((r) =>
    r.models.map((m) => [
      r.corpus,
      r.setting,
      m.model,
      m.trainingRows,
      m.macroF1,
      m.accuracy,
      m.agreement ?? '',
      m.textsPerSecond,
      m.speedup?.toFixed(2) ?? '',
      m.trainSeconds,
    ]),
  );
  return [
    `# Distillation${quick ? ' (quick)' : ''}`,
    '',
    `${machine.date} · ${machine.cpuModel}, ${machine.physicalCores} physical cores, load average ${machine.loadAverage} at start · node ${machine.versions.node}, tfjs ${machine.versions.tfjs} (${machine.versions.tfBackend} backend)`,
    '',
    `Seed ${SEED}, temperature ${DEFAULT_TEMPERATURE}, alpha ${DEFAULT_ALPHA} (the defaults). Test: the official test split, never trained on. ` +
      `"${LOW_LABEL_SHARE * 100}% of the training labels": a stratified ${LOW_LABEL_SHARE * 100}% of the training rows keep their labels (the teacher and the baselines train on those alone); the student may also read the other rows' texts, unlabelled. ` +
      `${quick ? `Training sets subsampled to ${QUICK_TRAIN_ROWS} rows. ` : ''}texts/s: predictProba over the test texts (encoding included), each model alternating with the teacher, best of ${TIMING_ROUNDS} passes; speedup = model / teacher. ` +
      `Agreement: share of test texts given the teacher's label. Train s: wall clock (a student's includes the teacher labelling its texts and the timed comparison). Run took ${round(seconds, 1)} s.`,
    '',
    table(
      [
        'corpus',
        'setting',
        'model',
        'training rows',
        'macro-F1',
        'accuracy',
        'agreement with teacher',
        'texts/s',
        'speedup',
        'train s',
      ],
      rows,
      [false, false, false, true, true, true, true, true, true, true],
    ),
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  useSharedCorpora();
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      out: { type: 'string', default: defaultResultsDir },
      only: { type: 'string' },
    },
  });
  const only = values.only?.split(',');
  const started = performance.now();
  const machine = await describeMachine();
  const results: SettingResult[] = [];
  for (const corpus of CORPORA.filter((c) => !only || only.includes(c.name)))
    results.push(...(await runCorpus(corpus, values.quick!)));
  const seconds = (performance.now() - started) / 1000;
  const result = {
    bench: 'distill',
    quick: values.quick,
    seed: SEED,
    temperature: DEFAULT_TEMPERATURE,
    alpha: DEFAULT_ALPHA,
    machine,
    seconds: round(seconds, 1),
    results,
  };
  writeResult(
    path.resolve(values.out!),
    resultName('distill', values.quick!),
    result,
    markdown(results, machine, values.quick!, seconds),
  );
  process.stdout.write(
    values.json ? `${JSON.stringify(result)}\n` : markdown(results, machine, values.quick!, seconds),
  );
}

if (isMain(import.meta.url)) await main();
