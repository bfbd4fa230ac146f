/**
 * The report's figures, each drawn from one part of an {@link AnalysisReport} (or a
 * {@link CompareReport}) as a standalone SVG string with a stable id. The demo page draws the
 * same figures; only its main heat map is a canvas. Figures never compute analysis quantities:
 * every number drawn is read from the record, so a figure and its data cannot disagree.
 */
import type { AnalysisReport } from '../analysis/analyze.js';
import type { CompareReport } from '../analysis/compare.js';
import { classBoundarySegments, type Segment } from './contour.js';
import { classColor, classPalette, css, diverging, DIVERGING_STOPS, palette, SEQUENTIAL_STOPS, type Rgb } from './colors.js';
import { gridImage, pngDataUrl, rampIndex } from './raster.js';
import { dataDomain, esc, fmt, frame, int, legend, legendBelow, lineChart, placeLabels, px, svg, symlog, textWidth, type Frame, type FrameOptions, type LegendItem, type LineChartOptions, type Series, type VLine } from './svg.js';

type Grid = NonNullable<AnalysisReport['grid']>;

/** Subscript digits for labels such as λ₁. */
export function sub(n: number): string {
  if (typeof n !== 'number') return '–'; // a hand-edited result: never echo it into the page
  return String(n).replace(/\d/g, (d) => '₀₁₂₃₄₅₆₇₈₉'[Number(d)]!);
}

// --- markers ---------------------------------------------------------------------------------

/** An SVG marker for class c at (x, y): circle, square, triangle, diamond, … by class. */
export function classMarker(c: number, x: number, y: number, r = 3, stroke = '#222'): string {
  const fill = classColor(c);
  const X = px(x);
  const Y = px(y);
  switch (c % 4) {
    case 0: return `<circle cx="${X}" cy="${Y}" r="${r}" fill="${fill}" stroke="${stroke}" stroke-width="0.7"/>`;
    case 1: return `<rect x="${px(x - r * 0.9)}" y="${px(y - r * 0.9)}" width="${px(r * 1.8)}" height="${px(r * 1.8)}" fill="${fill}" stroke="${stroke}" stroke-width="0.7"/>`;
    case 2: return `<path d="M${X} ${px(y - r * 1.2)}L${px(x + r * 1.1)} ${px(y + r * 0.8)}L${px(x - r * 1.1)} ${px(y + r * 0.8)}Z" fill="${fill}" stroke="${stroke}" stroke-width="0.7"/>`;
    default: return `<path d="M${X} ${px(y - r * 1.25)}L${px(x + r * 1.1)} ${Y}L${X} ${px(y + r * 1.25)}L${px(x - r * 1.1)} ${Y}Z" fill="${fill}" stroke="${stroke}" stroke-width="0.7"/>`;
  }
}

function star(x: number, y: number, r: number, fill: string): string {
  let d = '';
  for (let i = 0; i < 10; i++) {
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    const rr = i % 2 === 0 ? r : r * 0.45;
    d += `${i === 0 ? 'M' : 'L'}${px(x + rr * Math.cos(a))} ${px(y + rr * Math.sin(a))}`;
  }
  return `<path d="${d}Z" fill="${fill}" stroke="#000" stroke-width="0.9"/>`;
}

function triangle(x: number, y: number, r: number, up: boolean, fill: string): string {
  const s = up ? 1 : -1;
  return `<path d="M${px(x)} ${px(y - s * r * 1.2)}L${px(x + r)} ${px(y + s * r * 0.7)}L${px(x - r)} ${px(y + s * r * 0.7)}Z" fill="${fill}" stroke="#000" stroke-width="0.9"/>`;
}

// --- spectrum --------------------------------------------------------------------------------

/** Top-k eigenvalues as bars (outliers highlighted) with ±residual error bars and the outlier threshold. */
export function eigenvalueFigure(r: AnalysisReport, id = 'fig-eigenvalues'): string {
  const s = r.spectrum;
  const lam = s.eigenvalues;
  const k = lam.length;
  const outliers = s.outliers.count;
  const log = lam.every((v) => v > 0);
  const values = [...lam, ...lam.map((v, i) => v + (s.residuals[i] ?? 0))];
  if (s.outliers.threshold !== null) values.push(s.outliers.threshold);
  const yDomain: [number, number] = log ? dataDomain(values, true, 0.08) : dataDomain([...values, 0], false);
  const f = frame(id, {
    width: 360, height: 250,
    x: { domain: [0.4, k + 0.6], label: 'eigenvalue index i (Lanczos, largest first)', ticks: Array.from({ length: k }, (_, i) => i + 1).filter((i) => k <= 12 || i % Math.ceil(k / 10) === 1 || i === 1) },
    y: { domain: yDomain, log, label: log ? 'λᵢ (log scale)' : 'λᵢ' },
  });
  const base = log ? f.bottom : f.y(0);
  const bw = Math.max(2, ((f.right - f.left) / k) * 0.6);
  let body = f.gridLines;
  lam.forEach((v, i) => {
    const X = f.x(i + 1);
    const Y = f.y(v);
    const color = i < outliers ? '#c0392b' : '#4a78b0';
    body += `<rect class="bar${i < outliers ? ' outlier' : ''}" x="${px(X - bw / 2)}" y="${px(Math.min(Y, base))}" width="${px(bw)}" height="${px(Math.abs(base - Y))}" fill="${color}"><title>λ${sub(i + 1)} = ${fmt(v, 8)} (residual ${fmt(s.residuals[i], 3)})</title></rect>`;
    const res = s.residuals[i] ?? 0;
    if (res > 0 && (!log || v - res > 0)) {
      const y1 = f.y(v + res);
      const y2 = f.y(log ? v - res : v - res);
      body += `<path d="M${px(X)} ${px(y1)}V${px(y2)}M${px(X - 3)} ${px(y1)}H${px(X + 3)}M${px(X - 3)} ${px(y2)}H${px(X + 3)}" stroke="#000" stroke-width="1"/>`;
    }
  });
  if (s.outliers.threshold !== null) {
    const Y = px(f.y(s.outliers.threshold));
    body += `<line x1="${px(f.left)}" y1="${Y}" x2="${px(f.right)}" y2="${Y}" stroke="#c0392b" stroke-dasharray="5 3"/>`;
  }
  body += f.axes;
  body += legend(f, [
    { name: `outliers (${outliers})`, color: '#c0392b', box: true },
    { name: 'other top-k', color: '#4a78b0', box: true },
    ...(s.outliers.threshold !== null ? [{ name: `outlier threshold ${fmt(s.outliers.threshold, 3)}`, color: '#c0392b', dash: '5 3' }] : []),
  ]);
  return svg(id, f.width, f.height, `Top-${k} Hessian eigenvalues with ±residual error bars`, body, f.defs);
}

