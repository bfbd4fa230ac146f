/**
 * Eigenvalues and eigenvectors of symmetric tridiagonal matrices by the implicit QL algorithm with
 * Wilkinson shifts: what Lanczos (Ritz values, residual estimates from last components), SLQ
 * (quadrature weights from first components) and the divide and conquer's small leaves need.
 * Only the requested components of the eigenvectors are carried (O(m²·(1 + r))); the rotations
 * of eight sweeps are collected and applied to the carried rows in one pass; each eigenvalue's
 * first shift may be snapped to a known eigenvalue, which saves about a quarter of the sweeps.
 *
 * see: J. H. Wilkinson, C. Reinsch, Handbook for Automatic Computation II: Linear Algebra (1971),
 * procedure tql2; W. H. Press et al., Numerical Recipes, §11.3 (tqli); B. N. Parlett, The
 * Symmetric Eigenvalue Problem (1980), §8 (shifts).
 */
import { InputError, NumericalError, ShapeError, throwIfAborted } from '../errors.js';
import { hypot } from '../model/detmath.js';
import { progressStride } from './record.js';
import { drain } from '../engine/yield.js';

const EPS = 2.220446049250313e-16;
/** QL iterations allowed per eigenvalue before giving up (EISPACK allows 30). */
const MAX_QL_ITERATIONS = 30;

/** Progress of a QL run: `done` of `total` eigenvalues found. */
export interface QLProgress {
  readonly stage: 'ql';
  readonly done: number;
  readonly total: number;
}

/** The eigen-decomposition of a symmetric tridiagonal matrix. */
export interface TridiagonalEigenResult {
  /** [m] eigenvalues, descending. */
  readonly values: Float64Array;
  /** [m, m] row-major, row t = unit eigenvector of values[t]; null when not requested. */
  readonly vectors: Float64Array | null;
}

/**
 * Selected components of the eigenvectors of a symmetric tridiagonal matrix: what Lanczos needs
 * for residual estimates (last component) and SLQ for quadrature weights (first component).
 */
export interface TridiagonalEigenRows {
  /** [m] eigenvalues, descending. */
  readonly values: Float64Array;
  /** [r, m] row-major: `rows[s·m + t]` = component `rowIndices[s]` of eigenvector t. */
  readonly rows: Float64Array;
}

/** QL sweeps whose rotations are collected before they are applied to the vectors together. */
const SWEEP_BATCH = 8;

/**
 * Applies `count` recorded QL sweeps, in order, to every row of z. Sweep t holds rotations
 * i = his[t] down to los[t] in c, s at offset t·n: (z[i], z[i+1]) ← (c·z[i] − s·z[i+1],
 * s·z[i] + c·z[i+1]). Rows are independent and contiguous, so one pass over z serves all the
 * batched sweeps (z is read from memory once per batch, not once per sweep), and four rows go
 * together so their carried values form four independent dependency chains.
 */
function applySweeps(z: Float64Array, rows: number, n: number, c: Float64Array, s: Float64Array, his: Int32Array, los: Int32Array, count: number): void {
  let r = 0;
  for (; r + 3 < rows; r += 4) {
    const o0 = r * n;
    const o1 = o0 + n;
    const o2 = o1 + n;
    const o3 = o2 + n;
    for (let t = 0; t < count; t++) {
      const hi = his[t]!;
      const lo = los[t]!;
      const off = t * n;
      let k0 = z[o0 + hi + 1]!;
      let k1 = z[o1 + hi + 1]!;
      let k2 = z[o2 + hi + 1]!;
      let k3 = z[o3 + hi + 1]!;
      for (let i = hi; i >= lo; i--) {
        const ci = c[off + i]!;
        const si = s[off + i]!;
        const a0 = z[o0 + i]!;
        const a1 = z[o1 + i]!;
        const a2 = z[o2 + i]!;
        const a3 = z[o3 + i]!;
        z[o0 + i + 1] = si * a0 + ci * k0;
        z[o1 + i + 1] = si * a1 + ci * k1;
        z[o2 + i + 1] = si * a2 + ci * k2;
        z[o3 + i + 1] = si * a3 + ci * k3;
        k0 = ci * a0 - si * k0;
        k1 = ci * a1 - si * k1;
        k2 = ci * a2 - si * k2;
        k3 = ci * a3 - si * k3;
      }
      z[o0 + lo] = k0;
      z[o1 + lo] = k1;
      z[o2 + lo] = k2;
      z[o3 + lo] = k3;
    }
  }
  for (; r < rows; r++) {
    const o = r * n;
    for (let t = 0; t < count; t++) {
      const hi = his[t]!;
      const lo = los[t]!;
      const off = t * n;
      let k = z[o + hi + 1]!;
      for (let i = hi; i >= lo; i--) {
        const ci = c[off + i]!;
        const si = s[off + i]!;
        const a = z[o + i]!;
        z[o + i + 1] = si * a + ci * k;
        k = ci * a - si * k;
      }
      z[o + lo] = k;
    }
  }
}

