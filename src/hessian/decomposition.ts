/**
 * How much of each outlier of the Hessian the Gauss–Newton matrix accounts for (Sagun et al. 2017;
 * Papyan 2019): H = G + R with G = (1/n) Σ J_xᵀ H_ℓ J_x (positive semi-definite) and R the
 * residual, the network's own curvature weighted by the loss's gradient in the logits. For each
 * top eigenpair (λ_i, u_i) of H the Rayleigh quotients u_iᵀ G u_i and u_iᵀ R u_i split λ_i = the two
 * summed (to rounding); and the top eigenvalues of G, with the same outlier rule as H's
 * (outliers.ts), say whether G has the same number of outliers. Near a minimum R's gradient weight
 * is small, so G carries the outliers; away from it, or with random labels, R can matter.
 *
 * see: L. Sagun, U. Evci, V. U. Güney, Y. Dauphin, L. Bottou, "Empirical analysis of the Hessian of
 * over-parametrized neural networks", arXiv 1706.04454 (2017); V. Papyan, "Measurements of
 * three-level hierarchical structure in the outliers in the spectrum of deepnet Hessians", ICML 2019.
 */
import { lanczos } from './lanczos.js';
import { countOutliers } from './outliers.js';
import { operatorSize, type LinearOperator } from './operator.js';
import { InputError, throwIfAborted } from '../errors.js';

/** One top eigenpair of H, split into its Gauss–Newton and residual parts. */
export interface OutlierShare {
  /** λ_i of H */
  readonly eigenvalue: number;
  /** u_iᵀ G u_i */
  readonly ggn: number;
  /** u_iᵀ R u_i (R = H − G) */
  readonly residual: number;
}

/** The decomposition of H's top eigenpairs, and the outlier counts of H and G side by side. */
export interface OutlierDecomposition {
  readonly shares: readonly OutlierShare[];
  /** G's top eigenvalues (as many as H's given) */
  readonly ggnEigenvalues: readonly number[];
  readonly outliers: { readonly hessian: number; readonly ggn: number };
}

/** Options of {@link outlierDecomposition}. */
export interface DecompositionOptions {
  readonly seed?: number;
  readonly tol?: number;
  readonly signal?: AbortSignal;
}

/**
 * Splits H's top eigenpairs (`eigenvalues`, unit `eigenvectors`, from Lanczos or the dense path)
 * into G's and R's Rayleigh quotients, and runs Lanczos on G for as many top eigenvalues.
 * `ggn` and `residual` are the session's `gaussNewton()` and `residual()` (or any G and H − G).
 */
export async function outlierDecomposition(ggn: LinearOperator, residual: LinearOperator, eigenvalues: readonly number[], eigenvectors: readonly (readonly number[])[], options: DecompositionOptions = {}): Promise<OutlierDecomposition> {
  const p = operatorSize(ggn);
  if (operatorSize(residual) !== p) throw new InputError(`outlierDecomposition: G has size ${p} but R has ${operatorSize(residual)}`);
  if (eigenvectors.length !== eigenvalues.length || eigenvalues.length === 0) {
    throw new InputError(`outlierDecomposition: ${eigenvalues.length} eigenvalues with ${eigenvectors.length} eigenvectors (need as many, at least one)`);
  }
  const u = new Float64Array(p);
  const out = new Float64Array(p);
  const quotient = async (op: LinearOperator): Promise<number> => {
    await op.matvec(u, out);
    let s = 0;
    for (let i = 0; i < p; i++) s += u[i]! * out[i]!;
    return s;
  };
  const shares: OutlierShare[] = [];
  for (const [i, v] of eigenvectors.entries()) {
    throwIfAborted(options.signal);
    if (v.length !== p) throw new InputError(`outlierDecomposition: eigenvector ${i} has ${v.length} entries, expected p = ${p}`);
    u.set(v);
    shares.push(Object.freeze({ eigenvalue: eigenvalues[i]!, ggn: await quotient(ggn), residual: await quotient(residual) }));
  }
  const g = await lanczos(ggn, { k: eigenvalues.length, seed: options.seed ?? 0, tol: options.tol ?? 1e-6, ...(options.signal ? { signal: options.signal } : {}) });
  return Object.freeze({
    shares: Object.freeze(shares),
    ggnEigenvalues: g.eigenvalues,
    outliers: { hessian: countOutliers([...eigenvalues]).count, ggn: countOutliers([...g.eigenvalues]).count },
  });
}
