/**
 * The main job, end to end and offline: train a finance-sentiment classifier with the default
 * recipe and the embedded default encoder, score it on a held-out 20%, save it, load it back and
 * classify a few new sentences. Financial PhraseBank when the shared corpora are there
 * ($HEADSTART_CORPORA or ../shared/corpora), else the invented sample set the project ships.
 * Run: npm run demo [-- CORPUS_OR_FILE]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TextClassifier, formatConfusion, readDataset, resolveDataSource, stratifiedSplit } from '../src/index.js';
import { sharedCorporaPresent } from '../scripts/shared-data.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shippedSample = path.join(repoRoot, 'corpora/samples/finance-news.csv');

const [source, what] = process.argv[2]
  ? [resolveDataSource(process.argv[2]), process.argv[2]]
  : sharedCorporaPresent()
    ? [resolveDataSource('fpb50'), 'Financial PhraseBank (50% agreement), from the shared corpora']
    : [
        resolveDataSource(shippedSample),
        'the invented finance-news sample shipped with headstart (no shared corpora found: set HEADSTART_CORPORA for Financial PhraseBank)',
      ];
const data = await readDataset(source.path, source.options);
const texts = data.examples.map((e) => e.text);
const labels = data.examples.map((e) => e.labels[0]);
const strata = Int32Array.from(labels, (label) => data.labelSet.indexOf(label));
const { train, test } = stratifiedSplit(strata, 0.2, 0);
const pick = <T>(items: T[], idx: Int32Array) => Array.from(idx, (i) => items[i]);

console.log(`Data: ${what}`);
console.log(
  `${texts.length} sentences (${data.labelSet.join(', ')}); training on ${train.length}, testing on ${test.length}`,
);
const classifier = await TextClassifier.create(); // the embedded default encoder, potion-base-4m-int8
const fit = await classifier.fit(pick(texts, train), pick(labels, train), {
  onStage: (message) => console.log(`  ${message}`),
});
console.log(
  `trained with the ${fit.recipe?.recipe ?? 'single'} recipe in ${fit.recipe?.seconds.toFixed(1) ?? fit.seconds.toFixed(1)} s: chose ${fit.recipe?.chosen ?? 'one head'}`,
);

const report = await classifier.evaluate(pick(texts, test), pick(labels, test));
if ('accuracy' in report) {
  console.log(`held-out accuracy ${report.accuracy.toFixed(3)}, macro-F1 ${report.macroF1.toFixed(3)}`);
  console.log(formatConfusion(report.confusion, data.labelSet));
}

// runs/ is git-ignored scratch space; try the saved model with `npx headstart predict --model runs/demo-finance ...`.
const saved = path.join(repoRoot, 'runs/demo-finance');
await classifier.save(saved);
await classifier.dispose();
const reloaded = await TextClassifier.load(saved);
const fresh = readFileSync(path.join(repoRoot, 'corpora/samples/finance-new.txt'), 'utf8')
  .split('\n')
  .filter((line) => line.trim());
console.log(
  `saved to ${path.relative(process.cwd(), saved)}, reloaded (sha256-verified); ${fresh.length} new sentences:`,
);
for (const [i, prediction] of (await reloaded.predict(fresh)).entries()) {
  console.log(`${prediction.label.padEnd(8)} ${prediction.score.toFixed(2)}  ${fresh[i]}`);
}
await reloaded.dispose();
