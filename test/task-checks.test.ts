/** Training data that would silently change the task is refused or warned about, with numbers (src/data/task-checks.ts). */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TextClassifier } from '../src/classifier.js';
import { crossValidate } from '../src/cross-validate.js';
import { distill } from '../src/distill/distill.js';
import { checkTrainingTask, readDataset, type TaskWarning } from '../src/data/index.js';
import { createEncoder } from '../src/encoders/index.js';
import { DataError } from '../src/errors.js';
import { headstart, sampleCsv, tempDir } from './helpers.js';

const root = tempDir();
let texts: string[];
let labels: string[];

beforeAll(async () => {
  const sample = await readDataset(sampleCsv);
  texts = sample.examples.map((e) => e.text);
  labels = sample.examples.map((e) => e.labels[0]);
});

async function fitError(
  fitTexts: readonly string[],
  fitLabels: Parameters<TextClassifier['fit']>[1],
  options: Parameters<TextClassifier['fit']>[2] = {},
): Promise<DataError> {
  const classifier = await TextClassifier.create();
  try {
    await classifier.fit(fitTexts, fitLabels, options);
  } catch (error) {
    return error as DataError;
  } finally {
    await classifier.dispose();
  }
  throw new Error('fit did not refuse');
}

/** Text no potion token matches (Tifinagh and Egyptian hieroglyphs): it embeds to a zero vector. */
const unreadable = (i: number) => `ⴰⵣⵓⵍ 𓀀${'𓀁'.repeat(i % 5)}`;

describe('a few list-valued labels among single ones', () => {
  it('are refused in fit, naming the first list row and the counts', async () => {
    const mixed: (string | string[])[] = labels.map((label, i) => (i === 7 || i === 30 || i === 41 ? [label] : label));
    const error = await fitError(texts, mixed as string[], { recipe: 'single', epochs: 2 });
    expect(error).toBeInstanceOf(DataError);
    expect(error.code).toBe('MIXED_LABEL_KINDS');
    expect(error.location).toEqual({ index: 7, field: 'label' });
    expect(error.message).toContain(
      `3 of ${texts.length} rows have a list of labels (the first is this one); the rest one label each`,
    );
    expect(error.hint).toContain('multiLabel: true');
  });

  it('with multiLabel: true, single labels are read as one-label lists and the model is multi-label', async () => {
    const mixed: (string | string[])[] = labels.map((label, i) => (i % 10 === 0 ? [label, 'flagged'] : label));
    const { classifier, report } = await TextClassifier.train(texts, mixed as string[], {
      recipe: 'single',
      epochs: 3,
      multiLabel: true,
    });
    try {
      expect(classifier.multiLabel).toBe(true);
      expect(report.labels).toEqual(['flagged', 'negative', 'neutral', 'positive']);
      expect(report.labelCounts.flagged).toBe(Math.ceil(texts.length / 10));
    } finally {
      await classifier.dispose();
    }
  });

  it('train refuses a JSONL file with a few list labels at file:line with the counts, and trains (and eval reads) it with --multi-label', () => {
    const data = path.join(root, 'mixed.jsonl');
    const rows = texts.map((text, i) => JSON.stringify({ text, label: i === 4 || i === 20 ? [labels[i]] : labels[i] }));
    writeFileSync(data, rows.join('\n') + '\n');
    const refused = headstart(
      'train',
      '--data',
      data,
      '--out',
      path.join(root, 'never'),
      '--recipe',
      'single',
      '--epochs',
      '2',
    );
    expect(refused.status, refused.stderr).toBe(3);
    expect(refused.stderr).toContain(
      `headstart: ${data}:5, field "label": 2 of ${texts.length} rows have a list of labels (the first is this one); the rest one label each`,
    );
    expect(refused.stderr).toMatch(/^ {2}hint: to train a multi-label model pass --multi-label/m);

    const out = path.join(root, 'multi-model');
    const trained = headstart(
      'train',
      '--data',
      data,
      '--out',
      out,
      '--recipe',
      'single',
      '--epochs',
      '2',
      '--multi-label',
    );
    expect(trained.status, trained.stderr).toBe(0);
    expect(JSON.parse(readFileSync(path.join(out, 'headstart.json'), 'utf8'))).toMatchObject({
      multiLabel: true,
      labels: ['negative', 'neutral', 'positive'],
    });
    // eval reads the same file as the multi-label model was trained on it.
    const evaluated = headstart('eval', '--model', out, '--data', data);
    expect(evaluated.status, evaluated.stderr).toBe(0);
  });
});

