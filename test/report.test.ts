/**
 * `eval --report` / `cv --report` without a browser: what the page holds (escaped texts, every class
 * of a 77-class matrix, the same numbers `eval` prints) and where it may be written.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classificationReport, expectedCalibrationError } from '../src/metrics/index.js';
import { buildReport, checkReportTarget, writeReport, type ReportSource } from '../src/report/index.js';
import { createRng } from '../src/util/random.js';
import { headstart, repoRoot, sampleCsv, tempDir } from './helpers.js';

const root = tempDir('headstart-report-');
const financeModel = path.join(repoRoot, 'checkpoints/finance-sentiment');

/** A seeded evaluation of `classes` labels: mostly right, some confident mistakes. */
function syntheticSource(
  classes: number,
  rows: number,
  texts: (row: number) => string = (row) => `text ${row}`,
  labels?: string[],
): ReportSource {
  const rng = createRng(7);
  const labelList = labels ?? Array.from({ length: classes }, (_, i) => `intent_${String(i).padStart(2, '0')}`);
  const probabilities = new Float32Array(rows * classes);
  const targets = new Int32Array(rows);
  const predicted = new Int32Array(rows);
  for (let row = 0; row < rows; row++) {
    targets[row] = row % classes;
    predicted[row] = rng() < 0.8 ? targets[row] : Math.floor(rng() * classes);
    const top = 0.3 + 0.7 * rng();
    for (let j = 0; j < classes; j++)
      probabilities[row * classes + j] = j === predicted[row] ? top : (1 - top) / (classes - 1);
  }
  const report = classificationReport(targets, predicted, labelList);
  return {
    command: 'eval',
    model: 'runs/model',
    data: 'test.csv',
    date: new Date(0),
    labels: labelList,
    texts: Array.from({ length: rows }, (_, row) => texts(row)),
    probabilities,
    targets,
    predicted,
    report,
  };
}

/** The text of the page's header fact `name`. */
function fact(html: string, name: string): string {
  return new RegExp(`<dt>${name}</dt><dd>([^<]*)</dd>`).exec(html)?.[1] ?? '';
}

/** One chart section's markup. */
function section(html: string, id: string): string {
  return new RegExp(`<section class="chart" id="${id}">([\\s\\S]*?)</section>`).exec(html)?.[1] ?? '';
}

