/**
 * Byte-for-byte golden values: the probabilities the shipped checkpoints give on fixed texts. A
 * refactor of the classifier must leave every one of them unchanged.
 *
 * How the values were produced (before the classifier became a facade, issue 20): each checkpoint
 * was loaded with `TextClassifier.load`, `predictProba` ran over every text of the named set in one
 * call, and the expected value is the sha256 of the resulting Float32Array's bytes (little-endian).
 * Regenerate only for an intended change of behaviour, and say so in the commit.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TextClassifier } from '../src/index.js';
import { readDataset, resolveDataSource } from '../src/data/index.js';
import { describeWithCorpora, repoRoot } from './helpers.js';

async function textsOf(source: string): Promise<string[]> {
  const { path: file, options } = resolveDataSource(source);
  return (await readDataset(file, options)).examples.map((example) => example.text);
}

async function probabilityHash(checkpoint: string, source: string): Promise<{ rows: number; sha256: string }> {
  const texts = await textsOf(source);
  const classifier = await TextClassifier.load(path.join(repoRoot, 'checkpoints', checkpoint));
  try {
    const { data, rows } = await classifier.predictProba(texts);
    return {
      rows,
      sha256: createHash('sha256')
        .update(Buffer.from(data.buffer, data.byteOffset, data.byteLength))
        .digest('hex'),
    };
  } finally {
    await classifier.dispose();
  }
}

const sample = path.join(repoRoot, 'corpora/samples/finance-news.csv');

describe('shipped checkpoints predict the golden probabilities on the finance sample', () => {
  it.each([
    ['finance-sentiment', 'cd8b491a6be500ef1f83eb1971e85dd2117d556b1d4e66fd248f4c1baf9284a7'],
    ['banking-intent', 'c8a8521b93b8eb12b55ab4d5feadf5ed91d45e3f0ca4423f923b88bf0944a8f8'],
    ['medical-topic', '8d0c0491ab8a1fc8b476d887316654529b7049a6f53a73c94c24830d73ca8361'],
  ])('%s', async (checkpoint, sha256) => {
    expect(await probabilityHash(checkpoint, sample)).toEqual({ rows: 900, sha256 });
  });
});

describeWithCorpora(
  ['fpb50', 'banking77-test'],
  'shipped checkpoints predict the golden probabilities on fpb50 and banking77',
  () => {
    it.each([
      ['finance-sentiment', 'fpb50', 4846, 'f54ed307c17fa7c27182b1e97cfead7128fb233e736bd2be1b6e2f460acadc51'],
      ['banking-intent', 'banking77-test', 3080, '8782032d61ea0546c6e41966f661dec9783ab25f2addc8da1c03adc00865c628'],
      ['medical-topic', 'fpb50', 4846, 'fd16bbc4f5456798a1558dec1d402672e39b94c7c76c626c2925b0971ed9a82b'],
    ] as const)('%s on %s', async (checkpoint, corpus, rows, sha256) => {
      expect(await probabilityHash(checkpoint, corpus)).toEqual({ rows, sha256 });
    });
  },
);
