/**
 * ESLint over src/ (eslint.config.js): the TypeScript recommended set and the folder-faces rule,
 * so `npm test` enforces them. A failure lists every problem as `file:line rule message`.
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers.js';

describe('lint', () => {
  it('src/ has no ESLint errors', async () => {
    const eslint = new ESLint({ cwd: repoRoot });
    const results = await eslint.lintFiles(['src']);
    const problems = results.flatMap((result) =>
      result.messages
        .filter((message) => message.severity === 2)
        .map((message) => `${path.relative(repoRoot, result.filePath)}:${message.line} ${message.ruleId ?? 'parse'} ${message.message}`),
    );
    expect(problems.join('\n')).toBe('');
  });
});