/** Residuals ‖Hvᵢ − λᵢvᵢ‖ of the top-k eigenpairs (log scale), with the Lanczos tolerance. */
export function residualFigure(r: AnalysisReport, id = 'fig-residuals'): string {
  const s = r.spectrum;
  const xs = s.residuals.map((_, i) => i + 1);
  const positive = s.residuals.map((v) => (v > 0 ? v : NaN));
  return lineChart({
    id, title: 'Residuals of the top-k eigenpairs',
    series: [{ name: '‖Hvᵢ − λᵢvᵢ‖', x: xs, y: positive, color: '#4a78b0', markers: true }],
    xLabel: 'eigenvalue index i', yLabel: 'residual ‖Hvᵢ − λᵢvᵢ‖ (log)', logY: true,
    xDomain: [0.5, xs.length + 0.5], legend: false, emptyText: 'no residuals',
  });
}

/**
 * The SLQ spectral density φ(λ) on a log y axis (values below 1e-12 of the peak clipped), the
 * top-k eigenvalues as a rug, outliers as red lines, the outlier threshold dashed and, when the
 * dense path ran, the histogram of all p eigenvalues (as a density, same units as φ).
 */
export function densityFigure(r: AnalysisReport, id = 'fig-density'): string {
  const s = r.spectrum;
  const d = s.density;
  const width = 420;
  const plotHeight = 250;
  const lam = s.eigenvalues;
  const outliers = lam.slice(0, s.outliers.count);
  const xsAll = [...(d?.grid ?? []), ...lam, ...(s.dense?.eigenvalues ?? [])];
  const peak = d ? Math.max(...d.values.filter(Number.isFinite)) : 1;
  const floor = peak * 1e-8;
  const vals = d ? d.values.map((v) => (v > floor ? v : floor)) : [];
  let hist: { lo: number; hi: number; v: number }[] = [];
  if (s.dense && s.dense.eigenvalues.length > 0) {
    const ev = s.dense.eigenvalues;
    const lo = Math.min(...ev);
    const hi = Math.max(...ev);
    const bins = 60;
    const w = (hi - lo) / bins || 1;
    const counts = new Array<number>(bins).fill(0);
    for (const v of ev) counts[Math.min(bins - 1, Math.floor((v - lo) / w))]! += 1;
    hist = counts.map((c, b) => ({ lo: lo + b * w, hi: lo + (b + 1) * w, v: c / (ev.length * w) })).filter((h) => h.v > 0);
  }
  const yDomain = dataDomain([...vals, ...hist.map((h) => h.v), peak * 3, floor], true, 0.02);
  const f = frame(id, { width, height: plotHeight, x: { domain: dataDomain(xsAll, false, 0.03), label: 'eigenvalue λ' }, y: { domain: yDomain, log: true, label: 'density φ(λ) (log scale)' } });
  const clip = ` clip-path="url(#${f.clipId})"`;
  let body = f.gridLines;
  for (const h of hist) {
    const y = f.y(Math.max(h.v, yDomain[0]));
    body += `<rect x="${px(f.x(h.lo))}" y="${px(y)}" width="${px(Math.max(0.8, f.x(h.hi) - f.x(h.lo)))}" height="${px(f.bottom - y)}" fill="#bbb"${clip}/>`;
  }
  if (d) body += `<path d="${d.grid.map((x, i) => `${i ? 'L' : 'M'}${px(f.x(x))} ${px(f.y(vals[i]!))}`).join('')}" fill="none" stroke="#2c3e50" stroke-width="1.5"${clip}/>`;
  else body += `<text x="${px((f.left + f.right) / 2)}" y="${px((f.top + f.bottom) / 2)}" text-anchor="middle" class="note">density not computed (density: false)</text>`;
  for (const v of lam) body += `<line class="rug" x1="${px(f.x(v))}" y1="${px(f.bottom)}" x2="${px(f.x(v))}" y2="${px(f.bottom - 8)}" stroke="#4a78b0" stroke-width="1.2"/>`;
  outliers.forEach((v, i) => {
    const X = px(f.x(v));
    body += `<line class="outlier" x1="${X}" y1="${px(f.top)}" x2="${X}" y2="${px(f.bottom)}" stroke="#c0392b" stroke-width="1.4"/><text x="${px(f.x(v) - 3)}" y="${px(f.top + 12 + 12 * (i % 3))}" text-anchor="end" class="note" fill="#c0392b">λ${sub(i + 1)}</text>`;
  });
  if (s.outliers.threshold !== null) {
    const X = px(f.x(s.outliers.threshold));
    body += `<line x1="${X}" y1="${px(f.top)}" x2="${X}" y2="${px(f.bottom)}" stroke="#c0392b" stroke-dasharray="5 3"/>`;
  }
  body += f.axes;
  const leg = legendBelow(f, [
    ...(d ? [{ name: `SLQ density (σ = ${fmt(d.sigma, 2)})`, color: '#2c3e50' }] : []),
    ...(hist.length ? [{ name: 'histogram of all p eigenvalues', color: '#bbb', box: true }] : []),
    { name: `top-${lam.length} eigenvalues (rug)`, color: '#4a78b0' },
    { name: `outliers (${s.outliers.count})`, color: '#c0392b' },
    ...(s.outliers.threshold !== null ? [{ name: 'outlier threshold', color: '#c0392b', dash: '5 3' }] : []),
  ], plotHeight);
  body += leg.svg;
  const height = plotHeight + leg.height;
  return svg(id, width, height, 'Spectral density of the Hessian (log scale) with outliers marked', body, f.defs);
}

// --- per layer and the Gauss–Newton decomposition --------------------------------------------

/** Colours of H, G (the Gauss–Newton matrix), the residual R = H − G and outliers, in every figure of the decomposition. */
const H_COLOR = '#4a78b0';
const GGN_COLOR = '#3d8b4f';
const RESIDUAL_COLOR = '#e08a2c';
const OUTLIER_COLOR = '#c0392b';
const LAYER_COLORS = ['#4a78b0', '#e08a2c', '#3d8b4f', '#8e44ad', '#c0392b', '#16a085', '#7f8c8d', '#d35400'];

/** A y axis for eigenvalues: log when every value is positive, else symmetric log (see {@link signedAxis}). */
interface ValueAxis {
  readonly y: FrameOptions['y'];
  /** a value in the frame's y units */
  readonly to: (v: number) => number;
  /** where bars start, in the frame's y units: the bottom of a log axis, 0 otherwise */
  readonly base: (f: Frame) => number;
  readonly log: boolean;
}

