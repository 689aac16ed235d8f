/**
 * Vega-Lite specs compiled to Vega and rendered to SVG headless (no browser, no canvas). vega and
 * vega-lite are optional peers (about 24 MB installed), imported only when a chart is drawn.
 */
import type { TopLevelSpec } from 'vega-lite';
import { importOptional } from '../util/index.js';

type Vega = typeof import('vega');
type VegaLite = typeof import('vega-lite');

const FEATURE = 'drawing charts (--report)';
const INSTALL = 'vega vega-lite';

/** Imports both packages, or throws OPTIONAL_PACKAGE_MISSING naming the one missing and how to install both. */
export async function loadVega(): Promise<{ vega: Vega; vegaLite: VegaLite }> {
  return {
    vega: await importOptional<Vega>('vega', FEATURE, INSTALL),
    vegaLite: await importOptional<VegaLite>('vega-lite', FEATURE, INSTALL),
  };
}

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const { vega, vegaLite } = await loadVega();
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
