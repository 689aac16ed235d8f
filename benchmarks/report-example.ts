/**
 * The committed example of `eval --report`: the shipped banking-intent checkpoint (77 classes) on
 * the shared Banking77 test split, written to benchmarks/results/report-banking77.html, then opened
 * in headless Chromium for the browser check and a screenshot (report-banking77.png).
 */
import { spawnSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkPage, chromiumMissing } from './lib/browser.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const results = 'benchmarks/results';
const report = path.join(results, 'report-banking77.html');
const screenshot = path.join(results, 'report-banking77.png');
// Relative paths, so the committed page names no machine's directories.
const data = path.relative(
  root,
  path.resolve(process.env.HEADSTART_CORPORA ?? path.join(root, '../shared/corpora'), 'banking77/test.csv'),
);

const run = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    'src/cli/main.ts',
    'eval',
    '--model',
    'checkpoints/banking-intent',
    '--data',
    data,
    '--label-field',
    'category',
    '--report',
    report,
  ],
  {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
if (run.status !== 0) throw new Error(`eval --report failed (exit ${run.status})`);
console.log(`${report}: ${(statSync(path.join(root, report)).size / 1024).toFixed(0)} KB`);

const missing = chromiumMissing();
if (missing) {
  console.log(`no browser check: ${missing}`);
} else {
  const page = await checkPage(path.join(root, report), { width: 1400 });
  writeFileSync(path.join(root, screenshot), page.screenshot);
  console.log(
    `console errors: ${page.consoleErrors.length}, requests: ${page.requests.length}, failed requests: ${page.failedRequests.length}`,
  );
  console.log(`charts: ${page.charts.map((c) => `${c.id} ${Math.round(c.width)}x${Math.round(c.height)}`).join(', ')}`);
  console.log(
    `${screenshot}: ${(page.screenshot.length / 1024).toFixed(0)} KB, ${page.distinctColours} colours, grey std ${page.greyStd.toFixed(1)}`,
  );
}
