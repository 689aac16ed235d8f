/**
 * Where the command line, the demo, the tests and the benchmarks look for models and corpora when
 * HEADSTART_MODELS / HEADSTART_CORPORA are unset: `../shared/models` and `../shared/corpora`
 * beside the project (the layout of a checkout next to its shared data, as in CI).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: this module sits in src/ (tsx) or dist/ (built), one level below it. */
const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function useSharedDataDefaults(env: NodeJS.ProcessEnv = process.env): void {
  const shared = path.resolve(packageRoot, '../shared');
  env.HEADSTART_MODELS ??= path.join(shared, 'models');
  env.HEADSTART_CORPORA ??= path.join(shared, 'corpora');
}
