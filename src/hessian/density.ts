/**
 * The spectral density of a symmetric operator by stochastic Lanczos quadrature (SLQ).
 *
 * Estimator: for each of `probes` random unit vectors v (Rademacher/√p), `steps` Lanczos steps
 * give T = V_mᵀ H V_m; its eigenvalues θ_j are the quadrature nodes
 * and the squared first components τ_j = (e_1ᵀ s_j)² the weights (Σ_j τ_j = 1): the m-point
 * Gauss quadrature of the measure μ_v(t) = Σ_i (vᵀu_i)² δ(t − λ_i), whose mean over v is the
 * spectral density (1/p) Σ_i δ(t − λ_i). The density is smoothed by a Gaussian of standard
 * deviation σ:  φ(t) = (1/probes) Σ_probes Σ_j τ_j · exp(−(t − θ_j)²/2σ²) / (σ√(2π)).
 *
 * Re-orthogonalisation: partial by default (Simon's semi-orthogonality, see krylov.ts). SLQ is
 * often run with none at all — finite-precision Lanczos still yields the Gauss quadrature of a
 * nearby measure (Greenbaum 1989) — but then lost orthogonality shows up as duplicated
 * ("ghost") nodes that split the weight of an outlier, which a reader of `nodes` would take
 * for extra eigenvalues. A semi-orthogonal basis keeps T the projection of H to O(ε‖H‖), so
 * nodes and weights are as with full re-orthogonalisation, at a fraction of its O(steps²·p) cost.
 *
 * Defaults: probes = 5, steps = 80 (capped at p), gridPoints = 1000, seed = 0,
 * σ = (max θ − min θ)/100 over all nodes (if every node coincides: |θ|/100, or 0.01 if θ = 0).
 * The grid spans [min θ − 8σ, max θ + 8σ], so φ integrates to 1 up to ~1e-15 tail mass plus the
 * trapezoid error, which is negligible because the grid spacing must be ≤ σ (checked). A
 * breakdown (β ≤ 1e-8·‖H‖: an invariant subspace) ends a probe early: its quadrature is then
 * exact up to that perturbation, with fewer nodes.
 *
 * see: S. Ubaru, J. Chen, Y. Saad, "Fast estimation of tr(f(A)) via stochastic Lanczos
 * quadrature", SIAM J. Matrix Anal. Appl. 38 (2017); G. H. Golub, J. H. Welsch, "Calculation of
 * Gauss quadrature rules", Math. Comp. 23 (1969); B. Ghorbani, S. Krishnan, Y. Xiao, "An
 * investigation into neural net optimization via Hessian eigenvalue density", ICML 2019.
 */
import { exp } from '../model/detmath.js';
import { InputError, throwIfAborted } from '../errors.js';
import { Rng } from '../model/rng.js';
import { tridiagonalEigenRows } from './tridiagonal.js';
import { KrylovBasis, LOOSEST_LEVEL, type Reorthogonalization } from './krylov.js';
import { operatorSize, type LinearOperator } from './operator.js';
import { frozenArray, frozenRows } from './record.js';
import { checkInteger, checkReorthogonalization, checkSeed } from './validate.js';
import { checkMemory, count, densityMemory, memoryEstimate, resolveMemoryBudget } from './memory.js';
import { fillRademacher, float64Ops, type VectorOps } from './vector.js';

/**
 * β below this fraction of ‖H‖ ends a probe: dropping it moves nodes by at most 1e-8·‖H‖, far
 * below any useful σ, while exact repeated eigenvalues (split by ~1e-14 in rounding) still stop early.
 */
const DENSITY_BREAKDOWN = 1e-8;

/** Reported after every Lanczos step. */
export interface DensityProgress {
  /** Probe in progress, 1-based. */
  readonly probe: number;
  /** Probes in all. */
  readonly probes: number;
  /** Lanczos steps done for this probe. */
  readonly step: number;
  /** Steps per probe. */
  readonly steps: number;
}

/** The share of a density's work done at `progress` (probes done plus the current probe's steps), in [0, 1]. */
export function densityFraction(progress: DensityProgress): number {
  return (progress.probe - 1 + progress.step / progress.steps) / progress.probes;
}

/** Options of {@link spectralDensity}. */
export interface DensityOptions {
  /** Random start vectors (default 5). */
  readonly probes?: number;
  /** Lanczos steps per probe = quadrature nodes per probe (default 80, capped at p). */
  readonly steps?: number;
  /** Gaussian broadening, a standard deviation in eigenvalue units (default: node range / 100). */
  readonly sigma?: number;
  /** Points in the grid (default 1000). */
  readonly gridPoints?: number;
  /** Grid interval [lo, hi] (default [min node − 8σ, max node + 8σ]); mass outside is not shown. */
  readonly range?: readonly [number, number];
  /** Seed of the probes (default 0). */
  readonly seed?: number;
  /** Checked every step; fires {@link AbortError}. */
  readonly signal?: AbortSignal;
  /** Called after every step. */
  readonly onProgress?: (progress: DensityProgress) => void;
  /** Vector kernels (default {@link float64Ops}). */
  readonly vectorOps?: VectorOps;
  /** 'partial' (default) or 'full' re-orthogonalisation of each probe's basis; see the module notes. */
  readonly reorthogonalization?: Reorthogonalization;
  /** Largest memory this call may allocate, in bytes (default: half the machine's; see memory.ts); checked before the first matvec. */
  readonly memoryBudget?: number;
}

