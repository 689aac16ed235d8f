/**
 * The checkpoint manifest and predict's progress record are checked by hand, not by zod, which cost
 * ~12 ms of every `predict` start-up (issue 23). What zod gave must not change: the same records
 * accepted with their fields in the same order (a re-saved manifest, a rewritten journal), and the same
 * ones refused, naming the field.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkManifestShape, ManifestIssue } from '../src/checkpoint/manifest-schema.js';
import { leftovers, progressPath } from '../src/predict/journal-files.js';
import { repoRoot, tempDir } from './helpers.js';

const shipped = JSON.parse(readFileSync(path.join(repoRoot, 'checkpoints/finance-sentiment/headstart.json'), 'utf8'));

function issueOf(json: unknown): { path: string; message: string } | undefined {
  try {
    checkManifestShape(json);
    return undefined;
  } catch (error) {
    if (!(error instanceof ManifestIssue)) throw error;
    return { path: error.path, message: error.message };
  }
}

const edited = (edit: (manifest: typeof shipped) => void) => {
  const manifest = structuredClone(shipped);
  edit(manifest);
  return manifest;
};

describe('the manifest checked by hand', () => {
  it('gives back a shipped manifest field for field, in the schema order', () => {
    expect(JSON.stringify(checkManifestShape(shipped))).toBe(JSON.stringify(shipped));
    const reordered = Object.fromEntries(Object.entries(shipped).reverse());
    expect(Object.keys(checkManifestShape(reordered))).toEqual(Object.keys(shipped));
  });

  it('refuses unknown fields, wrong types and values out of range at their path', () => {
    expect(issueOf(edited((m) => (m.head.spec.extra = 1)))?.path).toBe('head.spec');
    expect(issueOf(edited((m) => (m.head.spec.inputDim = 'big')))?.path).toBe('head.spec.inputDim');
    expect(issueOf(edited((m) => (m.head.spec.dropout = 1.5)))?.path).toBe('head.spec.dropout');
    expect(issueOf(edited((m) => (m.files[0].sha256 = 'abc')))?.path).toBe('files.0.sha256');
    expect(issueOf(edited((m) => (m.labels = [])))?.path).toBe('labels');
    expect(issueOf(edited((m) => (m.calibration = null)))?.path).toBe('calibration');
    expect(issueOf(edited((m) => delete m.training))?.path).toBe('training');
    expect(issueOf(edited((m) => (m.encoder.spec.type = 'bag')))?.path).toBe('encoder.spec.type');
  });

  it('keeps a head over sparse rows linear and unstandardised', () => {
    const sparse = (type: string, standardize: boolean) =>
      edited((m) => Object.assign(m.head.spec, { type, standardize, input: 'sparse' }));
    expect(issueOf(sparse('linear', false))).toBeUndefined();
    expect(checkManifestShape(sparse('linear', false)).head.spec).toMatchObject({ input: 'sparse' });
    expect(issueOf(sparse('mlp', false))).toEqual({
      path: 'head.spec.input',
      message: 'a head over sparse rows is linear and unstandardised',
    });
    expect(issueOf(sparse('linear', true))?.path).toBe('head.spec.input');
  });
});

describe("predict's progress record checked by hand", () => {
  const identity = { input: 'i', models: 'm', settings: 's' };
  const older = { version: 1, identity, rows: 3, bytes: 120, truncated: 0, empty: 1 };

  async function recordRead(record: unknown) {
    const output = path.join(tempDir(), 'out.jsonl');
    writeFileSync(progressPath(output), JSON.stringify(record));
    return leftovers(output, false).catch((error: { code: string }) => error.code);
  }

  it('reads a record of a version that did not count flagged rows, with its counts at 0', async () => {
    const state = await recordRead({ ...older, extra: true });
    expect(state).toEqual({ ...older, invalidUtf8: 0, unreadable: 0 });
    expect(Object.keys(state as object)).toEqual([...Object.keys(older), 'invalidUtf8', 'unreadable']);
  });

  it('refuses what is not a progress record', async () => {
    for (const record of [
      null,
      [],
      { ...older, version: 2 },
      { ...older, rows: -1 },
      { ...older, bytes: 1.5 },
      { ...older, unreadable: '0' },
      { ...older, identity: { ...identity, models: 1 } },
      { ...older, identity: 'i' },
      { ...older, empty: undefined },
    ])
      expect(await recordRead(record)).toBe('JOURNAL_FILE_UNSAFE');
  });
});
