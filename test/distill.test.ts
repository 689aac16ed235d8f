import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTf } from '../src/backend/tf.js';
import { TextClassifier } from '../src/classifier.js';
import { readDataset, resolveDataSource } from '../src/data/index.js';
import { distill } from '../src/distill/distill.js';
import { softenProbabilities } from '../src/distill/soften.js';
import type { Matrix } from '../src/encoders/encoder.js';
import { DataError, UsageError } from '../src/errors.js';
import { createHead } from '../src/heads/factory.js';
import type { HeadSpec, SoftTargets } from '../src/heads/head.js';
import { distillationLoss } from '../src/heads/dense/loss.js';
import { createRng } from '../src/util/random.js';
import { describeWithCorpora, headstart, repoRoot, sampleCsv, tempDir } from './helpers.js';

const SPEC: HeadSpec = {
  type: 'mlp',
  inputDim: 6,
  numLabels: 3,
  multiLabel: false,
  hidden: 16,
  dropout: 0.2,
  standardize: true,
};

/** Three noisy classes in 6-d, seeded. */
function blobs(rows: number, seed: number): { x: Matrix; labels: Int32Array } {
  const rng = createRng(seed);
  const data = new Float32Array(rows * SPEC.inputDim);
  const labels = Int32Array.from({ length: rows }, (_, i) => i % 3);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < SPEC.inputDim; j++)
      data[i * SPEC.inputDim + j] = (j % 3 === labels[i] ? 1.5 : 0) + rng() * 2 - 1;
  return { x: { data, rows, dim: SPEC.inputDim }, labels };
}

function oneHot(labels: Int32Array, numLabels: number): Float32Array {
  const out = new Float32Array(labels.length * numLabels);
  labels.forEach((label, row) => (out[row * numLabels + label] = 1));
  return out;
}

describe('soft targets in the training loop', () => {
  it('train exactly like hard labels when the soft targets are one-hot', async () => {
    const { x, labels } = blobs(120, 1);
    const options = { epochs: 25, seed: 3, patience: 5 };
    const hardHead = await createHead(SPEC);
    const softHead = await createHead(SPEC);
    const hardReport = await hardHead.fit(x, { kind: 'single', labels }, options);
    const softReport = await softHead.fit(x, { kind: 'soft', probabilities: oneHot(labels, 3) }, options);
    expect(softReport.epochsRun).toBe(hardReport.epochsRun);
    expect(softReport.bestValLoss).toBeCloseTo(hardReport.bestValLoss!, 5);
    const hard = hardHead.predictProba(x);
    const soft = softHead.predictProba(x);
    const maxDifference = hard.reduce((max, p, i) => Math.max(max, Math.abs(p - soft[i])), 0);
    expect(maxDifference).toBeLessThan(1e-4);
    hardHead.dispose();
    softHead.dispose();
  });

  it('computes alpha * CE(hard) + (1 - alpha) * T^2 * KL on labelled rows and T^2 * KL on the others', async () => {
    const tf = await loadTf();
    const logits = [
      [2, 0.5, -1],
      [0, 1, 0.2],
    ];
    const soft = [
      softenProbabilities(Float32Array.of(0.7, 0.2, 0.1), 3, 2),
      softenProbabilities(Float32Array.of(0.1, 0.6, 0.3), 3, 2),
    ];
    const hard = [
      [1, 0, 0],
      [0, 0, 0],
    ];
    const [temperature, alpha] = [2, 0.3];
    const logSoftmax = (z: number[]) => {
      const max = Math.max(...z);
      const log = Math.log(z.reduce((s, v) => s + Math.exp(v - max), 0)) + max;
      return z.map((v) => v - log);
    };
    const expected = logits.map((z, row) => {
      const q = logSoftmax(z.map((v) => v / temperature));
      const kl = Array.from(soft[row]).reduce((s, p, i) => s + (p > 0 ? p * (Math.log(p) - q[i]) : 0), 0);
      const hasHard = hard[row].some((v) => v === 1);
      const ce = -hard[row].reduce((s, h, i) => s + h * logSoftmax(z)[i], 0);
      return hasHard ? alpha * ce + (1 - alpha) * temperature ** 2 * kl : temperature ** 2 * kl;
    });
    const value = tf.tidy(
      () =>
        distillationLoss(
          tf,
          tf.tensor2d(logits),
          tf.tensor2d(soft.map((row) => Array.from(row))),
          tf.tensor2d(hard),
          undefined,
          { temperature, alpha },
        ).dataSync()[0],
    );
    expect(value).toBeCloseTo((expected[0] + expected[1]) / 2, 5);
  });

  it('softening at T is softmax(logits / T) of the teacher', () => {
    const logits = [1.2, -0.3, 0.4];
    const softmax = (z: number[]) => z.map((v) => Math.exp(v) / z.reduce((s, w) => s + Math.exp(w), 0));
    const softened = softenProbabilities(Float32Array.from(softmax(logits)), 3, 3);
    softmax(logits.map((v) => v / 3)).forEach((p, i) => expect(softened[i]).toBeCloseTo(p, 6));
  });

  it('refuses bad soft targets with typed errors naming the row', async () => {
    const { x, labels } = blobs(30, 2);
    const head = await createHead(SPEC);
    const fit = (y: Partial<SoftTargets>) =>
      head.fit(x, { kind: 'soft', probabilities: oneHot(labels, 3), ...y } as SoftTargets, { epochs: 1 });
    const notSummingToOne = oneHot(labels, 3);
    notSummingToOne[4 * 3] = 0.5;
    await expect(fit({ probabilities: notSummingToOne })).rejects.toMatchObject({
      code: 'HEAD_SOFT_TARGETS',
      location: { index: 4, field: 'probabilities' },
    });
    await expect(fit({ probabilities: notSummingToOne })).rejects.toThrow(/row 4 sums to 1\.5/);
    const withNaN = oneHot(labels, 3);
    withNaN[7 * 3] = Number.NaN;
    await expect(fit({ probabilities: withNaN })).rejects.toThrow(DataError);
    await expect(fit({ probabilities: withNaN })).rejects.toMatchObject({
      code: 'HEAD_SOFT_TARGETS',
      location: { index: 7 },
    });
    await expect(fit({ probabilities: new Float32Array(30 * 2).fill(0.5) })).rejects.toThrow(UsageError);
    await expect(fit({ probabilities: new Float32Array(30 * 2).fill(0.5) })).rejects.toMatchObject({
      code: 'HEAD_TARGETS',
    });
    await expect(fit({ labels: Int32Array.from({ length: 30 }, (_, i) => (i === 9 ? 3 : -1)) })).rejects.toMatchObject({
      code: 'HEAD_LABEL_RANGE',
      location: { index: 9 },
    });
    await expect(fit({ temperature: 0 })).rejects.toMatchObject({ code: 'HEAD_TARGETS' });
    const multi = await createHead({ ...SPEC, multiLabel: true });
    await expect(multi.fit(x, { kind: 'soft', probabilities: oneHot(labels, 3) }, { epochs: 1 })).rejects.toMatchObject(
      { code: 'HEAD_TARGETS' },
    );
    head.dispose();
    multi.dispose();
  });
});

