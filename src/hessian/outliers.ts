/**
 * How many eigenvalues stand clear of the bulk.
 *
 * Rule ("bulk's edge by linear gap", default minGap = 0.05): sort the given eigenvalues
 * descending (λ_1 ≥ λ_2 ≥ … ≥ λ_k) and walk up from the lowest. The bulk continues while each
 * step up, λ_i − λ_{i+1}, is below minGap·λ_1; the first step of at least minGap·λ_1 with
 * λ_i > 0 is the bulk's edge, and the c = i eigenvalues above it are the outliers (none if no
 * step is that large). The threshold reported is the middle of that gap.
 *
 * Why linear gaps in units of λ_1: it is how the spectrum is read in the paper this package
 * follows: its histograms have a linear axis from 0 to λ_1, and the spikes it marks as outliers
 * are the ones that stand apart from the pile at zero on that axis (its gauss figure: 0.154 and
 * 0.023 are marked, 0.009 and 0.006, 2% of λ_1 apart, are not; in the adversarial one 3, 0.97
 * and 0.8 are marked, 0.1 is not). 5% of λ_1 is also 5σ of this package's SLQ density plot (σ = 1% of the
 * spectrum's range): two eigenvalues that far apart show as separate peaks. On the paper's
 * points (2-100-100-3 ReLU, docs/concepts.md) the rule gives its marked counts: 2 at the normal
 * minimum (the edge gap is 12–18% of λ_1, every gap below it ≤ 3%), 1 at the large-norm one.
 * Ratios (λ_i/λ_{i+1}) are not used: near the bulk's top tail they swing by 2–3× between
 * neighbours that a plot shows as one pile.
 *
 * The lowest eigenvalue given is taken to be in the bulk: pass more eigenvalues than outliers you
 * expect (top-2C or more for C classes). Negative eigenvalues are never outliers. A second spike
 * far above the bulk but less than minGap·λ_1 above it (λ_1 = 100, λ_2 = 4, bulk 0.1) is not
 * counted: read `gaps` with `count`. At a minimum of a C-class classifier one expects about C − 1
 * to C outliers (Sagun et al.; Papyan).
 *
 * see: P. Sabanayagam, F. Behrens, U. Adomaityte, A. Dawid, "Unveiling the Hessian's connection
 * to the decision boundary", arXiv:2306.07104 (2023); L. Sagun, U. Evci, V. U. Guney, Y. Dauphin,
 * L. Bottou, "Empirical analysis of the Hessian of over-parametrized neural networks",
 * arXiv:1706.04454 (2017); V. Papyan, "Measurements of three-level hierarchical structure in the
 * outliers in the spectrum of deepnet Hessians", ICML 2019.
 */
import { InputError } from '../errors.js';
import { frozenArray } from './record.js';

/** Options of {@link countOutliers}. */
export interface OutlierOptions {
  /** Smallest step λ_i − λ_{i+1} that ends the bulk, as a fraction of λ_1, in (0, 1) (default 0.05). */
  readonly minGap?: number;
}

/** The outlier count and exactly how it was obtained. */
export interface OutlierCount {
  /** Record type and version (@2: the linear-gap rule; @1 was the largest gap ratio). */
  readonly schema: 'hessian-lens/outliers@2';
  /** Number of outlying eigenvalues (the largest ones). */
  readonly count: number;
  /** Human-readable account of the rule and the numbers it used. */
  readonly rule: string;
  /** The middle of the gap at the bulk's edge, (λ_c + λ_{c+1})/2; null when count = 0. */
  readonly threshold: number | null;
  /** [k − 1] (λ_i − λ_{i+1}) / λ_1 for the eigenvalues sorted descending; empty unless λ_1 > 0. */
  readonly gaps: readonly number[];
  /** The minGap used. */
  readonly minGap: number;
}

function fmt(x: number): string {
  return Number(x.toPrecision(4)).toString();
}

/** Counts the eigenvalues above the bulk's edge, the lowest gap of at least minGap·λ_1 (see module notes). */
export function countOutliers(eigenvalues: readonly number[], options: OutlierOptions = {}): OutlierCount {
  const minGap = options.minGap ?? 0.05;
  if (typeof minGap !== 'number' || !(minGap > 0 && minGap < 1)) {
    throw new InputError(`countOutliers: minGap must be a fraction of λ₁ in (0, 1), e.g. 0.05, got ${String(minGap)}`);
  }
  if (!Array.isArray(eigenvalues)) throw new InputError('countOutliers: eigenvalues must be an array of numbers');
  eigenvalues.forEach((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new InputError(`countOutliers: eigenvalues[${i}] is ${String(x)}, not a finite number`);
  });
  const v = [...eigenvalues].sort((a, b) => b - a);
  const done = (count: number, rule: string, threshold: number | null, gaps: number[]): OutlierCount =>
    Object.freeze({ schema: 'hessian-lens/outliers@2' as const, count, rule, threshold, gaps: frozenArray(gaps), minGap });
  const l1 = v[0];
  if (l1 === undefined || !(l1 > 0)) {
    return done(0, `no positive eigenvalue among the ${v.length} given, so no outliers`, null, []);
  }
  const gaps = v.slice(0, -1).map((x, i) => (x - v[i + 1]!) / l1);
  const edge = minGap * l1;
  const head =
    `bulk's edge by linear gap over ${v.length} eigenvalues sorted descending: walking up from the lowest (taken to be bulk), ` +
    `the first step λ_i − λ_{i+1} ≥ minGap·λ₁ = ${minGap}·${fmt(l1)} = ${fmt(edge)} with λ_i > 0`;
  let c = 0;
  for (let i = gaps.length - 1; i >= 0; i--) {
    if (v[i]! > 0 && gaps[i]! >= minGap) {
      c = i + 1;
      break;
    }
  }
  if (c === 0) {
    const why = gaps.length === 0 ? 'needs two eigenvalues' : `is not among the ${gaps.length} steps (the largest is ${fmt(Math.max(...gaps))}·λ₁)`;
    return done(0, `${head} ${why}, so no outliers`, null, gaps);
  }
  const threshold = (v[c - 1]! + v[c]!) / 2;
  return done(
    c,
    `${head} is from λ_${c + 1} = ${fmt(v[c]!)} to λ_${c} = ${fmt(v[c - 1]!)} (${fmt(gaps[c - 1]!)}·λ₁), ` +
    `so the ${c} eigenvalue${c === 1 ? '' : 's'} above ${fmt(threshold)} ${c === 1 ? 'is an outlier' : 'are outliers'}`,
    threshold,
    gaps,
  );
}
