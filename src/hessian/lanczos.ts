/**
 * Top-k eigenpairs of a symmetric operator by the Lanczos method with partial (default) or full
 * re-orthogonalisation.
 *
 * Estimator: the Ritz pairs (θ_i, u_i = Q s_i) of T_m = Qᵀ H Q, where Q is an orthonormal basis of
 * the Krylov space K_m(H, q_0) and (θ_i, s_i) the eigenpairs of the tridiagonal T_m (implicit QL,
 * see dense.ts). By default the basis is kept orthogonal to the level min(1e-7, tol/10) by Simon's
 * partial re-orthogonalisation: an O(m) recurrence estimates the loss of orthogonality every
 * step, and only when it exceeds the level is the new vector re-orthogonalised against the whole
 * basis (on that step and the next). With `reorthogonalization: 'full'` every step is (see
 * krylov.ts for both). Either way no spurious copies ("ghosts") appear and the estimate
 * ‖H u_i − θ_i u_i‖ ≈ β_m |s_i[m]| is reliable to well below tol·s. The
 * space grows until the k wanted pairs pass the test below or `maxIterations` is reached; every
 * returned pair then gets one explicit matvec for its true residual, and those residuals decide
 * `converged`.
 *
 * Convergence test (exactly): pair i is converged when ‖H u_i − θ_i u_i‖ ≤ tol · s, where
 * s = max_j |θ_j| over all current Ritz values = ‖T_m‖₂ — an estimate (from below) of ‖H‖₂, and
 * never less than |θ_i|, so s = max(|θ_i|, ‖T_m‖₂). Since H is symmetric, a converged pair has an
 * eigenvalue of H within tol·s of θ_i (and within (tol·s)²/gap when θ_i is separated by `gap`).
 *
 * Defaults: which = 'LA' (largest algebraic: a ReLU net's Hessian is indefinite), tol = 1e-6,
 * seed = 0, maxIterations = min(p, max(20k, 200)) (the basis costs 8·p bytes per iteration),
 * reorthogonalization = 'partial'.
 *
 * Breakdown — β_m ≤ max(1e-12, tol/10)·(largest ‖H q_j‖ seen), i.e. the Krylov space is
 * invariant to within the tolerance, as for a low-rank H or a repeated eigenvalue, of which a
 * single Krylov sequence sees only one copy (rounding splits exact copies by ~1e-14, so β is
 * rarely exactly 0) — is not an error:
 * the method restarts from a random vector orthogonal to the basis, and from then on accepts the
 * wanted pairs only once the newest block's own extreme Ritz value(s) have converged without
 * beating the k-th wanted value — that is, once the unexplored complement is shown to hold
 * nothing better. This is how repeated eigenvalues get their full multiplicity.
 *
 * see: C. Lanczos, "An iteration method for the solution of the eigenvalue problem of linear
 * differential and integral operators", J. Res. NBS 45 (1950); C. C. Paige, "Error analysis of
 * the Lanczos algorithm for tridiagonalizing a symmetric matrix", IMA J. Appl. Math. 18 (1976);
 * B. N. Parlett, The Symmetric Eigenvalue Problem (1980), ch. 13; H. D. Simon, "The Lanczos
 * algorithm with partial reorthogonalization", Math. Comp. 42 (1984).
 */
import { InputError, throwIfAborted } from '../errors.js';
import { Rng } from '../model/rng.js';
import { tridiagonalEigen, tridiagonalEigenRows } from './tridiagonal.js';
import { KrylovBasis, orthogonalityLevel, type Reorthogonalization } from './krylov.js';
import { operatorSize, type LinearOperator } from './operator.js';
import { fixSign, frozenArray } from './record.js';
import { checkReorthogonalization, checkSeed, checkTol } from './validate.js';
import { checkMemory, count, lanczosMemory, memoryEstimate, resolveMemoryBudget } from './memory.js';
import { fillNormal, float64Ops, type VectorOps } from './vector.js';

export type { Reorthogonalization } from './krylov.js';

/** Which end of the spectrum: largest algebraic, smallest algebraic, largest magnitude. */
export type Which = 'LA' | 'SA' | 'LM';

