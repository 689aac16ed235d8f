/**
 * Trains the ready-to-use models shipped in `checkpoints/` from the shared benchmark corpora
 * (`../shared/corpora` or $HEADSTART_CORPORA), deterministically (seed 42):
 *   1. held-out figures: one MLP head over the frozen default encoder trained on the training split,
 *      scored on the official test split (Banking77) or a stratified 20% held out (the others), and
 *      the `auto` recipe on the same split for comparison (skipped with --no-auto);
 *   2. the shipped model: the same head trained on every training row, saved with a model card
 *      that states the task, data, licence, held-out figures, size and use;
 *   3. `checkpoints/README.md`, the index table.
 * Kept small on purpose: a head over the frozen encoder (a fine-tuned table would add 7.5 MB), the
 * encoder itself ships once with headstart.
 * Run: npm run checkpoints [-- --no-auto]
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  EmbeddingCache,
  TextClassifier,
  createEncoder,
  readDataset,
  resolveDataSource,
  stratifiedSplit,
  type FitOptions,
  type FitReport,
  type ModelCardProse,
} from '../src/index.js';
import { useSharedCorpora } from './shared-data.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const checkpointsDir = path.join(repoRoot, 'checkpoints');
const SEED = 42;
const HELD_OUT_FRACTION = 0.2;
const SHIPPED_FIT: FitOptions = { recipe: 'single', seed: SEED };
/** Generous, so that the comparison measures the whole auto recipe even on a loaded machine. */
const AUTO_BUDGET_SECONDS = 3600;
const MAX_CHECKPOINT_BYTES = 10 * 1024 * 1024;

interface Licence {
  name: string;
  url: string;
  /** What using the model under this licence means, in one or two sentences. */
  terms: string;
}

interface Plan {
  name: string;
  /** A few words for the index table. */
  summary: string;
  task: string;
  /** Registry name of the training corpus (all of its rows train the shipped model). */
  corpus: string;
  /** Registry name of the official test split; without one a stratified 20% is held out. */
  testCorpus?: string;
  data: { name: string; file: string; rows: string; source: string; citation: string };
  licence: Licence;
  /** The auto recipe's figure in benchmarks/results/accuracy.md. */
  benchmark: { protocol: string; accuracy: number; macroF1: number };
  /** A sentence to show in the card's usage example. */
  example: string;
}