function largestAbs(values: readonly number[]): number {
  return values.reduce((a, v) => (Number.isFinite(v) ? Math.max(a, Math.abs(v)) : a), 0);
}

/**
 * A symmetric-log y axis (linear within ±c, c the power of ten at most 1e-3 of the largest |value|),
 * for values of either sign spanning decades: a negative value is drawn below 0 at its size.
 */
function signedAxis(values: readonly number[], label: string): ValueAxis {
  const top = largestAbs(values);
  const s = symlog(top > 0 ? 10 ** (Math.floor(Math.log10(top)) - 3) : 1);
  const domain = dataDomain([...values.filter(Number.isFinite).map(s.to), 0], false, 0.06);
  const y: FrameOptions['y'] = {
    domain, label: `${label} (symlog, linear within ±${fmt(s.c, 1)})`,
    ticks: s.ticks(s.from(domain[0]), s.from(domain[1])).map(s.to),
    tickFormat: (t) => fmt(s.from(t), 2),
  };
  return { y, to: s.to, base: (f) => f.y(0), log: false };
}

function valueAxis(values: readonly number[], label: string): ValueAxis {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0 || finite.some((v) => v <= 0)) return signedAxis(values, label);
  return { y: { domain: dataDomain(finite, true, 0.08), log: true, label: `${label} (log scale)` }, to: (v) => v, base: (f) => f.bottom, log: true };
}

/** Index ticks 1..k, thinned to about ten. */
function indexTicks(k: number): number[] {
  return Array.from({ length: k }, (_, i) => i + 1).filter((i) => k <= 12 || i % Math.ceil(k / 10) === 1 || i === 1);
}

/**
 * Each layer's top eigenvalues (its diagonal block of the analysed operator) against the index,
 * with the whole operator's for comparison; log y when every value is positive.
 */
export function layerEigenvalueFigure(r: AnalysisReport, id = 'fig-layer-eigenvalues'): string {
  const L = r.layers!;
  const series: Series[] = L.blocks.map((b, j) => ({
    name: `${b.block} (${b.tensors.join(' + ')})`, x: b.eigenvalues.map((_, i) => i + 1), y: b.eigenvalues,
    color: LAYER_COLORS[j % LAYER_COLORS.length]!, markers: true,
  }));
  series.push({ name: 'all parameters', x: r.spectrum.eigenvalues.map((_, i) => i + 1), y: r.spectrum.eigenvalues, color: '#222', dash: '4 3', width: 1.2, markers: true });
  const values = series.flatMap((s) => s.y).filter(Number.isFinite);
  const k = Math.max(1, ...series.map((s) => s.x.length));
  return lineChart({
    id, title: 'Top eigenvalues of each layer\'s diagonal block, and of the whole operator',
    series, xLabel: 'eigenvalue index i (largest first)', yLabel: values.every((v) => v > 0) ? 'λᵢ (log scale)' : 'λᵢ',
    logY: values.length > 0 && values.every((v) => v > 0), xDomain: [0.6, k + 0.4], width: 400, height: 260, emptyText: 'no eigenvalues',
    // descending curves leave the low values at the first indices empty
    legend: true, legendCorner: 'bottom-left',
  });
}

/** Bars of `values` at x = 1..k in frame `f` (the first `outliers` red), with their tooltips. */
function eigenBars(f: Frame, axis: ValueAxis, values: readonly number[], outliers: number, color: string, name: string, cls: string): string {
  const k = values.length;
  const bw = Math.max(2, ((f.right - f.left) / Math.max(k, 1)) * 0.6);
  const base = axis.base(f);
  let out = '';
  values.forEach((v, i) => {
    const Y = f.y(axis.to(v));
    if (!Number.isFinite(Y)) return;
    const outlier = i < outliers;
    out += `<rect class="bar ${cls}${outlier ? ' outlier' : ''}" x="${px(f.x(i + 1) - bw / 2)}" y="${px(Math.min(Y, base))}" width="${px(bw)}" height="${px(Math.abs(base - Y))}" fill="${outlier ? OUTLIER_COLOR : color}"><title>${esc(name)}: λ${sub(i + 1)} = ${esc(fmt(v, 8))}${outlier ? ' (outlier)' : ''}</title></rect>`;
  });
  return out;
}

/**
 * The top-k eigenvalues of H and of its Gauss–Newton part G in two panels on one y axis (log when
 * every value is positive, else symmetric log): the outliers the gap rule counts in each
 * (`decomposition.outliers`) red, H's outlier threshold dashed.
 */
export function ggnSpectraFigure(r: AnalysisReport, id = 'fig-ggn-spectra'): string {
  const d = r.decomposition!;
  const h = d.shares.map((s) => s.eigenvalue);
  const g = d.ggnEigenvalues;
  const threshold = r.spectrum.outliers.threshold;
  const axis = valueAxis([...h, ...g, ...(threshold !== null ? [threshold] : [])], 'eigenvalue λᵢ');
  const plotHeight = 260;
  const leftWidth = 290;
  const rightWidth = 236;
  const width = leftWidth + rightWidth;
  const panel = (suffix: string, values: readonly number[], w: number, margins: FrameOptions['margins'], yLabel: boolean): Frame => frame(`${id}-${suffix}`, {
    width: w, height: plotHeight, margins: { top: 26, ...margins },
    x: { domain: [0.4, Math.max(values.length, 1) + 0.6], label: 'index i (largest first)', ticks: indexTicks(values.length) },
    y: yLabel ? axis.y : { ...axis.y, label: '', tickFormat: () => '' },
  });
  const fh = panel('h', h, leftWidth, { right: 10 }, true);
  const fg = panel('g', g, rightWidth, { left: 12 }, false);
  const title = (f: Frame, text: string): string => `<text x="${px(f.left)}" y="${px(f.top - 9)}" class="axis-label" font-weight="600">${esc(text)}</text>`;
  let left = fh.gridLines + eigenBars(fh, axis, h, d.outliers.hessian, H_COLOR, 'H', 'hessian');
  if (threshold !== null && Number.isFinite(fh.y(axis.to(threshold)))) {
    const Y = px(fh.y(axis.to(threshold)));
    left += `<line class="threshold" x1="${px(fh.left)}" y1="${Y}" x2="${px(fh.right)}" y2="${Y}" stroke="${OUTLIER_COLOR}" stroke-dasharray="5 3"/>`;
  }
  left += fh.axes + title(fh, `Hessian H: ${int(d.outliers.hessian)} outlier(s)`);
  const right = fg.gridLines + eigenBars(fg, axis, g, d.outliers.ggn, GGN_COLOR, 'G', 'ggn') + fg.axes + title(fg, `Gauss–Newton G: ${int(d.outliers.ggn)} outlier(s)`);
  const leg = legendBelow({ ...fh, width }, [
    { name: 'outliers (each spectrum\'s gap rule)', color: OUTLIER_COLOR, box: true },
    { name: 'other top-k of H', color: H_COLOR, box: true },
    { name: 'other top-k of G', color: GGN_COLOR, box: true },
    ...(threshold !== null ? [{ name: `H's outlier threshold ${fmt(threshold, 3)}`, color: OUTLIER_COLOR, dash: '5 3' }] : []),
  ], plotHeight);
  const body = `<g class="panel-hessian">${left}</g><g class="panel-ggn" transform="translate(${leftWidth} 0)">${right}</g>${leg.svg}`;
  return svg(id, width, plotHeight + leg.height, 'Top eigenvalues of the Hessian and of its Gauss–Newton part, outliers marked', body, fh.defs + fg.defs);
}

