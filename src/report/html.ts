/**
 * The self-contained HTML report of an analysis or a comparison: one string with inline CSS,
 * hand-written SVG figures (heat maps as PNG data: URLs inside the SVG), a tiny inline script for
 * the "download JSON" button, and the result itself embedded as JSON in
 * `<script type="application/json" id="hessian-lens-result">` — so the data behind every figure
 * travels with it. The page makes no network request and needs no script to show its figures.
 * Output is deterministic: the same result gives the same bytes (no timestamps unless asked).
 */
import type { ANALYSIS_SCHEMA as AnalysisSchema, AnalysisReport } from '../analysis/analyze.js';
import type { COMPARE_SCHEMA as CompareSchema, CompareReport } from '../analysis/compare.js';
import type { StudyRecord } from '../analysis/studies.js';
import { InputError } from '../errors.js';
import { checkReportInput } from './check.js';
import {
  alignmentMapFigure, boundarySegments, classAlignmentFigure, compareScatter, constantAccuracy, decisionFigure, densityFigure, eigenvalueFigure,
  ggnDensityFigure, ggnSharesFigure, ggnSpectraFigure, layerEigenvalueFigure, marginFigure, reconstructionFigure, residualFigure, sub, trackingFigures,
  trainingAccuracyFigure, trainingLossFigure,
} from './figures.js';
import { esc, FIGURE_CSS, fmt, grouped, int } from './svg.js';
import type { SeedStat } from '../analysis/seed-stats.js';

/** Options of {@link renderHtmlReport}. */
export interface HtmlReportOptions {
  /** Page title (default: derived from the result). */
  readonly title?: string;
  /** A line for the footer, e.g. the command that produced the result. */
  readonly generator?: string;
  /** A timestamp for the footer (default none, so equal results give equal files). */
  readonly timestamp?: string;
}

// Type-checked copies of the schema tags: importing the values would pull the whole analysis
// stack into the demo page's main bundle, which only draws.
const ANALYSIS_SCHEMA: typeof AnalysisSchema = 'hessian-lens/analysis@1';
const COMPARE_SCHEMA: typeof CompareSchema = 'hessian-lens/compare@1';

/** Id of the `<script type="application/json">` element holding the result. */
export const RESULT_ELEMENT_ID = 'hessian-lens-result';

const CSS = `
:root { --fg: #1d2329; --muted: #5d6b78; --line: #d8dee4; --bg: #fff; --accent: #2c5d8f; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
header { padding: 18px 28px 10px; border-bottom: 1px solid var(--line); }
header h1 { margin: 0 0 4px; font-size: 21px; font-weight: 600; }
header p { margin: 2px 0; color: var(--muted); }
nav { padding: 6px 28px; border-bottom: 1px solid var(--line); font-size: 13px; }
nav a { color: var(--accent); margin-right: 14px; text-decoration: none; }
main { padding: 4px 28px 28px; max-width: 1500px; }
section { margin-top: 18px; }
h2 { font-size: 17px; font-weight: 600; margin: 18px 0 6px; border-bottom: 1px solid var(--line); padding-bottom: 3px; }
h3 { font-size: 14px; font-weight: 600; margin: 12px 0 4px; }
p.note, .caption { color: var(--muted); font-size: 12.5px; max-width: 980px; }
.figs { display: flex; flex-wrap: wrap; gap: 16px 22px; align-items: flex-start; }
figure { margin: 0; }
figcaption { font-size: 12px; color: var(--muted); max-width: 420px; margin-top: 2px; }
${FIGURE_CSS}svg.plot { background: #fff; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0 10px; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 10px 3px 0; text-align: left; vertical-align: top; }
th { font-weight: 600; color: #333; }
td.ok { color: #1a7f37; font-weight: 600; }
td.bad { color: #b42318; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; padding-left: 12px; }
tr.outlier td { color: #a52a1e; }
tr.total td { border-top: 1.5px solid #9aa5b1; }
td .range { color: var(--muted); font-size: 11.5px; white-space: nowrap; }
td.verdict { font-size: 16px; text-align: center; }
td.holds { color: #1f7a35; }
td.fails { color: #a52a1e; }
.cards { display: flex; flex-wrap: wrap; gap: 18px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; }
.card h3 { margin-top: 2px; }
details { margin: 10px 0; border: 1px solid var(--line); border-radius: 6px; padding: 4px 12px; }
details > summary { cursor: pointer; font-weight: 600; padding: 4px 0; }
code { font-size: 12.5px; background: #f3f5f7; padding: 0 3px; border-radius: 3px; }
button { font: inherit; padding: 3px 10px; }
section.warnings { border-left: 3px solid #c77c0e; background: #fff8e6; padding: 2px 14px 4px; max-width: 980px; }
section.warnings h2 { border: 0; margin: 8px 0 2px; }
section.warnings ul { margin: 4px 0; padding-left: 18px; }
footer { color: var(--muted); font-size: 12px; padding: 12px 28px 24px; border-top: 1px solid var(--line); }
`;

export const REPORT_SCRIPT = `
document.getElementById('download-json')?.addEventListener('click', function () {
  var text = document.getElementById('${RESULT_ELEMENT_ID}').textContent;
  var url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  var a = document.createElement('a');
  a.href = url; a.download = 'hessian-lens-result.json';
  document.body.appendChild(a); a.click(); a.remove();
  setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
});
`;

