/** Benchmark charts: the line charts here; rendering and the confusion heat map are the shipped report's (src/report). */
import { writeFileSync } from 'node:fs';
import type { TopLevelSpec } from 'vega-lite';
import { renderSvg, type Row } from '../../src/report/index.js';

export { confusionChart, renderSvg, type Row } from '../../src/report/index.js';

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
    x: {
      field: x,
      type: 'quantitative' as const,
      title: xTitle,
      scale: logX ? { type: 'log' as const, nice: false } : {},
    },
    y: {
      field: y,
      type: 'quantitative' as const,
      title: yTitle,
      scale: logY ? { type: 'log' as const, nice: false } : { zero: false },
    },
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
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 420,
    height: 260,
    data: { values: rows },
    ...layer,
  } as TopLevelSpec;
}

/**
 * Bars of `y` per `x`, one panel per `facet`, with the `lines` rows drawn as labelled horizontal
 * rules across their panel (references such as another program's speed).
 */
export function barsWithLines(options: {
  title: string;
  bars: Row[];
  lines: Row[];
  x: string;
  y: string;
  facet: string;
  lineLabel: string;
  yTitle: string;
}): TopLevelSpec {
  const { title, bars, lines, x, y, facet, lineLabel, yTitle } = options;
  const yEncoding = { field: y, type: 'quantitative' as const, title: yTitle };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: {
      values: [...bars.map((row) => ({ ...row, kind: 'bar' })), ...lines.map((row) => ({ ...row, kind: 'line' }))],
    },
    facet: { column: { field: facet, type: 'nominal', title: null } },
    spec: {
      width: 240,
      height: 220,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'bar'" }],
          mark: 'bar',
          encoding: { x: { field: x, type: 'nominal', title: null, sort: null }, y: yEncoding },
        },
        {
          transform: [{ filter: "datum.kind === 'line'" }],
          mark: { type: 'rule', strokeDash: [4, 3] },
          encoding: { y: yEncoding, color: { field: lineLabel, type: 'nominal', title: null } },
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec;
}
