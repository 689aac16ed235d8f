/**
 * Named corpora (corpora/registry.json) that live outside the project under $HEADSTART_CORPORA.
 * A name resolves to a path plus the read options the corpus needs; its sha256 is checked once per process.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DataError, UsageError } from '../errors.js';
import { printable } from '../util/index.js';
import { STDIN } from './source.js';
import type { DataFormat, ReadOptions } from './types.js';

export interface CorpusEntry {
  name: string;
  /** Relative to $HEADSTART_CORPORA. */
  path: string;
  sha256: string;
  format: DataFormat;
  textField?: string | string[] | undefined;
  labelField?: string | undefined;
  idField?: string | undefined;
  header?: string[] | undefined;
  labelMap?: Record<string, string> | undefined;
  /** Number of examples, from PROVENANCE.txt. */
  rows: number;
  license: string;
  description: string;
}

export interface ResolvedSource {
  path: string;
  options: ReadOptions;
  corpus?: CorpusEntry;
}

export const CORPORA_ENV = 'HEADSTART_CORPORA';

let registry: CorpusEntry[] | undefined;
const verifiedFiles = new Set<string>();

export function listCorpora(): readonly CorpusEntry[] {
  registry ??= (
    JSON.parse(readFileSync(new URL('../../corpora/registry.json', import.meta.url), 'utf8')) as {
      corpora: CorpusEntry[];
    }
  ).corpora;
  return registry;
}

/** A file path (or '-') that exists wins; otherwise a corpus name from the registry. */
export function resolveDataSource(nameOrPath: string): ResolvedSource {
  if (nameOrPath === STDIN || existsSync(nameOrPath)) return { path: nameOrPath, options: {} };
  const corpus = listCorpora().find((entry) => entry.name === nameOrPath);
  if (!corpus) {
    const known = listCorpora()
      .map((entry) => entry.name)
      .join(', ');
    throw new DataError(
      'UNKNOWN_SOURCE',
      `"${printable(nameOrPath)}" is neither an existing file nor a known corpus (known: ${known})`,
      {
        hint: 'check the path, or use one of the corpus names',
      },
    );
  }
  const root = process.env[CORPORA_ENV];
  if (!root) {
    throw new UsageError('CORPORA_DIR_UNSET', `corpus '${corpus.name}' needs ${CORPORA_ENV} (e.g. ../shared/corpora)`, {
      hint: `set ${CORPORA_ENV} to the directory that holds the corpora folders`,
    });
  }
  const file = path.resolve(root, corpus.path);
  verifyChecksum(corpus, file);
  return { path: file, options: readOptionsOf(corpus), corpus };
}

function readOptionsOf(corpus: CorpusEntry): ReadOptions {
  const { format, textField, labelField, idField, header, labelMap } = corpus;
  const options: ReadOptions = { format, textField, labelField, idField, header, labelMap };
  for (const key of Object.keys(options) as (keyof ReadOptions)[]) if (options[key] === undefined) delete options[key];
  return options;
}

function verifyChecksum(corpus: CorpusEntry, file: string): void {
  if (verifiedFiles.has(file)) return;
  if (!existsSync(file)) {
    throw new DataError('FILE_NOT_FOUND', `corpus '${corpus.name}' is missing`, {
      location: { file },
      hint: `check that ${CORPORA_ENV} points at the corpora directory (it holds ${corpus.path})`,
    });
  }
  const actual = createHash('sha256').update(readFileSync(file)).digest('hex');
  if (actual !== corpus.sha256) {
    throw new DataError(
      'CHECKSUM_MISMATCH',
      `corpus '${corpus.name}' has sha256 ${actual}, the registry expects ${corpus.sha256}`,
      {
        location: { file },
        hint: 'the file was changed or is another version; restore the copy described in its PROVENANCE.txt',
      },
    );
  }
  verifiedFiles.add(file);
}