/**
 * Each top eigenvalue λᵢ of H split into uᵢᵀGuᵢ and uᵢᵀRuᵢ (R = H − G), as paired bars on a
 * symmetric-log axis (a negative part below zero, at its size) with λᵢ as a black tick across the
 * pair; H's outliers on a shaded band.
 */
export function ggnSharesFigure(r: AnalysisReport, id = 'fig-ggn-shares'): string {
  const d = r.decomposition!;
  const shares = d.shares;
  const k = shares.length;
  const axis = signedAxis(shares.flatMap((s) => [s.eigenvalue, s.ggn, s.residual]), 'part of λᵢ');
  const plotHeight = 260;
  const f = frame(id, { width: 400, height: plotHeight, margins: { top: 24 }, x: { domain: [0.4, Math.max(k, 1) + 0.6], label: 'eigenvalue index i of H (largest first)', ticks: indexTicks(k) }, y: axis.y });
  const outliers = Math.min(d.outliers.hessian, k);
  let body = '';
  if (outliers > 0) {
    const x0 = f.x(0.5);
    body += `<rect class="outlier-band" x="${px(x0)}" y="${px(f.top)}" width="${px(f.x(outliers + 0.5) - x0)}" height="${px(f.bottom - f.top)}" fill="#fbe3e0"/>`;
    body += `<text x="${px(x0 + 2)}" y="${px(f.top - 5)}" class="note" style="fill: ${OUTLIER_COLOR}">outliers of H</text>`;
  }
  body += f.gridLines;
  const zero = f.y(0);
  body += `<line class="zero" x1="${px(f.left)}" y1="${px(zero)}" x2="${px(f.right)}" y2="${px(zero)}" stroke="#444" stroke-width="1"/>`;
  const bw = Math.max(2, ((f.right - f.left) / Math.max(k, 1)) * 0.32);
  shares.forEach((s, i) => {
    const X = f.x(i + 1);
    const lam = `λ${sub(i + 1)} = ${esc(fmt(s.eigenvalue, 8))}`;
    const bar = (v: number, x: number, cls: string, color: string, what: string): string => {
      const Y = f.y(axis.to(v));
      if (!Number.isFinite(Y)) return '';
      return `<rect class="bar ${cls}${v < 0 ? ' negative' : ''}" x="${px(x)}" y="${px(Math.min(Y, zero))}" width="${px(bw)}" height="${px(Math.abs(zero - Y))}" fill="${color}"><title>${what} = ${esc(fmt(v, 8))} of ${lam}</title></rect>`;
    };
    body += bar(s.ggn, X - bw, 'ggn', GGN_COLOR, `u${sub(i + 1)}ᵀGu${sub(i + 1)}`);
    body += bar(s.residual, X, 'residual', RESIDUAL_COLOR, `u${sub(i + 1)}ᵀRu${sub(i + 1)}`);
    const Y = f.y(axis.to(s.eigenvalue));
    if (Number.isFinite(Y)) body += `<line class="sum" x1="${px(X - bw - 2)}" y1="${px(Y)}" x2="${px(X + bw + 2)}" y2="${px(Y)}" stroke="#000" stroke-width="2"><title>${lam}</title></line>`;
  });
  body += f.axes;
  const leg = legendBelow(f, [
    { name: 'uᵢᵀGuᵢ (Gauss–Newton part)', color: GGN_COLOR, box: true },
    { name: 'uᵢᵀRuᵢ (residual, R = H − G)', color: RESIDUAL_COLOR, box: true },
    { name: 'λᵢ = the sum', color: '#000' },
  ], plotHeight);
  return svg(id, f.width, plotHeight + leg.height, 'Each top eigenvalue of the Hessian split into Gauss–Newton and residual parts', body + leg.svg, f.defs);
}

/**
 * The SLQ densities of H and of G overlaid (log y, values below 1e-8 of the higher peak clipped),
 * each one's top-k as a rug (H from below, G from above) and each one's outliers as red lines
 * (H solid, G dotted). Either density may be missing (drawn without it).
 */
