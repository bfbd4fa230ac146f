/**
 * Small hand-written SVG charts for the HTML report and the demo page: linear and log scales with
 * "nice" ticks, axes with labels, and a frame that figures draw into. Everything returns strings,
 * so the same code runs in Node (the CLI's report) and in browsers (the demo); no DOM, no library.
 * see: P. Heckbert, "Nice numbers for graph labels", Graphics Gems (1990).
 */

/** Escapes text for XML/HTML content and attribute values. */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * A number for display: `digits` significant digits, exponent form outside [1e-3, 1e5). A result
 * read from a file can hold anything where a number belongs: whatever is not a number shows as '–'.
 */
export function fmt(value: number | null | undefined, digits = 4): string {
  if (typeof value !== 'number' || Number.isNaN(value)) return '–';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  if (value === 0) return '0';
  const a = Math.abs(value);
  const s = a >= 1e-3 && a < 1e5 ? String(Number(value.toPrecision(digits))) : value.toExponential(Math.max(0, digits - 1)).replace(/\.?0+e/, 'e');
  return s.replace(/^-/, '−');
}

/** A count or integer for display: a number as written, anything else (a hand-edited result) as '–'. */
export function int(value: unknown): string {
  return typeof value === 'number' ? String(value) : '–';
}

/** A count with thousands separators, as {@link int} for anything that is not a number. */
export function grouped(value: unknown): string {
  return typeof value === 'number' ? value.toLocaleString('en-US') : '–';
}

/** Coordinates rounded for compact paths. */
export function px(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** A map from data to pixels along one axis. */
export interface Scale {
  readonly domain: readonly [number, number];
  readonly range: readonly [number, number];
  readonly log: boolean;
  (value: number): number;
}

/** A linear (or base-10 log) scale; a degenerate domain is widened around its value. */
export function scale(domain: readonly [number, number], range: readonly [number, number], log = false): Scale {
  let [a, b] = domain;
  if (log) {
    a = Math.log10(a);
    b = Math.log10(b);
  }
  if (!(b > a)) {
    const w = a === 0 || !Number.isFinite(a) ? 1 : Math.abs(a) * 0.1;
    a -= w;
    b += w;
  }
  const [r0, r1] = range;
  const k = (r1 - r0) / (b - a);
  const f = ((v: number) => r0 + ((log ? Math.log10(v) : v) - a) * k) as Scale;
  return Object.assign(f, { domain: (log ? [10 ** a, 10 ** b] : [a, b]) as [number, number], range, log });
}

/** About `count` round tick values covering [lo, hi] (steps 1, 2, 5 × 10^k). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) return Number.isFinite(lo) ? [lo] : [];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const first = Math.ceil(lo / step - 1e-9) * step;
  const n = Math.floor((hi - first) / step + 1e-9) + 1;
  // counted, not accumulated: at the ends of the float range a step can overflow, or vanish beside t
  // (1e20 + 5000 === 1e20), and `t += step` then never reached hi (found by test/integration/report-fuzz.node.test.ts)
  if (!Number.isFinite(first) || !(n >= 1 && n <= 100)) return [lo, hi];
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = first + i * step;
    out.push(Math.abs(t) < step * 1e-9 ? 0 : Number(t.toPrecision(12)));
  }
  return out;
}

/** Powers of ten inside [lo, hi] (lo > 0), thinned to at most ~7; 1-2-5 steps inside one decade. */
export function logTicks(lo: number, hi: number): number[] {
  // an end outside (0, ∞) has no decades to count (it made an endless loop: found by test/integration/report-fuzz.node.test.ts)
  if (!(lo > 0) || !Number.isFinite(lo) || !Number.isFinite(hi)) return niceTicks(lo, hi, 4);
  const a = Math.ceil(Math.log10(lo) - 1e-9);
  const b = Math.floor(Math.log10(hi) + 1e-9);
  if (b - a < 1) {
    const out: number[] = [];
    for (let e = a - 1; e <= b; e++) {
      for (const m of [1, 2, 5]) {
        const v = Number(`${m}e${e}`);
        if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v);
      }
    }
    return out.length >= 2 ? out : niceTicks(lo, hi, 4);
  }
  const every = Math.max(1, Math.ceil((b - a + 1) / 7));
  const out: number[] = [];
  for (let e = a; e <= b; e += every) out.push(Number(`1e${e}`)); // exact, unlike 10 ** e (10 ** -5 ≠ 1e-5 in V8)
  return out;
}

