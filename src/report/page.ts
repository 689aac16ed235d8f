/** An evaluation (or a cross-validation's pooled out-of-fold predictions) as one self-contained HTML page. */
import { LIBRARY_VERSION } from '../version.js';
import { confusionChart, foldSpreadChart, perClassChart, reliabilityChart, scoreHistogramChart } from './charts.js';
import { MISTAKES_SHOWN, reportContent, type Mistake, type ScoredRows } from './content.js';
import { escapeHtml, renderPage } from './html.js';
import { renderSvg } from './render.js';
import { printable } from '../util/index.js';
import { meanStd } from '../metrics/index.js';

export interface ReportSource extends ScoredRows {
  command: 'eval' | 'cv';
  /** The checkpoint directory (eval) or the encoder and recipe (cv). */
  model: string;
  data: string;
  date: Date;
  /** cv: each fold's scores on its own test part. */
  folds?: readonly { fold: number; accuracy: number; macroF1: number }[];
}

/** Labels as drawn: control characters escaped, so none reaches the SVG raw (vega escapes markup, not NUL). */
const LABEL_MAX = 200;

export async function buildReport(source: ReportSource): Promise<string> {
  const content = reportContent(source);
  const { report } = source;
  const labels = source.labels.map((label) => printable(label, LABEL_MAX));
  const perClass = report.perClass.map((c, i) => ({ ...c, label: labels[i] ?? c.label }));
  const pooled = source.command === 'cv' ? ' (pooled out-of-fold predictions)' : '';
  const charts = [
    {
      id: 'confusion',
      heading: `Confusion matrix${pooled}`,
      note: 'rows: true label, columns: predicted label; colour: number of rows (empty cells are blank)',
      spec: confusionChart('', labels, report.confusion),
    },
    {
      id: 'per-class',
      heading: 'Precision, recall and F1 per class',
      note: 'classes sorted by F1, worst first',
      spec: perClassChart('', perClass),
    },
    {
      id: 'reliability',
      heading: `Reliability diagram (ECE ${content.ece.toFixed(4)})`,
      note: `${content.bins.length} equal-width bins of top probability; bars: accuracy per bin, dots: at each bin's mean confidence, dashed: perfect calibration`,
      spec: reliabilityChart('', content.bins),
    },
    {
      id: 'scores',
      heading: 'Top-probability histogram',
      note: 'rows by the probability of their predicted label, correct and incorrect stacked',
      spec: scoreHistogramChart('', content.scores),
    },
  ];
  if (source.folds) {
    const accuracy = meanStd(source.folds.map((f) => f.accuracy));
    const macroF1 = meanStd(source.folds.map((f) => f.macroF1));
    charts.push({
      id: 'folds',
      heading: 'Per-fold spread',
      note: `accuracy ${accuracy.mean.toFixed(4)} ± ${accuracy.std.toFixed(4)}, macro-F1 ${macroF1.mean.toFixed(4)} ± ${macroF1.std.toFixed(4)} over ${source.folds.length} folds; tick: mean`,
      spec: foldSpreadChart('', source.folds),
    });
  }
  const rendered = [];
  for (const { spec, ...chart } of charts) rendered.push({ ...chart, svg: await renderSvg(spec) });
  return renderPage({
    title: `headstart ${source.command} report`,
    facts: [
      [source.command === 'eval' ? 'model' : 'setup', source.model],
      ['data', source.data],
      ['rows', String(content.rows)],
      [source.command === 'cv' ? 'accuracy (pooled)' : 'accuracy', report.accuracy.toFixed(4)],
      [source.command === 'cv' ? 'macro-F1 (pooled)' : 'macro-F1', report.macroF1.toFixed(4)],
      ['ECE', content.ece.toFixed(4)],
      ['labels', String(labels.length)],
      ['date', source.date.toISOString()],
      ['headstart', LIBRARY_VERSION],
    ],
    charts: rendered,
    sections: [mistakesSection(content.mistakes)],
  });
}

function mistakesSection(mistakes: readonly Mistake[]): string {
  const display = (label: string) => escapeHtml(label, LABEL_MAX);
  const rows = mistakes.map(
    (m) =>
      `<tr><td class="num">${m.confidence.toFixed(4)}</td><td>${display(m.predicted)}</td><td>${display(m.actual)}</td><td class="num">${m.actualProbability.toFixed(4)}</td><td class="text">${escapeHtml(m.text)}</td></tr>`,
  );
  const body = mistakes.length
    ? `<table><thead><tr><th>confidence</th><th>predicted</th><th>true</th><th>p(true)</th><th>text</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
    : '<p>No mistakes.</p>';
  return `<section id="mistakes"><h2>Most confident mistakes (top ${MISTAKES_SHOWN})</h2>${body}</section>`;
}
