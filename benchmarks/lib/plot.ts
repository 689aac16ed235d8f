/** Charts: Vega-Lite specs compiled to Vega and rendered to SVG headless (no browser, no canvas). */
import { writeFileSync } from 'node:fs';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';

export type Row = Record<string, string | number | null>;

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export async function writeSvg(file: string, spec: TopLevelSpec): Promise<void> {
  writeFileSync(file, await renderSvg(spec));
}

/** Lines with points: y against x, one colour per `series`; log axes where asked. */
export function lineChart(options: {
  title: string;
  rows: Row[];
  x: string;
  y: string;
  series: string;
  xTitle: string;
  yTitle: string;
  logX?: boolean;
  logY?: boolean;
  facet?: string;
}): TopLevelSpec {
  const { title, rows, x, y, series, xTitle, yTitle, logX = false, logY = false, facet } = options;
  const encoding = {
    x: { field: x, type: 'quantitative' as const, title: xTitle, scale: logX ? { type: 'log' as const, nice: false } : {} },
    y: { field: y, type: 'quantitative' as const, title: yTitle, scale: logY ? { type: 'log' as const, nice: false } : { zero: false } },
    color: { field: series, type: 'nominal' as const },
  };
  const layer = { mark: { type: 'line' as const, point: true }, encoding };
  if (facet) {
    return {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title,
      data: { values: rows },
      facet: { column: { field: facet, type: 'nominal' } },
      spec: { width: 260, height: 200, ...layer },
      resolve: { scale: { y: 'independent' } },
    } as TopLevelSpec;
  }
  return { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title, width: 420, height: 260, data: { values: rows }, ...layer } as TopLevelSpec;
}

/** confusion[true][predicted] as a heatmap with counts. */
export function confusionChart(title: string, labels: readonly string[], confusion: readonly (readonly number[])[]): TopLevelSpec {
  const values: Row[] = [];
  confusion.forEach((row, t) => row.forEach((count, p) => values.push({ actual: labels[t], predicted: labels[p], count })));
  const side = Math.max(160, Math.min(600, labels.length * 40));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: side,
    height: side,
    data: { values },
    encoding: {
      x: { field: 'predicted', type: 'nominal', sort: [...labels] },
      y: { field: 'actual', type: 'nominal', sort: [...labels] },
    },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'count', type: 'quantitative', scale: { scheme: 'blues' } } } },
      { mark: { type: 'text', fontSize: 10 }, encoding: { text: { field: 'count', type: 'quantitative' } } },
    ],
  } as TopLevelSpec;
}