/**
 * A symmetric log transform, linear within ±c and logarithmic beyond, for signed values that span
 * decades (a log axis would drop the negative ones). `to` maps a value to axis units (draw them on
 * a linear frame), `from` back; `ticks` are values: 0 and ±powers of ten from 10c (±c would sit
 * on top of 0's label), at most ~4 per side.
 * see: J. B. W. Webber, "A bi-symmetric log transformation for wide-range data", Meas. Sci. Technol. 24 (2013).
 */
export interface Symlog {
  readonly c: number;
  to(v: number): number;
  from(t: number): number;
  ticks(lo: number, hi: number): number[];
}

/** A {@link Symlog} with linear range ±c (c > 0; anything else is taken as 1). */
export function symlog(c: number): Symlog {
  const w = c > 0 && Number.isFinite(c) ? c : 1;
  const to = (v: number): number => Math.sign(v) * Math.log10(1 + Math.abs(v) / w);
  const from = (t: number): number => Math.sign(t) * w * (10 ** Math.abs(t) - 1);
  const ticks = (lo: number, hi: number): number[] => {
    const side = (top: number): number[] => {
      if (!(top >= 10 * w) || !Number.isFinite(top)) return [];
      const a = Math.ceil(Math.log10(w) - 1e-9) + 1;
      const b = Math.floor(Math.log10(top) + 1e-9);
      const every = Math.max(1, Math.ceil((b - a + 1) / 4));
      const out: number[] = [];
      for (let e = a; e <= b; e += every) out.push(Number(`1e${e}`));
      return out;
    };
    const negative = side(-lo).map((v) => -v).reverse();
    return [...negative, ...(lo <= 0 && hi >= 0 ? [0] : []), ...side(hi)];
  };
  return { c: w, to, from, ticks };
}

/** Text of a tick: short, exponent form for powers of ten on log axes. */
export function tickLabel(v: number, log: boolean): string {
  if (log) {
    const e = Math.log10(v);
    if (Math.abs(e - Math.round(e)) < 1e-9 && (Math.abs(e) >= 3)) return `1e${Math.round(e)}`.replace('-', '−');
  }
  return fmt(v, 3);
}

/**
 * A tick formatter with as few significant digits (3 to 8) as keep the given ticks apart, so that
 * an axis over a narrow range (1 to 1.001) does not read "1, 1, 1".
 */
function distinctLabels(ticks: readonly number[], log: boolean): (v: number) => string {
  if (log) return (v) => tickLabel(v, true);
  let digits = 3;
  while (digits < 8 && new Set(ticks.map((t) => fmt(t, digits))).size < ticks.length) digits++;
  return (v) => fmt(v, digits);
}

