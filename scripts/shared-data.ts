/**
 * Where the repository's own tests, demo and benchmarks find the benchmark corpora when
 * HEADSTART_CORPORA is unset: `../shared/corpora` beside the checkout (the layout CI uses). The
 * corpora are not shipped (their licences), so the package itself never looks there.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Sets HEADSTART_CORPORA to `../shared/corpora` when it is unset; returns the folder either way. */
export function useSharedCorpora(env: NodeJS.ProcessEnv = process.env): string {
  env.HEADSTART_CORPORA ??= path.resolve(repoRoot, '../shared/corpora');
  return env.HEADSTART_CORPORA;
}

/** Whether the shared corpora are there (HEADSTART_CORPORA, else `../shared/corpora`). */
export function sharedCorporaPresent(env: NodeJS.ProcessEnv = process.env): boolean {
  return existsSync(useSharedCorpora(env));
}
