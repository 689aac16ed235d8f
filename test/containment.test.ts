import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { containmentGroups, MAX_CONTAINED_WORDS } from '../src/splits/containment.js';
import { groupedStratifiedSplit } from '../src/splits/grouped.js';
import { validationSplit } from '../src/heads/split.js';
import { chooseMultiLabelHead } from '../src/recipes/multi-label-choice.js';
import { distill } from '../src/distill/distill.js';
import { createEncoder } from '../src/encoders/index.js';
import type { Encoder } from '../src/encoders/encoder.js';
import { readDataset } from '../src/data/index.js';
import { sampleCsv } from './helpers.js';
import type { SoftTargets, Targets } from '../src/heads/head.js';
import { trainStudent } from '../src/distill/student.js';
import { TfidfEncoder } from '../src/encoders/lexical/tfidf.js';
import { TextClassifier } from '../src/classifier.js';
import { UsageError } from '../src/errors.js';

const wordsOf = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

function containedIn(inner: string[], outer: string[]): boolean {
  for (let start = 0; start + inner.length <= outer.length; start++) {
    if (inner.every((word, i) => outer[start + i] === word)) return true;
  }
  return false;
}

const single = (labels: number[]): Targets => ({ kind: 'single', labels: Int32Array.from(labels) });

describe('containmentGroups', () => {
  it("puts a sentence's phrases and duplicates in its group, matching words regardless of case and punctuation", () => {
    const texts = [
      'a gorgeous , witty film',
      'The film is gorgeous, witty and long.',
      'witty',
      'gorgeous , witty',
      'film is gorgeous',
      'A GORGEOUS, witty film!',
      'nothing like the others',
      '...',
      'the film is gorgeous witty and long',
    ];
    const groups = Array.from(containmentGroups(texts));
    // 'witty' and 'gorgeous , witty' sit in both sentences: they join the longer one (index 1).
    expect(groups).toEqual([0, 1, 1, 1, 1, 0, 6, 7, 1]);
  });

  it('does not look for texts longer than MAX_CONTAINED_WORDS inside longer ones', () => {
    const long = Array.from({ length: MAX_CONTAINED_WORDS + 1 }, (_, i) => `w${i}`).join(' ');
    const longer = `${long} and more`;
    const justInside = Array.from({ length: MAX_CONTAINED_WORDS }, (_, i) => `w${i}`).join(' ');
    expect(Array.from(containmentGroups([long, longer, justInside]))).toEqual([0, 1, 1]);
  });

  it('groups every text with the longest text that contains it, or alone (property)', () => {
    const text = fc
      .array(fc.constantFrom('a', 'b', 'c', 'B'), { minLength: 0, maxLength: 7 })
      .map((words) => words.join(' '));
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 25 }), (texts) => {
        const groups = containmentGroups(texts);
        const words = texts.map(wordsOf);
        texts.forEach((_, i) => {
          const root = groups[i];
          expect(groups[root]).toBe(root);
          if (words[i].length === 0) return expect(root).toBe(i);
          const containers = texts.map((__, j) => j).filter((j) => containedIn(words[i], words[j]));
          const longest = Math.max(...containers.map((j) => words[j].length));
          // The root contains the text and is as long as its longest container.
          expect(containedIn(words[i], words[root])).toBe(true);
          expect(words[root].length).toBe(longest);
        });
      }),
      { seed: 11, numRuns: 300 },
    );
  });
});

describe('validationSplit with groups', () => {
  const labels = Array.from({ length: 60 }, (_, i) => i % 3);

  it('holds out whole groups, never a part of one', () => {
    const groups = Int32Array.from(labels, (_, i) => Math.floor(i / 4) * 4);
    const { train, validation } = validationSplit(single(labels), 3, 0.25, 7, groups);
    expect(train.length + validation.length).toBe(60);
    const held = new Set(Array.from(validation, (row) => groups[row]));
    for (const row of train) expect(held.has(groups[row])).toBe(false);
    expect(validation.length).toBeGreaterThan(0);
  });

  it('is the row-wise split when every row is its own group', () => {
    const alone = Int32Array.from(labels.keys());
    expect(validationSplit(single(labels), 3, 0.2, 5, alone)).toEqual(validationSplit(single(labels), 3, 0.2, 5));
  });

  it('splits rows one by one when holding out a group would leave a class without training rows', () => {
    // Class 2 lives in one group of rows that also hold class 0, so no grouped split keeps it in training.
    const y = [0, 2, 0, 2, 1, 1, 1, 1, 0, 0, 1, 0];
    const groups = Int32Array.from([0, 0, 0, 0, 4, 4, 6, 6, 8, 8, 10, 10]);
    for (let seed = 0; seed < 20; seed++) {
      const { train } = validationSplit(single(y), 3, 0.4, seed, groups);
      expect(new Set(Array.from(train, (row) => y[row]))).toEqual(new Set([0, 1, 2]));
    }
  });

  it('refuses group ids that do not match the rows, also when TextClassifier or a distillation student passes them on', async () => {
    expect(() => validationSplit(single(labels), 3, 0.2, 5, new Int32Array(3))).toThrow(/3 group ids for 60 rows/);
    const texts = labels.map((l, i) => `text ${i} of class ${l}`);
    const classes = labels.map((l) => `c${l}`);
    await expect(
      TextClassifier.train(
        texts,
        classes,
        { recipe: 'single', validationGroups: new Int32Array(2), epochs: 2 },
        { encoder: 'tfidf' },
      ),
    ).rejects.toThrow(UsageError);
    const soft: Targets = {
      kind: 'soft',
      probabilities: Float32Array.from(labels.flatMap((l) => [0, 1, 2].map((c) => (c === l ? 1 : 0)))),
      temperature: 1,
    };
    await expect(
      trainStudent(new TfidfEncoder(), texts, soft as SoftTargets, 3, {
        validationGroups: new Int32Array(2),
        epochs: 2,
      }),
    ).rejects.toThrow(/2 group ids for 60 rows/);
  });
});

