/** train and distill never delete what is at --out unless it is a headstart checkpoint, and refuse before training. */
import { spawnSync } from 'node:child_process';
import { copyFileSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeCsv } from '../src/data/index.js';
import { headstart, repoRoot, sampleCsv, tempDir } from './helpers.js';
import { trainModel } from './predict-helpers.js';

const root = tempDir('headstart-files-');
const project = path.join(root, 'project');
const data = path.join(project, 'data.csv');
let teacher: string;

beforeAll(async () => {
  mkdirSync(project);
  copyFileSync(sampleCsv, data);
  teacher = await trainModel('sentiment', root);
});

/** The refusal is the only line: nothing was read or trained first. */
function expectRefusedBeforeTraining(run: { status: number | null; stderr: string }, pattern: RegExp): void {
  expect(run.status, run.stderr).toBe(2);
  expect(run.stderr).toMatch(pattern);
  expect(run.stderr).not.toMatch(/^read \d+ examples|epoch|trained|saved/m);
}

describe('train --out', () => {
  it('refuses the directory holding the data, the data file and the working directory, before training', () => {
    const before = readFileSync(data);
    expectRefusedBeforeTraining(
      headstart('train', '--data', data, '--out', project),
      /project holds .*data\.csv, an input of this run: refusing/,
    );
    expectRefusedBeforeTraining(headstart('train', '--data', data, '--out', data), /data\.csv is an input of this run/);
    // `--import tsx` resolves from the working directory, so the loader is named by its path.
    const tsx = pathToFileURL(path.join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;
    const inProject = spawnSync(
      process.execPath,
      ['--import', tsx, path.join(repoRoot, 'src/cli/main.ts'), 'train', '--data', 'data.csv', '--out', '.'],
      { cwd: project, encoding: 'utf8' },
    );
    expectRefusedBeforeTraining(inProject, /^headstart: \. is the working directory/m);
    expect(readFileSync(data)).toEqual(before);
    expect(readdirSync(project)).toEqual(['data.csv']);
  });

  it('refuses a directory of other files even when the data is elsewhere', () => {
    const other = path.join(root, 'other');
    mkdirSync(other);
    copyFileSync(sampleCsv, path.join(other, 'keep.csv'));
    expectRefusedBeforeTraining(
      headstart('train', '--data', data, '--out', other),
      /other is a directory that is not a headstart checkpoint/,
    );
    expect(readdirSync(other)).toEqual(['keep.csv']);
  });

  it('refuses a location it cannot write (/proc/sys, even for root) before training, exit 5', () => {
    const run = headstart('train', '--data', data, '--out', '/proc/sys/headstart-model');
    expect(run.status, run.stderr).toBe(5);
    expect(run.stderr).toMatch(
      /^headstart: \/proc\/sys: (permission denied \(EACCES\)|the file system is read-only \(EROFS\))$/m,
    );
    expect(run.stderr).not.toMatch(/epoch|trained|saved/);
  });

  it('writes an empty directory and replaces its own checkpoint', () => {
    const out = path.join(root, 'empty');
    mkdirSync(out);
    for (let run = 0; run < 2; run++) {
      const trained = headstart('train', '--data', data, '--out', out, '--recipe', 'single', '--epochs', '2');
      expect(trained.status, trained.stderr).toBe(0);
      expect(readdirSync(out)).toContain('headstart.json');
    }
    expect(readdirSync(root).filter((name) => name.startsWith('.'))).toEqual([]);
  });
});

describe('distill --out', () => {
  it('refuses the teacher checkpoint itself, before loading it', () => {
    const manifest = readFileSync(path.join(teacher, 'headstart.json'));
    const run = headstart('distill', '--teacher', teacher, '--data', data, '--out', teacher);
    expectRefusedBeforeTraining(run, /sentiment is an input of this run/);
    expect(readFileSync(path.join(teacher, 'headstart.json'))).toEqual(manifest);
  });
});

describe('writeCsv', () => {
  it('replaces a regular file whole, and refuses a symlink, a directory or a device', async () => {
    const file = path.join(root, 'rows.csv');
    writeFileSync(file, 'old\n');
    await writeCsv(file, [{ text: 'a', label: 'x' }], ['text', 'label']);
    expect(readFileSync(file, 'utf8')).toBe('text,label\na,x\n');
    const victim = path.join(root, 'victim.csv');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, path.join(root, 'link.csv'));
    for (const target of [path.join(root, 'link.csv'), root, '/dev/null']) {
      await expect(writeCsv(target, [{ text: 'a' }], ['text'])).rejects.toThrow(
        /is not a regular file .*: refusing to replace it/,
      );
    }
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(readdirSync(root).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });
});