export function ggnDensityFigure(r: AnalysisReport, id = 'fig-ggn-density'): string {
  const d = r.decomposition!;
  const curves = [
    { name: 'H', density: r.spectrum.density, color: '#2c3e50', dash: '' },
    { name: 'G', density: d.ggnDensity, color: GGN_COLOR, dash: '6 3' },
  ].filter((c): c is typeof c & { density: NonNullable<typeof c.density> } => !!c.density); // null, or absent in a hand-edited file
  const h = d.shares.map((s) => s.eigenvalue);
  const g = d.ggnEigenvalues;
  const peak = Math.max(0, ...curves.map((c) => c.density.values.reduce((a, v) => (Number.isFinite(v) ? Math.max(a, v) : a), 0))) || 1;
  const floor = peak * 1e-8;
  const width = 420;
  const plotHeight = 250;
  const f = frame(id, {
    width, height: plotHeight,
    x: { domain: dataDomain([...curves.flatMap((c) => c.density.grid), ...h, ...g], false, 0.03), label: 'eigenvalue λ' },
    y: { domain: dataDomain([peak * 3, floor], true, 0.02), log: true, label: 'density φ(λ) (log scale)' },
  });
  const clip = ` clip-path="url(#${f.clipId})"`;
  let body = f.gridLines;
  for (const c of curves) {
    const values = c.density.values.map((v) => (v > floor ? v : floor));
    body += `<path class="density-${c.name === 'H' ? 'hessian' : 'ggn'}" d="${c.density.grid.map((x, i) => `${i ? 'L' : 'M'}${px(f.x(x))} ${px(f.y(values[i]!))}`).join('')}" fill="none" stroke="${c.color}" stroke-width="1.5"${c.dash ? ` stroke-dasharray="${c.dash}"` : ''}${clip}/>`;
  }
  if (!curves.length) body += `<text x="${px((f.left + f.right) / 2)}" y="${px((f.top + f.bottom) / 2)}" text-anchor="middle" class="note">densities not computed (density: false)</text>`;
  const rug = (values: readonly number[], fromTop: boolean, color: string, cls: string): string => values.filter(Number.isFinite).map((v) => {
    const X = px(f.x(v));
    return `<line class="rug ${cls}" x1="${X}" y1="${px(fromTop ? f.top : f.bottom)}" x2="${X}" y2="${px(fromTop ? f.top + 8 : f.bottom - 8)}" stroke="${color}" stroke-width="1.2"${clip}/>`;
  }).join('');
  body += rug(h, false, H_COLOR, 'hessian') + rug(g, true, GGN_COLOR, 'ggn');
  const outlierLines = (values: readonly number[], dash: string, cls: string): string => values.filter(Number.isFinite).map((v) => {
    const X = px(f.x(v));
    return `<line class="outlier ${cls}" x1="${X}" y1="${px(f.top)}" x2="${X}" y2="${px(f.bottom)}" stroke="${OUTLIER_COLOR}" stroke-width="1.4"${dash ? ` stroke-dasharray="${dash}"` : ''}${clip}/>`;
  }).join('');
  body += outlierLines(h.slice(0, d.outliers.hessian), '', 'hessian') + outlierLines(g.slice(0, d.outliers.ggn), '2 2', 'ggn');
  body += f.axes;
  const leg = legendBelow(f, [
    ...curves.map((c) => ({ name: `${c.name === 'H' ? 'Hessian H' : 'Gauss–Newton G'} (SLQ, σ = ${fmt(c.density.sigma, 2)})`, color: c.color, ...(c.dash ? { dash: c.dash } : {}) })),
    { name: 'top-k of H (rug, below)', color: H_COLOR },
    { name: 'top-k of G (rug, above)', color: GGN_COLOR },
    { name: `H's outliers (${int(d.outliers.hessian)})`, color: OUTLIER_COLOR },
    { name: `G's outliers (${int(d.outliers.ggn)})`, color: OUTLIER_COLOR, dash: '2 2' },
  ], plotHeight);
  return svg(id, width, plotHeight + leg.height, 'Spectral densities of the Hessian and of its Gauss–Newton part, outliers marked', body + leg.svg, f.defs);
}

// --- alignment -------------------------------------------------------------------------------

/** A vertical colour bar (10 px wide at x) for a map or matrix, with three ticks and a label. */
export function colorbar(x: number, top: number, bottom: number, stops: readonly Rgb[], lo: number, hi: number, label: string, gradientId: string): { defs: string; body: string } {
  const n = stops.length;
  const defs = `<linearGradient id="${gradientId}" x1="0" y1="1" x2="0" y2="0">${stops.map((c, i) => `<stop offset="${px(i / (n - 1))}" stop-color="${css(c)}"/>`).join('')}</linearGradient>`;
  let body = `<rect x="${px(x)}" y="${px(top)}" width="10" height="${px(bottom - top)}" fill="url(#${gradientId})" stroke="#444" stroke-width="0.6"/>`;
  for (const t of [lo, (lo + hi) / 2, hi]) {
    const y = bottom - ((t - lo) / (hi - lo)) * (bottom - top);
    body += `<line x1="${px(x + 10)}" y1="${px(y)}" x2="${px(x + 13)}" y2="${px(y)}" stroke="#444"/><text x="${px(x + 15)}" y="${px(y)}" dy="0.32em" class="tick">${esc(fmt(t, 2))}</text>`;
  }
  body += `<text transform="translate(${px(x + 44)} ${px((top + bottom) / 2)}) rotate(90)" text-anchor="middle" class="axis-label">${esc(label)}</text>`;
  return { defs, body };
}

/**
 * The paper's Fig. 4 layout: mean signed alignment A_i over the training samples of each true
 * class, eigenvector index i (columns) × class (rows), values printed in the cells.
 */
export function classAlignmentFigure(r: AnalysisReport, id = 'fig-class-alignment'): string {
  const m = r.alignment.perClassMean;
  const k = m.length;
  const C = r.data.classes;
  const cell = Math.max(18, Math.min(40, Math.floor(380 / Math.max(k, 1))));
  const ch = Math.max(18, Math.min(32, Math.floor(220 / Math.max(C, 1))));
  const left = 70;
  // the rotated titles beside the rows (11 px) are centred on them: with few classes they are
  // longer than the rows are tall, so the margins above and below grow to hold them
  const barLabel = 'mean Aᵢ over class';
  const overhang = Math.max(textWidth(barLabel, 11), textWidth('true class', 11)) / 2 - (C * ch) / 2;
  const top = Math.max(12, Math.ceil(overhang + 4));
  const width = left + k * cell + 80;
  const height = top + C * ch + Math.max(48, Math.ceil(overhang + 4));
  let body = '';
  for (let c = 0; c < C; c++) {
    for (let i = 0; i < k; i++) {
      // a class with no training samples has no mean (null): a grey cell with a dash
      const v = m[i]?.[c] ?? NaN;
      const color: readonly [number, number, number] = Number.isFinite(v) ? diverging(v) : [225, 225, 225];
      const light = (color[0] * 0.299 + color[1] * 0.587 + color[2] * 0.114) > 140;
      const x = left + i * cell;
      const y = top + c * ch;
      body += `<rect x="${x}" y="${y}" width="${cell}" height="${ch}" fill="${css(color)}" stroke="#fff" stroke-width="1"><title>eigenvector ${i + 1}, class ${c}: mean A = ${fmt(v, 6)}, mean |A| = ${fmt(r.alignment.perClassMeanAbs[i]?.[c], 6)}</title></rect>`;
      if (cell >= 26) body += `<text x="${px(x + cell / 2)}" y="${px(y + ch / 2)}" dy="0.32em" text-anchor="middle" class="cell" fill="${light ? '#111' : '#fff'}">${esc(fmt(v, 2).replace(/^(−?)0\./, '$1.'))}</text>`;
    }
    body += `<text x="${left - 6}" y="${px(top + c * ch + ch / 2)}" dy="0.32em" text-anchor="end" class="tick">${c}</text>`;
  }
  for (let i = 0; i < k; i++) body += `<text x="${px(left + i * cell + cell / 2)}" y="${px(top + C * ch + 13)}" text-anchor="middle" class="tick">${i + 1}</text>`;
  body += `<text x="${px(left + (k * cell) / 2)}" y="${px(height - 8)}" text-anchor="middle" class="axis-label">eigenvector index i</text>`;
  body += `<text transform="translate(16 ${px(top + (C * ch) / 2)}) rotate(-90)" text-anchor="middle" class="axis-label">true class</text>`;
  const cb = colorbar(left + k * cell + 12, top, top + C * ch, DIVERGING_STOPS, -1, 1, barLabel, `grad-${id}`);
  return svg(id, width, height, 'Per-class mean alignment of the top eigenvectors with training-sample gradients', body + cb.body, cb.defs);
}

