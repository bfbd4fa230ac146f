/**
 * Symmetric test matrices with KNOWN spectra for the Hessian solvers, kept as data.
 *
 * Why the references are independent of the code under test: each matrix is built as
 * A = Q·diag(λ)·Qᵀ from eigenvalues λ chosen here and a seeded random orthogonal Q (a product
 * of n Householder reflections of Gaussian vectors), so the eigenpairs are known by construction
 * (λ_i with eigenvector Q[:, i]) without running any eigensolver. The one exception, the
 * Wishart case GᵀG/m, is checked against a cyclic Jacobi eigenvalue routine written here — a
 * different algorithm from the Householder + QL and Lanczos code in src/hessian.
 */
import { Rng } from '../../src/model/rng.js';

/** One test spectrum. */
export interface SpectrumCase {
  /** Stable id for test names. */
  readonly id: string;
  /** Eigenvalues in any order; the matrix is Q·diag(eigenvalues)·Qᵀ. */
  readonly eigenvalues: readonly number[];
  /** Seed of Q. */
  readonly seed: number;
}

function range(n: number, f: (i: number) => number): number[] {
  return Array.from({ length: n }, (_, i) => f(i));
}

/** The cases: sizes stay small (≤ 80) so every suite runs in seconds in Node and Chromium. */
export const SPECTRUM_CASES: readonly SpectrumCase[] = [
  // A Marchenko–Pastur-like positive bulk (ratio 1/2) with a smooth top edge.
  { id: 'wishart-like', seed: 11, eigenvalues: range(60, (i) => (1 + Math.SQRT1_2) ** 2 * (1 - i / 60) ** 1.5 + 0.01) },
  // Three tight clusters (relative gaps 1e-3 inside, 0.5 between) over a small bulk.
  {
    id: 'clustered',
    seed: 12,
    eigenvalues: [10, 9.99, 9.98, 5, 4.995, 4.99, ...range(44, (i) => 0.5 * (1 - i / 44))],
  },
  // Indefinite, a ReLU-Hessian shape: bulk around zero, positive and negative outliers,
  // with |λ_min| > λ_max so LA, SA and LM all differ.
  { id: 'indefinite', seed: 13, eigenvalues: [6, 4.5, -8, -7, ...range(46, (i) => -0.4 + (0.8 * i) / 45)] },
  // Multiplicity 3 at the top of a low-rank matrix: a single Krylov sequence sees one copy.
  { id: 'repeated', seed: 14, eigenvalues: [4, 4, 4, 3, 2.5, 2, 1.5, 1, 0.5, ...range(31, () => 0)] },
  // Tiny sizes.
  { id: 'n1', seed: 15, eigenvalues: [2.5] },
  { id: 'n2', seed: 16, eigenvalues: [3, -1] },
];

/** Looks a case up by id. */
export function spectrumCase(id: string): SpectrumCase {
  const c = SPECTRUM_CASES.find((x) => x.id === id);
  if (!c) throw new Error(`no spectrum case ${id}`);
  return c;
}

/** A seeded random orthogonal n×n matrix (row-major), the product of n Householder reflections. */
export function randomOrthogonal(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  const v = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let vv = 0;
    for (let i = 0; i < n; i++) {
      v[i] = rng.normal();
      vv += v[i]! * v[i]!;
    }
    // q ← (I − 2vvᵀ/vᵀv)·q
    for (let c = 0; c < n; c++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += v[i]! * q[i * n + c]!;
      const f = (2 * s) / vv;
      for (let i = 0; i < n; i++) q[i * n + c]! -= f * v[i]!;
    }
  }
  return q;
}

/** A built test matrix with its known eigen-decomposition. */
export interface KnownMatrix {
  /** Size. */
  readonly n: number;
  /** Row-major, exactly symmetric. */
  readonly A: Float64Array;
  /** Eigenvalues, descending. */
  readonly eigenvalues: number[];
  /** Eigenvectors matching `eigenvalues` (unit, arbitrary sign). */
  readonly eigenvectors: Float64Array[];
  /** tr(A) = Σ λ. */
  readonly trace: number;
}

/** Q·diag(λ)·Qᵀ for a case, with its eigenpairs sorted descending. */
export function buildCase(c: SpectrumCase): KnownMatrix {
  const n = c.eigenvalues.length;
  const q = randomOrthogonal(n, c.seed);
  const lam = c.eigenvalues;
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k <= i; k++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += q[i * n + j]! * lam[j]! * q[k * n + j]!;
      A[i * n + k] = s;
      A[k * n + i] = s;
    }
  }
  const order = range(n, (i) => i).sort((a, b) => lam[b]! - lam[a]!);
  return {
    n,
    A,
    eigenvalues: order.map((j) => lam[j]!),
    eigenvectors: order.map((j) => Float64Array.from(range(n, (i) => q[i * n + j]!))),
    trace: lam.reduce((s, x) => s + x, 0),
  };
}

/** GᵀG/m for an m×n standard Gaussian G (seeded): a genuine Wishart matrix. */
export function wishart(n: number, m: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const g = Float64Array.from({ length: m * n }, () => rng.normal());
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k <= i; k++) {
      let s = 0;
      for (let r = 0; r < m; r++) s += g[r * n + i]! * g[r * n + k]!;
      A[i * n + k] = s / m;
      A[k * n + i] = s / m;
    }
  }
  return A;
}

/**
 * Eigenvalues (descending) of a symmetric matrix by cyclic Jacobi rotations: slow, simple and
 * accurate to a few ulps of ‖A‖ — an independent reference.
 */
export function jacobiEigenvalues(A: Float64Array, n: number): number[] {
  const a = Float64Array.from(A);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  return range(n, (i) => a[i * n + i]!).sort((x, y) => y - x);
}

/** |⟨x, y⟩| / (‖x‖‖y‖). */
export function absCos(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let xy = 0;
  let xx = 0;
  let yy = 0;
  for (let i = 0; i < x.length; i++) {
    xy += x[i]! * y[i]!;
    xx += x[i]! * x[i]!;
    yy += y[i]! * y[i]!;
  }
  return Math.abs(xy) / Math.sqrt(xx * yy);
}

/** ‖A u − λ u‖ computed directly. */
export function residual(A: Float64Array, n: number, u: ArrayLike<number>, lambda: number): number {
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += A[i * n + j]! * u[j]!;
    s2 += (s - lambda * u[i]!) ** 2;
  }
  return Math.sqrt(s2);
}
