/**
 * The dominant eigenvalue by power iteration.
 *
 * Estimator: v_{t+1} = H v_t / ‖H v_t‖ from a seeded random normal start (never a zero or
 * arbitrary vector); the estimate is the Rayleigh quotient λ_t = v_tᵀ H v_t, whose residual
 * r_t = ‖H v_t − λ_t v_t‖ comes from the same matvec. Stops when r_t ≤ tol·|λ_t| (default
 * tol = 1e-6) or after maxIterations (default 1000) matvecs. It converges to the eigenvalue of
 * largest magnitude — dominant by |λ|, reported with its sign — at the rate |λ_2/λ_1| per step;
 * if λ and −λ are both dominant it does not converge and says so. Lanczos ('LM') converges much
 * faster for the same matvecs; this is the simple, independent check.
 *
 * see: R. von Mises, H. Pollaczek-Geiringer, "Praktische Verfahren der Gleichungsauflösung",
 * ZAMM 9 (1929); G. H. Golub, C. F. Van Loan, Matrix Computations, §8.2 (4th ed.).
 */
import { InputError, NumericalError, throwIfAborted } from '../errors.js';
import { Rng } from '../model/rng.js';
import { checkSeed, checkTol } from './validate.js';
import { operatorSize, type LinearOperator } from './operator.js';
import { fixSign, frozenArray } from './record.js';
import { fillNormal, float64Ops, type VectorOps } from './vector.js';

/** Reported after every iteration of {@link powerIteration}. */
export interface PowerProgress {
  /** Iterations (= matvecs) so far. */
  readonly iteration: number;
  /** Current Rayleigh quotient. */
  readonly eigenvalue: number;
  /** Its residual ‖Hv − λv‖. */
  readonly residual: number;
}

/** Options of {@link powerIteration}. */
export interface PowerOptions {
  /** Stop when ‖Hv − λv‖ ≤ tol·|λ| (default 1e-6). */
  readonly tol?: number;
  /** Matvec budget (default 1000). */
  readonly maxIterations?: number;
  /** Seed of the random normal start (default 0). */
  readonly seed?: number;
  /** Checked every iteration; fires {@link AbortError}. */
  readonly signal?: AbortSignal;
  /** Called after every iteration. */
  readonly onProgress?: (progress: PowerProgress) => void;
  /** Vector kernels (default {@link float64Ops}). */
  readonly vectorOps?: VectorOps;
}

/** The dominant eigenpair found by power iteration. */
export interface PowerResult {
  /** Record type and version. */
  readonly schema: 'hessian-lens/power@1';
  /** p, the operator size. */
  readonly size: number;
  /** The dominant-by-magnitude eigenvalue, signed (Rayleigh quotient of `eigenvector`). */
  readonly eigenvalue: number;
  /** |eigenvalue|. */
  readonly magnitude: number;
  /** [p] unit vector; largest-|component| entry positive. */
  readonly eigenvector: readonly number[];
  /** ‖H v − λ v‖ for the returned pair. */
  readonly residual: number;
  /** residual ≤ tol·|eigenvalue|. */
  readonly converged: boolean;
  /** The tolerance used. */
  readonly tol: number;
  /** Iterations taken. */
  readonly iterations: number;
  /** Operator products (= iterations). */
  readonly matvecs: number;
  /** The seed used. */
  readonly seed: number;
}

/** λ of largest magnitude (with its sign), its eigenvector and residual, by power iteration. */
export async function powerIteration(op: LinearOperator, options: PowerOptions = {}): Promise<PowerResult> {
  const n = operatorSize(op);
  const tol = checkTol(options.tol ?? 1e-6, 'powerIteration');
  const seed = checkSeed(options.seed ?? 0, 'powerIteration');
  const maxIterations = options.maxIterations ?? 1000;
  if (!Number.isInteger(maxIterations) || maxIterations < 1) {
    throw new InputError(`powerIteration: maxIterations must be a positive integer, got ${String(maxIterations)}`);
  }
  const ops = options.vectorOps ?? float64Ops;
  const { signal, onProgress } = options;
  const v = fillNormal(new Rng(seed), new Float64Array(n));
  ops.scale(1 / ops.norm(v), v);
  const w = new Float64Array(n);
  const r = new Float64Array(n);
  let lambda = 0;
  let residual = Infinity;
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    throwIfAborted(signal);
    await op.matvec(v, w);
    iterations++;
    lambda = ops.dot(v, w);
    r.set(w);
    ops.axpy(-lambda, v, r);
    residual = ops.norm(r);
    if (!Number.isFinite(residual) || !Number.isFinite(lambda)) {
      throw new NumericalError(`powerIteration: non-finite product at iteration ${iterations}`);
    }
    onProgress?.({ iteration: iterations, eigenvalue: lambda, residual });
    if (residual <= tol * Math.abs(lambda)) {
      converged = true;
      break;
    }
    if (iterations === maxIterations) break;
    // ‖w‖ > 0 here: w = 0 would have given λ = 0 and residual 0, i.e. converged.
    v.set(w);
    ops.scale(1 / ops.norm(w), v);
  }
  fixSign(v);
  return Object.freeze({
    schema: 'hessian-lens/power@1' as const,
    size: n,
    eigenvalue: lambda,
    magnitude: Math.abs(lambda),
    eigenvector: frozenArray(v),
    residual,
    converged,
    tol,
    iterations,
    matvecs: iterations,
    seed,
  });
}