// --- maps over the input plane ----------------------------------------------------------------

/** Overlays a map panel can carry. */
interface MapOverlay {
  /** draw the training points (default true) */
  readonly points?: boolean;
  /** predicted-boundary segments (data coordinates) */
  readonly boundary?: readonly Segment[];
  readonly boundaryColor?: string;
  /** extra SVG drawn with the frame (gets the frame) */
  readonly extra?: (f: Frame) => string;
}

interface MapPanelOptions extends MapOverlay {
  readonly id: string;
  readonly title: string;
  readonly r: AnalysisReport;
  readonly grid: Grid;
  /** a PNG data URL covering the grid cells */
  readonly image: string;
  readonly colorbar: { readonly stops: readonly Rgb[]; readonly lo: number; readonly hi: number; readonly label: string } | null;
  readonly legendItems?: readonly LegendItem[];
  /** legend entries in rows under the x-axis label */
  readonly legendBelow?: readonly LegendItem[];
  readonly width?: number;
}

/** Half a grid cell around the grid points, so image pixels centre on them. */
export function mapDomain(grid: Grid): { x: [number, number]; y: [number, number] } {
  const { res, bounds } = grid;
  const hx = (bounds.xMax - bounds.xMin) / (res - 1) / 2;
  const hy = (bounds.yMax - bounds.yMin) / (res - 1) / 2;
  return { x: [bounds.xMin - hx, bounds.xMax + hx], y: [bounds.yMin - hy, bounds.yMax + hy] };
}

function mapPanel(o: MapPanelOptions): string {
  const width = o.width ?? 340;
  const dom = mapDomain(o.grid);
  const f = frame(o.id, { width, height: 300, margins: { right: o.colorbar ? 66 : 14, left: 48 }, grid: false, x: { domain: dom.x, label: 'x₁ (input feature 1)' }, y: { domain: dom.y, label: 'x₂ (input feature 2)' } });
  const clip = ` clip-path="url(#${f.clipId})"`;
  let body = `<image href="${o.image}" x="${px(f.left)}" y="${px(f.top)}" width="${px(f.right - f.left)}" height="${px(f.bottom - f.top)}" preserveAspectRatio="none"/>`;
  if (o.boundary && o.boundary.length) {
    body += `<path class="boundary" d="${o.boundary.map((s) => `M${px(f.x(s[0]))} ${px(f.y(s[1]))}L${px(f.x(s[2]))} ${px(f.y(s[3]))}`).join('')}" stroke="${o.boundaryColor ?? '#111'}" stroke-width="1.6" stroke-linecap="round" fill="none"${clip}/>`;
  }
  const pts = o.r.data.points;
  if ((o.points ?? true) && pts) {
    body += `<g class="points"${clip}>`;
    pts.x.forEach((p, i) => {
      body += classMarker(pts.y[i]!, f.x(p[0]!), f.y(p[1]!), 2.6);
    });
    body += '</g>';
  }
  if (o.extra) body += o.extra(f);
  body += f.axes;
  let defs = f.defs;
  if (o.colorbar) {
    const cb = colorbar(f.right + 8, f.top, f.bottom, o.colorbar.stops, o.colorbar.lo, o.colorbar.hi, o.colorbar.label, `grad-${o.id}`);
    body += cb.body;
    defs += cb.defs;
  }
  if (o.legendItems) body += legend(f, o.legendItems, 'top-left');
  let height = f.height;
  if (o.legendBelow) {
    const below = legendBelow(f, o.legendBelow, f.height);
    body += below.svg;
    height += below.height;
  }
  return svg(o.id, width, height, o.title, body, defs);
}

/** The predicted-boundary segments of a report's grid (empty without a grid). */
export function boundarySegments(r: AnalysisReport): Segment[] {
  return r.grid ? classBoundarySegments(r.grid, r.grid.predicted, r.data.classes) : [];
}

/** PNG data URL of A_i over the grid on the diverging map. */
export function alignmentImage(grid: Grid, i: number): string {
  return pngDataUrl(gridImage(grid.alignment[i]!, grid.res, rampIndex(-1, 1), palette(DIVERGING_STOPS)));
}

/** A_i(x) over the input plane with the training points and the predicted decision boundary. */
export function alignmentMapFigure(r: AnalysisReport, i: number, id = `fig-map-${i + 1}`, boundary = boundarySegments(r)): string {
  const grid = r.grid!;
  const lam = grid.eigenvalues?.[i] ?? r.spectrum.eigenvalues[i];
  return mapPanel({
    id, r, grid, boundary,
    title: `Alignment A${sub(i + 1)}(x) = cos(g(x), v${sub(i + 1)}) over the input plane, λ${sub(i + 1)} = ${fmt(lam)}`,
    image: alignmentImage(grid, i),
    colorbar: { stops: DIVERGING_STOPS, lo: -1, hi: 1, label: `A${sub(i + 1)}(x)` },
  });
}

/** The predicted class regions with the training points and the decision boundary. */
export function decisionFigure(r: AnalysisReport, id = 'fig-decision-boundary', boundary = boundarySegments(r)): string {
  const grid = r.grid!;
  const image = pngDataUrl(gridImage(grid.predicted, grid.res, (c) => c, classPalette()));
  return mapPanel({
    id, r, grid, boundary, image, colorbar: null,
    title: 'Predicted classes and the decision boundary, with the training points',
    legendItems: Array.from({ length: r.data.classes }, (_, c) => ({ name: `class ${c}`, color: classColor(c), marker: (x: number, y: number) => classMarker(c, x, y, 3.2) })),
  });
}

