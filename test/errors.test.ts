/**
 * The error catalogue in docs/errors.md cannot drift from the code: every code thrown in src/ is
 * listed with its true category, nothing listed is unused, and every test it cites exists.
 * Also the shape of HeadstartError messages and the CLI's exit codes.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXIT_CODES, reportError } from '../src/cli/output.js';
import {
  DataError,
  EnvironmentError,
  environmentError,
  HeadstartError,
  InterruptedError,
  ModelError,
  QueueLostError,
  UsageError,
  type ErrorCategory,
} from '../src/errors.js';
import { repoRoot } from './helpers.js';

const docs = readFileSync(path.join(repoRoot, 'docs/errors.md'), 'utf8');

const CATEGORY_OF_CLASS: Record<string, ErrorCategory> = {
  UsageError: 'usage',
  DataError: 'data',
  ModelError: 'model',
  EnvironmentError: 'environment',
  RowProblem: 'data',
};

/**
 * Codes thrown in src/: the string literals in the first argument of `new UsageError|DataError|
 * ModelError|EnvironmentError|RowProblem(...)` (a `const NAME = 'CODE'` passed by name is resolved), and the codes
 * HeadstartError subclasses in errors.ts pass to `super`. Errno names (ENOENT) in a ternary are not codes.
 */