/**
 * SHA-256 (base64) of {@link REPORT_SCRIPT}, the page's only script. The page's Content-Security-Policy
 * lets that script alone run — no other inline script and no event-handler attribute — so a
 * value that ever slipped past the escaping still could not run script. A test recomputes it.
 */
export const REPORT_SCRIPT_SHA256 = '3vriTB9OsU48t95+Crz80i4QDH2Mo7Z5+vUJaH2BNtE=';

/** The page's policy: no requests at all, images only from data: URLs, the one script by hash. */
const CSP = `default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'sha256-${REPORT_SCRIPT_SHA256}'; base-uri 'none'; form-action 'none'`;

/**
 * A number cell with the full-precision value in data-value and title; anything that is not a
 * number (null, or a hand-edited result past the check) is a dash, so no text reaches the page here.
 */
export function num(v: number | null | undefined, digits = 4): string {
  if (typeof v !== 'number') return '<td class="num">–</td>';
  return `<td class="num" data-value="${esc(String(v))}" title="${esc(String(v))}">${esc(fmt(v, digits))}</td>`;
}

/** A percentage cell (v a share in [0, 1]), full precision in data-value and title. */
export function pct(v: number | null | undefined): string {
  if (typeof v !== 'number') return '<td class="num">–</td>';
  return `<td class="num" data-value="${esc(String(v))}" title="${esc(String(v))}">${esc(fmt(100 * v, 4))} %</td>`;
}

/** A figure with its caption (the caption is markup: escape what goes into it). */
export function figure(svgText: string, caption: string): string {
  return `<figure>${svgText}<figcaption>${caption}</figcaption></figure>`;
}

