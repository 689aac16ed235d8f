/**
 * Bundles the `headstart` command (dist/cli/main.js, as tsc wrote it) in place: dist/cli/main.js and
 * its chunks (dist/cli/chunk-*.js), each command's modules in chunks loaded only when that command
 * runs. One file per chunk instead of ~300 modules, each resolved, read and compiled on its own, cut a
 * 1-row `predict`'s start-up by about a third (docs/decisions/performance.md, issue 23: start-up).
 * The prediction worker thread's entry is bundled with it (dist/cli/thread-worker.js, sharing its
 * chunks), and dist/predict/thread-worker.js only imports that bundle: a worker loads its modules
 * again in its own isolate, and loading them one by one was most of the time it took to be ready
 * (docs/decisions/performance.md, "A bundled worker").
 *
 * The library (dist/index.js) stays unbundled; its threads start the same bundled worker. Packages
 * whose files are found next to their own code (the TensorFlow.js wasm binaries), that share
 * process-wide state with the library, or that are optional stay external. Every module keeps its own
 * `import.meta.url` (rewritten to the URL of its unbundled file), so files found relative to a module
 * (package.json, the packaged models, the worker threads' entry points) are found as before.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dist = path.join(root, 'dist');
const outdir = path.join(dist, 'cli');
const packageJson = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
const external = [
  ...Object.keys(packageJson.peerDependencies),
  ...Object.keys(packageJson.dependencies).filter((name) => name.startsWith('@tensorflow/')),
];

/** `import.meta.url` of a bundled file of dist/ becomes its unbundled file's URL, relative to the chunk (all chunks share outdir). */
const keepModuleUrls = {
  name: 'keep-module-urls',
  setup(bundler) {
    bundler.onLoad({ filter: /\.js$/ }, async ({ path: file }) => {
      if (!file.startsWith(dist + path.sep)) return undefined;
      const source = await readFile(file, 'utf8');
      const url = `new URL(${JSON.stringify(path.relative(outdir, file).split(path.sep).join('/'))}, import.meta.url).href`;
      return { contents: source.replaceAll('import.meta.url', url), loader: 'js' };
    });
  },
};

const main = path.join(outdir, 'main.js');
const worker = path.join(dist, 'predict', 'thread-worker.js');
// Bundling a bundle would rewrite its already rewritten URLs: it must start from tsc's output.
if ((await readFile(main, 'utf8')).includes('__createRequire')) {
  throw new Error(`${main} is already bundled: run npm run build, which starts from a clean dist/`);
}
const result = await build({
  entryPoints: [main, { in: worker, out: 'thread-worker' }],
  outdir,
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external,
  plugins: [keepModuleUrls],
  // Bundled CommonJS packages (natural, cli-progress...) call require() for Node's own modules.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
  write: false,
  logLevel: 'warning',
});
// Written after the build has read main.js and the worker, which they replace. Threads are started
// from the worker's own path (thread-runner.ts), by the CLI and the library alike: it now loads the bundle.
await Promise.all(result.outputFiles.map((file) => writeFile(file.path, file.contents)));
await writeFile(worker, "import '../cli/thread-worker.js';\n");