/** The reconstructed boundary R(x) (grid.boundary, scaled to [0, 1]) with the predicted boundary on top. */
export function reconstructionFigure(r: AnalysisReport, id = 'fig-reconstructed-boundary', boundary = boundarySegments(r)): string {
  const grid = r.grid!;
  const field = grid.boundary ?? new Array<number>(grid.res * grid.res).fill(NaN);
  const lo = Math.min(0, ...field.filter(Number.isFinite));
  const image = pngDataUrl(gridImage(field, grid.res, rampIndex(lo, 1), palette(SEQUENTIAL_STOPS)));
  const how = grid.reconstruction === 'weighted-signed' ? 'Σ λᵢ Aᵢ(x) / max' : 'Σ λᵢ |Aᵢ(x)| / max';
  return mapPanel({
    id, r, grid, boundary, image, boundaryColor: '#fff',
    title: `Reconstructed boundary R(x) = ${how} over the top ${grid.alignment.length} eigenvectors (white: predicted boundary)`,
    colorbar: { stops: SEQUENTIAL_STOPS, lo, hi: 1, label: `R(x) = ${how}` },
  });
}

/** A_1 with x_t^max, x_t^min, x_b and the margin segment (the shorter of the two distances). */
export function marginFigure(r: AnalysisReport, id = 'fig-margin', boundary = boundarySegments(r)): string {
  const grid = r.grid!;
  const mg = r.margin!;
  const i = mg.eigenvector ?? 0;
  return mapPanel({
    id, r, grid, boundary,
    title: `Margin: x_b on the boundary (★), the training points with the largest (▲) and smallest (▼) A${sub(i + 1)}, margin = ${fmt(mg.margin)}`,
    image: alignmentImage(grid, Math.min(i, grid.alignment.length - 1)),
    colorbar: { stops: DIVERGING_STOPS, lo: -1, hi: 1, label: `A${sub(i + 1)}(x)` },
    legendBelow: [
      { name: `x_t^max (largest A${sub(i + 1)})`, color: '#000', marker: (x, y) => triangle(x, y, 4, true, '#fff') },
      { name: `x_t^min (smallest A${sub(i + 1)})`, color: '#000', marker: (x, y) => triangle(x, y, 4, false, '#fff') },
      { name: 'x_b (on the boundary)', color: '#000', marker: (x, y) => star(x, y, 5.5, '#ffd700') },
      { name: 'margin', color: '#000' },
      { name: 'other distance', color: '#000', dash: '4 3' },
    ],
    extra: (f) => {
      const P = (p: readonly number[]): [number, number] => [f.x(p[0]!), f.y(p[1]!)];
      const b = P(mg.xb);
      const tmax = P(mg.xtMax.x);
      const tmin = P(mg.xtMin.x);
      const nearMax = mg.distanceToMax <= mg.distanceToMin;
      const line = (to: [number, number], solid: boolean): string => `<line class="${solid ? 'margin-segment' : 'other-distance'}" x1="${px(b[0])}" y1="${px(b[1])}" x2="${px(to[0])}" y2="${px(to[1])}" stroke="#000" stroke-width="${solid ? 2.4 : 1.2}"${solid ? '' : ' stroke-dasharray="4 3"'}/>`;
      const near = nearMax ? tmax : tmin;
      let out = line(nearMax ? tmin : tmax, false) + line(near, true);
      out += `<text x="${px((b[0] + near[0]) / 2 + 5)}" y="${px((b[1] + near[1]) / 2 - 5)}" class="label-halo">margin ${esc(fmt(mg.margin, 3))}</text>`;
      out += triangle(tmax[0], tmax[1], 6, true, '#fff') + triangle(tmin[0], tmin[1], 6, false, '#fff') + star(b[0], b[1], 8, '#ffd700');
      return out;
    },
  });
}

// --- training --------------------------------------------------------------------------------

/** Concatenated curves of every training phase, with the epoch offset of each phase. */
export function trainingSeries(r: AnalysisReport): { loss: Series[]; accuracy: Series[]; vlines: VLine[] } {
  const phases = r.training ?? [];
  const acc = { batch: [[], []] as number[][], full: [[], []] as number[][], val: [[], []] as number[][] };
  const loss = { batch: [[], []] as number[][], full: [[], []] as number[][], val: [[], []] as number[][] };
  const vlines: VLine[] = [];
  let offset = 0;
  for (const ph of phases) {
    const c = ph.record.curve;
    if (phases.length > 1) vlines.push({ x: offset + 0.5, label: `${ph.phase} (${ph.labels} labels)` });
    c.epoch.forEach((e, i) => {
      loss.batch[0]!.push(offset + e);
      loss.batch[1]!.push(c.loss[i]!);
      acc.batch[0]!.push(offset + e);
      acc.batch[1]!.push(c.accuracy[i]!);
    });
    (c.evalEpoch ?? []).forEach((e, i) => {
      if (c.fullLoss) { loss.full[0]!.push(offset + e); loss.full[1]!.push(c.fullLoss[i]!); }
      if (c.fullAccuracy) { acc.full[0]!.push(offset + e); acc.full[1]!.push(c.fullAccuracy[i]!); }
      if (c.valLoss) { loss.val[0]!.push(offset + e); loss.val[1]!.push(c.valLoss[i]!); }
      if (c.valAccuracy) { acc.val[0]!.push(offset + e); acc.val[1]!.push(c.valAccuracy[i]!); }
    });
    offset += c.epoch.length ? c.epoch[c.epoch.length - 1]! : 0;
  }
  const mk = (src: typeof loss): Series[] => [
    { name: 'mini-batch mean (per epoch)', x: src.batch[0]!, y: src.batch[1]!, color: '#95a5a6', width: 1.2 },
    ...(src.full[0]!.length ? [{ name: 'whole training set', x: src.full[0]!, y: src.full[1]!, color: '#2c3e50' }] : []),
    ...(src.val[0]!.length ? [{ name: 'validation set', x: src.val[0]!, y: src.val[1]!, color: '#e67e22', dash: '5 3' }] : []),
  ];
  return { loss: mk(loss), accuracy: mk(acc), vlines };
}

/** Training loss per epoch (log scale), every phase in order. */
export function trainingLossFigure(r: AnalysisReport, id = 'fig-training-loss'): string {
  const t = trainingSeries(r);
  return lineChart({ id, title: 'Training curve: cross-entropy loss per epoch', series: t.loss, vlines: t.vlines, xLabel: 'epoch', yLabel: 'cross-entropy loss (log scale)', logY: true, legend: true, emptyText: 'no training (a given model)' });
}

/**
 * The accuracy every recorded epoch of every set shows, when that is one value throughout (a
 * curve that is a flat line, e.g. 1 on separable data); null when the accuracies vary or none
 * were recorded.
 */