const PLANS: Plan[] = [
  {
    name: 'finance-sentiment',
    summary: 'financial-news sentiment',
    task: 'Sentiment of an English financial-news sentence from an investor’s point of view: `positive`, `negative` or `neutral`.',
    corpus: 'fpb50',
    data: {
      name: 'Financial PhraseBank v1.0',
      file: '`Sentences_50Agree.txt` (sentences on which at least 50% of the annotators agree)',
      rows: '4,846 sentences: 2,879 neutral, 1,363 positive, 604 negative',
      source:
        'Malo et al.; the copy used is byte-for-byte `data/FinancialPhraseBank-v1.0/Sentences_50Agree.txt` of github.com/wychen-null/project_nlp_cuda @ 85f8c4f (sha256 `13388b8b…`), text-identical to the original Aalto release',
      citation:
        'Malo, P., Sinha, A., Korhonen, P., Wallenius, J., Takala, P. (2014). Good debt or bad debt: Detecting semantic orientations in economic texts. JASIST 65(4):782-796. arXiv:1307.5336',
    },
    licence: {
      name: 'CC BY-NC-SA 3.0 Unported',
      url: 'https://creativecommons.org/licenses/by-nc-sa/3.0/',
      terms:
        '**Non-commercial use only.** Commercial use needs a licence from the dataset’s authors (Pekka Malo, Ankur Sinha, Aalto University). Share adaptations under the same licence and credit the authors.',
    },
    benchmark: { protocol: '5-fold CV on fpb50', accuracy: 0.784, macroF1: 0.75 },
    example: 'Operating profit rose to EUR 13.1 mn from EUR 8.7 mn.',
  },
  {
    name: 'medical-topic',
    summary: 'disease class of a medical abstract',
    task: 'Disease class of an English medical abstract: `neoplasms`, `digestive system diseases`, `nervous system diseases`, `cardiovascular diseases` or `general pathological conditions` (a broad catch-all class).',
    corpus: 'medical-abstracts',
    data: {
      name: 'Medical Abstracts Text Classification',
      file: '`medical_tc_test.csv` (the corpus’s published test split; its 11,550-row training split is not among the shared corpora)',
      rows: '2,888 abstracts: 961 general pathological conditions, 633 neoplasms, 610 cardiovascular, 385 nervous system, 299 digestive system',
      source:
        'Schopf et al.; the copy used is byte-for-byte `medical_tc_test.csv` of github.com/sebischair/Medical-Abstracts-TC-Corpus @ 70a2d91 (sha256 `1eecea73…`)',
      citation:
        'Schopf, T., Braun, D., Matthes, F. (2023). Evaluating Unsupervised Text Classification: Zero-Shot and Similarity-Based Approaches. NLPIR 2022, pp. 6-15. doi:10.1145/3582768.3582795',
    },
    licence: {
      name: 'CC BY-SA 3.0 Unported',
      url: 'https://creativecommons.org/licenses/by-sa/3.0/',
      terms:
        'Commercial use is allowed. Credit the dataset’s authors and share adaptations under the same licence (ShareAlike).',
    },
    benchmark: { protocol: '5-fold CV on medical-abstracts', accuracy: 0.575, macroF1: 0.571 },
    example: 'Patients with metastatic breast carcinoma received adjuvant chemotherapy after resection of the tumour.',
  },
  {
    name: 'banking-intent',
    summary: 'online-banking customer intent',
    task: 'Intent of an English online-banking customer query: one of the 77 BANKING77 intents (`card_arrival`, `lost_or_stolen_card`, `exchange_rate`, …; listed below).',
    corpus: 'banking77-train',
    testCorpus: 'banking77-test',
    data: {
      name: 'BANKING77',
      file: '`train.csv` (the official training split)',
      rows: '10,003 queries over 77 intents (35 to 187 per intent)',
      source:
        'Casanueva et al. (PolyAI); the copy used is byte-for-byte `banking_data/train.csv` of github.com/PolyAI-LDN/task-specific-datasets @ 57ec275 (sha256 `b06e26ac…`)',
      citation:
        'Casanueva, I., Temčinas, T., Gerz, D., Henderson, M., Vulić, I. (2020). Efficient Intent Detection with Dual Sentence Encoders. NLP4ConvAI @ ACL 2020. arXiv:2003.04807',
    },
    licence: {
      name: 'CC BY 4.0',
      url: 'https://creativecommons.org/licenses/by/4.0/',
      terms: 'Commercial use is allowed. Credit the dataset’s authors (and say if you changed the model).',
    },
    benchmark: { protocol: 'train banking77-train / test banking77-test', accuracy: 0.926, macroF1: 0.926 },
    example: 'I still have not received my new card, when will it arrive?',
  },
];

interface Scores {
  accuracy: number;
  macroF1: number;
  trainSeconds: number;
}

interface Outcome {
  plan: Plan;
  protocol: string;
  trainRows: number;
  testRows: number;
  single: Scores;
  /** `members`: what the recipe fused; `bytes`: the size of its checkpoint. */
  auto?: (Scores & { members: string; bytes: number }) | undefined;
  labels: number;
  shippedRows: number;
  shippedSeconds: number;
  bytes: number;
}

async function readCorpus(name: string): Promise<{ texts: string[]; labels: string[]; labelSet: string[] }> {
  const source = resolveDataSource(name);
  const data = await readDataset(source.path, source.options);
  return {
    texts: data.examples.map((e) => e.text),
    labels: data.examples.map((e) => e.labels[0]),
    labelSet: data.labelSet,
  };
}

const pick = <T>(items: readonly T[], rows: Int32Array): T[] => Array.from(rows, (i) => items[i]);
const round = (value: number, digits = 4) => Number(value.toFixed(digits));

