/** Paths and temporary directories shared by the tests. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, it } from 'vitest';
import { sealManifest } from '../src/checkpoint/manifest.js';
import { resolveDataSource } from '../src/data/index.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const sharedCorpora = process.env.HEADSTART_CORPORA ?? path.resolve(repoRoot, '../shared/corpora');
/** The default model as packaged with headstart. */
export const potionDir = path.join(repoRoot, 'models/potion-base-4m-int8');
export const sampleCsv = path.join(repoRoot, 'corpora/samples/finance-sentiment.csv');

/**
 * Tests that read the shared benchmark corpora (not shipped: their licences). Where the corpora
 * folder exists, or HEADSTART_REQUIRE_CORPORA=1 (.ci/run), a missing or changed corpus fails the
 * test; elsewhere (a clone without ../shared) the test is skipped with one line saying what is missing.
 */
const corporaRequired = existsSync(sharedCorpora) || process.env.HEADSTART_REQUIRE_CORPORA === '1';

/** Why the named corpora cannot be read, or undefined when they all can. */
export function missingCorpora(names: readonly string[]): string | undefined {
  for (const name of names) {
    try {
      resolveDataSource(name);
    } catch (error) {
      return `shared corpus '${name}' unavailable (${(error as Error).message})`;
    }
  }
  return undefined;
}

/** `describe` for tests that need the named shared corpora: skipped (saying why) or failing when they are missing. */
export function describeWithCorpora(names: readonly string[], title: string, body: () => void): void {
  const missing = missingCorpora(names);
  if (missing === undefined) {
    describe(title, body);
  } else if (!corporaRequired) {
    console.warn(`skipped "${title}": ${missing}`);
    describe.skip(title, body);
  } else {
    describe(title, () => {
      it(`needs ${names.join(', ')}`, () => {
        throw new Error(
          `${missing}, but the corpora folder ${sharedCorpora} is there (or HEADSTART_REQUIRE_CORPORA=1): a test may not skip for missing data here`,
        );
      });
    });
  }
}

/** Writes an edited manifest sealed again (its manifestSha256 recomputed), so the edit reaches the checks after the seal. */
export function writeResealed(file: string, manifest: Record<string, unknown>): void {
  const { manifestSha256: _seal, ...rest } = manifest;
  writeFileSync(file, sealManifest(rest as unknown as Parameters<typeof sealManifest>[0]));
}

/** A fresh temporary directory, removed after the test file finishes. */
export function tempDir(prefix = 'headstart-test-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs the CLI from source; `lastJson()` parses the --json object on the last stdout line. */
export function headstart(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const lines = result.stdout.trimEnd().split('\n');
  return { ...result, lastJson: () => JSON.parse(lines[lines.length - 1]) };
}

/** The smallest BERT-style WordPiece tokenizer.json: four tokens, [UNK] first. */
const TINY_WORDPIECE_VOCAB = { '[UNK]': 0, hello: 1, world: 2, bad: 3 };
export const tinyWordPieceTokenizer = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [
    { id: 0, content: '[UNK]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
  ],
  normalizer: {
    type: 'BertNormalizer',
    clean_text: true,
    handle_chinese_chars: true,
    strip_accents: null,
    lowercase: true,
  },
  pre_tokenizer: { type: 'BertPreTokenizer' },
  post_processor: null,
  decoder: null,
  model: {
    type: 'WordPiece',
    unk_token: '[UNK]',
    continuing_subword_prefix: '##',
    max_input_chars_per_word: 100,
    vocab: TINY_WORDPIECE_VOCAB,
  },
};

/** Registered with `node --import`: appends the URL of every ES module loaded, in any thread, to $LOADED_LIST. */
export const RECORD_LOADS = `data:text/javascript,${encodeURIComponent(`
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(\`
import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(process.env.LOADED_LIST, url + '\\\\n');
  return next(url, context);
}\`));
`)}`;
