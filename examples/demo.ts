/**
 * The main job, end to end and offline: train a finance-sentiment classifier on Financial
 * PhraseBank with the embedded default encoder, score it on a held-out 20%, save it, load it
 * back and classify a few new sentences.  Run: npm run demo
 */
import { readFileSync } from 'node:fs';
import { TextClassifier } from '../src/index.js';
import { formatConfusion, readDataset, resolveDataSource, stratifiedSplit } from '../src/index.js';
import { useSharedDataDefaults } from '../src/shared-data.js';

useSharedDataDefaults();

const source = resolveDataSource(process.argv[2] ?? 'fpb50');
const data = await readDataset(source.path, source.options);
const texts = data.examples.map((e) => e.text);
const labels = data.examples.map((e) => e.labels[0]);
const strata = Int32Array.from(labels, (label) => data.labelSet.indexOf(label));
const { train, test } = stratifiedSplit(strata, 0.2, 0);
const pick = <T>(items: T[], idx: Int32Array) => Array.from(idx, (i) => items[i]);

console.log(`Financial PhraseBank: ${texts.length} sentences (${data.labelSet.join(', ')}); training on ${train.length}, testing on ${test.length}`);
const classifier = await TextClassifier.create(); // potion-base-4m-int8, from $HEADSTART_MODELS (default ../shared/models)
const fit = await classifier.fit(pick(texts, train), pick(labels, train), { seed: 0 });
console.log(`trained in ${(fit.seconds + fit.embedSeconds).toFixed(1)} s (${fit.epochsRun} epochs)`);

const report = await classifier.evaluate(pick(texts, test), pick(labels, test));
if ('accuracy' in report) {
  console.log(`held-out accuracy ${report.accuracy.toFixed(3)}, macro-F1 ${report.macroF1.toFixed(3)}`);
  console.log(formatConfusion(report.confusion, data.labelSet));
}

await classifier.save('checkpoints/demo-finance');
const reloaded = await TextClassifier.load('checkpoints/demo-finance');
const fresh = readFileSync(new URL('../corpora/samples/finance-new.txt', import.meta.url), 'utf8').split('\n').filter((line) => line.trim());
for (const [i, prediction] of (await reloaded.predict(fresh)).entries()) {
  console.log(`${prediction.label.padEnd(8)} ${prediction.score.toFixed(2)}  ${fresh[i]}`);
}
await Promise.all([classifier.dispose(), reloaded.dispose()]);
