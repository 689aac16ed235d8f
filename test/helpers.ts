/** Paths and temporary directories shared by the tests. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const sharedModels = process.env.HEADSTART_MODELS ?? path.resolve(repoRoot, '../shared/models');
export const sharedCorpora = process.env.HEADSTART_CORPORA ?? path.resolve(repoRoot, '../shared/corpora');
export const potionDir = path.join(sharedModels, 'potion-base-4m-int8');
export const sampleCsv = path.join(repoRoot, 'corpora/samples/finance-sentiment.csv');

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
  added_tokens: [{ id: 0, content: '[UNK]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
  normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
  pre_tokenizer: { type: 'BertPreTokenizer' },
  post_processor: null,
  decoder: null,
  model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: TINY_WORDPIECE_VOCAB },
};
