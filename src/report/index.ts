/** HTML reports of how a model does: charts rendered headless with Vega-Lite, written as one self-contained file. */
export { buildReport, type ReportSource } from './page.js';
export { checkReportTarget, writeReport } from './target.js';
export { renderSvg } from './render.js';
export { confusionChart, type Row } from './charts.js';
export { escapeHtml } from './html.js';
export { loadVega } from './render.js';