/**
 * Implicit QL with shifts on the symmetric tridiagonal (d, e), e[i] = T[i][i+1], e[n−1] = 0
 * (scratch). On return d holds the eigenvalues (unsorted). If z is given, its `rows` rows of
 * length n are multiplied on the right by the accumulated rotations: start from the identity to
 * get T's eigenvectors (column j ↔ d[j]), from Q to get A's.
 */
function implicitQL(
  d: Float64Array,
  e: Float64Array,
  n: number,
  z: Float64Array | null,
  rows: number,
  signal?: AbortSignal,
  onProgress?: (progress: QLProgress) => void,
  known: Float64Array | null = null,
): void {
  drain(implicitQLSteps(d, e, n, z, rows, signal, onProgress, known));
}

/** {@link implicitQL} as steps: yields every 16 eigenvalues so an async caller can let events in. */
export function* implicitQLSteps(
  d: Float64Array,
  e: Float64Array,
  n: number,
  z: Float64Array | null,
  rows: number,
  signal?: AbortSignal,
  onProgress?: (progress: QLProgress) => void,
  known: Float64Array | null = null,
): Generator<void, void, void> {
  const batchC = new Float64Array(SWEEP_BATCH * n);
  const batchS = new Float64Array(SWEEP_BATCH * n);
  const his = new Int32Array(SWEEP_BATCH);
  const los = new Int32Array(SWEEP_BATCH);
  let pending = 0;
  const flush = (): void => {
    if (pending > 0 && z !== null) applySweeps(z, rows, n, batchC, batchS, his, los, pending);
    pending = 0;
  };
  const stride = progressStride(n);
  const used = known === null ? null : new Uint8Array(n);
  // Deflation: e[m] is negligible beside its diagonal neighbours (relative test), or below
  // ε·‖T‖ — a block of numerically zero eigenvalues (dead ReLU units give hundreds) has d and e
  // both at 1e-30 or less and may never pass the relative test. Setting such an e[m] to zero
  // moves every eigenvalue by at most |e[m]| (Weyl), within the ε·‖T‖ accuracy that Householder
  // tridiagonalisation and QL have in any case.
  let tnorm = 0;
  for (let i = 0; i < n; i++) tnorm = Math.max(tnorm, Math.abs(d[i]!) + Math.abs(e[i]!));
  const floor = EPS * tnorm;
  // As LAPACK's dsteqr: one budget of 30 sweeps per eigenvalue for the whole matrix, so a hard
  // eigenvalue may take more than its share.
  let budget = MAX_QL_ITERATIONS * n;
  for (let l = 0; l < n; l++) {
    let iterations = 0;
    for (;;) {
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]!) + Math.abs(d[m + 1]!);
        if (Math.abs(e[m]!) <= EPS * dd || Math.abs(e[m]!) <= floor) break;
      }
      if (m === l) break;
      iterations++;
      if (--budget < 0) {
        throw new NumericalError(`implicit QL did not converge for eigenvalue ${l} of ${n} within ${MAX_QL_ITERATIONS}·n sweeps`);
      }
      // Shift from the leading 2×2 block (snapped, on the first sweep, to the nearest eigenvalue
      // not yet found when they are known), then chase the bulge from m up to l.
      let g = (d[l + 1]! - d[l]!) / (2 * e[l]!);
      let r = hypot(g, 1);
      let shift = d[l]! - e[l]! / (g + (g >= 0 ? r : -r));
      if (known !== null && iterations === 1) {
        const j = nearestUnused(known, used!, shift);
        if (j >= 0) shift = known[j]!;
      }
      g = d[m]! - shift;
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      let split = false;
      const off = pending * n;
      for (; i >= l; i--) {
        const f = s * e[i]!;
        const b = c * e[i]!;
        r = hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          // Underflow: the matrix split at i + 1; recover and restart this eigenvalue.
          d[i + 1]! -= p;
          e[m] = 0;
          split = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1]! - p;
        r = (d[i]! - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        batchC[off + i] = c;
        batchS[off + i] = s;
      }
      if (z !== null && m - 1 >= i + 1) {
        his[pending] = m - 1;
        los[pending] = i + 1;
        if (++pending === SWEEP_BATCH) flush();
      }
      if (split) continue;
      d[l]! -= p;
      e[l] = g;
      e[m] = 0;
    }
    if (known !== null) {
      const j = nearestUnused(known, used!, d[l]!);
      if (j >= 0) used![j] = 1;
    }
    if (onProgress && ((l + 1) % stride === 0 || l === n - 1)) onProgress({ stage: 'ql', done: l + 1, total: n });
    if ((l & 15) === 15) {
      throwIfAborted(signal);
      yield;
    }
  }
  flush();
}

