import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { TextClassifier } from '../src/classifier.js';
import type { EarlyStoppedMix } from '../src/classifier/index.js';
import { readDataset } from '../src/data/index.js';
import { createEncoder } from '../src/encoders/index.js';
import { trainAuto } from '../src/recipes/auto.js';
import { distilStudent, STUDENT_MARGIN } from '../src/recipes/auto-student.js';
import { sampleCsv, tempDir } from './helpers.js';

const data = await readDataset(sampleCsv);
const texts = data.examples.map((e) => e.text);
const labels = data.examples.map((e) => e.labels[0]!);
/** A seed whose held-out choice on the sample mixes TF-IDF+embeddings in (others choose one static head: nothing to distil). */
const SEED = 4;
const probe = ['Operating profit rose to EUR 13.1 mn.', 'The company said it will cut 200 jobs.'];

/** The fit `auto` makes (fine-tuned potion, TF-IDF+embeddings, frozen potion), with the early-stopping mix caught. */
async function fusedEnsemble(refit: boolean) {
  const classifier = await TextClassifier.create({ encoder: 'potion', fuseWith: ['tfidf', 'potion'] });
  let mixed: EarlyStoppedMix | undefined;
  await classifier.fit(texts, labels, {
    recipe: 'single',
    seed: SEED,
    refit,
    priorCorrection: true,
    fineTune: [true, undefined, undefined],
    onEarlyStoppedMix: (given) => (mixed = given),
  });
  return { classifier, mixed: mixed! };
}

describe('the soft labels that check the student', () => {
  it('come from the early-stopping heads, trained without the held-out rows, not from the refit ones', async () => {
    // Without refit the early-stopping heads are the ones kept, so the classifier predicts the mix it was told.
    const early = await fusedEnsemble(false);
    const refitted = await fusedEnsemble(true);
    const { heldOut, trainingRows, probabilities } = refitted.mixed;
    expect(trainingRows.length + heldOut.length).toBe(texts.length);
    expect(heldOut.length).toBeGreaterThan(0);
    expect(new Set([...trainingRows, ...heldOut]).size).toBe(texts.length);
    expect(Array.from(early.mixed.trainingRows)).toEqual(Array.from(trainingRows));

    const trainingTexts = Array.from(trainingRows, (row) => texts[row]!);
    const byEarly = (await early.classifier.predictProba(trainingTexts)).data;
    const byRefit = (await refitted.classifier.predictProba(trainingTexts)).data;
    const distance = (a: Float32Array, b: Float32Array) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
    expect(distance(probabilities, byEarly)).toBeLessThan(1e-5);
    expect(distance(probabilities, byRefit)).toBeGreaterThan(0.01);
    await early.classifier.dispose();
    await refitted.classifier.dispose();
  });
});

describe("auto's distilled student", () => {
  it('is checked against the fused ensemble on its held-out rows, and the report says which was kept and why', async () => {
    const stages: string[] = [];
    const { classifier, report } = await trainAuto(texts, labels, {
      fit: { seed: SEED },
      minFusionExamples: 0,
      student: true,
      onStage: (message) => stages.push(message),
    });
    const student = report.student!;
    expect(student.heldOutRows + student.checkRows).toBe(texts.length);
    expect(report.reason).toContain(
      `then distilled into one static:potion-base-4m-int8 (fine-tuned) + mlp head: checked on the ${student.heldOutRows} held-out rows after training on the other ${student.checkRows} with the soft labels of the ensemble's early-stopping members`,
    );
    expect(report.work?.studentSeconds).toBeGreaterThan(report.work!.fineTuneSeconds);
    expect(stages.join('\n')).toMatch(/student \d+ s, TF-IDF/);
    const keeps =
      student.student.macroF1 >= student.ensemble.macroF1 - STUDENT_MARGIN.macroF1 &&
      student.student.logLoss <= student.ensemble.logLoss + STUDENT_MARGIN.logLoss;
    expect(student.kept).toBe(keeps);
    expect(report.chosen === 'student').toBe(keeps);
    expect(report.reason.includes(`retrained on all ${texts.length} rows`)).toBe(keeps);
    expect(classifier.encoders.length === 1).toBe(keeps || report.weights.filter((w) => w > 0).length === 1);
    await classifier.dispose();
  });

  it('asks the refit ensemble for soft labels only to train the saved student, on every row', async () => {
    const encoder = await createEncoder('potion');
    const { classifier: ensemble, report } = await trainAuto(texts, labels, {
      encoder,
      fit: { seed: SEED },
      minFusionExamples: 0,
    });
    // Off by default: the ensemble is returned as trained.
    expect(report.student).toBeUndefined();
    expect(ensemble.encoders.length).toBeGreaterThan(1);
    const { mixed: earlyStopped, classifier: early } = await fusedEnsemble(true);
    await early.dispose();
    const teacherCalls = vi.spyOn(ensemble, 'predictProba');
    const context = {
      encoder,
      cache: undefined,
      texts,
      labels,
      earlyStopped,
      fit: { seed: SEED, priorCorrection: true },
    };
    const beaten = await distilStudent(ensemble, { ...context, ensembleScores: { macroF1: 1, logLoss: 0 } });
    expect(beaten.student).toBeUndefined();
    expect(beaten.choice.kept).toBe(false);
    // The check learnt from the early-stopping members alone: the refit ensemble saw the held-out rows.
    expect(teacherCalls).not.toHaveBeenCalled();

    const { student, choice } = await distilStudent(ensemble, {
      ...context,
      ensembleScores: { macroF1: 0, logLoss: 100 },
    });
    expect(choice.kept).toBe(true);
    expect(teacherCalls.mock.calls.flatMap(([asked]) => asked)).toEqual(texts);
    // The saved student learnt every row, for the epochs the check student's early stopping chose.
    const training = student!.training as { distillation: { labelledTexts: number }; epochs: { run: number } };
    expect(training.distillation.labelledTexts).toBe(texts.length);
    expect(choice.final).toEqual({ rows: texts.length, epochs: expect.any(Number) });
    expect(choice.final!.epochs).toBeGreaterThan(0);
    expect(student!.encoders.map((e) => e.spec)).toEqual([
      expect.objectContaining({ type: 'static', tuned: expect.any(Object) }),
    ]);
    const before = await student!.predictProba(probe);
    const dir = path.join(tempDir(), 'student');
    await student!.save(dir);
    await student!.dispose();
    await ensemble.dispose();
    const loaded = await TextClassifier.load(dir);
    expect(loaded.encoders).toHaveLength(1);
    expect(Array.from((await loaded.predictProba(probe)).data)).toEqual(Array.from(before.data));
    await loaded.dispose();
    await encoder.dispose();
  });
});