/** A table; `head` is markup, `numeric[i]` right-aligns column i. */
export function table(id: string, head: readonly string[], rows: readonly string[], numeric: readonly boolean[] = []): string {
  return `<table id="${esc(id)}"><thead><tr>${head.map((h, i) => `<th${numeric[i] ? ' class="num"' : ''}>${h}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function isAnalysis(x: unknown): x is AnalysisReport {
  return !!x && typeof x === 'object' && (x as { schema?: unknown }).schema === ANALYSIS_SCHEMA;
}

function isCompare(x: unknown): x is CompareReport {
  return !!x && typeof x === 'object' && (x as { schema?: unknown }).schema === COMPARE_SCHEMA;
}

/** The headline numbers of one analysis. */
function summaryTable(r: AnalysisReport, prefix: string): string {
  const s = r.spectrum;
  const g = r.generalization;
  const e = r.evaluation;
  const mg = r.margin;
  const rows: string[] = [];
  const row = (name: string, value: string, detail = ''): void => {
    rows.push(`<tr><th>${name}</th>${value}<td>${detail}</td></tr>`);
  };
  row('λ<sub>max</sub>', num(s.lambdaMax.value, 6), `± residual ${esc(fmt(s.lambdaMax.residual, 3))}, ${esc(s.lambdaMax.method)}${s.lambdaMax.converged ? '' : ', <b>not converged</b>'}`);
  row('λ₁ (Lanczos)', num(s.eigenvalues[0], 6), `residual ${esc(fmt(s.residuals[0], 3))}`);
  row('trace', num(s.trace.estimate, 5), `± ${esc(fmt(s.trace.stderr, 3))} (std. error, ${esc(s.trace.method)}, ${int(s.trace.probes)} probes)`);
  row('outliers', `<td class="num" data-value="${int(s.outliers.count)}">${int(s.outliers.count)}</td>`, `threshold ${esc(fmt(s.outliers.threshold, 4))}; <span title="${esc(s.outliers.rule)}">rule: ${esc(s.outliers.rule.slice(0, 90))}…</span>`);
  row(`G (${esc(g.topK.over)})`, num(g.topK.G, 4), `${int(g.topK.aligned)} of ${int(g.topK.k)} eigenvectors with ${esc(g.topK.variant)} ${esc(g.topK.comparison)} ε`);
  if (g.all) row(`G (${esc(g.all.over)})`, num(g.all.G, 4), `${int(g.all.aligned)} of ${int(g.all.k)} eigenvectors with ${esc(g.all.variant)} ${esc(g.all.comparison)} ε`);
  row('ε', num(g.topK.epsilon.value, 4), g.topK.epsilon.method === 'random-directions' ? `${esc(String(g.topK.epsilon.statistic))} of ${int(g.topK.epsilon.directions)} random unit directions (seeds ${int(g.topK.epsilon.seed)}…)` : 'fixed');
  row('margin', mg ? num(mg.margin, 5) : '<td class="num">–</td>', mg ? `${esc(mg.method)}; |A${sub(mg.eigenvector + 1)}(x_b)| = ${esc(fmt(mg.finalAbsAlignment, 4))}, relative logit gap at x_b ${esc(fmt(mg.logitGapRelative, 2))}` : 'not computed');
  row('Jacobian norm', num(r.jacobianNorm.mean, 5), `± ${esc(fmt(r.jacobianNorm.std, 3))} (std over training samples), ${esc(r.jacobianNorm.quantity)}`);
  row('train accuracy', pct(e.train.accuracy), `loss ${esc(fmt(e.train.loss, 4))}, n = ${int(e.train.n)}`);
  if (e.test) row('test accuracy', pct(e.test.accuracy), `loss ${esc(fmt(e.test.loss, 4))}, n = ${int(e.test.n)}`);
  if (e.val) row('validation accuracy', pct(e.val.accuracy), `loss ${esc(fmt(e.val.loss, 4))}, n = ${int(e.val.n)}`);
  return table(`${prefix}table-summary`, ['quantity', 'value', 'how'], rows, [false, true, false]);
}

function eigenTable(r: AnalysisReport, prefix: string): string {
  const s = r.spectrum;
  const a = r.alignment;
  const eps = r.generalization.topK.epsilon.value;
  const m = r.generalization.topK.m;
  const rows = s.eigenvalues.map((v, i) => `<tr${i < s.outliers.count ? ' class="outlier"' : ''}><td class="num">${i + 1}</td>${num(v, 7)}${num(s.residuals[i], 3)}<td>${s.converged[i] ? 'yes' : '<b>no</b>'}</td>${num(a.meanAbs[i], 4)}${num(a.maxAbs[i], 4)}${num(m[i], 4)}<td>${(m[i] ?? 0) > eps ? 'yes' : 'no'}</td></tr>`);
  return table(`${prefix}table-eigenvalues`, ['i', 'λᵢ', 'residual ‖Hvᵢ − λᵢvᵢ‖', 'converged', 'mean |Aᵢ|', 'max |Aᵢ|', `mᵢ (${esc(r.generalization.topK.variant)})`, 'mᵢ &gt; ε'], rows, [true, true, true, false, true, true, true, false]);
}

function gTable(r: AnalysisReport, prefix: string): string {
  const rows = [r.generalization.topK, r.generalization.all].filter((g): g is NonNullable<typeof g> => !!g).map((g) =>
    `<tr><td>${esc(g.over)}</td><td>${esc(g.variant)}</td><td>${esc(g.comparison)}</td>${num(g.epsilon.value, 4)}<td>${esc(g.epsilon.method)}${g.epsilon.method === 'random-directions' ? `, R = ${int(g.epsilon.directions)}, seed ${int(g.epsilon.seed)}` : ''}</td><td class="num">${int(g.aligned)} / ${int(g.k)}</td>${num(g.G, 4)}${num(g['G_at_1e-6'], 4)}<td>${esc(g.labels)}</td></tr>`);
  return table(`${prefix}table-G`, ['over', 'variant (mᵢ)', 'mᵢ vs ε', 'ε', 'ε from', 'aligned', 'G', 'G at ε = 1e-6', 'gradient labels'], rows, [false, false, false, true, false, true, true, true, false]);
}

function modelTable(r: AnalysisReport, prefix: string): string {
  const st = r.settings as Record<string, unknown>;
  const rows = [
    ['data', esc(r.data.name), `d = ${int(r.data.d)}, ${int(r.data.classes)} classes, n = ${int(r.data.n.train)} / ${int(r.data.n.test)} / ${int(r.data.n.val)} (train / test / val)`],
    ['model', esc(`${r.model.sizes.join('-')} ${r.model.activation}`), `p = ${grouped(r.model.parameters)}, ‖θ‖₂ = ${esc(fmt(r.model.norm, 5))}`],
    ['source', esc(r.model.source), ''],
    ['settings', esc(Object.entries(st).map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ')), ''],
    ['Lanczos', `${int(r.spectrum.iterations)} iterations, ${int(r.spectrum.matvecs)} Hessian-vector products, tol ${esc(fmt(r.spectrum.tol, 2))}`, r.spectrum.dense ? `dense path: all ${int(r.spectrum.dense.eigenvalues.length)} eigenvalues (asymmetry ${esc(fmt(r.spectrum.dense.asymmetry, 2))})` : 'dense path not run'],
  ].map(([a, b, c]) => `<tr><th>${a}</th><td>${b}</td><td>${c}</td></tr>`);
  return table(`${prefix}table-model`, ['', '', ''], rows);
}

function trainingTable(r: AnalysisReport, prefix: string): string {
  if (!r.training?.length) return '';
  const rows = r.training.map((ph) => {
    const t = ph.record;
    const o = t.optimizer as unknown as Record<string, unknown>;
    const last = t.curve.loss[t.curve.loss.length - 1];
    return `<tr><td>${esc(ph.phase)}</td><td>${esc(ph.labels)}</td><td>${esc(`${String(o.type)} lr ${String(o.lr)}`)}</td><td class="num">${int(t.batchSize)}</td><td class="num">${int(t.epochs)}</td><td class="num">${int(t.steps)}</td>${num(last, 4)}</tr>`;
  });
  return table(`${prefix}table-training`, ['phase', 'labels', 'optimizer', 'batch', 'epochs', 'steps', 'last epoch loss'], rows, [false, false, false, true, true, true, true]);
}

/** How the sections name an analysed operator (`settings.operator`, `layers.operator`). */
const OPERATOR_NAMES: Readonly<Record<string, string>> = {
  hessian: 'the loss Hessian H', ggn: 'the Gauss–Newton matrix G', fisher: 'the empirical Fisher', residual: 'the residual H − G',
};

function operatorName(name: string): string {
  return Object.hasOwn(OPERATOR_NAMES, name) ? OPERATOR_NAMES[name]! : `the operator “${esc(name)}”`;
}

/** Eigenvalues shown per row of the per-layer table. */
const LAYER_EIGENVALUES = 3;

/** Each layer's diagonal block: its top eigenvalues, trace and diagonal entries (with `perLayer`). */
function layersSection(r: AnalysisReport, prefix: string): string {
  const L = r.layers;
  if (!L) return '';
  const shown = Math.min(LAYER_EIGENVALUES, Math.max(0, ...L.blocks.map((b) => b.eigenvalues.length), r.spectrum.eigenvalues.length));
  const lam = (values: readonly number[]): string => Array.from({ length: shown }, (_, i) => num(values[i], 4)).join('');
  const dash = '<td class="num">–</td>';
  const rows = L.blocks.map((b) => `<tr><td>${esc(b.block)}</td><td>${b.tensors.map((t) => esc(t)).join(', ')}</td><td class="num">${grouped(b.size)}</td>${lam(b.eigenvalues)}`
    + `${num(b.trace.estimate, 5)}<td>± ${esc(fmt(b.trace.stderr, 3))} (Hutch++, ${int(b.trace.probes)} probes)</td>${num(b.diagonal.mean, 4)}${num(b.diagonal.min, 4)}${num(b.diagonal.max, 4)}</tr>`);
  const t = r.spectrum.trace;
  rows.push(`<tr class="total"><td>all</td><td>every tensor</td><td class="num">${grouped(r.model.parameters)}</td>${lam(r.spectrum.eigenvalues)}`
    + `${num(t.estimate, 5)}<td>± ${esc(fmt(t.stderr, 3))} (${esc(t.method)}, ${int(t.probes)} probes)</td>${dash}${dash}${dash}</tr>`);
  const head = ['layer', 'tensors', 'parameters', ...Array.from({ length: shown }, (_, i) => `λ${sub(i + 1)}`), 'trace', 'std. error', 'diagonal mean', 'diagonal min', 'diagonal max'];
  const d = L.diagonal;
  const diagonal = d.method === 'exact'
    ? 'exact (one product per parameter)'
    : `by Hutchinson's estimator with ${int(d.probes)} probes (each entry's standard error is in the JSON)`;
  return `<section id="${prefix}layers"><h2>Per-layer spectra</h2>`
    + `<p class="note">The diagonal block of ${operatorName(L.operator)} for each Linear layer's weight and bias: its top eigenvalues by Lanczos, its trace by Hutch++ ± the standard error, and its parameters' entries of the whole operator's diagonal, which is ${diagonal}. The last row is the whole operator (the spectrum above). A block's λ₁ is at most the whole operator's (Cauchy interlacing), and the blocks' traces sum to the whole trace.</p>`
    + table(`${prefix}table-layers`, head, rows, head.map((_, i) => i >= 2 && i !== 4 + shown))
    + `<div class="figs">${figure(layerEigenvalueFigure(r, `${prefix}fig-layer-eigenvalues`), `Top eigenvalues of each layer's block (markers joined by index) and of all ${grouped(r.model.parameters)} parameters (dashed): the layer whose curve is highest carries most of the top curvature.`)}</div></section>`;
}

/** H's outliers against the Gauss–Newton matrix's, and each eigenvalue's two parts (with `decompose`). */
function decompositionSection(r: AnalysisReport, prefix: string): string {
  const d = r.decomposition;
  if (!d) return '';
  const k = d.shares.length;
  const nh = int(d.outliers.hessian);
  const ng = int(d.outliers.ggn);
  const n = Math.max(k, d.ggnEigenvalues.length);
  const rows = Array.from({ length: n }, (_, i) => {
    const s = d.shares[i];
    const of = [i < d.outliers.hessian ? 'H' : '', i < d.outliers.ggn ? 'G' : ''].filter(Boolean).join(', ');
    return `<tr${i < d.outliers.hessian ? ' class="outlier"' : ''}><td class="num">${i + 1}</td>${num(s?.eigenvalue, 7)}${num(s?.ggn, 5)}${num(s?.residual, 5)}${num(d.ggnEigenvalues[i], 7)}<td>${of}</td></tr>`;
  });
  const densities = r.spectrum.density || d.ggnDensity
    ? figure(ggnDensityFigure(r, `${prefix}fig-ggn-density`), `Spectral densities of H (solid) and G (green, dashed) by stochastic Lanczos quadrature with the same settings, log scale; rugs: the top-${k} of each; red: H's outliers (solid) and G's (dotted). G is positive semi-definite, so any negative part of H's spectrum comes from R.`)
    : '';
  return `<section id="${prefix}decomposition"><h2>Outliers: the Hessian and its Gauss–Newton part</h2><div class="figs">`
    + figure(ggnSpectraFigure(r, `${prefix}fig-ggn-spectra`), `Top-${k} eigenvalues of the Hessian H (left) and of its Gauss–Newton part G = (1/n) Σ Jᵀ H<sub>ℓ</sub> J (right; Lanczos on G) on one y axis. Red: the outliers the gap rule finds in each, H: ${nh}, G: ${ng}; dashed: H's outlier threshold. Sagun et al. (2017) and Papyan (2019) find that H's outliers come from G: as many, at nearly the same values.`)
    + figure(ggnSharesFigure(r, `${prefix}fig-ggn-shares`), 'Each top eigenvalue λᵢ of H (black tick) split into the Rayleigh quotients of its eigenvector uᵢ under G (green) and under the residual R = H − G (orange), which sum to λᵢ. Symmetric log axis, linear near 0: a negative part is drawn below the zero line at its size. Shaded: H\'s outliers. Outliers that are nearly all green are carried by G; a large residual part says the network\'s own curvature matters there.')
    + densities
    + `</div>${table(`${prefix}table-decomposition`, ['i', 'λᵢ of H', 'uᵢᵀGuᵢ', 'uᵢᵀRuᵢ', 'λᵢ of G', 'outlier of'], rows, [true, true, true, true, true, false])}`
    + `<p class="note">uᵢ: the i-th eigenvector of H (Lanczos); uᵢᵀGuᵢ + uᵢᵀRuᵢ = λᵢ up to rounding. “λᵢ of G” is G's own i-th eigenvalue, not a part of H's. The outliers of H and of G are counted by the same gap rule over the top-${k} of each.</p></section>`;
}

/** The accuracy figure's caption; a curve that never moves is called so. */
function accuracyCaption(r: AnalysisReport): string {
  const flat = constantAccuracy(r);
  return flat === null
    ? 'Accuracy per epoch (same sets; the axis spans the values).'
    : `Accuracy per epoch (same sets): <span class="flat-accuracy">${esc(fmt(flat, 6))} at every recorded epoch on every set, so the curve is a flat line</span>.`;
}

/**
 * The analysis's warnings (e.g. a split too small to estimate with), when the result has any;
 * older results have no such field.
 */
function warningsSection(r: AnalysisReport, prefix: string): string {
  const w = (r as { warnings?: unknown }).warnings;
  if (!Array.isArray(w) || w.length === 0) return '';
  return `<section id="${prefix}warnings" class="warnings"><h2>Warnings</h2><ul>${w.map((x) => `<li>${esc(String(x))}</li>`).join('')}</ul></section>`;
}

/** The body of one analysis; `prefix` keeps ids unique when several are on one page. */
export function analysisBody(r: AnalysisReport, prefix = ''): string {
  const maps = r.grid && r.data.d === 2;
  const boundary = maps ? boundarySegments(r) : [];
  const k = r.spectrum.eigenvalues.length;
  const out: string[] = [];
  const warnings = warningsSection(r, prefix);
  if (warnings) out.push(warnings);
  out.push(`<section id="${prefix}summary"><h2>Summary</h2>${summaryTable(r, prefix)}${modelTable(r, prefix)}</section>`);
  out.push(`<section id="${prefix}spectrum"><h2>Hessian spectrum</h2><div class="figs">`
    + figure(eigenvalueFigure(r, `${prefix}fig-eigenvalues`), `Top-${k} eigenvalues of the loss Hessian (Lanczos); red: the ${int(r.spectrum.outliers.count)} outlier(s) by the gap-ratio rule; error bars ±‖Hvᵢ − λᵢvᵢ‖ (usually below the line width).`)
    + figure(residualFigure(r, `${prefix}fig-residuals`), `Residuals of the Lanczos eigenpairs (converged at relative tolerance ${esc(fmt(r.spectrum.tol, 2))}).`)
    + figure(densityFigure(r, `${prefix}fig-density`), 'Spectral density φ(λ) by stochastic Lanczos quadrature on a log scale (values below 1e-8 of the peak clipped); blue ticks: top-k eigenvalues; red: outliers.')
    + `</div>${eigenTable(r, prefix)}<p class="note">Outlier rule: ${esc(r.spectrum.outliers.rule)}</p></section>`);
  const layers = layersSection(r, prefix);
  if (layers) out.push(layers);
  const decomposition = decompositionSection(r, prefix);
  if (decomposition) out.push(decomposition);
  out.push(`<section id="${prefix}alignment"><h2>Alignment and the generalization measure G</h2><div class="figs">`
    + figure(classAlignmentFigure(r, `${prefix}fig-class-alignment`), 'Mean signed alignment Aᵢ(x) = cos(g(x), vᵢ) over the training samples of each true class (g with the predicted label), as in the paper\'s Fig.&nbsp;4.')
    + `</div>${gTable(r, prefix)}<p class="note">G = share of eigenvectors whose mᵢ (the statistic over training samples of |Aᵢ|) exceeds ε, the same statistic for random unit directions. “over” says which eigenvectors were counted: the top k from Lanczos, or all p from the dense path.</p></section>`);
  if (maps) {
    const g = r.grid!;
    const m = g.alignment.length;
    let figs = '';
    for (let i = 0; i < m; i++) figs += figure(alignmentMapFigure(r, i, `${prefix}fig-map-${i + 1}`, boundary), `A${sub(i + 1)}(x) on a ${int(g.res)}×${int(g.res)} grid, λ${sub(i + 1)} = ${esc(fmt(g.eigenvalues?.[i] ?? r.spectrum.eigenvalues[i]))}; black: predicted decision boundary; markers: training points by class.`);
    out.push(`<section id="${prefix}maps"><h2>Over the input plane</h2><div class="figs">`
      + figure(decisionFigure(r, `${prefix}fig-decision-boundary`, boundary), 'Predicted class of every grid point; black: the decision boundary (0.5-level lines of the class indicators).')
      + figure(reconstructionFigure(r, `${prefix}fig-reconstructed-boundary`, boundary), `Boundary reconstructed from the top ${m} eigenvectors (${esc(String(g.reconstruction))}); white: the predicted boundary for comparison.`)
      + (r.margin ? figure(marginFigure(r, `${prefix}fig-margin`, boundary), `x_b: the boundary point with the largest |A${sub(r.margin.eigenvector + 1)}|; x_t^max, x_t^min: training points with the largest and smallest A${sub(r.margin.eigenvector + 1)}; solid: the margin min(‖x_t^max − x_b‖, ‖x_t^min − x_b‖) = ${esc(fmt(r.margin.margin))}; dashed: the other distance.`) : '')
      + `</div><h3>Alignment maps of the top ${m} eigenvectors</h3><div class="figs" id="${prefix}fig-alignment-maps">${figs}</div></section>`);
  } else {
    const why = r.data.d === 2 ? 'The grid maps were not computed (grid resolution 0).' : `The data have ${int(r.data.d)} input features: maps over the input plane are drawn for 2-D data only.`;
    out.push(`<section id="${prefix}maps"><h2>Over the input plane</h2><p class="note">${why} The margin and the alignments are in the tables above.</p></section>`);
  }
  out.push(r.training?.length
    ? `<section id="${prefix}training"><h2>Training</h2><div class="figs">`
      + figure(trainingLossFigure(r, `${prefix}fig-training-loss`), 'Cross-entropy per epoch: the mean over the epoch\'s mini-batches (before each step) and, when evaluated, on the whole training and validation sets.')
      + figure(trainingAccuracyFigure(r, `${prefix}fig-training-accuracy`), accuracyCaption(r))
      + trackingFigures(r, prefix)
      + `</div>${trainingTable(r, prefix)}</section>`
    : `<section id="${prefix}training"><h2>Training</h2><p class="note">No training curve: the model was given to the analysis (source: ${esc(r.model.source)}).</p></section>`);
  return out.join('\n');
}

/**
 * A cell with a seed statistic: the median, and the range [min, max] under it when the runs
 * differ (n/a when no run had a value). `percent` shows shares as percentages.
 */
export function statCell(s: SeedStat | null | undefined, digits = 4, percent = false): string {
  if (!s || s.median === null || s.median === undefined) return '<td class="num">–</td>';
  const show = (v: number | null): string => esc(percent && typeof v === 'number' ? `${fmt(100 * v, digits)} %` : fmt(v, digits));
  const range = s.n > 1 && s.min !== s.max ? `<br><span class="range">[${show(s.min)}, ${show(s.max)}]</span>` : '';
  return `<td class="num" data-value="${esc(String(s.median))}" title="median over ${int(s.n)} run(s): ${esc(String(s.median))}; min ${esc(String(s.min))}, max ${esc(String(s.max))}">${show(s.median)}${range}</td>`;
}

/** Seeds as text: "0, 1, 2"; null (the preset's data) as "paper". */
export function seedList(seeds: readonly (number | null)[]): string {
  return seeds.map((s) => (s === null ? 'paper' : int(s))).join(', ');
}

function groupTable(c: CompareReport): string {
  if (!c.groups?.length) return '';
  const gOver = c.gOver ?? 'top-k';
  const k = Math.min(3, Math.max(0, ...c.groups.map((g) => g.eigenvalues.length)));
  const rows = c.groups.map((g, i) => `<tr id="group-${i + 1}"><td>${esc(g.label)}</td><td class="num">${int(g.runs.length)}</td><td>${seedList(g.seeds)}</td><td>${seedList(g.dataSeeds)}</td>`
    + `${statCell(g.stats.testAccuracy, 4, true)}${statCell(g.stats.G, 4)}${statCell(g.stats.margin, 4)}`
    + Array.from({ length: k }, (_, j) => statCell(g.eigenvalues[j], 4)).join('')
    + `${statCell(g.stats.outliers, 3)}${statCell(g.stats.trace, 4)}</tr>`);
  const head = ['group', 'runs', 'seeds', 'data seeds', 'test acc.', `G (${esc(gOver)})`, 'margin', ...Array.from({ length: k }, (_, j) => `λ${sub(j + 1)}`), 'outliers', 'trace'];
  return `<h3>Over seeds: median [min, max] per group</h3>${table('table-seeds', head, rows, head.map((_, i) => i === 1 || i >= 4))}`
    + '<p class="note">A group is the runs that differ only in their seeds (model initialisation and shuffles) and data seeds ("paper": the paper\'s points). A quantity whose range is narrow against the differences between groups is stable across seeds; one whose range is wide is not.</p>';
}

/** A comparison that a study ran (compare --study): its findings and per-group measures. */
type StudyCompare = CompareReport & { readonly study?: StudyRecord };

/** The study's section: each claim with its verdict and numbers, then the measures per group. */
function studySection(c: StudyCompare): string {
  const s = c.study;
  if (!s) return '';
  const verdict = (h: boolean | null): string => (h === null ? '<td>n/a</td>' : h ? '<td class="ok">holds</td>' : '<td class="bad">fails</td>');
  const findings = s.findings.map((f) => `<tr><td>${esc(f.claim)}</td>${verdict(f.holds)}<td>${esc(f.evidence)}</td><td>${esc(f.source)}</td></tr>`);
  const measures = s.measures.map((m) => `<tr><td>${esc(m.group)}</td><td class="num">${int(m.runs)}</td><td class="num">${int(m.p)}</td><td class="num">${int(m.classes)}</td>`
    + `${num(m.outliers, 3)}${num(m.classGap, 3)}${num(m.lambdaMax, 4)}${num(m.trace, 4)}${num(m.bulkShare, 3)}${num(m.bulkTrace, 3)}`
    + `<td class="num">${m.reachedTarget === null ? '–' : `${int(m.reachedTarget)} / ${int(m.runs)}`}</td></tr>`);
  const head = ['group', 'runs', 'p', 'classes', 'outliers', 'gap at C', 'λ<sub>max</sub>', 'trace', 'bulk at 0', 'bulk trace', 'reached target'];
  return `<section id="study"><h2>Study: ${esc(s.title)}</h2>`
    + `<p class="note">${esc(s.source)}; budget ${esc(fmt(s.budget, 3))}, seeds ${s.seeds.map((x) => int(x)).join(', ')}. Each claim is checked on the medians over the seeds of each group: “holds” says these runs show it, not that the paper is right (docs/studies.md has the full-budget results and what they mean).</p>`
    + table('table-study-findings', ['claim', 'verdict', 'the numbers', 'from'], findings)
    + `<h3>Per group (medians over the seeds)</h3>${table('table-study-measures', head, measures, head.map((_, i) => i > 0))}`
    + '<p class="note">gap at C: the larger of λ<sub>C−1</sub>/λ<sub>C</sub> and λ<sub>C</sub>/λ<sub>C+1</sub> for C classes (C − 1 to C outliers on a log axis); bulk at 0: the share of all p eigenvalues within 10⁻³·λ₁ of zero (dense path); bulk trace: the trace less the outliers\' eigenvalues.</p></section>';
}

function compareBody(c: CompareReport): string {
  const gOver = c.gOver ?? 'top-k';
  const rows = c.rows.map((row, i) => `<tr><td>${i + 1}</td><td>${esc(row.label)}</td>${pct(row.testAccuracy)}${pct(row.trainAccuracy)}${num(row.G, 4)}${num(row.margin, 4)}${num(row.lambdaMax, 5)}${num(row.trace, 5)}<td class="num">${int(row.outliers)}</td></tr>`);
  const expect: Record<string, string> = { G: 'negative (smaller G, simpler boundary ↔ better)', margin: 'positive (wider margin ↔ better)', lambdaMax: 'no consistent sign (Kaur et al. 2023)', trace: 'no consistent sign', outliers: 'negative (fewer outliers, simpler boundary)' };
  const sp = (Object.keys(c.spearman) as (keyof CompareReport['spearman'])[]).map((k) => `<tr><td>${esc(k)}</td>${num(c.spearman[k], 3)}<td>${esc(expect[k] ?? '')}</td></tr>`);
  const cards = c.reports.map((r, i) => {
    const label = c.rows[i]?.label ?? `run ${i + 1}`;
    const pic = r.grid && r.data.d === 2 ? (r.margin ? marginFigure(r, `m${i + 1}-card-map`) : alignmentMapFigure(r, 0, `m${i + 1}-card-map`)) : eigenvalueFigure(r, `m${i + 1}-card-eigenvalues`);
    const g = r.generalization.all ?? r.generalization.topK;
    return `<div class="card" id="minimum-${i + 1}"><h3>${i + 1}.&nbsp;${esc(label)}</h3>${pic}<table><tbody>`
      + `<tr><th>test accuracy</th>${pct(r.evaluation.test?.accuracy)}</tr><tr><th>G (${esc(g.over)})</th>${num(g.G)}</tr>`
      + `<tr><th>margin</th>${num(r.margin?.margin)}</tr><tr><th>λ<sub>max</sub></th>${num(r.spectrum.lambdaMax.value)}</tr><tr><th>outliers</th><td class="num">${int(r.spectrum.outliers.count)}</td></tr>`
      + `<tr><th>model</th><td>${esc(r.model.sizes.join('-'))} ${esc(r.model.activation)}</td></tr></tbody></table></div>`;
  });
  const details = c.reports.map((r, i) => `<details id="details-${i + 1}"><summary>Full analysis of ${i + 1}.&nbsp;${esc(c.rows[i]?.label ?? '')}</summary>${analysisBody(r, `m${i + 1}-`)}</details>`);
  const gWhat = gOver === 'all' ? 'G over all p eigenvectors (the paper\'s definition)' : 'G over the top-k eigenvectors';
  return studySection(c)
    + `<section id="compare"><h2>Minima compared</h2>`
    + table('table-compare', ['#', 'label', 'test acc.', 'train acc.', `G (${esc(gOver)})`, 'margin', 'λ<sub>max</sub>', 'trace', 'outliers'], rows, [true, false, true, true, true, true, true, true, true])
    + groupTable(c)
    + `<div class="figs">${figure(compareScatter(c, 'G', 'fig-acc-vs-G'), `Test accuracy against ${esc(gWhat)}; the paper expects a smaller G at the better-generalizing minimum.`)}${figure(compareScatter(c, 'margin', 'fig-acc-vs-margin'), 'Test accuracy against the Hessian margin; the paper expects a larger margin at the better-generalizing minimum.')}</div>`
    + `<h3>Spearman rank correlation with test accuracy</h3>${table('table-spearman', ['measure', 'Spearman ρ', 'sign the paper expects'], sp, [false, true, false])}`
    + `<p class="note">ρ is n/a with fewer than 3 minima or a constant column. G is ${esc(gWhat)} for every row.</p></section>`
    + `<section id="minima"><h2>Side by side</h2><div class="cards" id="compare-minima">${cards.join('')}</div></section>`
    + `<section id="details"><h2>Each minimum in full</h2>${details.join('')}</section>`;
}

/** Embeds JSON in a script element safely (no `</script>` or `<!--` can appear). */
function embed(result: unknown): string {
  return JSON.stringify(result).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * One self-contained HTML page for an {@link AnalysisReport} or a {@link CompareReport} (also as
 * parsed JSON): every figure and table of the result, and the result itself embedded as JSON in
 * `<script type="application/json" id="hessian-lens-result">`. Throws {@link InputError} for
 * anything else.
 */
export function renderHtmlReport(result: AnalysisReport | CompareReport, options: HtmlReportOptions = {}): string {
  let title: string;
  let subtitle: string;
  let body: string;
  let nav: [string, string][];
  if (isAnalysis(result)) {
    checkReportInput(result, 'analysis');
    title = options.title ?? `hessian-lens analysis: ${result.data.name}`;
    subtitle = `${result.model.sizes.join('-')} ${result.model.activation}, p = ${grouped(result.model.parameters)} · ${result.model.source}`;
    body = analysisBody(result);
    nav = [
      ['summary', 'Summary'], ['spectrum', 'Spectrum'],
      ...(result.layers ? [['layers', 'Per layer'] as [string, string]] : []),
      ...(result.decomposition ? [['decomposition', 'H and GGN'] as [string, string]] : []),
      ['alignment', 'Alignment & G'], ['maps', 'Input plane'], ['training', 'Training'], ['data', 'Data'],
    ];
  } else if (isCompare(result)) {
    checkReportInput(result, 'compare');
    title = options.title ?? `hessian-lens comparison of ${result.rows.length} minima`;
    subtitle = result.rows.map((r) => r.label).join(' · ');
    body = compareBody(result);
    nav = [...((result as StudyCompare).study ? [['study', 'Study'] as [string, string]] : []), ['compare', 'Compared'], ['minima', 'Side by side'], ['details', 'Each in full'], ['data', 'Data']];
  } else {
    const schema = result && typeof result === 'object' ? String((result as { schema?: unknown }).schema) : typeof result;
    throw new InputError(`renderHtmlReport: expected a '${ANALYSIS_SCHEMA}' or '${COMPARE_SCHEMA}' result, got schema '${schema}'`);
  }
  return htmlPage({ title, subtitle, nav, body, result }, options);
}

/** What {@link htmlPage} puts around a body. */
export interface PageParts {
  /** plain text (escaped here) */
  readonly title: string;
  readonly subtitle: string;
  /** [section id, link text] pairs; ids are the renderer's own, link texts plain text */
  readonly nav: readonly (readonly [string, string])[];
  /** the page's sections (markup) */
  readonly body: string;
  /** the checked result, embedded as JSON */
  readonly result: { readonly schema: string };
}

/**
 * The page around a body: head with the Content-Security-Policy (no request of any kind, the one
 * script by hash), header, navigation, the data section with the embedded result and its download
 * button, footer.
 */
export function htmlPage(parts: PageParts, options: HtmlReportOptions = {}): string {
  const { title, subtitle, nav, body, result } = parts;
  const footer = [options.generator ? esc(options.generator) : 'generated by hessian-lens', options.timestamp ? esc(options.timestamp) : ''].filter(Boolean).join(' · ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="hessian-lens">
<title>${esc(title)}</title>
<link rel="icon" href="data:,">
<style>${CSS}</style>
</head>
<body>
<header><h1>${esc(title)}</h1><p>${esc(subtitle)}</p></header>
<nav>${nav.map(([id, name]) => `<a href="#${esc(id)}">${esc(name)}</a>`).join('')}</nav>
<main>
${body}
<section id="data"><h2>Data</h2><p class="note">The full result (schema <code>${esc(result.schema)}</code>) is embedded in this file as JSON in <code>&lt;script type="application/json" id="${RESULT_ELEMENT_ID}"&gt;</code>: every number behind every figure. <button id="download-json" type="button">Download JSON</button></p></section>
</main>
<footer>${footer}</footer>
<script type="application/json" id="${RESULT_ELEMENT_ID}">${embed(result)}</script>
<script>${REPORT_SCRIPT}</script>
</body>
</html>
`;
}
