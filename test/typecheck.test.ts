// `npm test` typechecks everything tsconfig.json includes (src, test, benchmarks, examples, scripts),
// so CI (.ci/run: npm ci + npm test) catches a type error outside src without a step of its own.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, tempDir } from './helpers.js';

const tscBin = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/** tsc's diagnostics for a project, one `file(line,col): error TSxxxx: message` line each (or `error TSxxxx:` for the project itself). */
function typeErrors(project: string): string[] {
  const run = spawnSync(process.execPath, [tscBin, '-p', project, '--noEmit', '--pretty', 'false'], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 240_000,
  });
  if (run.error) throw run.error;
  const errors = run.stdout.split('\n').filter((line) => /(^| )error TS\d+:/.test(line));
  if (run.status !== 0 && errors.length === 0)
    throw new Error(`tsc exited ${run.status} without diagnostics:\n${run.stdout}${run.stderr}`);
  return errors;
}

describe('typecheck', () => {
  it('tsconfig.json (src, test, benchmarks, examples, scripts) has no type errors', () => {
    expect(typeErrors(path.join(repoRoot, 'tsconfig.json')), 'tsc -p tsconfig.json --noEmit').toEqual([]);
  }, 300_000);

  // noUncheckedIndexedAccess covers all of src (new files included); test/ and benchmarks/ stay on the base config.
  it('tsconfig.strict-index.json: src is clean under noUncheckedIndexedAccess', () => {
    const project = path.join(repoRoot, 'tsconfig.strict-index.json');
    const { include } = JSON.parse(readFileSync(project, 'utf8')) as { include: string[] };
    expect(include).toEqual(['src']);
    expect(typeErrors(project), 'tsc -p tsconfig.strict-index.json --noEmit').toEqual([]);
  }, 300_000);

  it('reports a type error as a file(line,col) line', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'broken.ts'), "export const count: number = 'three';\n");
    const project = path.join(dir, 'tsconfig.json');
    const config = {
      extends: path.join(repoRoot, 'tsconfig.json'),
      // @types/node is looked up beside the config, which is outside the project here.
      compilerOptions: { typeRoots: [path.join(repoRoot, 'node_modules/@types')] },
      include: [],
      files: ['broken.ts'],
    };
    writeFileSync(project, JSON.stringify(config));
    expect(typeErrors(project)).toEqual([expect.stringMatching(/broken\.ts\(1,14\): error TS2322: /)]);
  }, 120_000);
});