/** Index of the entry of ascending `values` nearest to x among those not marked used (−1: none). */
function nearestUnused(values: Float64Array, used: Uint8Array, x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  let left = lo - 1;
  let right = lo;
  while (left >= 0 && used[left]) left--;
  while (right < values.length && used[right]) right++;
  if (left < 0) return right < values.length ? right : -1;
  if (right >= values.length) return left;
  return x - values[left]! <= values[right]! - x ? left : right;
}

/** Indices of d sorted by value, descending (stable). */
export function descendingOrder(d: Float64Array): Int32Array {
  const order = Array.from({ length: d.length }, (_, i) => i);
  order.sort((a, b) => d[b]! - d[a]! || a - b);
  return Int32Array.from(order);
}

export function checkFinite(values: ArrayLike<number>, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) throw new NumericalError(`${what}: entry ${i} is ${values[i]}`);
  }
}

/**
 * Eigenvalues and eigenvectors of the symmetric tridiagonal matrix with diagonal `diag` (length
 * m) and off-diagonal `offdiag` (length m − 1, offdiag[i] = T[i][i+1]), by implicit QL.
 * Eigenvalues descending; eigenvector rows unit-norm, sign as produced (not fixed).
 */
export function tridiagonalEigen(diag: ArrayLike<number>, offdiag: ArrayLike<number>, wantVectors: boolean): TridiagonalEigenResult {
  const m = diag.length;
  if (m === 0) return { values: new Float64Array(0), vectors: wantVectors ? new Float64Array(0) : null };
  if (!wantVectors) {
    return { values: tridiagonalEigenRows(diag, offdiag, []).values, vectors: null };
  }
  const all = Array.from({ length: m }, (_, i) => i);
  const { values, rows } = tridiagonalEigenRows(diag, offdiag, all);
  // rows[s·m + t] is component s of eigenvector t; transpose to one eigenvector per row.
  const vectors = new Float64Array(m * m);
  for (let s = 0; s < m; s++) {
    for (let t = 0; t < m; t++) vectors[t * m + s] = rows[s * m + t]!;
  }
  return { values, vectors };
}

/**
 * Eigenvalues of a symmetric tridiagonal matrix (as in {@link tridiagonalEigen}) with only the
 * requested components of its eigenvectors: O(m²·(1 + r)) instead of O(m³) for all of them.
 */
export function tridiagonalEigenRows(diag: ArrayLike<number>, offdiag: ArrayLike<number>, rowIndices: readonly number[]): TridiagonalEigenRows {
  const m = diag.length;
  if (offdiag.length !== Math.max(0, m - 1)) {
    throw new ShapeError(`tridiagonal matrix: diagonal has ${m} entries, so the off-diagonal needs ${Math.max(0, m - 1)}, got ${offdiag.length}`);
  }
  checkFinite(diag, 'tridiagonal diagonal');
  checkFinite(offdiag, 'tridiagonal off-diagonal');
  const d = Float64Array.from(diag);
  const e = new Float64Array(m);
  for (let i = 0; i < m - 1; i++) e[i] = offdiag[i]!;
  const r = rowIndices.length;
  const z = new Float64Array(r * m);
  for (let s = 0; s < r; s++) {
    const idx = rowIndices[s]!;
    if (!Number.isInteger(idx) || idx < 0 || idx >= m) throw new InputError(`row index ${idx} is outside 0..${m - 1}`);
    z[s * m + idx] = 1;
  }
  implicitQL(d, e, m, r > 0 ? z : null, r);
  const order = descendingOrder(d);
  const values = new Float64Array(m);
  const rows = new Float64Array(r * m);
  for (let t = 0; t < m; t++) {
    const j = order[t]!;
    values[t] = d[j]!;
    for (let s = 0; s < r; s++) rows[s * m + t] = z[s * m + j]!;
  }
  return { values, rows };
}
