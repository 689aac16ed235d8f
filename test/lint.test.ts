/**
 * ESLint over src/ (eslint.config.js: the TypeScript recommended set and the folder-faces rule) and
 * Prettier over the repository (.prettierrc.json), so `npm test` enforces both. A failure lists every
 * problem as `file:line rule message`, or the files Prettier would reformat (`npm run format` fixes them).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ESLint } from 'eslint';
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { repoRoot } from './helpers.js';

describe('lint', () => {
  it('src/ has no ESLint errors', async () => {
    const eslint = new ESLint({ cwd: repoRoot });
    const results = await eslint.lintFiles(['src']);
    const problems = results.flatMap((result) =>
      result.messages
        .filter((message) => message.severity === 2)
        .map(
          (message) =>
            `${path.relative(repoRoot, result.filePath)}:${message.line} ${message.ruleId ?? 'parse'} ${message.message}`,
        ),
    );
    expect(problems.join('\n')).toBe('');
  });

  it('every tracked source file is formatted by Prettier', async () => {
    const tracked = execFileSync('git', ['ls-files', '*.ts', '*.js', '*.mjs', '*.json'], {
      cwd: repoRoot,
      encoding: 'utf8',
    })
      .split('\n')
      .filter(Boolean);
    const unformatted: string[] = [];
    for (const file of tracked) {
      const filepath = path.join(repoRoot, file);
      const info = await prettier.getFileInfo(filepath, { ignorePath: path.join(repoRoot, '.prettierignore') });
      if (info.ignored || info.inferredParser === null) continue;
      const options = { ...(await prettier.resolveConfig(filepath)), filepath };
      if (!(await prettier.check(await readFile(filepath, 'utf8'), options))) unformatted.push(file);
    }
    expect(unformatted.join('\n')).toBe('');
  });
});
