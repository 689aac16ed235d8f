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
    ['finance-sentiment', '9d5c91012608a5043de5d066f3422cd427f7d98d82f025439f65f76f90812e62'],
    ['banking-intent', '8d6e321c4bbb2b8961fd1916030184a9f0bba8acc03a720b84b1a1201a99b825'],
    ['medical-topic', 'a4183a4efb95e8082ef9a5bb3ee41a3183ee0ea7896b8dfe500a04ff4fb810d3'],
  ])('%s', async (checkpoint, sha256) => {
    expect(await probabilityHash(checkpoint, sample)).toEqual({ rows: 900, sha256 });
  });
});

describeWithCorpora(
  ['fpb50', 'banking77-test'],
  'shipped checkpoints predict the golden probabilities on fpb50 and banking77',
  () => {
    it.each([
      ['finance-sentiment', 'fpb50', 4846, '3e9c80cb7d63bdc398ab94ddd00fe83a5d5a859d60163bf1a887408a2c7b389a'],
      ['banking-intent', 'banking77-test', 3080, '4b181f67fd43be47dbc84def03214bbcd0d0ac8f61f4bafe6395d3cfe185e794'],
      ['medical-topic', 'fpb50', 4846, '3c960369561b39969a5a37edc94f90b9125d0f322530650bcd59ed2a942d5ecb'],
    ] as const)('%s on %s', async (checkpoint, corpus, rows, sha256) => {
      expect(await probabilityHash(checkpoint, corpus)).toEqual({ rows, sha256 });
    });
  },
);
