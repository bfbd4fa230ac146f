/**
 * Self-contained HTML report of an analysis or comparison: the JSON result embedded in the page,
 * no network requests. (Minimal version: tables of the main numbers; plots are drawn by the full
 * report renderer.)
 */
import type { AnalysisReport } from '../analysis/analyze.js';
import type { CompareReport } from '../analysis/compare.js';

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Renders `result` as one HTML document (string). */
export function renderHtmlReport(result: AnalysisReport | CompareReport): string {
  const json = JSON.stringify(result).replace(/</g, '\\u003c');
  const rows: [string, string][] = [];
  if (result.schema === 'hessian-lens/analysis@1') {
    const r = result as AnalysisReport;
    rows.push(['data', r.data.name], ['model', `${r.model.sizes.join('-')} ${r.model.activation}, p = ${r.model.parameters}`]);
    rows.push(['λ_max', `${r.spectrum.lambdaMax.value} (residual ${r.spectrum.lambdaMax.residual})`]);
    rows.push(['trace', `${r.spectrum.trace.estimate} ± ${r.spectrum.trace.stderr}`]);
    rows.push(['G (top-k)', String(r.generalization.topK.G)], ['margin', String(r.margin?.margin ?? '—')]);
  } else {
    const c = result as CompareReport;
    for (const row of c.rows) rows.push([row.label, `test acc ${row.testAccuracy}, G ${row.G}, margin ${row.margin}`]);
  }
  const table = rows.map(([k, v]) => `<tr><th>${escape(k)}</th><td>${escape(v)}</td></tr>`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>hessian-lens report</title><link rel="icon" href="data:,"></head>` +
    `<body><h1>hessian-lens report</h1><table>${table}</table>` +
    `<script type="application/json" id="hessian-lens-result">${json}</script></body></html>\n`;
}
