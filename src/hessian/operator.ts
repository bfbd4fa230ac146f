/**
 * The one seam between the Hessian algorithms and the math: a symmetric linear operator of a
 * given size that can multiply a vector. Lanczos, power iteration, Hutchinson, SLQ and the dense
 * path see nothing else, so they run unchanged on a plain matrix (tests) and on the network's
 * Hessian-vector product (production, possibly spread over a worker pool).
 */
import { InputError, ShapeError } from '../errors.js';

/**
 * A symmetric linear operator H on ℝ^size.
 *
 * `matvec(v, out)` writes H·v into `out` (distinct arrays, both of length `size`). It must not
 * modify, keep or transfer (detach) `v` or `out`; it may return a promise, which the algorithms await, so an
 * operator backed by workers can be asynchronous. Symmetry is assumed, not checked.
 */
export interface LinearOperator {
  /** Dimension p of the space the operator acts on. */
  readonly size: number;
  /** out ← H·v. */
  matvec(v: Float64Array, out: Float64Array): void | Promise<void>;
}

/** A {@link LinearOperator} that counts its products (what the solvers report as their cost). */
export interface CountingOperator extends LinearOperator {
  /** Number of `matvec` calls so far. */
  readonly matvecs: number;
}

/** A {@link CountingOperator} over an explicit matrix. */
export type DenseOperator = CountingOperator;

/** Checks that `op` has a usable `size` and returns it. */
export function operatorSize(op: LinearOperator): number {
  const n = op?.size;
  if (!Number.isInteger(n) || n < 1) {
    throw new InputError(`operator size must be a positive integer, got ${String(n)}`);
  }
  return n;
}

/**
 * Wraps a row-major symmetric n×n matrix `A` (`A[i·n + j]`) as a {@link DenseOperator}. The
 * matrix is used as given (not copied, not symmetrised); `A.length` must be n².
 */
export function denseOperator(A: Float64Array, n: number): DenseOperator {
  if (!Number.isInteger(n) || n < 1) {
    throw new InputError(`dense operator size n must be a positive integer, got ${String(n)}`);
  }
  if (A.length !== n * n) {
    throw new ShapeError(`dense operator: matrix has ${A.length} entries, expected n² = ${n * n} for n = ${n}`);
  }
  let count = 0;
  return {
    size: n,
    get matvecs() {
      return count;
    },
    matvec(v: Float64Array, out: Float64Array): void {
      if (v.length !== n || out.length !== n) {
        throw new ShapeError(`dense operator of size ${n}: got v of length ${v.length} and out of length ${out.length}`);
      }
      count++;
      for (let i = 0; i < n; i++) {
        const o = i * n;
        let s0 = 0;
        let s1 = 0;
        let j = 0;
        for (; j + 1 < n; j += 2) {
          s0 += A[o + j]! * v[j]!;
          s1 += A[o + j + 1]! * v[j + 1]!;
        }
        if (j < n) s0 += A[o + j]! * v[j]!;
        out[i] = s0 + s1;
      }
    },
  };
}

/**
 * The operator's p × p matrix, row-major, from its products with the unit vectors (column j =
 * M·e_j, written as row j: the same for a symmetric operator), then symmetrised as (M + Mᵀ)/2 —
 * for a small operator that must be seen whole (tests, comparisons, a numpy export). 8p² bytes;
 * the dense path (`denseHessianSpectrum`) assembles its matrix in wasm memory instead.
 */
export async function operatorMatrix(op: LinearOperator): Promise<Float64Array> {
  const p = operatorSize(op);
  const M = new Float64Array(p * p);
  const e = new Float64Array(p);
  const col = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    e[j] = 1;
    await op.matvec(e, col);
    e[j] = 0;
    M.set(col, j * p);
  }
  for (let i = 0; i < p; i++) for (let j = 0; j < i; j++) M[i * p + j] = M[j * p + i] = 0.5 * (M[i * p + j]! + M[j * p + i]!);
  return M;
}