describe('the report page', () => {
  it('escapes hostile texts and labels: no markup, no raw control characters', async () => {
    const hostile = [
      '<script>alert(1)</script>',
      '"quoted" & \'single\' <b>bold</b>',
      'nul\u0000bell\u0007 del\u007f c1\u0085 ls\u2028 end',
      '</td></tr></table><img src=x onerror=alert(1)>',
    ];
    const labels = ['<img src=x onerror=alert(2)>', 'a"b', 'c\u0000d'];
    // Every row a mistake, so every text is among the confident mistakes.
    const source = syntheticSource(3, 4, (row) => hostile[row], labels);
    source.predicted = Int32Array.from(source.targets, (t) => (t + 1) % 3);
    source.report = classificationReport(source.targets, source.predicted, labels);
    const html = await buildReport({ ...source, model: '<model>', data: 'data "x".csv' });
    expect(html).not.toMatch(/<script|<img|<b>|onerror=alert\(1\)>/i);
    expect(html).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028]/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&quot;quoted&quot; &amp; &#39;single&#39; &lt;b&gt;bold&lt;/b&gt;');
    expect(html).toContain('nul\\x00bell\\x07 del\\x7F c1\\x85 ls\\u2028 end');
    expect(html).toContain('&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(fact(html, 'model')).toBe('&lt;model&gt;');
    expect(fact(html, 'data')).toBe('data &quot;x&quot;.csv');
    // Labels drawn inside the charts are escaped by vega, and their control characters by the report.
    expect(section(html, 'confusion')).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(section(html, 'confusion')).toContain('c\\x00d');
    expect(html.match(/<tr><td class="num">/g)).toHaveLength(4);
    // Nothing can load or run even if something slipped through.
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
  });

  it('draws a 77-class confusion matrix with every label on both axes', async () => {
    const source = syntheticSource(77, 77 * 8);
    const html = await buildReport(source);
    const confusion = section(html, 'confusion');
    for (const label of source.labels) expect(confusion.split(`>${label}</text>`).length - 1, label).toBe(2);
    // One cell per non-empty (true, predicted) pair, no more.
    const nonEmpty = source.report.confusion.flat().filter((count) => count > 0).length;
    expect(confusion.match(/aria-label="predicted: [^"]*; true: [^"]*; count: /g)).toHaveLength(nonEmpty);
    // The three metric panels share one column of class names.
    expect(section(html, 'per-class').split('>intent_00</text>').length - 1).toBe(1);
    expect(section(html, 'per-class').match(/aria-roledescription="bar"/g)).toHaveLength(77 * 3);
    expect(html).toContain(`<dt>rows</dt><dd>${77 * 8}</dd>`);
    expect(fact(html, 'ECE')).toBe(expectedCalibrationError(source.probabilities, 77, source.targets, 15).toFixed(4));
    expect(html.match(/<tr><td class="num">/g)).toHaveLength(20);
    expect(section(html, 'folds')).toBe('');
  });
});

describe('eval --report and cv --report', () => {
  it("the page's numbers are the ones eval prints", () => {
    const file = path.join(root, 'eval.html');
    const run = headstart('eval', '--model', financeModel, '--data', sampleCsv, '--json', '--report', file);
    expect(run.stderr).toContain(`report written to ${file}`);
    expect(run.status).toBe(0);
    const printed = run.lastJson();
    const html = readFileSync(file, 'utf8');
    expect(fact(html, 'rows')).toBe(String(printed.examples));
    expect(fact(html, 'accuracy')).toBe(printed.accuracy.toFixed(4));
    expect(fact(html, 'macro-F1')).toBe(printed.macroF1.toFixed(4));
    expect(run.stdout).toContain(`accuracy       ${fact(html, 'accuracy')}`);
    expect(fact(html, 'model')).toBe(financeModel);
    for (const id of ['confusion', 'per-class', 'reliability', 'scores'])
      expect(section(html, id), id).toContain('<svg');
    // The per-class bars carry eval's per-class numbers.
    for (const row of printed.report.perClass) {
      for (const [metric, value] of [
        ['precision', row.precision],
        ['recall', row.recall],
        ['F1', row.f1],
      ]) {
        const drawn = new RegExp(`aria-label="value: ([0-9.]+); label: ${row.label}; metric: ${metric}"`).exec(
          section(html, 'per-class'),
        )?.[1];
        expect(Number(drawn), `${row.label} ${metric}`).toBeCloseTo(value, 9);
      }
    }
    expect(readdirSync(root).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('cv --report pools every out-of-fold prediction and shows the per-fold spread', () => {
    const file = path.join(root, 'cv.html');
    const run = headstart(
      'cv',
      '--data',
      sampleCsv,
      '--folds',
      '2',
      '--recipe',
      'single',
      '--epochs',
      '20',
      '--json',
      '--report',
      file,
    );
    expect(run.stderr).not.toContain('headstart:');
    expect(run.status).toBe(0);
    const printed = run.lastJson();
    const html = readFileSync(file, 'utf8');
    expect(fact(html, 'rows')).toBe(String(printed.examples));
    expect(section(html, 'folds')).toContain(
      `accuracy ${printed.accuracy.toFixed(4)} ± ${printed.accuracyStd.toFixed(4)}`,
    );
    expect(section(html, 'folds')).toContain(
      `macro-F1 ${printed.macroF1.toFixed(4)} ± ${printed.macroF1Std.toFixed(4)}`,
    );
    // Pooled accuracy over equal-sized folds is the mean of the folds' accuracies.
    const pooled =
      printed.perFold.reduce((sum: number, f: { accuracy: number }) => sum + f.accuracy, 0) / printed.perFold.length;
    expect(Number(fact(html, 'accuracy \\(pooled\\)'))).toBeCloseTo(pooled, 3);
    expect(section(html, 'confusion')).toContain('<svg');
  });

  it('refuses a directory, a device, the data file and the model before loading anything', async () => {
    const dir = path.join(root, 'a-directory');
    mkdirSync(dir);
    // The model does not exist: the target is checked first.
    const run = headstart('eval', '--model', path.join(root, 'no-model'), '--data', sampleCsv, '--report', dir);
    expect(run.stderr).toContain(`headstart: --report ${dir} is a directory`);
    expect(run.status).toBe(2);
    await expect(checkReportTarget('/dev/null', [])).rejects.toMatchObject({ code: 'REPORT_NOT_FILE' });
    await expect(checkReportTarget(sampleCsv, [sampleCsv])).rejects.toMatchObject({ code: 'REPORT_IS_INPUT' });
    await expect(
      checkReportTarget(path.join(financeModel, 'report.html'), [sampleCsv, financeModel]),
    ).rejects.toMatchObject({ code: 'REPORT_IS_INPUT' });
    await expect(checkReportTarget(path.join(root, 'missing/report.html'), [])).rejects.toMatchObject({
      code: 'REPORT_DIR_MISSING',
    });
    const dangling = path.join(root, 'dangling.html');
    symlinkSync(path.join(root, 'nothing-here'), dangling);
    await expect(checkReportTarget(dangling, [])).rejects.toMatchObject({ code: 'REPORT_NOT_FILE' });
    const cv = headstart('cv', '--data', sampleCsv, '--report', sampleCsv);
    expect(cv.stderr).toContain('an input of this run');
    expect(cv.status).toBe(2);
  });

  it('replaces an existing report file whole, through a symbolic link to it', async () => {
    const real = path.join(root, 'old.html');
    writeFileSync(real, 'an older report');
    const link = path.join(root, 'link.html');
    symlinkSync(real, link);
    const target = await checkReportTarget(link, [sampleCsv]);
    expect(target).toBe(real);
    await writeReport(target, '<!DOCTYPE html><p>new</p>');
    expect(readFileSync(link, 'utf8')).toBe('<!DOCTYPE html><p>new</p>');
    expect(readdirSync(root).filter((name) => name.includes('.tmp'))).toEqual([]);
  });

  it('refuses a multi-label task before training', () => {
    const data = path.join(root, 'multi.jsonl');
    writeFileSync(
      data,
      [
        '{"text":"a b","label":["x","y"]}',
        '{"text":"c d","label":["y"]}',
        '{"text":"e f","label":["x"]}',
        '{"text":"g h","label":["x","y"]}',
      ].join('\n'),
    );
    const file = path.join(root, 'multi.html');
    const run = headstart('cv', '--data', data, '--folds', '2', '--report', file);
    expect(run.stderr).toContain('headstart: --report draws single-label results; this task is multi-label');
    expect(run.status).toBe(2);
    expect(existsSync(file)).toBe(false);
  });
});
