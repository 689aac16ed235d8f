import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { listCorpora, readDataset, resolveDataSource, type Dataset } from '../src/data/index.js';
import { DataError, UsageError } from '../src/errors.js';
import { describeWithCorpora } from './helpers.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const corporaDir = process.env.HEADSTART_CORPORA ?? path.resolve(repo, '../shared/corpora');
process.env.HEADSTART_CORPORA = corporaDir;

const scratch = mkdtempSync(path.join(os.tmpdir(), 'headstart-corpora-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function withCorporaDir<T>(value: string | undefined, run: () => T): T {
  const saved = process.env.HEADSTART_CORPORA;
  if (value === undefined) delete process.env.HEADSTART_CORPORA;
  else process.env.HEADSTART_CORPORA = value;
  try {
    return run();
  } finally {
    process.env.HEADSTART_CORPORA = saved;
  }
}

function labelCounts(data: Dataset): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const example of data.examples) for (const label of example.labels) counts[label] = (counts[label] ?? 0) + 1;
  return counts;
}

describe('registry', () => {
  it('lists the known corpora with checksums, licences and descriptions', () => {
    const corpora = listCorpora();
    expect(corpora.map((c) => c.name)).toEqual([
      'fpb50',
      'fpb66',
      'fpb75',
      'fpb-all',
      'banking77-train',
      'banking77-test',
      'medical-abstracts',
      'trec-train',
      'trec-test',
      'sst2-train',
      'sst2-dev',
      'hoc-train',
      'hoc-dev',
      'hoc-test',
      'ag-news-test',
    ]);
    for (const corpus of corpora) {
      expect(corpus.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(corpus.license.length).toBeGreaterThan(5);
      expect(corpus.description.length).toBeGreaterThan(20);
      expect(corpus.rows).toBeGreaterThan(0);
      expect(path.isAbsolute(corpus.path)).toBe(false);
    }
  });
});

describe('resolveDataSource', () => {
  it('returns an existing path as is, with no options', () => {
    const file = path.join(scratch, 'mine.csv');
    writeFileSync(file, 'text,label\na,b\n');
    expect(resolveDataSource(file)).toEqual({ path: file, options: {} });
    expect(resolveDataSource('-')).toEqual({ path: '-', options: {} });
  });

  it('prefers an existing file over a corpus of the same name', () => {
    const cwd = process.cwd();
    process.chdir(scratch);
    try {
      writeFileSync('fpb50', 'text\n');
      expect(resolveDataSource('fpb50')).toEqual({ path: 'fpb50', options: {} });
    } finally {
      process.chdir(cwd);
    }
  });

  it('names the known corpora when the source is neither a file nor a corpus', () => {
    const error = (() => {
      try {
        resolveDataSource('no-such-thing.csv');
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toContain(
      '"no-such-thing.csv" is neither an existing file nor a known corpus',
    );
    expect((error as DataError).message).toContain('known: fpb50, fpb66');
  });

  it('needs HEADSTART_CORPORA for a corpus name', () => {
    withCorporaDir(undefined, () => {
      expect(() => resolveDataSource('fpb50')).toThrow(UsageError);
      expect(() => resolveDataSource('fpb50')).toThrow(
        "corpus 'fpb50' needs HEADSTART_CORPORA (e.g. ../shared/corpora)",
      );
    });
  });

  it('rejects a corpus file whose sha256 differs from the registry, and a missing one', () => {
    const root = path.join(scratch, 'fake-corpora');
    mkdirSync(path.join(root, 'financial_phrasebank'), { recursive: true });
    const file = path.join(root, 'financial_phrasebank', 'Sentences_66Agree.txt');
    writeFileSync(file, 'Edited sentence .@positive\n');
    withCorporaDir(root, () => {
      expect(() => resolveDataSource('fpb66')).toThrow(DataError);
      expect(() => resolveDataSource('fpb66')).toThrow(`${file}: corpus 'fpb66' has sha256`);
      expect(() => resolveDataSource('fpb75')).toThrow(/corpus 'fpb75' is missing/);
    });
  });
});

describe('project samples', () => {
  it('reads the finance sample: 60 labelled rows, 20 per class, and 8 new sentences', async () => {
    const labelled = await readDataset(path.join(repo, 'corpora/samples/finance-sentiment.csv'));
    expect(labelled.examples).toHaveLength(60);
    expect(labelCounts(labelled)).toEqual({ positive: 20, negative: 20, neutral: 20 });
    const fresh = await readDataset(path.join(repo, 'corpora/samples/finance-new.txt'), { labelled: false });
    expect(fresh.format).toBe('lines');
    expect(fresh.examples).toHaveLength(8);
    expect(fresh.examples.every((e) => e.text.trim().length > 0)).toBe(true);
  });
});

describeWithCorpora(
  listCorpora().map((corpus) => corpus.name),
  `shared corpora in ${corporaDir}`,
  () => {
    const read = (name: string) => {
      const { path: file, options } = resolveDataSource(name);
      return readDataset(file, options);
    };

    it.each(listCorpora().map((corpus) => [corpus.name, corpus.rows] as const))(
      '%s has the %i rows PROVENANCE.txt counts, none skipped or empty, no text lost to decoding',
      async (name, rows) => {
        const data = await read(name);
        expect(data.examples).toHaveLength(rows);
        expect(data.skipped).toEqual([]);
        expect(data.examples.some((e) => e.text.trim() === '')).toBe(false);
        // Some files (HoC) hold literal U+FFFD characters; decoding must add none.
        const bytes = readFileSync(resolveDataSource(name).path);
        const literal = bytes.toString('latin1').split('\xef\xbf\xbd').length - 1;
        const decoded = data.examples.reduce((total, e) => total + e.text.split('\uFFFD').length - 1, 0);
        expect(decoded).toBeLessThanOrEqual(literal);
      },
    );

    it('matches the per-label counts of PROVENANCE.txt', async () => {
      expect(labelCounts(await read('fpb50'))).toEqual({ neutral: 2879, positive: 1363, negative: 604 });
      expect(labelCounts(await read('fpb-all'))).toEqual({ neutral: 1391, positive: 570, negative: 303 });
      expect(labelCounts(await read('trec-train'))).toEqual({
        ENTY: 1250,
        HUM: 1223,
        DESC: 1162,
        NUM: 896,
        LOC: 835,
        ABBR: 86,
      });
      expect(labelCounts(await read('sst2-dev'))).toEqual({ positive: 444, negative: 428 });
      expect(labelCounts(await read('ag-news-test'))).toEqual({
        World: 1900,
        Sports: 1900,
        Business: 1900,
        'Sci/Tech': 1900,
      });
      expect(labelCounts(await read('medical-abstracts'))).toEqual({
        'general pathological conditions': 961,
        neoplasms: 633,
        'cardiovascular diseases': 610,
        'nervous system diseases': 385,
        'digestive system diseases': 299,
      });
      const banking = labelCounts(await read('banking77-test'));
      expect(Object.keys(banking)).toHaveLength(77);
      expect(new Set(Object.values(banking))).toEqual(new Set([40]));
      const hoc = await read('hoc-train');
      expect(hoc.multiLabel).toBe(true);
      expect(labelCounts(hoc)).toEqual({
        '8': 674,
        '7': 602,
        '5': 523,
        '0': 448,
        '9': 375,
        '4': 268,
        '6': 238,
        '3': 219,
        '1': 185,
        '2': 136,
      });
      expect(hoc.examples[0].id).toBe('22239943_s0');
    });

    it('decodes the UTF-8 AllAgree file and the ISO-8859-1 50Agree file to the same sentences', async () => {
      const all = await read('fpb-all');
      const fifty = new Set((await read('fpb50')).examples.map((e) => e.text));
      const nonAscii = all.examples.filter((e) => /[^\x00-\x7f]/.test(e.text));
      expect(nonAscii.length).toBeGreaterThan(0);
      for (const example of all.examples) expect(fifty.has(example.text)).toBe(true);
    });

    it('joins AG News title and description', async () => {
      const first = (await read('ag-news-test')).examples[0];
      expect(first.text).toMatch(/^Fears for T N pension after talks\. Unions representing workers/);
      expect(first.labels).toEqual(['Business']);
    });
  },
);