export function constantAccuracy(r: AnalysisReport): number | null {
  const values = trainingSeries(r).accuracy.flatMap((s) => s.y).filter((v) => Number.isFinite(v));
  return values.length > 0 && values.every((v) => v === values[0]) ? values[0]! : null;
}

/**
 * Training accuracy per epoch, every phase in order. The y axis spans the values (at least 0.1
 * wide, so rounding noise is not blown up), with room above 1 so a curve at 1 does not vanish
 * into the frame; an accuracy that never changes is said in words across the plot.
 */
export function trainingAccuracyFigure(r: AnalysisReport, id = 'fig-training-accuracy'): string {
  const t = trainingSeries(r);
  const flat = constantAccuracy(r);
  const values = t.accuracy.flatMap((s) => s.y).filter((v) => Number.isFinite(v));
  let yDomain: [number, number] = [0, 1.05];
  let note: LineChartOptions['note'];
  if (flat !== null) {
    const top = Math.max(1, flat) + 0.1;
    yDomain = [Math.min(0, flat), top];
    note = { text: `accuracy ${fmt(flat, 6)} at every epoch, on every set`, y: flat > top / 2 ? flat / 2 : (flat + top) / 2 };
  } else if (values.length) {
    const lo = values.reduce((a, v) => Math.min(a, v), Infinity);
    const hi = values.reduce((a, v) => Math.max(a, v), -Infinity);
    const span = Math.max(hi - lo, 0.1);
    yDomain = [Math.max(0, Math.min(lo, hi - span) - 0.06 * span), hi + 0.06 * span];
  }
  return lineChart({ id, title: 'Training curve: accuracy per epoch', series: t.accuracy, vlines: t.vlines, xLabel: 'epoch', yLabel: 'accuracy', yDomain, legend: true, legendCorner: 'bottom-right', emptyText: 'no training (a given model)', ...(note ? { note } : {}) });
}

/** Top eigenvalues and G during training (only with tracking checkpoints). */
export function trackingFigures(r: AnalysisReport, prefix = ''): string {
  const t = r.tracking;
  if (!t.length) return '';
  const k = Math.min(5, ...t.map((p) => p.eigenvalues.length));
  const colors = ['#c0392b', '#4a78b0', '#27ae60', '#8e44ad', '#e67e22'];
  const eig = lineChart({
    id: `${prefix}fig-tracking-eigenvalues`, title: 'Top eigenvalues during training',
    series: Array.from({ length: k }, (_, i) => ({ name: `λ${sub(i + 1)}`, x: t.map((p) => p.epoch), y: t.map((p) => p.eigenvalues[i]!), color: colors[i]!, markers: true })),
    xLabel: 'epoch', yLabel: 'λᵢ (log scale)', logY: true,
  });
  const g = lineChart({ id: `${prefix}fig-tracking-G`, title: 'G during training', series: [{ name: 'G (top-k)', x: t.map((p) => p.epoch), y: t.map((p) => p.G), color: '#2c3e50', markers: true }], xLabel: 'epoch', yLabel: 'G', yDomain: [0, 1.02], legend: false });
  return eig + g;
}

// --- comparison ------------------------------------------------------------------------------

/**
 * Test accuracy against one measure of every minimum. Each point is numbered as in the comparison
 * table and coloured per minimum; the legend under the plot names them. Labels are placed so that
 * they never overlap one another or a point, even where minima tie in accuracy and measure.
 */
export function compareScatter(c: CompareReport, key: 'G' | 'margin', id = `fig-acc-vs-${key}`): string {
  const rows = c.rows.map((row, i) => ({ i, label: row.label, x: row[key], y: row.testAccuracy })).filter((p): p is { i: number; label: string; x: number; y: number } => p.x !== null && p.y !== null && Number.isFinite(p.x) && Number.isFinite(p.y));
  const width = 360;
  const plotHeight = 260;
  const radius = 4.5;
  const fontSize = 10.5; // svg .note
  const xName = key === 'G' ? (c.gOver === 'all' ? 'G (all p)' : 'G (top-k)') : 'margin (input units)';
  const f = frame(id, { width, height: plotHeight, x: { domain: dataDomain(rows.map((p) => p.x), false, 0.12), label: xName }, y: { domain: dataDomain(rows.map((p) => p.y), false, 0.15), label: 'test accuracy' } });
  const color = (i: number): string => classColor(i + 4);
  let body = f.gridLines;
  const at = rows.map((p) => ({ ...p, X: f.x(p.x), Y: f.y(p.y), text: String(p.i + 1) }));
  const boxes = placeLabels(at.map((p) => ({ X: p.X, Y: p.Y, w: textWidth(p.text, fontSize), h: fontSize * 1.25 })), { x: f.left, y: f.top, w: f.right - f.left, h: f.bottom - f.top }, radius);
  for (const p of at) body += `<circle class="point" cx="${px(p.X)}" cy="${px(p.Y)}" r="${radius}" fill="${color(p.i)}" stroke="#222"><title>${p.i + 1}. ${esc(p.label)}: ${xName} = ${fmt(p.x, 6)}, test accuracy ${fmt(p.y, 6)}</title></circle>`;
  at.forEach((p, j) => {
    const b = boxes[j]!;
    body += `<text class="point-label" x="${px(b.x + 1)}" y="${px(b.y + b.h / 2)}" dy="0.32em" font-size="${fontSize}" font-weight="600">${p.text}</text>`;
  });
  if (!rows.length) body += `<text x="${px((f.left + f.right) / 2)}" y="${px((f.top + f.bottom) / 2)}" text-anchor="middle" class="note">no ${esc(xName)} values with a test accuracy</text>`;
  body += f.axes;
  const rho = c.spearman[key];
  body += `<text x="${px(f.left)}" y="${px(plotHeight + 6)}" class="note">Spearman ρ with test accuracy = ${rho === null ? 'n/a' : fmt(rho, 3)}</text>`;
  const maxChars = Math.floor((width - f.left - 40) / 5.9);
  const short = (s: string): string => ([...s].length > maxChars ? `${[...s].slice(0, maxChars - 1).join('')}…` : s);
  const leg = legendBelow(f, at.map((p) => ({ name: short(`${p.i + 1}. ${p.label}`), color: color(p.i), marker: (x: number, y: number) => `<circle cx="${px(x)}" cy="${px(y)}" r="4" fill="${color(p.i)}" stroke="#222"/>` })), plotHeight + 12);
  body += leg.svg;
  return svg(id, width, plotHeight + 12 + leg.height, `Test accuracy against ${xName} across minima`, body, f.defs);
}
