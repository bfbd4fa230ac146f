/**
 * How many eigenvalues stand clear of the bulk.
 *
 * Rule ("largest gap ratio", default minRatio = 3, floor = 1e-2): sort the given eigenvalues
 * descending (λ_1 ≥ λ_2 ≥ …) and set f = floor·λ_1. For every i with λ_i > f (so only positive
 * eigenvalues clearly above the near-zero bulk are candidates) form the ratio
 * r_i = λ_i / max(λ_{i+1}, f); clamping the denominator at f keeps ratios between bulk values
 * near zero (or across zero) from looking like gaps, and bounds any ratio that ends in the bulk
 * by λ_i/f. If the largest ratio r_c is ≥ minRatio,
 * the c eigenvalues above that gap are the outliers (the first such i on ties); otherwise there
 * are none. Ratios rather than differences, because Hessian spectra span orders of magnitude.
 *
 * At a minimum of a C-class classifier one expects about C − 1 to C outliers (Sagun et al.),
 * but small networks often show a smoothly decaying top: read `ratios` along with `count`.
 * Negative eigenvalues are never outliers here. Pass more eigenvalues than outliers you expect
 * (top-2C is a good habit): a gap below the last value given cannot be seen.
 *
 * see: L. Sagun, U. Evci, V. U. Guney, Y. Dauphin, L. Bottou, "Empirical analysis of the
 * Hessian of over-parametrized neural networks", arXiv:1706.04454 (2017); V. Papyan, "Measurements
 * of three-level hierarchical structure in the outliers in the spectrum of deepnet Hessians",
 * ICML 2019.
 */
import { InputError } from '../errors.js';
import { frozenArray } from './record.js';

/** Options of {@link countOutliers}. */
export interface OutlierOptions {
  /** Smallest gap ratio that counts as a gap (default 3). */
  readonly minRatio?: number;
  /** f = floor·λ_1: values at or below f are bulk, and denominators are clamped to f (default 1e-2). */
  readonly floor?: number;
}

/** The outlier count and exactly how it was obtained. */
export interface OutlierCount {
  /** Record type and version. */
  readonly schema: 'hessian-lens/outliers@1';
  /** Number of outlying eigenvalues (the largest ones). */
  readonly count: number;
  /** Human-readable account of the rule and the numbers it used. */
  readonly rule: string;
  /** A value inside the gap (geometric mean of its two ends); null when count = 0. */
  readonly threshold: number | null;
  /** r_i = λ_i / max(λ_{i+1}, f) for every candidate i, in order. */
  readonly ratios: readonly number[];
  /** The minRatio used. */
  readonly minRatio: number;
  /** The floor used (relative to λ_1). */
  readonly floor: number;
}

function fmt(x: number): string {
  return Number(x.toPrecision(4)).toString();
}

/** Counts the eigenvalues that stand clear of the bulk by the largest gap ratio (see module notes). */
export function countOutliers(eigenvalues: readonly number[], options: OutlierOptions = {}): OutlierCount {
  const minRatio = options.minRatio ?? 3;
  const floor = options.floor ?? 1e-2;
  if (!(minRatio > 1) || !Number.isFinite(minRatio)) throw new InputError(`countOutliers: minRatio must be a finite number > 1, got ${String(minRatio)}`);
  if (!(floor >= 0 && floor < 1)) throw new InputError(`countOutliers: floor must be in [0, 1), got ${String(floor)}`);
  if (!Array.isArray(eigenvalues)) throw new InputError('countOutliers: eigenvalues must be an array of numbers');
  eigenvalues.forEach((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new InputError(`countOutliers: eigenvalues[${i}] is ${String(x)}, not a finite number`);
  });
  const v = [...eigenvalues].sort((a, b) => b - a);
  const done = (count: number, rule: string, threshold: number | null, ratios: number[]): OutlierCount =>
    Object.freeze({ schema: 'hessian-lens/outliers@1' as const, count, rule, threshold, ratios: frozenArray(ratios), minRatio, floor });
  const l1 = v[0];
  if (l1 === undefined || !(l1 > 0)) {
    return done(0, `no positive eigenvalue among the ${v.length} given, so no outliers`, null, []);
  }
  const f = floor * l1;
  const ratios: number[] = [];
  let best = 0;
  let bestI = -1;
  for (let i = 0; i + 1 < v.length && v[i]! > f; i++) {
    const r = v[i]! / Math.max(v[i + 1]!, f);
    ratios.push(r);
    if (r > best) {
      best = r;
      bestI = i;
    }
  }
  const head =
    `largest gap ratio over ${v.length} eigenvalues sorted descending: f = ${floor}·λ₁ = ${fmt(f)}; ` +
    `r_i = λ_i / max(λ_{i+1}, f) for the ${ratios.length} λ_i > f`;
  if (bestI < 0) return done(0, `${head}; no ratio can be formed, so no outliers`, null, ratios);
  if (best < minRatio) {
    return done(0, `${head}; the largest, r_${bestI + 1} = ${fmt(best)}, is below minRatio = ${minRatio}, so no outliers`, null, ratios);
  }
  const count = bestI + 1;
  const threshold = Math.sqrt(v[bestI]! * Math.max(v[bestI + 1]!, f));
  return done(
    count,
    `${head}; the largest, r_${count} = ${fmt(best)} ≥ minRatio = ${minRatio}, so the ${count} eigenvalue${count === 1 ? '' : 's'} above ${fmt(threshold)} ${count === 1 ? 'is an outlier' : 'are outliers'}`,
    threshold,
    ratios,
  );
}