/** Plot-area margins in pixels. */
export interface Margins {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

/** Options of {@link frame}. */
export interface FrameOptions {
  readonly width?: number;
  readonly height?: number;
  readonly margins?: Partial<Margins>;
  readonly x: { readonly domain: readonly [number, number]; readonly log?: boolean; readonly label: string; readonly ticks?: readonly number[]; readonly tickFormat?: (v: number) => string };
  readonly y: { readonly domain: readonly [number, number]; readonly log?: boolean; readonly label: string; readonly ticks?: readonly number[]; readonly tickFormat?: (v: number) => string };
  /** draw light grid lines at the ticks (default true) */
  readonly grid?: boolean;
}

/** A plot area with its scales; `axes()` draws the frame, ticks, grid and labels. */
export interface Frame {
  readonly width: number;
  readonly height: number;
  readonly m: Margins;
  readonly x: Scale;
  readonly y: Scale;
  /** plot-area rectangle */
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
  /** grid lines (to be drawn under the data) */
  readonly gridLines: string;
  /** axes, ticks and labels (to be drawn over the data) */
  readonly axes: string;
  /** the clip-path id of the plot area, `clip-<figure id>` (defined in `defs`) */
  readonly clipId: string;
  readonly defs: string;
}

/** Lays out a plot area with axes; see {@link Frame}. */
export function frame(id: string, options: FrameOptions): Frame {
  const width = options.width ?? 360;
  const height = options.height ?? 250;
  const m: Margins = { left: 58, right: 14, top: 12, bottom: 42, ...options.margins };
  const left = m.left;
  const right = width - m.right;
  const top = m.top;
  const bottom = height - m.bottom;
  const x = scale(options.x.domain, [left, right], options.x.log ?? false);
  const y = scale(options.y.domain, [bottom, top], options.y.log ?? false);
  const xt = options.x.ticks ?? (x.log ? logTicks(x.domain[0], x.domain[1]) : niceTicks(x.domain[0], x.domain[1], Math.max(4, Math.round((right - left) / 60))));
  const yt = options.y.ticks ?? (y.log ? logTicks(y.domain[0], y.domain[1]) : niceTicks(y.domain[0], y.domain[1], Math.max(4, Math.round((bottom - top) / 45))));
  const inX = (v: number): boolean => v >= Math.min(...x.domain) - 1e-12 && v <= Math.max(...x.domain) + 1e-12;
  const inY = (v: number): boolean => v >= Math.min(...y.domain) * (y.log ? 1 - 1e-9 : 1) - 1e-12 && v <= Math.max(...y.domain) * (y.log ? 1 + 1e-9 : 1) + 1e-12;
  const xf = options.x.tickFormat ?? distinctLabels(xt.filter(inX), x.log);
  const yf = options.y.tickFormat ?? distinctLabels(yt.filter(inY), y.log);
  let grid = '';
  let axes = `<rect x="${px(left)}" y="${px(top)}" width="${px(right - left)}" height="${px(bottom - top)}" fill="none" stroke="#444" stroke-width="1"/>`;
  for (const t of xt.filter(inX)) {
    const X = px(x(t));
    if (options.grid ?? true) grid += `<line x1="${X}" y1="${px(top)}" x2="${X}" y2="${px(bottom)}" class="grid"/>`;
    axes += `<line x1="${X}" y1="${px(bottom)}" x2="${X}" y2="${px(bottom + 4)}" stroke="#444"/><text x="${X}" y="${px(bottom + 15)}" text-anchor="middle" class="tick">${esc(xf(t))}</text>`;
  }
  for (const t of yt.filter(inY)) {
    const Y = px(y(t));
    if (options.grid ?? true) grid += `<line x1="${px(left)}" y1="${Y}" x2="${px(right)}" y2="${Y}" class="grid"/>`;
    axes += `<line x1="${px(left - 4)}" y1="${Y}" x2="${px(left)}" y2="${Y}" stroke="#444"/><text x="${px(left - 6)}" y="${Y}" dy="0.32em" text-anchor="end" class="tick">${esc(yf(t))}</text>`;
  }
  axes += `<text x="${px((left + right) / 2)}" y="${px(height - 6)}" text-anchor="middle" class="axis-label">${esc(options.x.label)}</text>`;
  axes += `<text transform="translate(13 ${px((top + bottom) / 2)}) rotate(-90)" text-anchor="middle" class="axis-label">${esc(options.y.label)}</text>`;
  const clipId = `clip-${id}`;
  const defs = `<clipPath id="${clipId}"><rect x="${px(left)}" y="${px(top)}" width="${px(right - left)}" height="${px(bottom - top)}"/></clipPath>`;
  return { width, height, m, x, y, left, right, top, bottom, gridLines: grid, axes, clipId, defs };
}

/** Wraps figure content in an `<svg>` with an id and an accessible title. */
export function svg(id: string, width: number, height: number, title: string, body: string, defs = ''): string {
  return `<svg id="${esc(id)}" class="plot" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(title)}"><title>${esc(title)}</title>${defs ? `<defs>${defs}</defs>` : ''}${body}</svg>`;
}

/** A polyline path through finite points (breaks at non-finite ones). */
export function linePath(xs: readonly number[], ys: readonly number[], sx: (v: number) => number, sy: (v: number) => number): string {
  let d = '';
  let pen = false;
  for (let i = 0; i < xs.length; i++) {
    const X = sx(xs[i]!);
    const Y = sy(ys[i]!);
    if (!Number.isFinite(X) || !Number.isFinite(Y)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${px(X)} ${px(Y)}`;
    pen = true;
  }
  return d;
}

/** One line series of {@link lineChart}. */
export interface Series {
  readonly name: string;
  readonly x: readonly number[];
  readonly y: readonly number[];
  readonly color: string;
  readonly dash?: string;
  readonly width?: number;
  /** draw a dot at every point */
  readonly markers?: boolean;
}

/** A vertical marker line with a label. */
export interface VLine {
  readonly x: number;
  readonly label?: string;
  readonly color?: string;
  readonly dash?: string;
}

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  readonly id: string;
  readonly title: string;
  readonly series: readonly Series[];
  readonly xLabel: string;
  readonly yLabel: string;
  readonly logY?: boolean;
  readonly logX?: boolean;
  readonly width?: number;
  readonly height?: number;
  /** fixed y domain (default: the data's, padded) */
  readonly yDomain?: readonly [number, number];
  readonly xDomain?: readonly [number, number];
  readonly vlines?: readonly VLine[];
  /** draw a legend (default when more than one series) */
  readonly legend?: boolean;
  readonly legendCorner?: Corner;
  /** content shown when there is no data */
  readonly emptyText?: string;
  /** a sentence drawn across the plot area at height `y` (data units), class `chart-note` */
  readonly note?: { readonly text: string; readonly y: number };
}

function extent(values: Iterable<number>, positive: boolean): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v) || (positive && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** Domain of the values, padded for a linear axis or widened to whole decades-ish for a log axis. */
export function dataDomain(values: Iterable<number>, log: boolean, pad = 0.05): [number, number] {
  const [lo, hi] = extent(values, log);
  if (!Number.isFinite(lo)) return log ? [0.1, 1] : [0, 1];
  if (log) {
    const a = Math.log10(lo);
    const b = Math.log10(hi);
    const w = Math.max(b - a, 0.3);
    // padded ends stay finite and positive, also for values at the ends of the float range
    return [Math.max(Number.MIN_VALUE, 10 ** (a - w * pad)), Math.min(Number.MAX_VALUE, 10 ** (b + w * pad))];
  }
  const w = Math.min(hi - lo || Math.abs(hi) || 1, Number.MAX_VALUE);
  return [Math.max(-Number.MAX_VALUE, lo - w * pad), Math.min(Number.MAX_VALUE, hi + w * pad)];
}

/** One legend entry: a line (default), a filled box, or a custom marker drawn at (x, y). */
export interface LegendItem {
  readonly name: string;
  readonly color: string;
  readonly dash?: string;
  readonly box?: boolean;
  readonly marker?: (x: number, y: number) => string;
}

/** A corner of a plot area. */
export type Corner = 'top-right' | 'bottom-right' | 'top-left' | 'bottom-left';

/** A legend box in a corner of a frame. */
export function legend(f: Frame, items: readonly LegendItem[], corner: Corner = 'top-right'): string {
  if (items.length === 0) return '';
  const w = Math.max(...items.map((s) => s.name.length)) * 5.9 + 32;
  const h = items.length * 14 + 6;
  const x0 = corner.endsWith('left') ? f.left + 6 : f.right - w - 6;
  const y0 = corner.startsWith('bottom') ? f.bottom - h - 6 : f.top + 6;
  let out = `<g class="legend"><rect x="${px(x0)}" y="${px(y0)}" width="${px(w)}" height="${h}" fill="#fff" fill-opacity="0.88" stroke="#ccc"/>`;
  items.forEach((s, i) => {
    const y = y0 + 10 + i * 14;
    if (s.marker) out += s.marker(x0 + 13, y);
    else if (s.box) out += `<rect x="${px(x0 + 7)}" y="${px(y - 4)}" width="12" height="8" fill="${s.color}"/>`;
    else out += `<line x1="${px(x0 + 5)}" y1="${px(y)}" x2="${px(x0 + 21)}" y2="${px(y)}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`;
    out += `<text x="${px(x0 + 25)}" y="${px(y)}" dy="0.32em" class="legend-text">${esc(s.name)}</text>`;
  });
  return `${out}</g>`;
}

/** Legend entries in rows under a frame's x-axis label, starting at pixel row `y0`; returns the SVG and its height. */
export function legendBelow(f: Frame, items: readonly LegendItem[], y0: number): { svg: string; height: number } {
  let x = f.left;
  let y = y0 + 7;
  let out = '<g class="legend">';
  for (const s of items) {
    const w = s.name.length * 5.9 + 34;
    if (x + w > f.width - 4 && x > f.left) {
      x = f.left;
      y += 14;
    }
    if (s.marker) out += s.marker(x + 8, y);
    else if (s.box) out += `<rect x="${px(x + 2)}" y="${px(y - 4)}" width="12" height="8" fill="${s.color}"/>`;
    else out += `<line x1="${px(x)}" y1="${px(y)}" x2="${px(x + 16)}" y2="${px(y)}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`;
    out += `<text x="${px(x + 20)}" y="${px(y)}" dy="0.32em" class="legend-text">${esc(s.name)}</text>`;
    x += w;
  }
  return { svg: `${out}</g>`, height: y - y0 + 10 };
}

/**
 * A generous estimate of the width of `text` at `fontSize` px in the page's sans-serif (≈ 0.62 em
 * per character, DejaVu Sans' digits are 0.64 em): layout here runs without a DOM to measure with.
 */
export function textWidth(text: string, fontSize: number): number {
  return [...text].length * fontSize * 0.64 + 2;
}

/** An axis-aligned box in pixels (x, y: top-left corner). */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** One label to place next to its point (X, Y), with the label's size. */
export interface LabelRequest {
  readonly X: number;
  readonly Y: number;
  readonly w: number;
  readonly h: number;
}

/**
 * Boxes for labels next to points such that no two labels overlap and no label covers a point
 * (each point a square of half-width `radius`), inside `bounds` where possible. Each label takes
 * the first free spot of: right, left, above, below, the four diagonals, then the same spots
 * pushed out one label height at a time — so points that coincide (equal accuracies and equal
 * measures) get their labels side by side instead of on top of each other. When every spot is
 * taken, the one overlapping least is used.
 */
export function placeLabels(requests: readonly LabelRequest[], bounds: Box, radius: number): Box[] {
  const gap = 2;
  const points: Box[] = requests.map((p) => ({ x: p.X - radius, y: p.Y - radius, w: 2 * radius, h: 2 * radius }));
  const placed: Box[] = [];
  const inside = (b: Box): boolean => b.x >= bounds.x && b.y >= bounds.y && b.x + b.w <= bounds.x + bounds.w && b.y + b.h <= bounds.y + bounds.h;
  const cost = (b: Box): number => [...placed, ...points].filter((o) => overlaps(o, b)).length + (inside(b) ? 0 : 0.5);
  for (const p of requests) {
    const { X, Y, w, h } = p;
    const d = radius + gap;
    let best: Box | null = null;
    let bestCost = Infinity;
    for (let ring = 0; ring < 6 && bestCost > 0; ring++) {
      const o = ring * h;
      const spots: Box[] = [
        { x: X + d + o, y: Y - h / 2, w, h }, { x: X - d - o - w, y: Y - h / 2, w, h },
        { x: X - w / 2, y: Y - d - o - h, w, h }, { x: X - w / 2, y: Y + d + o, w, h },
        { x: X + d / 2 + o, y: Y - d - o - h, w, h }, { x: X + d / 2 + o, y: Y + d + o, w, h },
        { x: X - d / 2 - o - w, y: Y - d - o - h, w, h }, { x: X - d / 2 - o - w, y: Y + d + o, w, h },
      ];
      for (const b of spots) {
        const c = cost(b);
        if (c < bestCost) {
          best = b;
          bestCost = c;
          if (c === 0) break;
        }
      }
    }
    placed.push(best!);
  }
  return placed;
}

/** Lines (optionally log axes) with a legend and vertical markers. */
export function lineChart(o: LineChartOptions): string {
  const width = o.width ?? 360;
  const height = o.height ?? 250;
  const xs = o.series.flatMap((s) => s.x);
  const ys = o.series.flatMap((s) => s.y);
  const xDomain = o.xDomain ?? dataDomain(xs, o.logX ?? false, 0);
  const yDomain = o.yDomain ?? dataDomain(ys, o.logY ?? false);
  const f = frame(o.id, { width, height, x: { domain: xDomain, log: o.logX ?? false, label: o.xLabel }, y: { domain: yDomain, log: o.logY ?? false, label: o.yLabel } });
  let body = f.gridLines;
  const clip = ` clip-path="url(#${f.clipId})"`;
  for (const v of o.vlines ?? []) {
    const X = px(f.x(v.x));
    body += `<line x1="${X}" y1="${px(f.top)}" x2="${X}" y2="${px(f.bottom)}" stroke="${v.color ?? '#888'}" stroke-dasharray="${v.dash ?? '4 3'}"/>`;
    if (v.label) body += `<text x="${px(f.x(v.x) + 3)}" y="${px(f.top + 11)}" class="note">${esc(v.label)}</text>`;
  }
  const valid = (s: Series, i: number): boolean => Number.isFinite(s.y[i]!) && (!(o.logY ?? false) || s.y[i]! > 0) && Number.isFinite(s.x[i]!);
  for (const s of o.series) {
    const sx = (v: number): number => f.x(v);
    const sy = (v: number): number => ((o.logY ?? false) && !(v > 0) ? NaN : f.y(v));
    body += `<path d="${linePath(s.x, s.y, sx, sy)}" fill="none" stroke="${s.color}" stroke-width="${s.width ?? 1.6}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} stroke-linejoin="round"${clip}/>`;
    if (s.markers) {
      body += `<g fill="${s.color}"${clip}>`;
      s.x.forEach((x, i) => {
        if (valid(s, i)) body += `<circle cx="${px(f.x(x))}" cy="${px(f.y(s.y[i]!))}" r="2.6"/>`;
      });
      body += '</g>';
    }
  }
  if (o.series.every((s) => s.x.length === 0) && o.emptyText) {
    body += `<text x="${px((f.left + f.right) / 2)}" y="${px((f.top + f.bottom) / 2)}" text-anchor="middle" class="note">${esc(o.emptyText)}</text>`;
  }
  if (o.note) body += `<text x="${px((f.left + f.right) / 2)}" y="${px(f.y(o.note.y))}" dy="0.32em" text-anchor="middle" class="note chart-note">${esc(o.note.text)}</text>`;
  body += f.axes;
  if (o.legend ?? o.series.length > 1) body += legend(f, o.series, o.legendCorner);
  return svg(o.id, width, height, o.title, body, f.defs);
}

/** The CSS the SVG figures rely on (class names set by this module and figures.ts); shared by the report and the playground. */
export const FIGURE_CSS = `
svg.plot { display: block; font-family: inherit; }
svg .tick { font-size: 10px; fill: #333; }
svg .axis-label { font-size: 11px; fill: #222; }
svg .note { font-size: 10.5px; fill: #333; }
svg .legend-text { font-size: 10px; fill: #222; }
svg .cell { font-size: 9.5px; }
svg .grid { stroke: #eceff2; stroke-width: 1; }
svg .label-halo { font-size: 11px; font-weight: 600; fill: #000; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
`;