/** A smoothed spectral density with the raw quadrature it came from. */
export interface SpectralDensity {
  /** Record type and version. */
  readonly schema: 'hessian-lens/density@1';
  /** p, the operator size. */
  readonly size: number;
  /** [gridPoints] evenly spaced eigenvalue axis. */
  readonly grid: readonly number[];
  /** [gridPoints] density φ on the grid (integrates to 1 over the default range). */
  readonly values: readonly number[];
  /** [probes][≤ steps] Ritz values (quadrature nodes) per probe, descending. */
  readonly nodes: readonly (readonly number[])[];
  /** [probes][≤ steps] squared first components of T's eigenvectors; each row sums to 1. */
  readonly weights: readonly (readonly number[])[];
  /** The broadening σ used (a standard deviation). */
  readonly sigma: number;
  /** Probes used. */
  readonly probes: number;
  /** Lanczos steps per probe (after capping at p). */
  readonly steps: number;
  /** Operator products used. */
  readonly matvecs: number;
  /** The seed used. */
  readonly seed: number;
}

/** The Hessian eigenvalue density by stochastic Lanczos quadrature, Gaussian-smoothed. */
export async function spectralDensity(op: LinearOperator, options: DensityOptions = {}): Promise<SpectralDensity> {
  const n = operatorSize(op);
  const where = 'spectralDensity';
  const probes = checkInteger(options.probes ?? 5, 'probes', 1, Infinity, where);
  const steps = Math.min(n, checkInteger(options.steps ?? 80, 'steps', 1, Infinity, where));
  const gridPoints = checkInteger(options.gridPoints ?? 1000, 'gridPoints', 2, Infinity, where);
  const seed = checkSeed(options.seed ?? 0, where);
  if (options.sigma !== undefined && !(options.sigma > 0 && Number.isFinite(options.sigma))) {
    throw new InputError(`${where}: sigma must be a finite number > 0, got ${String(options.sigma)}`);
  }
  if (options.range !== undefined) {
    const [a, b] = options.range;
    if (!(Number.isFinite(a) && Number.isFinite(b) && a < b)) {
      throw new InputError(`${where}: range must be [lo, hi] with finite lo < hi, got [${String(a)}, ${String(b)}]`);
    }
  }
  const ops = options.vectorOps ?? float64Ops;
  const reorth = checkReorthogonalization(options.reorthogonalization, where);
  const { signal, onProgress } = options;
  checkMemory(memoryEstimate(densityMemory(n, steps, ops.allocate !== undefined)), resolveMemoryBudget(options.memoryBudget, where),
    `spectralDensity (${steps} steps, p = ${count(n)})`, 'use fewer steps or a smaller model');
  const rng = new Rng(seed);
  const kb = new KrylovBasis(op, ops, steps, steps, reorth, LOOSEST_LEVEL);
  const z = new Float64Array(n);
  const nodes: Float64Array[] = [];
  const weights: Float64Array[] = [];
  for (let probe = 0; probe < probes; probe++) {
    throwIfAborted(signal);
    kb.reset();
    fillRademacher(rng, z);
    kb.appendOrthogonalized(z);
    for (let s = 0; s < steps; s++) {
      throwIfAborted(signal);
      const { breakdown } = await kb.step(DENSITY_BREAKDOWN);
      onProgress?.({ probe: probe + 1, probes, step: s + 1, steps });
      if (breakdown) break;
    }
    const t = kb.alpha.length;
    const tri = tridiagonalEigenRows(kb.alpha, kb.beta.slice(0, t - 1), [0]);
    nodes.push(tri.values);
    weights.push(tri.rows.map((x) => x * x));
  }

  let lo = Infinity;
  let hi = -Infinity;
  let maxAbs = 0;
  for (const row of nodes) {
    for (const x of row) {
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
      maxAbs = Math.max(maxAbs, Math.abs(x));
    }
  }
  const width = hi - lo;
  const sigma = options.sigma ?? (width > 0 ? width / 100 : maxAbs > 0 ? maxAbs / 100 : 0.01);
  const [a, b] = options.range ?? [lo - 8 * sigma, hi + 8 * sigma];
  const h = (b - a) / (gridPoints - 1);
  if (h > sigma) {
    const needed = Math.ceil((b - a) / sigma) + 1;
    throw new InputError(
      `${where}: grid spacing ${h.toPrecision(3)} exceeds sigma = ${sigma.toPrecision(3)}, so the smoothed density would be undersampled; use gridPoints ≥ ${needed} (got ${gridPoints}) or a larger sigma`,
    );
  }
  const grid = new Float64Array(gridPoints);
  for (let g = 0; g < gridPoints; g++) grid[g] = a + g * h;
  grid[gridPoints - 1] = b;
  const values = new Float64Array(gridPoints);
  const norm = 1 / (probes * sigma * Math.sqrt(2 * Math.PI));
  const cutoff = 40 * sigma;
  for (let p = 0; p < probes; p++) {
    const th = nodes[p]!;
    const w = weights[p]!;
    for (let j = 0; j < th.length; j++) {
      const c = th[j]!;
      const wj = w[j]! * norm;
      // Only grid points within 40σ can receive anything representable.
      const g0 = Math.max(0, Math.ceil((c - cutoff - a) / h));
      const g1 = Math.min(gridPoints - 1, Math.floor((c + cutoff - a) / h));
      for (let g = g0; g <= g1; g++) {
        const d = (grid[g]! - c) / sigma;
        values[g]! += wj * exp(-0.5 * d * d);
      }
    }
  }
  return Object.freeze({
    schema: 'hessian-lens/density@1' as const,
    size: n,
    grid: frozenArray(grid),
    values: frozenArray(values),
    nodes: frozenRows(nodes),
    weights: frozenRows(weights),
    sigma,
    probes,
    steps,
    matvecs: kb.matvecs,
    seed,
  });
}
