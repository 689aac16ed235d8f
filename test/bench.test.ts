/**
 * The benchmark harness on tiny inputs: the JSON it produces has the documented schema and sane
 * values, and its report files are written. Speed is not checked here (that is the benchmarks' job).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACCURACY_CONFIGS } from '../benchmarks/accuracy-configs.js';
import { accuracyPlan, filteredPlan, runAccuracy, type AccuracyPlan } from '../benchmarks/accuracy.js';
import { parseBenchFlags } from '../benchmarks/lib/output.js';
import { UsageError } from '../src/errors.js';
import { bertFlopsPerSequence } from '../benchmarks/lib/flops.js';
import { percentile } from '../benchmarks/lib/measure.js';
import { scalingExponent } from '../benchmarks/lib/throughput-runs.js';
import { runThroughput, throughputPlan, type ThroughputPlan } from '../benchmarks/throughput.js';
import { TINY_BERT_DIR } from './fixtures/generate-bert.js';
import { describeWithCorpora, sampleCsv, tempDir } from './helpers.js';

const fraction = (value: unknown) => typeof value === 'number' && value >= 0 && value <= 1;
const positive = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value > 0;

describe('benchmark helpers', () => {
  it('counts BERT FLOPs: linear terms plus the quadratic attention term', () => {
    const shape = { layers: 1, hidden: 4, intermediate: 8 };
    // 2 * (4*L*h^2 + 2*L*h*f + 2*L^2*h) at L = 3: 2 * (192 + 192 + 72)
    expect(bertFlopsPerSequence(shape, 3)).toBe(912);
    expect(bertFlopsPerSequence(shape, 6) / 6).toBeGreaterThan(bertFlopsPerSequence(shape, 3) / 3);
  });

  it('fits the cost-growth exponent on log-log axes', () => {
    const point = (tokens: number, seconds: number) => ({
      encoder: 'static',
      dtype: 'int8',
      axis: 'texts' as const,
      texts: 1,
      tokens,
      seconds,
      microsecondsPerToken: 0,
      peakRssMb: 1,
    });
    expect(scalingExponent([point(100, 1), point(1000, 10), point(10_000, 100)])).toBe(1);
    expect(scalingExponent([point(100, 1), point(1000, 100)])).toBe(2);
  });

  it('takes nearest-rank percentiles', () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('bench:accuracy harness', () => {
  it('measures only the configs and corpora asked for, under its own result name', () => {
    const flags = parseBenchFlags(['--configs', 'auto', '--corpora', 'fpb50,trec'], ['configs', 'corpora']);
    expect(flags.lists).toEqual({ configs: ['auto'], corpora: ['fpb50', 'trec'] });
    const plan = filteredPlan(accuracyPlan(false), flags.lists.configs, flags.lists.corpora);
    expect(plan.name).toBe('accuracy-auto');
    expect(plan.configs.map((c) => c.name)).toEqual(['auto']);
    expect(plan.protocols.map((p) => p.corpus)).toEqual(['fpb50', 'trec']);
    expect(plan.learningCurve.corpora).toEqual([]);
    expect(filteredPlan(accuracyPlan(false))).toEqual(accuracyPlan(false));
    expect(() => filteredPlan(accuracyPlan(false), ['nope'])).toThrow(UsageError);
  });

  it('produces the accuracy and learning-curve schema on a tiny corpus', async () => {
    const out = tempDir('headstart-bench-acc-');
    const configs = ACCURACY_CONFIGS.filter((c) => c.name === 'potion+linear' || c.name === 'tfidf');
    const plan: AccuracyPlan = {
      quick: true,
      protocols: [{ corpus: 'sample', kind: 'cv', source: sampleCsv, folds: 2 }],
      configs,
      limits: { seed: 1 },
      learningCurve: {
        corpora: ['sample'],
        configs: configs.map((c) => c.name),
        ks: [3, 6],
        draws: 2,
        limits: { seed: 1 },
      },
      confusionCorpora: ['sample'],
    };
    const result = await runAccuracy(plan, out);
    const json = JSON.parse(JSON.stringify(result)) as typeof result;

    expect(json.accuracy.map((r) => r.config)).toEqual(['potion+linear', 'tfidf']);
    for (const row of json.accuracy) {
      expect(row).toMatchObject({ corpus: 'sample', folds: 2 });
      for (const key of ['accuracy', 'macroF1', 'macroF1Std'] as const) expect(fraction(row[key]), key).toBe(true);
      expect(positive(row.trainSeconds)).toBe(true);
      expect(row.trainExamples + row.testExamples).toBe(60);
    }
    expect(json.learningCurve).toHaveLength(4);
    for (const point of json.learningCurve) {
      expect(fraction(point.macroF1)).toBe(true);
      expect(point.trainExamples).toBe(3 * point.k);
      expect(point.draws).toBe(2);
    }
    const confusion = json.confusion.find((c) => c.config === 'tfidf')!;
    expect(confusion.labels).toEqual(['negative', 'neutral', 'positive']);
    expect(confusion.confusion.flat().reduce((a, b) => a + b, 0)).toBe(60);

    const written = JSON.parse(readFileSync(path.join(out, 'accuracy-quick.json'), 'utf8'));
    expect(written.accuracy).toEqual(json.accuracy);
    for (const file of json.plots) expect(readFileSync(path.join(out, file), 'utf8')).toMatch(/^<svg/);
    expect(readFileSync(path.join(out, 'README.md'), 'utf8')).toContain('| sample |');
  });
});

describeWithCorpora(['fpb-all', 'medical-abstracts'], 'bench:throughput harness', () => {
  it('produces the throughput schema with the tiny BERT fixture', async () => {
    const out = tempDir('headstart-bench-tp-');
    const base = throughputPlan(true);
    const plan: ThroughputPlan = {
      ...base,
      scratchDir: tempDir('headstart-bench-scratch-'),
      corpus: { short: 'fpb-all', shortCount: 12, long: 'medical-abstracts', longCount: 4 },
      poolSources: ['fpb-all'],
      transformer: {
        modelDir: TINY_BERT_DIR,
        dtypes: ['fp32'],
        threads: [1],
        tokenBudgets: [256],
        sweepTexts: 8,
        lengthTexts: 3,
      },
      batchTexts: 8,
      staticBatches: [4],
      tfidfBatches: [4],
      tfidfFitTexts: 300,
      growthCounts: [50, 100],
      lengths: [16, 64],
      lengthTexts: 5,
    };
    const result = await runThroughput(plan, out);
    const json = JSON.parse(JSON.stringify(result)) as typeof result;

    expect(json.attainable[0].gflops).toBeGreaterThan(0);
    const main = json.throughput.filter((r) => r.run === 'main');
    expect(main.map((r) => r.encoder).sort()).toEqual(['static', 'tfidf', 'transformer']);
    for (const row of json.throughput) {
      expect(typeof row.dtype).toBe('string');
      expect(row.threads).toBeGreaterThanOrEqual(1);
      for (const key of ['textsPerSec', 'tokensPerSec', 'peakRssMb', 'latencyP50Ms'] as const)
        expect(positive(row[key]), key).toBe(true);
      expect(row.latencyP95Ms).toBeGreaterThanOrEqual(row.latencyP50Ms);
      expect(row.texts).toBe(row.run === 'main' || row.encoder !== 'transformer' ? 16 : 8);
    }
    const transformer = main.find((r) => r.encoder === 'transformer')!;
    expect(positive(transformer.naiveTextsPerSec)).toBe(true);
    expect(positive(transformer.speedup)).toBe(true);
    expect(transformer.flopUtilization).toBeGreaterThan(0);
    expect(transformer.split.tokenize).toBeGreaterThan(0);
    expect(main.find((r) => r.encoder === 'static')!.naiveTextsPerSec).toBeUndefined();
    expect(main.find((r) => r.encoder === 'static')!.tokenizerBoundTokensPerSec).toBeGreaterThan(0);

    const byCount = json.growth.filter((g) => g.axis === 'texts' && g.encoder === 'static');
    expect(byCount.map((g) => g.texts)).toEqual([50, 100]);
    expect(byCount[1].tokens).toBeGreaterThan(byCount[0].tokens);
    const byLength = json.growth.filter((g) => g.axis === 'length' && g.encoder === 'transformer');
    expect(byLength.map((g) => g.length)).toEqual([16, 64]);
    expect(byLength.every((g) => g.tokens <= g.texts * (g.length ?? 0))).toBe(true);

    expect(existsSync(path.join(out, 'throughput-quick.md'))).toBe(true);
    for (const file of json.plots) expect(readFileSync(path.join(out, file), 'utf8')).toMatch(/^<svg/);
  });
});
