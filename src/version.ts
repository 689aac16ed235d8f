import { createRequire } from 'node:module';

/** The package version, recorded in checkpoints. */
export const LIBRARY_VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string })
  .version;
