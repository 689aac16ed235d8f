import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readDataset, resolveDataSource } from '../src/data/index.js';
import { createEncoder, type Encoder } from '../src/encoders/index.js';
import { trainAuto } from '../src/recipes/auto.js';
import { estimateWork, membersWithin, planByCountedWork } from '../src/recipes/work-budget.js';
import { describeWithCorpora, headstart, repoRoot, tempDir } from './helpers.js';

const newsCsv = path.join(repoRoot, 'corpora/samples/finance-news.csv');
const news = await readDataset(newsCsv);
const texts = news.examples.map((e) => e.text);
const labels = news.examples.map((e) => e.labels[0]);

/** Every file of a checkpoint, headstart.json without its creation time, seal and timings: the parts two runs may not differ in. */
function comparableFiles(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const bytes = readFileSync(path.join(dir, name));
    if (name !== 'headstart.json') {
      files[name] = createHash('sha256').update(bytes).digest('hex');
      continue;
    }
    const { createdAt: _created, manifestSha256: _seal, ...manifest } = JSON.parse(bytes.toString('utf8'));
    const { timings: _timings, ...training } = manifest.training;
    files[name] = JSON.stringify({ ...manifest, training });
  }
  return files;
}

function checkpointHash(files: Record<string, string>): string {
  return createHash('sha256').update(JSON.stringify(files)).digest('hex');
}

/** Child processes spinning on every core until killed. */
function startCpuHog(): ChildProcess[] {
  return Array.from({ length: availableParallelism() }, () =>
    spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
  );
}

describe('auto decides from counted work', () => {
  let potion: Encoder;
  beforeAll(async () => {
    potion = await createEncoder('potion');
  });
  afterAll(async () => {
    await potion.dispose();
  });

  it('keeps every member for the shipped sample', () => {
    const plan = planByCountedWork(texts, labels, potion, potion.dim, true);
    expect(plan).toMatchObject({ fineTune: true, lexical: true });
    expect(plan.work.counts).toMatchObject({ rows: 900, labels: 3, denseDim: potion.dim });
  });

  it('leaves fine-tuning out of a large input up front, then TF-IDF, without training anything', () => {
    // 200k short texts (SST-2 has 67k): fine-tuning's 40 projected epochs exceed the limit.
    const many = Array.from({ length: 200_000 }, (_, i) => texts[i % texts.length]);
    const plan = planByCountedWork(
      many,
      Array.from(many, (_, i) => labels[i % labels.length]),
      potion,
      potion.dim,
      true,
    );
    expect(plan).toMatchObject({ fineTune: false, lexical: true });
    expect(plan.work.fineTuneSeconds).toBeGreaterThan(plan.work.limitSeconds);
    expect(plan.described).toMatch(/fine-tuning \d+ s \(left out\), TF-IDF \d+ s, frozen head/);
    // With 400 labels the TF-IDF regression does not fit either: only the frozen head is left.
    const wide = estimateWork({ ...plan.work.counts, labels: 400 });
    expect(membersWithin(wide, true, true)).toEqual({ fineTune: false, lexical: false, student: false });
  });

  it('drops the distilled student, keeping the ensemble, when its counted fine-tuning is over the limit', () => {
    const plan = planByCountedWork(texts, labels, potion, potion.dim, true, true);
    expect(plan).toMatchObject({ fineTune: true, lexical: true, student: true });
    // SST-2's size: the fine-tuned member (40 epochs) fits, the student's check and saved student (180) do not.
    const counts = { rows: 67_349, labels: 2, tokens: 762_341, words: 561_291, denseDim: potion.dim };
    const estimate = estimateWork(counts);
    expect(estimate.fineTuneSeconds).toBeLessThan(estimate.limitSeconds);
    expect(estimate.studentSeconds).toBeGreaterThan(estimate.limitSeconds);
    expect(membersWithin(estimate, true, true)).toEqual({ fineTune: true, lexical: true, student: false });
    expect(membersWithin(estimate, true)).toMatchObject({ student: false });
  });

  it('does not read the clock: a racing clock changes nothing it trains', async () => {
    // The wall-clock budget projected fine-tuning from the pace of its second epoch; at a minute per
    // clock reading that projection overran the 300 s budget and the table stayed frozen.
    let fakeNow = 0;
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => (fakeNow += 60_000));
    try {
      const { classifier, report } = await trainAuto(texts, labels, { fit: { seed: 0 } });
      await classifier.dispose();
      expect(report.encoders[0]).toBe('static:potion-base-4m-int8 (fine-tuned)');
      expect(report.reason).not.toContain('budget');
      expect(report.budgetSeconds).toBeUndefined();
      expect(report.work?.limitSeconds).toBe(300);
    } finally {
      clock.mockRestore();
    }
  });
});

describeWithCorpora(
  ['fpb50', 'banking77-train', 'medical-abstracts', 'trec-train', 'sst2-train', 'ag-news-test'],
  'the counted limit on the benchmark corpora',
  () => {
    it('keeps fine-tuning and TF-IDF for every single-label benchmark corpus, SST-2 (67k texts) included, and the student but for SST-2', async () => {
      const potion = await createEncoder('potion');
      try {
        for (const name of [
          'fpb50',
          'banking77-train',
          'medical-abstracts',
          'trec-train',
          'sst2-train',
          'ag-news-test',
        ]) {
          const source = resolveDataSource(name);
          const data = await readDataset(source.path, source.options);
          const plan = planByCountedWork(
            data.examples.map((e) => e.text),
            data.examples.map((e) => e.labels[0]),
            potion,
            potion.dim,
            true,
            true,
          );
          // The distilled student's 180 projected epochs fit every corpus but SST-2 (about 580 s).
          const student = name !== 'sst2-train';
          expect(plan, `${name}: ${plan.described}`).toMatchObject({ fineTune: true, lexical: true, student });
        }
      } finally {
        await potion.dispose();
      }
    });
  },
);

describe('headstart train (auto) twice on the same data and seed', () => {
  // Two CLI trainings of 900 texts, the second under the hog: about 25 s on a quiet 2-core machine.
  it(
    'writes byte-identical checkpoints apart from timestamps, on a quiet and on a loaded machine',
    { timeout: 240_000 },
    () => {
      const root = tempDir();
      const train = (out: string) => {
        const run = headstart('train', '--data', newsCsv, '--out', out, '--seed', '7');
        expect(run.stderr).not.toContain('headstart:');
        expect(run.status).toBe(0);
        expect(run.stderr).toContain('training fine-tuned and frozen static + tfidf+embeddings heads (counted work');
        return comparableFiles(out);
      };
      const quiet = train(path.join(root, 'quiet'));
      const hog = startCpuHog();
      let loaded: Record<string, string>;
      try {
        loaded = train(path.join(root, 'loaded'));
      } finally {
        for (const child of hog) child.kill('SIGKILL');
      }
      console.log(
        `auto checkpoint (${Object.keys(quiet).length} files) sha256 quiet ${checkpointHash(quiet)}, under a ${hog.length}-process CPU hog ${checkpointHash(loaded)}`,
      );
      expect(Object.keys(quiet)).toContain('tuned-table.safetensors');
      expect(loaded).toEqual(quiet);
    },
  );
});