/** Reported after every Lanczos iteration. */
export interface LanczosProgress {
  /** Krylov dimension reached (= iterations so far). */
  readonly iteration: number;
  /** How many of the wanted Ritz pairs pass the tolerance by the β·|s| estimate. */
  readonly converged: number;
  /** The current wanted Ritz values, in output order (at most k). */
  readonly ritz: readonly number[];
  /** Steps so far whose new vector was re-orthogonalised against the basis (= iteration with 'full'). */
  readonly reorthogonalizations: number;
}

/** Options of {@link lanczos}. */
export interface LanczosOptions {
  /** Number of eigenpairs wanted, 1 ≤ k ≤ p. */
  readonly k: number;
  /** Which eigenvalues (default 'LA'). */
  readonly which?: Which;
  /** Relative residual tolerance (default 1e-6); see the module notes for the exact test. */
  readonly tol?: number;
  /** Cap on the Krylov dimension, k ≤ cap (default min(p, max(20k, 200)); values above p mean p). */
  readonly maxIterations?: number;
  /** Seed of the random start and restart vectors (default 0). */
  readonly seed?: number;
  /**
   * Warm start: vectors of length p (plain arrays or typed), e.g. the `eigenvectors` of an earlier
   * result for a nearby model. The start vector is
   * Σ_j v_j/‖v_j‖ + g with g a seeded random unit vector, so directions the warm vectors miss
   * are still present.
   */
  readonly start?: readonly ArrayLike<number>[];
  /** Checked every iteration; fires {@link AbortError}. */
  readonly signal?: AbortSignal;
  /** Called after every iteration. */
  readonly onProgress?: (progress: LanczosProgress) => void;
  /** Vector kernels for the O(p·m) work (default {@link float64Ops}). */
  readonly vectorOps?: VectorOps;
  /**
   * How the Krylov basis is kept orthogonal (default 'partial'). 'partial': Simon's partial
   * re-orthogonalisation — a pass over the basis only on the steps where the estimated loss of
   * orthogonality reaches min(1e-7, tol/10) (and the step after), a fraction of the steps at
   * large p; eigenvalues agree with 'full' to well within tol. 'full': a Gram–Schmidt pass
   * over the whole basis every step (O(m·p) each), the older behaviour.
   */
  readonly reorthogonalization?: Reorthogonalization;
  /**
   * Largest memory this call may allocate, in bytes (default: half the machine's, see memory.ts).
   * The peak — the basis at `maxIterations` vectors, the k Ritz vectors, work vectors — is
   * estimated and checked before the first matvec; beyond it, {@link ResourceError}.
   */
  readonly memoryBudget?: number;
}

/** A frozen, JSON-serialisable set of eigenpairs with their quality. */
export interface EigenResult {
  /** Record type and version. */
  readonly schema: 'hessian-lens/eigen@1';
  /** p, the operator size. */
  readonly size: number;
  /** 'LA': descending; 'SA': ascending; 'LM': by |λ| descending. */
  readonly which: Which;
  /** [k] eigenvalue estimates (Ritz values), in the order `which` implies. */
  readonly eigenvalues: readonly number[];
  /** [k, p] unit eigenvectors; sign fixed so the largest-|component| entry is positive. */
  readonly eigenvectors: readonly (readonly number[])[];
  /** [k] true residuals ‖H u − λ u‖, one explicit matvec per pair. */
  readonly residuals: readonly number[];
  /** [k] residuals[i] ≤ tol · residualScale. */
  readonly converged: readonly boolean[];
  /** s = max |Ritz value|: the scale the tolerance is relative to. */
  readonly residualScale: number;
  /** The tolerance used. */
  readonly tol: number;
  /** Krylov dimension reached (Lanczos steps). */
  readonly iterations: number;
  /** Restarts after breakdown (invariant subspace found). */
  readonly restarts: number;
  /** All operator products: iterations plus explicit residual checks. */
  readonly matvecs: number;
  /** The seed used. */
  readonly seed: number;
}

/** Indices (into descending `values`) of the k wanted ones, in output order. */
function selectWanted(values: Float64Array, k: number, which: Which): number[] {
  const m = values.length;
  const take = Math.min(k, m);
  if (which === 'LA') return Array.from({ length: take }, (_, i) => i);
  if (which === 'SA') return Array.from({ length: take }, (_, i) => m - 1 - i);
  const idx = Array.from({ length: m }, (_, i) => i);
  idx.sort((a, b) => Math.abs(values[b]!) - Math.abs(values[a]!) || values[b]! - values[a]! || a - b);
  return idx.slice(0, take);
}