describeWithCorpora(['fpb50'], 'distill', () => {
  let texts: string[];
  let labels: string[];
  let teacher: TextClassifier;

  beforeAll(async () => {
    const source = resolveDataSource('fpb50');
    const dataset = await readDataset(source.path, source.options);
    // Every 4th sentence: 1,212 texts spread over the whole file.
    const examples = dataset.examples.filter((_, i) => i % 4 === 0);
    texts = examples.map((e) => e.text);
    labels = examples.map((e) => e.labels[0]);
    ({ classifier: teacher } = await TextClassifier.train(
      texts.slice(0, 800),
      labels.slice(0, 800),
      { recipe: 'single', seed: 1 },
      { encoder: 'tfidf' },
    ));
  });
  afterAll(() => teacher?.dispose());

  it('trains a student that agrees with its teacher, more so with unlabelled texts, and reports both sides', async () => {
    const evaluation = { texts: texts.slice(900), labels: labels.slice(900) };
    const base = {
      teacher,
      texts: texts.slice(0, 150),
      labels: labels.slice(0, 150),
      evaluation,
      student: { fit: { seed: 1 } },
      timingRounds: 1,
    };
    const alone = await distill(base);
    const withUnlabelled = await distill({ ...base, unlabeledTexts: texts.slice(150, 900) });
    expect(alone.report).toMatchObject({
      labelledTexts: 150,
      unlabeledTexts: 0,
      trainingRows: 150,
      temperature: 2,
      alpha: 0.5,
    });
    expect(withUnlabelled.report).toMatchObject({ labelledTexts: 150, unlabeledTexts: 750, trainingRows: 900 });
    expect(withUnlabelled.classifier.training).toMatchObject({
      recipe: 'distill',
      data: { examples: 900 },
      distillation: { unlabeledTexts: 750, teacher: ['tfidf'] },
    });
    const [a, b] = [alone.report.comparison!, withUnlabelled.report.comparison!];
    expect(b.agreement).toBeGreaterThan(a.agreement);
    expect(b.agreement).toBeGreaterThan(0.75);
    for (const comparison of [a, b]) {
      expect(comparison).toMatchObject({ source: 'evaluation', rows: evaluation.texts.length });
      expect(comparison.teacher.macroF1).toBeGreaterThan(0);
      expect(comparison.student.textsPerSecond).toBeGreaterThan(0);
      expect(comparison.speedup).toBeCloseTo(comparison.student.textsPerSecond / comparison.teacher.textsPerSecond, 6);
    }
    expect(withUnlabelled.classifier.labels).toEqual(teacher.labels);
    expect(withUnlabelled.classifier.encoder.spec.type).toBe('static');
    await alone.classifier.dispose();
    await withUnlabelled.classifier.dispose();
  });

  it('holds out a stratified split of the texts when no evaluation set is given', async () => {
    const { classifier, report } = await distill({
      teacher,
      texts: texts.slice(0, 200),
      labels: labels.slice(0, 200),
      holdOut: 0.25,
      student: { fit: { seed: 2, epochs: 20 } },
      timingRounds: 1,
    });
    expect(report.labelledTexts).toBe(150);
    expect(report.comparison).toMatchObject({ source: 'held-out', rows: 50 });
    await classifier.dispose();
  });

  it('fine-tunes a static student on the soft labels, which then carries its own table', async () => {
    const evaluation = { texts: texts.slice(900), labels: labels.slice(900) };
    const base = {
      teacher,
      texts: texts.slice(0, 150),
      labels: labels.slice(0, 150),
      unlabeledTexts: texts.slice(150, 900),
      evaluation,
      timingRounds: 1,
    };
    const frozen = await distill({ ...base, student: { fit: { seed: 1 } } });
    const tuned = await distill({ ...base, student: { fit: { seed: 1, fineTune: true } } });
    const spec = tuned.classifier.encoder.spec;
    expect(spec.type === 'static' && spec.tuned !== undefined).toBe(true);
    expect(tuned.classifier.training).toMatchObject({
      recipe: 'distill',
      options: { fineTune: { tableLearningRate: 0.003 } },
    });
    // The tuned table changes the student's vectors, and it still learns the teacher.
    const sentence = [texts[950]];
    const [a, b] = [await frozen.classifier.encoder.embed(sentence), await tuned.classifier.encoder.embed(sentence)];
    expect(Array.from(a.data)).not.toEqual(Array.from(b.data));
    expect(tuned.report.comparison!.agreement).toBeGreaterThan(0.7);
    await frozen.classifier.dispose();
    await tuned.classifier.dispose();
    await expect(distill({ ...base, student: { fit: { fineTune: [true] } } })).rejects.toMatchObject({
      code: 'DISTILL_OPTION',
    });
  });

  it('refuses a multi-label teacher, bad options and labels the teacher does not know', async () => {
    const { classifier: multi } = await TextClassifier.train(
      ['good news', 'bad news', 'mixed news', 'no news'],
      [['pos'], ['neg'], ['pos', 'neg'], []],
      { recipe: 'single', epochs: 2 },
      { encoder: 'potion' },
    );
    await expect(distill({ teacher: multi, texts: ['some text'] })).rejects.toMatchObject({
      code: 'DISTILL_MULTI_LABEL',
    });
    await multi.dispose();
    await expect(distill({ teacher, texts: texts.slice(0, 10), temperature: 0 })).rejects.toMatchObject({
      code: 'DISTILL_OPTION',
    });
    await expect(
      distill({ teacher, texts: texts.slice(0, 10), labels: labels.slice(0, 10), alpha: 2 }),
    ).rejects.toMatchObject({ code: 'DISTILL_OPTION' });
    await expect(distill({ teacher, texts: ['fine', ' '] })).rejects.toMatchObject({
      code: 'EMPTY_TEXT',
      location: { index: 1, field: 'texts' },
    });
    await expect(distill({ teacher, texts: ['a', 'b'], labels: ['positive', 'sideways'] })).rejects.toMatchObject({
      code: 'UNKNOWN_LABEL',
      location: { index: 1 },
    });
  });
});