function codesInSource(): Map<string, Set<ErrorCategory>> {
  const codes = new Map<string, Set<ErrorCategory>>();
  const add = (code: string, category: ErrorCategory) => {
    if (/^E[A-Z]+$/.test(code)) return;
    if (!codes.has(code)) codes.set(code, new Set());
    codes.get(code)!.add(category);
  };
  const files = readdirSync(path.join(repoRoot, 'src'), { recursive: true, encoding: 'utf8' }).filter((name) =>
    name.endsWith('.ts'),
  );
  for (const name of files) {
    const source = readFileSync(path.join(repoRoot, 'src', name), 'utf8');
    for (const [, cls, argument] of source.matchAll(
      /new\s+(UsageError|DataError|ModelError|EnvironmentError|RowProblem)\(\s*([^,]+),/g,
    )) {
      for (const [, literal] of argument.matchAll(/'([A-Za-z][A-Za-z0-9_-]*)'/g)) add(literal, CATEGORY_OF_CLASS[cls]);
      const constant = /^\s*([A-Z][A-Z0-9_]*)\s*$/.exec(argument)?.[1];
      const value = constant && new RegExp(`const ${constant} = '([A-Za-z0-9_-]+)'`).exec(source)?.[1];
      if (value) add(value, CATEGORY_OF_CLASS[cls]);
    }
    for (const [, category, code] of source.matchAll(/super\('(\w+)', '([A-Z0-9_]+)'/g))
      add(code, category as ErrorCategory);
  }
  return codes;
}

/** `| \`CODE\` | category | meaning |` rows of the catalogue. */
function catalogue(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const [, code, category] of docs.matchAll(/^\| `([A-Za-z][A-Za-z0-9_-]*)` \| (\w+) \|/gm)) {
    expect(rows.has(code), `${code} is listed twice`).toBe(false);
    rows.set(code, category);
  }
  return rows;
}

describe('docs/errors.md', () => {
  const used = codesInSource();
  const listed = catalogue();

  it('finds the codes (sanity check of the scan)', () => {
    expect(used.size).toBeGreaterThan(50);
    expect(used.get('INVALID_UTF8')).toEqual(new Set(['data']));
    expect(used.get('SAFETENSORS_INVALID')).toEqual(new Set(['model']));
    expect(used.get('INTERRUPTED')).toEqual(new Set(['interrupted']));
    expect(used.has('ENOENT')).toBe(false);
  });

  it('lists every code used in src/ with the category it is thrown with', () => {
    const missing = [...used.keys()].filter((code) => !listed.has(code));
    expect(missing, 'codes thrown in src/ but missing from the catalogue in docs/errors.md').toEqual([]);
    const wrong = [...used].filter(
      ([code, categories]) => !categories.has(listed.get(code) as ErrorCategory) || categories.size > 1,
    );
    expect(
      wrong.map(
        ([code, categories]) => `${code}: thrown as ${[...categories].join('+')}, listed as ${listed.get(code)}`,
      ),
    ).toEqual([]);
  });

  it('lists no code that nothing throws', () => {
    expect([...listed.keys()].filter((code) => !used.has(code))).toEqual([]);
  });

  it('cites only tests that exist', () => {
    const citations = [...docs.matchAll(/`(test\/[\w.-]+\.test\.ts)` “([^”]+)”/g)];
    expect(citations.length).toBeGreaterThan(40);
    const broken = citations.filter(([, file, name]) => {
      const file_ = path.join(repoRoot, file);
      if (!existsSync(file_)) return true;
      const source = readFileSync(file_, 'utf8');
      return !["'", '"', '`'].some(
        (quote) =>
          source.includes(`${quote}${name.replace(/'/g, "\\'")}${quote}`) || source.includes(`${quote}${name}${quote}`),
      );
    });
    expect(broken.map(([, file, name]) => `${file}: ${name}`)).toEqual([]);
  });
});

describe('HeadstartError', () => {
  it('starts the one-line message with file:line, the text index and the field', () => {
    const error = new DataError('EMPTY_TEXT', 'empty text', {
      location: { file: 'a.csv', line: 7, field: 'text' },
      hint: 'fix it',
    });
    expect(error.message).toBe('a.csv:7, field "text": empty text');
    expect(error).toMatchObject({ code: 'EMPTY_TEXT', category: 'data', hint: 'fix it', name: 'DataError' });
    expect(new DataError('X', 'bad', { location: { index: 3 } }).message).toBe('text #3: bad');
    expect(new ModelError('X', 'bad', { location: { line: 2 } }).message).toBe('line 2: bad');
    expect(new UsageError('X', 'bad').message).toBe('bad');
    expect(new InterruptedError('SIGTERM')).toMatchObject({
      code: 'INTERRUPTED',
      category: 'interrupted',
      message: 'interrupted by SIGTERM before finishing',
    });
  });
});

describe('reportError', () => {
  let stderr = '';
  const capture = () => {
    stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
  };
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('gives each category its own exit code, and prints the message and hint without a stack', () => {
    expect(new Set(Object.values(EXIT_CODES)).size).toBe(Object.keys(EXIT_CODES).length);
    const cases: [HeadstartError, number][] = [
      [new UsageError('U', 'u'), 2],
      [new DataError('D', 'd', { hint: 'h' }), 3],
      [new ModelError('M', 'm'), 4],
      [new EnvironmentError('E', 'e'), 5],
      [new QueueLostError('q'), 5],
      [new InterruptedError('SIGINT'), 130],
    ];
    for (const [error, code] of cases) {
      capture();
      expect(reportError(error, false)).toBe(code);
      expect(stderr.split('\n')[0]).toBe(`headstart: ${error.message}`);
      expect(stderr).not.toMatch(/\n\s+at /);
    }
    capture();
    reportError(new DataError('D', 'd', { hint: 'h' }), false);
    expect(stderr).toBe('headstart: d\n  hint: h\n');
  });

  it('maps system errors about written paths to environment errors, exit 5', () => {
    const systemError = (code: string) =>
      Object.assign(new Error(`${code}: failed, write`), { code, syscall: 'write', path: '/data/out.jsonl' });
    const expected: [string, string, RegExp][] = [
      ['ENOSPC', 'DISK_FULL', /^\/data\/out\.jsonl: no space left on the device \(ENOSPC\)$/],
      ['EROFS', 'NOT_WRITABLE', /read-only \(EROFS\)$/],
      ['EACCES', 'NOT_WRITABLE', /permission denied \(EACCES\)$/],
      ['EISDIR', 'IS_A_DIRECTORY', /is a directory/],
    ];
    for (const [errno, code, message] of expected) {
      const mapped = environmentError(systemError(errno));
      expect(mapped).toBeInstanceOf(EnvironmentError);
      expect(mapped).toMatchObject({ code, category: 'environment' });
      expect((mapped as EnvironmentError).message).toMatch(message);
      capture();
      expect(reportError(systemError(errno), false)).toBe(5);
      expect(stderr.split('\n')[0]).toMatch(/^headstart: \/data\/out\.jsonl: /);
    }
    // Any other errno is an environment error only where headstart was writing a named path.
    expect(environmentError(systemError('EIO'))).toBeInstanceOf(Error);
    expect(environmentError(systemError('EIO'))).not.toBeInstanceOf(HeadstartError);
    expect(environmentError(systemError('EIO'), '/data/out.jsonl')).toMatchObject({
      code: 'IO_ERROR',
      message: '/data/out.jsonl: write failed (EIO)',
    });
    expect(environmentError(new TypeError('not a system error'), 'x')).toBeInstanceOf(TypeError);
  });

  it('reports anything else as an internal error (exit 1), with the stack only in debug mode', () => {
    capture();
    expect(reportError(new TypeError('boom'), false)).toBe(1);
    expect(stderr).toBe('headstart: internal error: boom\n  hint: run again with --debug for the stack trace\n');
    capture();
    reportError(new TypeError('boom'), true);
    expect(stderr).toMatch(/^headstart: internal error: boom\nTypeError: boom\n\s+at /);
  });
});
