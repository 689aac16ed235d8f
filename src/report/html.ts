/**
 * The report page: one HTML file with the charts as inline SVG and no script at all. A strict
 * Content-Security-Policy (nothing may load, no script may run) backs up the escaping: even a
 * text that slipped through could neither run nor call out.
 */
import { printable } from '../util/index.js';

/** Text from user data (file names, labels, texts) as HTML: control characters shown escaped (\x00), markup characters as entities. */
export function escapeHtml(text: string, max = 2_000): string {
  return printable(text, max).replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export interface Page {
  title: string;
  /** Header facts, name then value (values are escaped here). */
  facts: [string, string][];
  /** Each chart: an id, a heading and its SVG (as vega rendered it; vega escapes the text it draws). */
  charts: { id: string; heading: string; note?: string; svg: string }[];
  /** Extra sections of trusted HTML, already escaped. */
  sections: string[];
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1400px; padding: 0 16px; color: #222; }
h1 { font-size: 22px; margin-bottom: 4px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0 24px; }
dl.facts dt { color: #666; } dl.facts dd { margin: 0; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
section { margin: 0 0 32px; } section svg { max-width: none; } .chart { overflow-x: auto; }
.note { color: #666; margin: -6px 0 8px; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #ddd; vertical-align: top; }
td.num { font-variant-numeric: tabular-nums; white-space: nowrap; } td.text { overflow-wrap: anywhere; }
`;

export function renderPage(page: Page): string {
  const facts = page.facts.map(([name, value]) => `<dt>${escapeHtml(name)}</dt><dd>${escapeHtml(value)}</dd>`).join('');
  const charts = page.charts.map(
    (chart) =>
      `<section class="chart" id="${chart.id}"><h2>${escapeHtml(chart.heading)}</h2>${chart.note ? `<p class="note">${escapeHtml(chart.note)}</p>` : ''}${chart.svg}</section>`,
  );
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(page.title)}</title><style>${STYLE}</style></head><body>`,
    `<h1>${escapeHtml(page.title)}</h1><dl class="facts">${facts}</dl>`,
    ...charts,
    ...page.sections,
    '</body></html>',
    '',
  ].join('\n');
}