const sampleExamples = (await readDataset(sampleCsv)).examples;

describe('held-out texts of the recipes are kept with the texts that contain them', () => {
  // Each sample sentence with its first and second half as texts of their own, for 20 of the 60 sentences.
  const examples = sampleExamples;
  const groupOf: number[] = [];
  const texts: string[] = [];
  const labels: string[] = [];
  examples.forEach((example, i) => {
    const words = example.text.split(' ');
    const half = Math.ceil(words.length / 2);
    for (const text of i % 3 === 0
      ? [example.text, words.slice(0, half).join(' '), words.slice(half).join(' ')]
      : [example.text]) {
      texts.push(text);
      labels.push(example.labels[0]);
      groupOf.push(i);
    }
  });

  /** An encoder that records the texts of its first `embed` call (the training texts). */
  async function recordingEncoder(): Promise<{ encoder: Encoder; trainedOn: () => Set<string> }> {
    const potion = await createEncoder('potion');
    const calls: string[][] = [];
    const encoder: Encoder = {
      ...potion,
      spec: potion.spec,
      dim: potion.dim,
      fingerprint: potion.fingerprint,
      maxTokens: potion.maxTokens,
      maxEmbeddingsPerCall: potion.maxEmbeddingsPerCall,
      embed: (batch, options) => (calls.push([...batch]), potion.embed(batch, options)),
      dispose: () => potion.dispose(),
    };
    return { encoder, trainedOn: () => new Set(calls[0]) };
  }

  function expectWholeGroups(trainedOn: Set<string>): number {
    const held = texts.filter((text) => !trainedOn.has(text));
    expect(held.length).toBeGreaterThan(0);
    texts.forEach((text, i) => {
      const mates = texts.filter((_, j) => groupOf[j] === groupOf[i]);
      expect(mates.every((mate) => trainedOn.has(mate))).toBe(trainedOn.has(text));
    });
    return held.length;
  }

  it('in the multi-label choice between heads', async () => {
    const { encoder, trainedOn } = await recordingEncoder();
    const multi = labels.map((label) => [label]);
    await chooseMultiLabelHead(texts, multi, [{ name: 'pretrained', encoder, fit: { seed: 0, epochs: 2 } }], {
      seed: 3,
      deadline: new AbortController().signal,
      load: {},
    });
    expectWholeGroups(trainedOn());
    await encoder.dispose();
  });

  it("in distillation's held-out comparison", async () => {
    const { classifier: teacher } = await TextClassifier.train(
      texts,
      labels,
      { recipe: 'single', seed: 0 },
      { encoder: 'tfidf' },
    );
    const { encoder, trainedOn } = await recordingEncoder();
    const { classifier, report } = await distill({
      teacher,
      texts,
      labels,
      holdOut: 0.25,
      student: { encoder, fit: { seed: 4, epochs: 2 } },
      timingRounds: 1,
    });
    expect(report.comparison?.rows).toBe(expectWholeGroups(trainedOn()));
    await classifier.dispose();
    await teacher.dispose();
    await encoder.dispose();
  });

  it('groupedStratifiedSplit keeps groups whole for any strata, and splits row-wise without groups', () => {
    const strata = Int32Array.from({ length: 90 }, (_, i) => (i * 7) % 9);
    const groups = Int32Array.from(strata.keys(), (i) => Math.floor(i / 3));
    const { train, test } = groupedStratifiedSplit(strata, 0.2, 1, groups);
    const held = new Set(Array.from(test, (row) => groups[row]));
    for (const row of train) expect(held.has(groups[row])).toBe(false);
    expect(train.length + test.length).toBe(90);
    expect(groupedStratifiedSplit(strata, 0.2, 1)).toEqual(
      groupedStratifiedSplit(strata, 0.2, 1, Int32Array.from(strata.keys())),
    );
  });
});