/**
 * The k eigenpairs of the symmetric operator `op` at the end of the spectrum chosen by `which`,
 * by Lanczos (partial re-orthogonalisation by default); every pair comes with its true residual.
 */
export async function lanczos(op: LinearOperator, options: LanczosOptions): Promise<EigenResult> {
  const n = operatorSize(op);
  const k = options?.k;
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new InputError(`lanczos: k = ${String(k)} is out of range; need an integer with 1 ≤ k ≤ size = ${n}`);
  }
  const which = options.which ?? 'LA';
  if (which !== 'LA' && which !== 'SA' && which !== 'LM') {
    throw new InputError(`lanczos: which must be 'LA', 'SA' or 'LM', got ${String(which)}`);
  }
  const tol = checkTol(options.tol ?? 1e-6, 'lanczos');
  const seed = checkSeed(options.seed ?? 0, 'lanczos');
  const requested = options.maxIterations ?? Math.max(20 * k, 200);
  if (!Number.isInteger(requested) || requested < k) {
    throw new InputError(`lanczos: maxIterations = ${String(requested)} must be an integer ≥ k = ${k}`);
  }
  const cap = Math.min(n, requested);
  const ops = options.vectorOps ?? float64Ops;
  const reorth = checkReorthogonalization(options.reorthogonalization, 'lanczos');
  const { signal, onProgress } = options;
  const budget = resolveMemoryBudget(options.memoryBudget, 'lanczos');
  const starts = options.start?.length ?? 0;
  checkMemory(memoryEstimate(lanczosMemory({ p: n, k, cap, resident: ops.allocate !== undefined, starts })), budget,
    `lanczos (k = ${k}, p = ${count(n)})`, 'ask for fewer eigenpairs or a smaller maxIterations, or use a smaller model');
  throwIfAborted(signal);

  const rng = new Rng(seed);
  const kb = new KrylovBasis(op, ops, cap, Math.max(2 * k + 20, 60), reorth, orthogonalityLevel(tol));
  // The start vector is drawn in a work vector of the basis (no p-vector allocated for it).
  const x0 = kb.workVectors()[0];
  fillNormal(rng, x0);
  const gNorm = ops.norm(x0);
  ops.scale(1 / gNorm, x0);
  for (const [j, given] of (options.start ?? []).entries()) {
    if (given === null || typeof given !== 'object' || given.length !== n) {
      throw new InputError(`lanczos: start[${j}] must be a vector of length size = ${n}, got length ${String((given as { length?: unknown } | null)?.length)}`);
    }
    const v = Float64Array.from(given);
    const norm = ops.norm(v);
    if (!(norm > 0) || !Number.isFinite(norm)) throw new InputError(`lanczos: start[${j}] has norm ${norm}; warm-start vectors must be finite and nonzero`);
    ops.axpy(1 / norm, v, x0);
  }
  kb.appendOrthogonalized(x0);

  let blockStart = 0;
  let restarts = 0;
  let explicitMatvecs = 0;
  let nextExplicitAt = 0;
  let final: { t: number; pairs: Pair[] } | null = null;

  interface Pair {
    theta: number;
    /** unit Ritz vector, already the plain array the result returns */
    u: number[];
    residual: number;
  }

  /** Ritz vectors of the wanted pairs of T_t and their explicit residuals. */
  const explicitPairs = async (t: number): Promise<Pair[]> => {
    const tri = tridiagonalEigen(kb.alpha.slice(0, t), kb.beta.slice(0, t - 1), true);
    const wanted = selectWanted(tri.values, k, which);
    const pairs: Pair[] = [];
    // Operators take typed vectors: each Ritz vector passes through the basis's work vectors for
    // its matvec (wasm-resident when the ops are, and no p-vectors allocated per check).
    const [u64, hu] = kb.workVectors();
    const us = kb.combineRows(wanted.map((i) => tri.vectors!.subarray(i * t, (i + 1) * t)));
    for (const [w, i] of wanted.entries()) {
      const u = us[w]!;
      u64.set(u);
      const inv = 1 / ops.norm(u64);
      ops.scale(inv, u64);
      for (let c = 0; c < n; c++) u[c] = u[c]! * inv;
      throwIfAborted(signal);
      await op.matvec(u64, hu);
      explicitMatvecs++;
      const theta = tri.values[i]!;
      ops.axpy(-theta, u64, hu);
      pairs.push({ theta, u, residual: ops.norm(hu) });
    }
    return pairs;
  };

  let scale = 0;
  for (;;) {
    throwIfAborted(signal);
    const { breakdown } = await kb.step(tol / 10);
    const t = kb.alpha.length;
    const resBeta = kb.beta[t - 1]!;
    const tri = tridiagonalEigenRows(kb.alpha, kb.beta.slice(0, t - 1), [t - 1]);
    scale = 0;
    for (const v of tri.values) scale = Math.max(scale, Math.abs(v));
    const limit = tol * scale;
    const wanted = selectWanted(tri.values, k, which);
    let nconv = 0;
    for (const i of wanted) if (resBeta * Math.abs(tri.rows[i]!) <= limit) nconv++;
    onProgress?.({ iteration: t, converged: nconv, ritz: wanted.map((i) => tri.values[i]!), reorthogonalizations: kb.reorthogonalizations });

    const full = t >= n;
    let done = full;
    if (!done && t >= k && nconv === k) {
      const needCertificate = blockStart > 0 || breakdown;
      done = !needCertificate || (blockStart > 0 && blockCertified(kb, blockStart, t, resBeta, tri.values[wanted[k - 1]!]!, which, limit));
    }
    if (done && (t >= nextExplicitAt || full)) {
      const pairs = await explicitPairs(t);
      if (full || pairs.every((p) => p.residual <= limit)) {
        final = { t, pairs };
        break;
      }
      // The estimate was optimistic (rounding floor or lost orthogonality): grow the space and
      // re-check only after a geometric stretch, so a too-strict tol costs O(k log m) extra matvecs.
      nextExplicitAt = t + Math.max(5, Math.ceil(t / 4));
      if (t >= cap) {
        final = { t, pairs };
        break;
      }
    }
    if (t >= cap) break;
    if (breakdown) {
      if (!kb.appendRandom(rng)) break;
      blockStart = t;
      restarts++;
    }
  }
  if (final === null) {
    const t = kb.alpha.length;
    final = { t, pairs: await explicitPairs(t) };
  }
  const limit = tol * scale;
  const vectors: number[][] = [];
  for (const p of final.pairs) {
    fixSign(p.u);
    vectors.push(p.u);
  }
  return Object.freeze({
    schema: 'hessian-lens/eigen@1' as const,
    size: n,
    which,
    eigenvalues: frozenArray(final.pairs.map((p) => p.theta)),
    // the rows are built as plain arrays already (and left unfrozen: see frozenRows)
    eigenvectors: Object.freeze(vectors),
    residuals: frozenArray(final.pairs.map((p) => p.residual)),
    converged: Object.freeze(final.pairs.map((p) => p.residual <= limit)),
    residualScale: scale,
    tol,
    iterations: final.t,
    restarts,
    matvecs: kb.matvecs + explicitMatvecs,
    seed,
  });
}

/**
 * After a restart: has the newest block (rows blockStart..t−1 of T) converged at its relevant
 * end(s) without beating the k-th wanted value `kth`? Then the complement of the explored
 * space holds nothing the caller wants.
 */
function blockCertified(kb: KrylovBasis, blockStart: number, t: number, resBeta: number, kth: number, which: Which, limit: number): boolean {
  const size = t - blockStart;
  const blk = tridiagonalEigenRows(kb.alpha.slice(blockStart, t), kb.beta.slice(blockStart, t - 1), [size - 1]);
  const top = blk.values[0]!;
  const bottom = blk.values[size - 1]!;
  const topOk = resBeta * Math.abs(blk.rows[0]!) <= limit;
  const bottomOk = resBeta * Math.abs(blk.rows[size - 1]!) <= limit;
  if (which === 'LA') return topOk && top <= kth + limit;
  if (which === 'SA') return bottomOk && bottom >= kth - limit;
  return topOk && bottomOk && Math.max(Math.abs(top), Math.abs(bottom)) <= Math.abs(kth) + limit;
}