/** Trains on `train`, scores on `test`; `inspect` sees the trained classifier and its report before it is disposed. */
async function trainAndScore<T>(
  create: () => Promise<TextClassifier>,
  train: { texts: string[]; labels: string[] },
  test: { texts: string[]; labels: string[] },
  fit: FitOptions,
  inspect: (classifier: TextClassifier, report: FitReport) => Promise<T>,
): Promise<Scores & T> {
  const classifier = await create();
  try {
    const started = performance.now();
    const report = await classifier.fit(train.texts, train.labels, fit);
    const trainSeconds = (performance.now() - started) / 1000;
    const scores = await classifier.evaluate(test.texts, test.labels);
    if (!('macroF1' in scores && 'accuracy' in scores)) throw new Error('expected a single-label report');
    return {
      accuracy: round(scores.accuracy),
      macroF1: round(scores.macroF1),
      trainSeconds: round(trainSeconds, 1),
      ...(await inspect(classifier, report)),
    };
  } finally {
    await classifier.dispose();
  }
}

/** What the auto recipe trained and how large its checkpoint is (saved to a temporary directory and removed). */
async function describeAuto(
  classifier: TextClassifier,
  report: FitReport,
): Promise<{ members: string; bytes: number }> {
  const { chosen = 'auto', encoders = [], weights = [] } = report.recipe ?? {};
  // Members the mix gave no weight are dropped from the model, so they go unnamed.
  const used = encoders
    .map((encoder, i) => ({ encoder, weight: weights[i] ?? 1 }))
    .filter((member) => member.weight > 0);
  const members = `${chosen}: ${used.map(({ encoder, weight }) => (used.length > 1 ? `${encoder} ×${weight.toFixed(2)}` : encoder)).join(' + ')}`;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-auto-'));
  try {
    await classifier.save(path.join(dir, 'model'));
    return { members, bytes: await directoryBytes(path.join(dir, 'model')) };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

function formatBytes(bytes: number): string {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(0)} KB` : `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await fs.readdir(dir)) total += (await fs.stat(path.join(dir, name))).size;
  return total;
}

async function build(plan: Plan, measureAuto: boolean): Promise<Outcome> {
  // One encoder and one embedding cache per corpus: every fit below embeds each text once.
  const encoder = await createEncoder('potion');
  const cache = new EmbeddingCache(encoder.fingerprint);
  const create = () => TextClassifier.create({ encoder, cache });
  try {
    const all = await readCorpus(plan.corpus);
    let train: { texts: string[]; labels: string[] };
    let test: { texts: string[]; labels: string[] };
    let protocol: string;
    if (plan.testCorpus) {
      train = all;
      test = await readCorpus(plan.testCorpus);
      protocol = `trained on ${plan.corpus} (${all.texts.length} rows), scored on the official test split ${plan.testCorpus} (${test.texts.length} rows)`;
    } else {
      const strata = Int32Array.from(all.labels, (label) => all.labelSet.indexOf(label));
      const split = stratifiedSplit(strata, HELD_OUT_FRACTION, SEED);
      train = { texts: pick(all.texts, split.train), labels: pick(all.labels, split.train) };
      test = { texts: pick(all.texts, split.test), labels: pick(all.labels, split.test) };
      protocol = `trained on ${train.texts.length} rows of ${plan.corpus}, scored on a stratified ${HELD_OUT_FRACTION * 100}% held out (${test.texts.length} rows, seed ${SEED}; there is no separate test split to use)`;
    }
    console.log(`${plan.name}: ${protocol}`);
    const single = await trainAndScore(create, train, test, SHIPPED_FIT, async () => ({}));
    console.log(`  one MLP head: accuracy ${single.accuracy}, macro-F1 ${single.macroF1} (${single.trainSeconds} s)`);
    let auto: Outcome['auto'];
    if (measureAuto) {
      auto = await trainAndScore(
        create,
        train,
        test,
        { recipe: 'auto', seed: SEED, budgetSeconds: AUTO_BUDGET_SECONDS },
        describeAuto,
      );
      console.log(
        `  auto recipe: accuracy ${auto.accuracy}, macro-F1 ${auto.macroF1} (${auto.trainSeconds} s; ${auto.members}; ${formatBytes(auto.bytes)})`,
      );
    }

    const shipped = await create();
    try {
      const started = performance.now();
      await shipped.fit(all.texts, all.labels, SHIPPED_FIT);
      const shippedSeconds = round((performance.now() - started) / 1000, 1);
      const outcome: Outcome = {
        plan,
        protocol,
        trainRows: train.texts.length,
        testRows: test.texts.length,
        single,
        auto,
        labels: shipped.labels.length,
        shippedRows: all.texts.length,
        shippedSeconds,
        bytes: 0,
      };
      const dir = path.join(checkpointsDir, plan.name);
      // Saved twice: the card states the checkpoint's size, which the first save measures (the
      // second differs by a few bytes of the card at most, under the KB the card rounds to).
      for (let pass = 0; pass < 2; pass++) {
        await shipped.save(dir, trainingFacts(outcome), { card: card(outcome) });
        outcome.bytes = await directoryBytes(dir);
      }
      if (outcome.bytes >= MAX_CHECKPOINT_BYTES)
        throw new Error(`${dir} is ${outcome.bytes} bytes, over the 10 MB a shipped checkpoint may take`);
      console.log(
        `  shipped: ${all.texts.length} rows, ${shippedSeconds} s, ${formatBytes(outcome.bytes)} in ${path.relative(repoRoot, dir)}`,
      );
      return outcome;
    } finally {
      await shipped.dispose();
    }
  } finally {
    await encoder.dispose();
  }
}

