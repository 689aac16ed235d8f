/**
 * The report in a real headless Chromium (Debian's package, driven by playwright-core): it loads
 * with no console error and no request at all, every chart is drawn at a real size, and a
 * screenshot has content. Skipped, saying why, when Chromium is not installed, unless
 * HEADSTART_REQUIRE_BROWSER=1 (set by .ci/run, which installs it).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPage, chromiumMissing } from '../benchmarks/lib/browser.js';
import { headstart, repoRoot, sampleCsv, tempDir } from './helpers.js';

const missing = chromiumMissing();
const required = process.env.HEADSTART_REQUIRE_BROWSER === '1';
if (missing && !required) console.warn(`skipped the report's browser test: ${missing}`);

describe.skipIf(missing !== undefined && !required)('the report in headless Chromium', () => {
  it(
    'loads without console errors or requests, draws every chart and screenshots non-blank',
    { timeout: 120_000 },
    async () => {
      if (missing) throw new Error(`${missing}, but HEADSTART_REQUIRE_BROWSER=1: the browser test may not skip here`);
      const root = tempDir('headstart-report-browser-');
      // Hostile texts among the confident mistakes must not run or load anything either.
      const data = path.join(root, 'hostile.csv');
      const hostile = [
        '"<script>console.error(""ran"")</script> profit fell",positive',
        '"<img src=http://127.0.0.1:9/x.png onerror=console.error(1)> sales rose",negative',
      ];
      writeFileSync(data, `${readFileSync(sampleCsv, 'utf8').trimEnd()}\n${hostile.join('\n')}\n`);
      const file = path.join(root, 'report.html');
      const run = headstart(
        'cv',
        '--data',
        data,
        '--folds',
        '2',
        '--recipe',
        'single',
        '--epochs',
        '20',
        '--report',
        file,
      );
      expect(run.stderr).not.toContain('headstart:');
      expect(run.status).toBe(0);

      const page = await checkPage(file);
      expect(page.consoleErrors).toEqual([]);
      expect(page.requests).toEqual([]);
      expect(page.failedRequests).toEqual([]);
      expect(page.charts.map((chart) => chart.id)).toEqual([
        'confusion',
        'per-class',
        'reliability',
        'scores',
        'folds',
      ]);
      for (const chart of page.charts) {
        expect(chart.width, chart.id).toBeGreaterThan(150);
        expect(chart.height, chart.id).toBeGreaterThan(80);
      }
      expect(page.charts[2].heading).toMatch(/^Reliability diagram \(ECE 0\.\d{4}\)$/);
      // A blank or one-colour page has no spread of grey levels and a handful of colours.
      expect(page.screenshot.length).toBeGreaterThan(50_000);
      expect(page.distinctColours).toBeGreaterThan(50);
      expect(page.greyStd).toBeGreaterThan(10);
    },
  );
});
