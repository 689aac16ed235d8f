import { defineConfig } from 'vitest/config';

// `unit`: files that load no model, spawn no process and start no server (the whole project runs in
// seconds); `integration`: everything else. A new test file goes to `integration` unless listed here.
const unitFiles = [
  'backend',
  'calibration',
  'corpora',
  'data-fast-paths',
  'data-property',
  'errors',
  'heads-persist',
  'heads',
  'members',
  'metrics-splits',
  'metrics',
  'reliability-data',
  'reliability-input',
  'samples',
  'sparse-objective',
  'tfidf',
  'top-indices',
  'transformer-batching',
  'transformer-fixture',
  'wasm-kernels',
].map((name) => `test/${name}.test.ts`);

export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', ['json', { outputFile: '.vitest-results.json' }]],
    projects: [
      { extends: true, test: { name: 'unit', include: unitFiles } },
      { extends: true, test: { name: 'integration', include: ['test/**/*.test.ts'], exclude: unitFiles } },
    ],
  },
});
