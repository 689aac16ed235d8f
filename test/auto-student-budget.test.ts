import { describe, expect, it, vi } from 'vitest';
import { readDataset } from '../src/data/index.js';
import { trainAuto } from '../src/recipes/auto.js';
import { sampleCsv } from './helpers.js';

// The counted work of the sample, with the student's estimate over the limit (the sample is far below it).
vi.mock('../src/recipes/work-budget.js', async (original) => {
  const budget = await original<typeof import('../src/recipes/work-budget.js')>();
  return {
    ...budget,
    planByCountedWork: (...args: Parameters<typeof budget.planByCountedWork>) => {
      const plan = budget.planByCountedWork(...args);
      const work = { ...plan.work, studentSeconds: plan.work.limitSeconds + 1 };
      return { ...plan, work, student: false, described: `${plan.described.split(':')[0]}: student 301 s (left out)` };
    },
  };
});

const data = await readDataset(sampleCsv);
const texts = data.examples.map((e) => e.text);
const labels = data.examples.map((e) => e.labels[0]!);

describe("auto's distilled student under the counted limit", () => {
  it('is left out, keeping the ensemble, when its counted fine-tuning is over the limit, and the report says so', async () => {
    const { classifier, report } = await trainAuto(texts, labels, {
      fit: { seed: 4 },
      minFusionExamples: 0,
      student: true,
    });
    expect(report.student).toBeUndefined();
    expect(report.chosen).not.toBe('student');
    expect(report.reason).toContain('student 301 s (left out), so no distilled student; ');
    expect(classifier.encoders.length).toBeGreaterThan(1);
    await classifier.dispose();
  });
});
