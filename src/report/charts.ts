/** Vega-Lite specs of the report's charts (and the benchmarks' confusion matrices). */
import type { TopLevelSpec } from 'vega-lite';
import type { ClassMetrics, ReliabilityBin } from '../metrics/index.js';

export type Row = Record<string, string | number | boolean | null>;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
/** Above this many labels, counts no longer fit in the cells and the chart draws colours alone. */
const MAX_LABELLED_CELLS = 20;

/**
 * confusion[true][predicted] as a heat map. Empty cells are left out (at 77 classes all but a few
 * hundred of the 5,929 are empty, and each drawn cell costs the file about 150 bytes); the colour
 * scale is logarithmic-like (symlog) so a single mistake still shows beside a diagonal of hundreds.
 */
export function confusionChart(
  title: string,
  labels: readonly string[],
  confusion: readonly (readonly number[])[],
): TopLevelSpec {
  const values: Row[] = [];
  confusion.forEach((row, t) =>
    row.forEach(
      (count, p) =>
        count > 0 && values.push({ actual: labels[t] ?? String(t), predicted: labels[p] ?? String(p), count }),
    ),
  );
  const many = labels.length > MAX_LABELLED_CELLS;
  const side = many ? labels.length * 11 : Math.max(160, labels.length * 40);
  const axis = (name: string) => ({
    field: name,
    type: 'nominal' as const,
    sort: [...labels],
    scale: { domain: [...labels] },
    axis: { labelLimit: 320, labelFontSize: many ? 9 : 11 },
  });
  return {
    $schema: SCHEMA,
    title,
    width: side,
    height: side,
    data: { values },
    encoding: { x: { ...axis('predicted'), title: 'predicted' }, y: { ...axis('actual'), title: 'true' } },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: { field: 'count', type: 'quantitative', scale: { scheme: 'blues', type: many ? 'symlog' : 'linear' } },
        },
      },
      ...(many
        ? []
        : [
            {
              mark: { type: 'text' as const, fontSize: 10 },
              encoding: { text: { field: 'count', type: 'quantitative' as const } },
            },
          ]),
    ],
    config: { view: { stroke: '#ccc' } },
  } as TopLevelSpec;
}

/** Precision, recall and F1 per class as horizontal bars side by side, classes sorted by F1 (worst first). */
export function perClassChart(title: string, perClass: readonly ClassMetrics[]): TopLevelSpec {
  const order = [...perClass].sort((a, b) => a.f1 - b.f1 || a.label.localeCompare(b.label)).map((c) => c.label);
  const values: Row[] = perClass.flatMap((c) =>
    (['precision', 'recall', 'f1'] as const).map((metric) => ({
      label: c.label,
      metric: metric === 'f1' ? 'F1' : metric,
      value: c[metric],
      support: c.support,
    })),
  );
  return {
    $schema: SCHEMA,
    title,
    data: { values },
    facet: { column: { field: 'metric', type: 'nominal', sort: ['precision', 'recall', 'F1'], title: null } },
    spec: {
      width: 180,
      height: Math.max(120, perClass.length * 13),
      mark: 'bar',
      encoding: {
        y: { field: 'label', type: 'nominal', sort: order, title: null, axis: { labelLimit: 320 } },
        x: { field: 'value', type: 'quantitative', scale: { domain: [0, 1] }, title: null },
        color: { field: 'metric', type: 'nominal', legend: null, scale: { domain: ['precision', 'recall', 'F1'] } },
      },
    },
  } as TopLevelSpec;
}

/** Accuracy against mean confidence per bin, over the diagonal of perfect calibration; bar width is the bin, opacity its share of rows. */
export function reliabilityChart(title: string, bins: readonly ReliabilityBin[]): TopLevelSpec {
  const values: Row[] = bins.filter((bin) => bin.count > 0).map((bin) => ({ ...bin }));
  return {
    $schema: SCHEMA,
    title,
    width: 320,
    height: 320,
    layer: [
      {
        data: { values },
        mark: { type: 'rect', stroke: 'white' },
        encoding: {
          x: { field: 'lo', type: 'quantitative', scale: { domain: [0, 1] }, title: 'confidence (top probability)' },
          x2: { field: 'hi' },
          y: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1] }, title: 'accuracy' },
          y2: { datum: 0 },
          opacity: { field: 'count', type: 'quantitative', scale: { type: 'sqrt', range: [0.35, 1] }, title: 'rows' },
        },
      },
      {
        data: { values },
        mark: { type: 'point', filled: true, color: '#d62728' },
        encoding: {
          x: { field: 'meanConfidence', type: 'quantitative' },
          y: { field: 'accuracy', type: 'quantitative' },
        },
      },
      {
        data: {
          values: [
            { x: 0, y: 0 },
            { x: 1, y: 1 },
          ],
        },
        mark: { type: 'line', color: '#888', strokeDash: [4, 4] },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
      },
    ],
  } as TopLevelSpec;
}

/** Rows per top-probability bin, stacked correct / incorrect. */
export function scoreHistogramChart(
  title: string,
  rows: readonly { score: number; correct: boolean }[],
  bins = 20,
): TopLevelSpec {
  const counts = new Map<string, Row>();
  for (const { score, correct } of rows) {
    const bin = Math.min(bins - 1, Math.max(0, Math.ceil(score * bins) - 1));
    const outcome = correct ? 'correct' : 'incorrect';
    const key = `${bin}:${outcome}`;
    const entry = counts.get(key) ?? { lo: bin / bins, hi: (bin + 1) / bins, outcome, rows: 0 };
    entry.rows = (entry.rows as number) + 1;
    counts.set(key, entry);
  }
  return {
    $schema: SCHEMA,
    title,
    width: 420,
    height: 240,
    data: { values: [...counts.values()] },
    mark: { type: 'rect', stroke: 'white', strokeWidth: 0.5 },
    encoding: {
      x: { field: 'lo', type: 'quantitative', scale: { domain: [0, 1] }, title: 'top probability' },
      x2: { field: 'hi' },
      y: { aggregate: 'sum', field: 'rows', type: 'quantitative', stack: 'zero', title: 'rows' },
      color: {
        field: 'outcome',
        type: 'nominal',
        scale: { domain: ['correct', 'incorrect'], range: ['#4c78a8', '#e45756'] },
        title: null,
      },
    },
  } as TopLevelSpec;
}

/** Each fold's accuracy and macro-F1 as a point, with the mean as a tick. */
export function foldSpreadChart(
  title: string,
  folds: readonly { fold: number; accuracy: number; macroF1: number }[],
): TopLevelSpec {
  const values: Row[] = folds.flatMap((f) => [
    { metric: 'accuracy', fold: `fold ${f.fold + 1}`, value: f.accuracy },
    { metric: 'macro-F1', fold: `fold ${f.fold + 1}`, value: f.macroF1 },
  ]);
  const y = { field: 'metric', type: 'nominal' as const, title: null };
  return {
    $schema: SCHEMA,
    title,
    width: 420,
    height: 110,
    data: { values },
    layer: [
      {
        mark: { type: 'point', filled: true, size: 70 },
        encoding: {
          x: { field: 'value', type: 'quantitative', scale: { zero: false }, title: 'score' },
          y,
          color: { field: 'fold', type: 'nominal', title: null },
        },
      },
      {
        mark: { type: 'tick', color: 'black', thickness: 2 },
        encoding: { x: { aggregate: 'mean', field: 'value', type: 'quantitative' }, y },
      },
    ],
  } as TopLevelSpec;
}
