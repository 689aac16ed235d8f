import { describe, expect, it } from 'vitest';
import { headstart, sampleCsv } from './helpers.js';

describe('usage errors', () => {
  it('a missing required option is one error line and a pointer to the command help, exit 2', () => {
    const result = headstart('train', '--data', sampleCsv);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      "headstart: error: required option '--out <dir>' not specified\nsee headstart train --help\n",
    );
  });

  it('a mistyped option names it, suggests the right one and does not print the help', () => {
    const result = headstart('train', '--data', sampleCsv, '--out', 'x', '--epoch', '3');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^headstart: error: unknown option '--epoch'\n/);
    expect(result.stderr).toContain('--epochs');
    expect(result.stderr).toContain('see headstart train --help');
    expect(result.stderr).not.toContain('Usage:');
    expect(result.stderr.trim().split('\n').length).toBeLessThanOrEqual(3);
  });

  it('an unknown command is one error line with the suggestion and the top-level help pointer', () => {
    const result = headstart('trian');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^headstart: error: unknown command 'trian'\n/);
    expect(result.stderr).toContain('see headstart --help');
    expect(result.stderr).not.toContain('Usage:');
  });

  it('--help still prints the whole help, exit 0', () => {
    const result = headstart('train', '--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: headstart train');
  });
});