describe('labels that differ only in case or surrounding spaces', () => {
  it('are trained as separate classes with a warning in the fit report naming them and their counts', async () => {
    const noisy = labels.map((label, i) => (i === 3 ? 'Positive' : i === 50 ? 'neutral ' : label));
    const warnings: TaskWarning[] = [];
    const { classifier, report } = await TextClassifier.train(texts, noisy, {
      recipe: 'single',
      epochs: 2,
      onWarning: (w) => warnings.push(w),
    });
    await classifier.dispose();
    const count = (label: string) => noisy.filter((l) => l === label).length;
    expect(report.labels).toContain('Positive');
    expect(report.warnings).toEqual([
      {
        code: 'LABELS_DIFFER_IN_CASE',
        message: `labels that differ only in case or surrounding spaces are trained as separate classes: "positive" (${count('positive')}) vs "Positive" (1); "neutral" (${count('neutral')}) vs "neutral " (1)`,
      },
    ]);
    expect(warnings).toEqual(report.warnings);
  });

  it('train prints the warning on stderr and in --json', () => {
    const data = path.join(root, 'case.csv');
    const sample = readFileSync(sampleCsv, 'utf8');
    writeFileSync(data, sample.replace(/,positive\n/, ',Positive\n'));
    const train = headstart(
      'train',
      '--data',
      data,
      '--out',
      path.join(root, 'case-model'),
      '--recipe',
      'single',
      '--epochs',
      '2',
      '--json',
    );
    expect(train.status, train.stderr).toBe(0);
    expect(train.stderr).toMatch(
      /^warning: labels that differ only in case or surrounding spaces are trained as separate classes: "positive" \(\d+\) vs "Positive" \(1\)$/m,
    );
    expect(train.lastJson().warnings).toEqual([expect.objectContaining({ code: 'LABELS_DIFFER_IN_CASE' })]);
  });

  it('cross-validation warns once, not once per fold', async () => {
    const noisy = labels.map((label, i) => (i === 3 ? 'Positive' : label));
    const encoder = await createEncoder('potion');
    const warnings: TaskWarning[] = [];
    try {
      const result = await crossValidate(encoder, texts, noisy, {
        folds: 2,
        seed: 1,
        recipe: 'single',
        fit: { epochs: 2, onWarning: (w) => warnings.push(w) },
      });
      expect(warnings.map((w) => w.code)).toEqual(['LABELS_DIFFER_IN_CASE']);
      expect(result.warnings).toEqual(warnings);
    } finally {
      await encoder.dispose();
    }
  });
});

describe('texts with no token the encoder knows', () => {
  it('are refused above 90% of the training texts, before training', async () => {
    const junk = texts.map((text, i) => (i < 57 ? unreadable(i) : text));
    const started = performance.now();
    const error = await fitError(junk, labels);
    expect(error.code).toBe('TEXTS_WITHOUT_TOKENS');
    expect(error.message).toBe(
      `57 of ${texts.length} training texts have no token the encoder knows (95%): they all become the same zero vector`,
    );
    expect(error.hint).toContain('--encoder tfidf');
    expect(performance.now() - started).toBeLessThan(20_000);
  });

  it('are trained on above 20% with a warning giving the numbers', async () => {
    const junk = texts.map((text, i) => (i % 4 === 0 ? unreadable(i) : text));
    const { classifier, report } = await TextClassifier.train(junk, labels, { recipe: 'single', epochs: 2 });
    await classifier.dispose();
    expect(report.warnings).toEqual([
      {
        code: 'TEXTS_WITHOUT_TOKENS',
        message: `15 of ${texts.length} training texts have no token the encoder knows (25%): they reach the head as zero vectors`,
      },
    ]);
    expect(report.textsWithoutTokens).toBe(15);
  });

  it('distill warns before training the student, and reports it', async () => {
    const { classifier: teacher } = await TextClassifier.train(texts, labels, { recipe: 'single', epochs: 2 });
    const junk = texts.map((text, i) => (i % 4 === 0 ? unreadable(i) : text));
    const warnings: TaskWarning[] = [];
    try {
      const { classifier, report } = await distill({
        teacher,
        texts: junk,
        labels,
        holdOut: 0,
        student: { fit: { epochs: 2 } },
        onWarning: (w) => warnings.push(w),
      });
      await classifier.dispose();
      expect(report.warnings).toEqual([
        expect.objectContaining({
          code: 'TEXTS_WITHOUT_TOKENS',
          message: expect.stringContaining(`15 of ${texts.length} training texts`),
        }),
      ]);
      expect(warnings).toEqual(report.warnings);
    } finally {
      await teacher.dispose();
    }
  });

  it('under 20% pass without a warning', async () => {
    const encoder = await createEncoder('potion');
    try {
      const junk = texts.map((text, i) => (i % 10 === 0 ? unreadable(i) : text));
      expect(checkTrainingTask(junk, labels, encoder)).toEqual([]);
    } finally {
      await encoder.dispose();
    }
  });
});

describe('labels with a single example', () => {
  it('10,000 rows with 10,000 distinct labels are refused within seconds, with the counts', async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => `${texts[i % texts.length]} (case ${i})`);
    const unique = many.map((_, i) => `label-${i}`);
    const started = performance.now();
    const error = await fitError(many, unique);
    expect(error.code).toBe('SINGLE_EXAMPLE_LABELS');
    expect(error.message).toBe('10,000 of 10,000 labels have one example; a classifier cannot learn them');
    expect(performance.now() - started).toBeLessThan(20_000);
  });

  it('a few one-example labels (as label descriptions give) are not refused', () => {
    const descriptions = Array.from({ length: 100 }, (_, i) => `label-${i}`);
    expect(checkTrainingTask(descriptions, descriptions)).toEqual([]);
  });
});
