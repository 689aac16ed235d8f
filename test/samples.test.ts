import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDataset, type Dataset } from '../src/data/index.js';
import { repoRoot, sharedCorpora } from './helpers.js';

const newsCsv = path.join(repoRoot, 'corpora/samples/finance-news.csv');
const phrasebankDir = path.join(sharedCorpora, 'financial_phrasebank');
// Sentences_50Agree holds every Financial PhraseBank sentence; the other agreement levels are subsets of it.
const phrasebankFile = path.join(phrasebankDir, 'Sentences_50Agree.txt');
const SHARED_RUN = 6;

/** Lower-case runs of letters and digits, so punctuation and spacing differences do not hide a copied phrase. */
function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

function runsOf(text: string, length: number): string[] {
  const w = words(text);
  return Array.from({ length: Math.max(0, w.length - length + 1) }, (_, i) => w.slice(i, i + length).join(' '));
}

function labelCounts(data: Dataset): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const example of data.examples) for (const label of example.labels) counts[label] = (counts[label] ?? 0) + 1;
  return counts;
}

describe('corpora/samples/finance-news.csv', () => {
  it('parses with the project reader into 900 single-label rows: 250 positive, 250 negative, 400 neutral', async () => {
    const data = await readDataset(newsCsv);
    expect(data.format).toBe('csv');
    expect(data.skipped).toEqual([]);
    expect(data.multiLabel).toBe(false);
    expect(data.examples).toHaveLength(900);
    expect(labelCounts(data)).toEqual({ positive: 250, negative: 250, neutral: 400 });
  });

  it('has no duplicate or empty texts, and every text is 8 to 35 words long', async () => {
    const texts = (await readDataset(newsCsv)).examples.map((e) => e.text);
    const normalised = texts.map((text) => words(text).join(' '));
    expect(new Set(normalised).size).toBe(texts.length);
    const outOfRange = texts.filter((text) => {
      const count = text.trim().split(/\s+/).length;
      return count < 8 || count > 35;
    });
    expect(outOfRange).toEqual([]);
  });

  const phrasebankPresent = existsSync(phrasebankFile);
  if (!phrasebankPresent)
    console.log(`skip: no Financial PhraseBank at ${phrasebankFile}; the copied-phrase check did not run`);

  it.skipIf(!phrasebankPresent)(
    `shares no run of ${SHARED_RUN} consecutive words with any Financial PhraseBank sentence`,
    async () => {
      const phrasebankRuns = new Set<string>();
      for (const example of (await readDataset(phrasebankFile, { format: 'fpb' })).examples) {
        for (const run of runsOf(example.text, SHARED_RUN)) phrasebankRuns.add(run);
      }
      expect(phrasebankRuns.size).toBeGreaterThan(50_000);
      const copied = (await readDataset(newsCsv)).examples.flatMap((e) =>
        runsOf(e.text, SHARED_RUN)
          .filter((run) => phrasebankRuns.has(run))
          .map((run) => `line ${e.line}: "${run}"`),
      );
      expect(copied).toEqual([]);
    },
  );
});
