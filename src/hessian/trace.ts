/**
 * The trace of a symmetric operator from matvecs alone.
 *
 * Estimators (default method 'hutchinson', probes = 30, seed = 0):
 * - Hutchinson: tr(H) ≈ (1/m) Σ_i z_iᵀ H z_i with Rademacher probes z_i ∈ {±1}^p (unbiased; the
 *   variance 2(‖H‖_F² − Σ H_ii²)/m is the smallest among i.i.d. probe laws). The standard error
 *   is the sample standard deviation of the m quadratic forms over √m.
 * - Hutch++: with the same budget of m matvecs, s = ⌊m/3⌋ of them sketch the top of the spectrum,
 *   Q = orth(H S) for Rademacher S (p×s); tr(QᵀHQ) is taken exactly (s more matvecs) and
 *   Hutchinson with the remaining g = m − 2s probes estimates the trace of the deflated
 *   (I − QQᵀ) H (I − QQᵀ). The standard error reported is that of the Hutchinson part given Q.
 *   It wins when a few large eigenvalues carry much of the trace (the Hessian's outliers).
 *
 * see: M. F. Hutchinson, "A stochastic estimator of the trace of the influence matrix for
 * Laplacian smoothing splines", Commun. Stat. Simul. Comput. 18 (1989); R. A. Meyer, C. Musco,
 * C. Musco, D. P. Woodruff, "Hutch++: Optimal stochastic trace estimation", SOSA 2021.
 */
import { InputError, NumericalError, throwIfAborted } from '../errors.js';
import { Rng } from '../model/rng.js';
import { operatorSize, type LinearOperator } from './operator.js';
import { checkInteger, checkSeed } from './validate.js';
import { fillRademacher, float64Ops, orthogonalize, type VectorOps } from './vector.js';

/** Reported after every probe. */
export interface TraceProgress {
  /** Matvecs so far. */
  readonly matvecs: number;
  /** Matvecs the estimate will take in all. */
  readonly total: number;
}

/** Options of {@link traceEstimate}. */
export interface TraceOptions {
  /** 'hutchinson' (default) or 'hutch++'. */
  readonly method?: 'hutchinson' | 'hutch++';
  /** Matvec budget m (default 30): Hutchinson needs m ≥ 2, Hutch++ m ≥ 5. */
  readonly probes?: number;
  /** Seed of the Rademacher probes (default 0). */
  readonly seed?: number;
  /** Checked before every matvec; fires {@link AbortError}. */
  readonly signal?: AbortSignal;
  /** Called after every matvec. */
  readonly onProgress?: (progress: TraceProgress) => void;
  /** Vector kernels (default {@link float64Ops}). */
  readonly vectorOps?: VectorOps;
}

/** A trace estimate with its standard error. */
export interface TraceResult {
  /** Record type and version. */
  readonly schema: 'hessian-lens/trace@1';
  /** p, the operator size. */
  readonly size: number;
  /** The method used. */
  readonly method: 'hutchinson' | 'hutch++';
  /** Estimate of tr(H). */
  readonly estimate: number;
  /** Standard error: sample std of the stochastic quadratic forms / √(their count). */
  readonly stderr: number;
  /** Number of stochastic quadratic forms averaged (Hutchinson: m; Hutch++: m − 2s). */
  readonly probes: number;
  /** Hutch++ sketch size s (rank of the exact part after dropping dependent columns ≤ s); 0 for Hutchinson. */
  readonly sketchSize: number;
  /** Operator products used. */
  readonly matvecs: number;
  /** The seed used. */
  readonly seed: number;
}

/** Mean and standard error (sample std / √n) of xs; needs n ≥ 2. */
function meanAndStderr(xs: readonly number[]): { mean: number; stderr: number } {
  const n = xs.length;
  let mean = 0;
  for (const x of xs) mean += x;
  mean /= n;
  let ss = 0;
  for (const x of xs) ss += (x - mean) * (x - mean);
  return { mean, stderr: Math.sqrt(ss / (n - 1) / n) };
}

/** tr(H) by Hutchinson's estimator or Hutch++, with Rademacher probes and a standard error. */
export async function traceEstimate(op: LinearOperator, options: TraceOptions = {}): Promise<TraceResult> {
  const n = operatorSize(op);
  const method = options.method ?? 'hutchinson';
  if (method !== 'hutchinson' && method !== 'hutch++') {
    throw new InputError(`traceEstimate: method must be 'hutchinson' or 'hutch++', got ${String(method)}`);
  }
  const m = checkInteger(options.probes ?? 30, 'probes', method === 'hutch++' ? 5 : 2, Infinity, 'traceEstimate');
  const seed = checkSeed(options.seed ?? 0, 'traceEstimate');
  const ops = options.vectorOps ?? float64Ops;
  const { signal, onProgress } = options;
  const rng = new Rng(seed);
  const z = new Float64Array(n);
  const hz = new Float64Array(n);
  let matvecs = 0;
  const apply = async (v: Float64Array, out: Float64Array): Promise<void> => {
    throwIfAborted(signal);
    await op.matvec(v, out);
    matvecs++;
    onProgress?.({ matvecs, total: m });
  };
  const quadratic = (v: Float64Array, hv: Float64Array): number => {
    const x = ops.dot(v, hv);
    if (!Number.isFinite(x)) throw new NumericalError(`traceEstimate: non-finite quadratic form after ${matvecs} matvecs`);
    return x;
  };

  let exact = 0;
  let sketch = 0;
  let q = new Float64Array(0);
  let qRows = 0;
  let residualProbes = m;
  if (method === 'hutch++') {
    sketch = Math.floor(m / 3);
    residualProbes = m - 2 * sketch;
    q = new Float64Array(sketch * n);
    const coeffs = new Float64Array(sketch);
    const scratch = new Float64Array(sketch);
    for (let j = 0; j < sketch; j++) {
      fillRademacher(rng, z);
      await apply(z, hz);
      const before = ops.norm(hz);
      const after = orthogonalize(ops, q, qRows, hz, coeffs, scratch);
      // Dependent columns (H of low rank) add nothing to the range: drop them.
      if (after > 1e-10 * before) {
        ops.scale(1 / after, hz);
        q.set(hz, qRows * n);
        qRows++;
      }
    }
    for (let j = 0; j < qRows; j++) {
      const qj = q.subarray(j * n, (j + 1) * n);
      await apply(qj, hz);
      exact += quadratic(qj, hz);
    }
  }
  const samples: number[] = [];
  const coeffs = new Float64Array(Math.max(1, qRows));
  const scratch = new Float64Array(Math.max(1, qRows));
  for (let i = 0; i < residualProbes; i++) {
    fillRademacher(rng, z);
    if (qRows > 0) orthogonalize(ops, q, qRows, z, coeffs, scratch);
    await apply(z, hz);
    samples.push(quadratic(z, hz));
  }
  const { mean, stderr } = meanAndStderr(samples);
  return Object.freeze({
    schema: 'hessian-lens/trace@1' as const,
    size: n,
    method,
    estimate: exact + mean,
    stderr,
    probes: residualProbes,
    sketchSize: qRows,
    matvecs,
    seed,
  });
}