describe('headstart distill', () => {
  const root = tempDir();

  it('writes a student checkpoint that loads and predicts, using the unlabelled file', async () => {
    const teacherDir = path.join(root, 'teacher');
    const trained = headstart(
      'train',
      '--data',
      sampleCsv,
      '--recipe',
      'single',
      '--encoder',
      'tfidf',
      '--out',
      teacherDir,
      '--json',
    );
    expect(trained.status, trained.stderr).toBe(0);
    const unlabeled = path.join(root, 'unlabeled.txt');
    const lines = readFileSync(path.join(repoRoot, 'corpora/samples/finance-new.txt'), 'utf8').split('\n');
    writeFileSync(unlabeled, [...lines, '', '   '].join('\n'));
    const texts = lines.filter((line) => line.trim() !== '');
    const studentDir = path.join(root, 'student');
    const run = headstart(
      'distill',
      '--teacher',
      teacherDir,
      '--data',
      sampleCsv,
      '--unlabeled',
      unlabeled,
      '--out',
      studentDir,
      '--temperature',
      '3',
      '--epochs',
      '30',
      '--json',
    );
    expect(run.status, run.stderr).toBe(0);
    const result = run.lastJson();
    expect(result).toMatchObject({
      command: 'distill',
      temperature: 3,
      unlabeledTexts: texts.length,
      comparison: { source: 'held-out', rows: 12 },
    });
    expect(result.blankUnlabeledLines).toBeGreaterThanOrEqual(2);
    expect(result.trainingRows).toBe(48 + texts.length);
    const student = await TextClassifier.load(studentDir);
    expect(student.training).toMatchObject({ recipe: 'distill', distillation: { temperature: 3, teacherDir } });
    const [prediction] = await student.predict(['Operating profit rose sharply on strong demand.']);
    expect(student.labels).toContain(prediction.label);
    await student.dispose();
  });
});