/** Machine-readable facts for `headstart.json` (the card says the same in prose). */
function trainingFacts(outcome: Outcome): Record<string, unknown> {
  const { plan } = outcome;
  return {
    corpus: {
      name: plan.corpus,
      title: `${plan.data.name}, ${plan.data.file}`,
      source: plan.data.source,
      citation: plan.data.citation,
    },
    licence: { name: plan.licence.name, url: plan.licence.url, derivedFromData: true },
    heldOut: {
      protocol: outcome.protocol,
      single: outcome.single,
      ...(outcome.auto && { auto: outcome.auto }),
      autoBenchmark: plan.benchmark,
    },
  };
}

function card(outcome: Outcome): ModelCardProse {
  const { plan, single, auto } = outcome;
  const dir = `checkpoints/${plan.name}`;
  const rows = [
    `| this model: one MLP head over the frozen encoder, ${formatBytes(outcome.bytes)} | ${outcome.protocol} | ${single.accuracy.toFixed(3)} | ${single.macroF1.toFixed(3)} |`,
    ...(auto
      ? [
          `| headstart's default \`auto\` recipe (${auto.members}), ${formatBytes(auto.bytes)} | the same split | ${auto.accuracy.toFixed(3)} | ${auto.macroF1.toFixed(3)} |`,
        ]
      : []),
    `| \`auto\` recipe, \`benchmarks/results/accuracy.md\` | ${plan.benchmark.protocol} | ${plan.benchmark.accuracy.toFixed(3)} | ${plan.benchmark.macroF1.toFixed(3)} |`,
  ];
  return {
    title: plan.name,
    sections: [
      {
        body: `${plan.task}\n\nA ready-to-use headstart model: a small MLP head over the frozen \`potion-base-4m-int8\` encoder, which ships with headstart (the checkpoint names it and its fingerprint; nothing is downloaded). Trained by \`scripts/train-checkpoints.ts\` (\`npm run checkpoints\`, seed ${SEED}) on all ${outcome.shippedRows.toLocaleString('en')} rows of \`${plan.corpus}\` in ${outcome.shippedSeconds} s.`,
      },
      {
        heading: 'Licence',
        body: `This model is derived from the ${plan.data.name} data set and carries its licence, **${plan.licence.name}** (${plan.licence.url}), not headstart's MIT licence. ${plan.licence.terms}`,
      },
      {
        heading: 'Use',
        body: [
          '```sh',
          `npx headstart predict --model ${dir} --input texts.txt     # one text per line; JSONL out`,
          '```',
          '',
          '```ts',
          "import { TextClassifier } from 'headstart';",
          `const model = await TextClassifier.load('${dir}'); // in an installed package: node_modules/headstart/${dir}`,
          `console.log(await model.predict(${JSON.stringify(plan.example)}));`,
          '```',
          '',
          'Probabilities are temperature-scaled on a held-out tenth of the training rows.',
        ].join('\n'),
      },
      {
        heading: 'Training data',
        body: `- ${plan.data.name}, ${plan.data.file}: ${plan.data.rows}.\n- Source: ${plan.data.source}.\n- Citation: ${plan.data.citation}.\n- Licence: ${plan.licence.name}.`,
      },
      {
        heading: 'Held-out accuracy',
        body: [
          plan.testCorpus
            ? `The shipped model is the one scored here: trained on all ${outcome.trainRows.toLocaleString('en')} training rows, scored on the ${outcome.testRows.toLocaleString('en')} rows of the official test split.`
            : `Measured before the shipped model was trained on every row: the same training on ${outcome.trainRows.toLocaleString('en')} rows, scored on the ${outcome.testRows.toLocaleString('en')} it never saw.`,
          '',
          '| model | protocol | accuracy | macro-F1 |',
          '| --- | --- | ---: | ---: |',
          ...rows,
          '',
          auto
            ? `The small form costs ${(auto.macroF1 - single.macroF1).toFixed(3)} macro-F1 (${(auto.accuracy - single.accuracy).toFixed(3)} accuracy) against \`auto\` on the same split, for a checkpoint ${Math.round(auto.bytes / outcome.bytes)}× smaller.`
            : `The small form gives up what the \`auto\` recipe adds to this head (a TF-IDF regression, a fine-tuned table): compare the benchmark row.`,
        ].join('\n'),
      },
    ],
  };
}

