import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TextClassifier } from '../src/classifier.js';
import { heldOutRows } from '../src/classifier/index.js';
import { readDataset } from '../src/data/index.js';
import { createEncoder } from '../src/encoders/index.js';
import { encodeTargets } from '../src/labels.js';
import { trainAuto } from '../src/recipes/auto.js';
import { distilStudent, STUDENT_MARGIN } from '../src/recipes/auto-student.js';
import { sampleCsv, tempDir } from './helpers.js';

const data = await readDataset(sampleCsv);
const texts = data.examples.map((e) => e.text);
const labels = data.examples.map((e) => e.labels[0]);
/** A seed whose held-out choice on the sample mixes TF-IDF+embeddings in (others choose one static head: nothing to distil). */
const SEED = 4;
const probe = ['Operating profit rose to EUR 13.1 mn.', 'The company said it will cut 200 jobs.'];

describe("auto's distilled student", () => {
  it('is checked against the fused ensemble on its held-out rows, and the report says which was kept and why', async () => {
    const { classifier, report } = await trainAuto(texts, labels, {
      fit: { seed: SEED },
      minFusionExamples: 0,
      student: true,
    });
    const student = report.student!;
    const encoder = await createEncoder('potion');
    const { heldOut } = heldOutRows(encoder, texts, encodeTargets(labels, classifier.labels), 3, {
      seed: SEED,
      priorCorrection: true,
    });
    expect(student.heldOutRows).toBe(heldOut.length);
    expect(report.reason).toContain(
      `then distilled into one static:potion-base-4m-int8 (fine-tuned) + mlp head on the ensemble's soft labels; on the ${heldOut.length} held-out rows`,
    );
    const keeps =
      student.student.macroF1 >= student.ensemble.macroF1 - STUDENT_MARGIN.macroF1 &&
      student.student.logLoss <= student.ensemble.logLoss + STUDENT_MARGIN.logLoss;
    expect(student.kept).toBe(keeps);
    expect(report.chosen === 'student').toBe(keeps);
    expect(classifier.encoders.length === 1).toBe(keeps || report.weights.filter((w) => w > 0).length === 1);
    await classifier.dispose();
    await encoder.dispose();
  });

  it('replaces the ensemble only when it keeps up: a kept student is one fine-tuned head that saves and loads alone', async () => {
    const encoder = await createEncoder('potion');
    // Off by default: the ensemble is returned as trained.
    const { classifier: ensemble, report } = await trainAuto(texts, labels, {
      encoder,
      fit: { seed: SEED },
      minFusionExamples: 0,
    });
    expect(report.student).toBeUndefined();
    expect(ensemble.encoders.length).toBeGreaterThan(1);
    const context = { encoder, cache: undefined, texts, labels, fit: { seed: SEED, priorCorrection: true } };
    const beaten = await distilStudent(ensemble, { ...context, ensembleScores: { macroF1: 1, logLoss: 0 } });
    expect(beaten.student).toBeUndefined();
    expect(beaten.choice.kept).toBe(false);

    const { student, choice } = await distilStudent(ensemble, {
      ...context,
      ensembleScores: { macroF1: 0, logLoss: 100 },
    });
    expect(choice.kept).toBe(true);
    // Trained on every row but the held-out ones it was checked on.
    expect((student!.training.distillation as { labelledTexts: number }).labelledTexts).toBe(
      texts.length - choice.heldOutRows,
    );
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
