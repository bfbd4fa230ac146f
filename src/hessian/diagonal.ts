/**
 * The diagonal of a symmetric operator, per parameter.
 *
 * Exact: M_jj = (M e_j)_j, p products ({@link exactDiagonal}; what the dense path's p products give
 * anyway). Estimated: Hutchinson's diagonal estimator (Bekas, Kokiopoulou, Saad 2007): for
 * Rademacher z (z_j = ±1), E[z ⊙ Mz] = diag(M), since (z ⊙ Mz)_j = M_jj + Σ_{k≠j} M_jk z_j z_k and the
 * cross terms have mean 0. The estimate is the mean over `probes` draws, each entry with its
 * standard error (sample standard deviation / √probes); an entry's error shrinks as the
 * off-diagonal mass of its row, Σ_{k≠j} M_jk², over the probes.
 * Defaults: probes = 30, seed = 0.
 *
 * see: C. Bekas, E. Kokiopoulou, Y. Saad, "An estimator for the diagonal of a matrix", Appl. Numer.
 * Math. 57 (2007); Z. Yao et al., "ADAHESSIAN", AAAI 2021 (the same estimator for networks).
 */
import { throwIfAborted } from '../errors.js';
import { Rng } from '../model/rng.js';
import { operatorSize, type LinearOperator } from './operator.js';
import { checkInteger, checkSeed } from './validate.js';
import { fillRademacher } from './vector.js';

/** A diagonal, exact or estimated. */
export interface DiagonalResult {
  readonly method: 'exact' | 'hutchinson';
  /** [p] M_jj, or its estimate */
  readonly values: Float64Array;
  /** [p] standard error of each estimate (zeros when exact) */
  readonly stderr: Float64Array;
  /** random probes (0 when exact) */
  readonly probes: number;
  readonly matvecs: number;
}

/** Options of {@link hutchinsonDiagonal}. */
export interface DiagonalOptions {
  /** Rademacher probes (default 30, at least 2). */
  readonly probes?: number;
  /** Seed of the probes (default 0). */
  readonly seed?: number;
  readonly signal?: AbortSignal;
  /** after every probe: probes done */
  readonly onProgress?: (progress: { readonly done: number; readonly total: number }) => void;
}

/** diag(M) from p products with the unit vectors. */
export async function exactDiagonal(op: LinearOperator, options: Pick<DiagonalOptions, 'signal' | 'onProgress'> = {}): Promise<DiagonalResult> {
  const p = operatorSize(op);
  const e = new Float64Array(p);
  const col = new Float64Array(p);
  const values = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    throwIfAborted(options.signal);
    e[j] = 1;
    await op.matvec(e, col);
    e[j] = 0;
    values[j] = col[j]!;
    options.onProgress?.({ done: j + 1, total: p });
  }
  return { method: 'exact', values, stderr: new Float64Array(p), probes: 0, matvecs: p };
}

/** Hutchinson's estimate of diag(M): the mean of z ⊙ Mz over Rademacher probes, with per-entry standard errors. */
export async function hutchinsonDiagonal(op: LinearOperator, options: DiagonalOptions = {}): Promise<DiagonalResult> {
  const p = operatorSize(op);
  const probes = checkInteger(options.probes ?? 30, 'probes', 2, Infinity, 'hutchinsonDiagonal');
  const rng = new Rng(checkSeed(options.seed ?? 0, 'hutchinsonDiagonal'));
  const z = new Float64Array(p);
  const mz = new Float64Array(p);
  // Welford's running mean and sum of squared deviations, per entry
  const mean = new Float64Array(p);
  const m2 = new Float64Array(p);
  for (let t = 1; t <= probes; t++) {
    throwIfAborted(options.signal);
    fillRademacher(rng, z);
    await op.matvec(z, mz);
    for (let j = 0; j < p; j++) {
      const x = z[j]! * mz[j]!;
      const d = x - mean[j]!;
      mean[j]! += d / t;
      m2[j]! += d * (x - mean[j]!);
    }
    options.onProgress?.({ done: t, total: probes });
  }
  const stderr = new Float64Array(p);
  for (let j = 0; j < p; j++) stderr[j] = Math.sqrt(m2[j]! / (probes - 1) / probes);
  return { method: 'hutchinson', values: mean, stderr, probes, matvecs: probes };
}