async function writeIndex(outcomes: Outcome[]): Promise<void> {
  const lines = [
    '# Ready-to-use models',
    '',
    'Classifiers that work right after install, each a small MLP head over the frozen `potion-base-4m-int8` encoder',
    'that ships with headstart. Trained by `scripts/train-checkpoints.ts` (`npm run checkpoints`, seed 42, needs the',
    'shared benchmark corpora); each folder’s README.md is its model card.',
    '',
    '**Licences.** Each model is derived from its training data and carries that data set’s licence, not headstart’s',
    'MIT licence. `finance-sentiment` is **non-commercial only** (CC BY-NC-SA 3.0).',
    '',
    '| model | task | labels | training data (held-out test) | licence | held-out macro-F1 / accuracy | `auto` recipe on the same split: macro-F1 / accuracy, size | size of this model |',
    '| --- | --- | ---: | --- | --- | ---: | ---: | ---: |',
    ...outcomes.map(({ plan, single, auto, labels, bytes }) => {
      const tested = plan.testCorpus ? `\`${plan.testCorpus}\`` : 'a stratified 20%';
      const autoCell = auto
        ? `${auto.macroF1.toFixed(3)} / ${auto.accuracy.toFixed(3)}, ${formatBytes(auto.bytes)}`
        : 'not measured';
      return `| [${plan.name}](${plan.name}/README.md) | ${plan.summary} | ${labels} | \`${plan.corpus}\` (${tested}) | ${plan.licence.name} | ${single.macroF1.toFixed(3)} / ${single.accuracy.toFixed(3)} | ${autoCell} | ${formatBytes(bytes)} |`;
    }),
    '',
    '```sh',
    'npx headstart predict --model checkpoints/finance-sentiment --input corpora/samples/finance-new.txt',
    '```',
    '',
  ];
  await fs.writeFile(path.join(checkpointsDir, 'README.md'), lines.join('\n'));
}

useSharedCorpora();
const measureAuto = !process.argv.includes('--no-auto');
const outcomes: Outcome[] = [];
for (const plan of PLANS) outcomes.push(await build(plan, measureAuto));
await writeIndex(outcomes);
console.log(`wrote ${path.relative(repoRoot, checkpointsDir)}/README.md`);
