/**
 * Colour maps of the report and the demo: a diverging map for signed alignments in [−1, 1]
 * (ColorBrewer RdBu, blue negative, red positive), a sequential map for [0, 1] quantities
 * (viridis), and a categorical palette for classes (Okabe–Ito, readable with colour-blindness).
 * see: C. Brewer, colorbrewer2.org; S. van der Walt, N. Smith, "viridis" (2015); M. Okabe, K. Ito (2008).
 */

/** An RGB triple, 0..255. */
export type Rgb = readonly [number, number, number];

const hex = (h: string): Rgb => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];

/** RdBu reversed (negative blue, zero white, positive red). */
export const DIVERGING_STOPS: readonly Rgb[] = ['#053061', '#2166ac', '#4393c3', '#92c5de', '#d1e5f0', '#f7f7f7', '#fddbc7', '#f4a582', '#d6604d', '#b2182b', '#67001f'].map(hex);

/** viridis, dark purple (0) to yellow (1). */
export const SEQUENTIAL_STOPS: readonly Rgb[] = ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#fde725'].map(hex);

/** Okabe–Ito class colours. */
export const CLASS_COLORS: readonly string[] = ['#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7', '#999999'];

/** Light class tints for class-map backgrounds. */
export const CLASS_TINTS: readonly Rgb[] = CLASS_COLORS.map((c) => {
  const [r, g, b] = hex(c);
  return [Math.round(r + (255 - r) * 0.6), Math.round(g + (255 - g) * 0.6), Math.round(b + (255 - b) * 0.6)] as const;
});

/** Colour of class c (wraps around the palette). */
export function classColor(c: number): string {
  return CLASS_COLORS[((c % CLASS_COLORS.length) + CLASS_COLORS.length) % CLASS_COLORS.length]!;
}

/** Piecewise-linear interpolation through colour stops at t ∈ [0, 1] (clamped). */
export function interpolate(stops: readonly Rgb[], t: number): Rgb {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0.5)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(u));
  const f = u - i;
  const a = stops[i]!;
  const b = stops[i + 1]!;
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
}

/** Colour of a value in [−1, 1] on the diverging map. */
export function diverging(v: number): Rgb {
  return interpolate(DIVERGING_STOPS, (v + 1) / 2);
}

/** Colour of a value in [0, 1] on the sequential map. */
export function sequential(v: number): Rgb {
  return interpolate(SEQUENTIAL_STOPS, v);
}

/** `rgb(r,g,b)` */
export function css(c: Rgb): string {
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** A 256-entry palette sampled from colour stops, flat RGB bytes. */
export function palette(stops: readonly Rgb[]): Uint8Array {
  const out = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) out.set(interpolate(stops, i / 255), i * 3);
  return out;
}

/** A palette whose first entries are class tints (for class maps). */
export function classPalette(): Uint8Array {
  const out = new Uint8Array(256 * 3).fill(255);
  for (let c = 0; c < 256; c++) out.set(CLASS_TINTS[c % CLASS_TINTS.length]!, c * 3);
  return out;
}
