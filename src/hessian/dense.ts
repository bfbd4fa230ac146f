/**
 * Dense symmetric eigen-decomposition in float64, and the exact Hessian spectrum for small models.
 *
 * Estimator: none — this is the exact path. A symmetric A (n×n) is reduced to tridiagonal form
 * T = QᵀAQ by n − 2 Householder reflections, then T is diagonalised by the implicit QL algorithm
 * with Wilkinson shifts. All eigenvectors: the QL plane rotations are accumulated into Q. A few
 * eigenvectors (k ≤ n/4): inverse iteration on T for the k largest eigenvalues, re-orthogonalised
 * within clusters, then multiplied by Q's reflections — O(k·n²) instead of O(n³). Eigenvalues are
 * returned in descending order. Flops ≈ (4/3)n³ for the reduction, + (4/3)n³ to form Q and
 * ≈ 4.5n³ for the rotations when all vectors are wanted.
 * The Hessian path builds H column by column from p matvecs on unit vectors and decomposes
 * (H + Hᵀ)/2; it refuses above `limit` = 4000 parameters by default.
 *
 * Written for this library with V8 in mind (no SIMD, so fewer loads per flop is what counts):
 * only the lower triangle is kept, and each Householder step's rank-2 update is fused with the
 * next step's matrix–vector product, two rows at a time; Q is formed four reflections at a time
 * along contiguous rows of Qᵀ; the vector QL first finds the eigenvalues (O(n²)) and snaps each
 * eigenvalue's first shift to the nearest one not yet found, which saves about a quarter of the
 * sweeps, and applies the rotations of eight sweeps per pass over the rows.
 *
 * see: J. H. Wilkinson, C. Reinsch, Handbook for Automatic Computation II: Linear Algebra (1971),
 * procedures tred2 and tql2; W. H. Press et al., Numerical Recipes, §11.2–11.3 (tred2, tqli);
 * LAPACK dstein (inverse iteration with cluster re-orthogonalisation); B. N. Parlett, The
 * Symmetric Eigenvalue Problem (1980), §8 (shifts).
 */
import { InputError, NumericalError, ResourceError, ShapeError, throwIfAborted } from '../errors.js';
import { hypot } from '../model/detmath.js';
import { cooperativeYield } from '../engine/yield.js';
import { Rng } from '../model/rng.js';
import { operatorSize, type LinearOperator } from './operator.js';
import { fixSign, frozenArray, frozenRows, progressStride } from './record.js';

const EPS = 2.220446049250313e-16;
/** QL iterations allowed per eigenvalue before giving up (EISPACK allows 30). */
const MAX_QL_ITERATIONS = 30;

/** Where a dense decomposition is: `done` of `total` units of the named stage. */
export interface DenseProgress {
  /** `tridiagonalize`: Householder steps; `accumulate`: forming Q; `ql`: eigenvalues found. */
  readonly stage: 'tridiagonalize' | 'accumulate' | 'ql';
  /** Units finished. */
  readonly done: number;
  /** Units in this stage. */
  readonly total: number;
}

/** Options of {@link symmetricEigen}. */
export interface SymmetricEigenOptions {
  /**
   * Eigenvectors to compute: true (default) = all n; false or 0 = none (cost: the reduction plus
   * O(n²)); a number k = those of the k largest eigenvalues only (inverse iteration on T, O(k·n²)).
   */
  readonly vectors?: boolean | number;
  /** Checked between steps; fires {@link AbortError}. */
  readonly signal?: AbortSignal;
  /** Called about a hundred times per stage. */
  readonly onProgress?: (progress: DenseProgress) => void;
}

/**
 * A dense eigen-decomposition: a low-level primitive, so it returns typed arrays (see
 * {@link denseHessianSpectrum} for the JSON record).
 */
export interface SymmetricEigenResult {
  /** n */
  readonly n: number;
  /** [n] eigenvalues, descending. */
  readonly eigenvalues: Float64Array;
  /** [k, n] row-major (k = n unless fewer were asked for), row i = unit eigenvector of eigenvalues[i]; null when none. */
  readonly eigenvectors: Float64Array | null;
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
/** Runs a step generator to its end, synchronously. */
function drain<T>(steps: Generator<void, T, void>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** Runs a step generator to its end, yielding a macrotask turn about every 40 ms. */
async function drainAsync<T>(steps: Generator<void, T, void>): Promise<T> {
  const pause = cooperativeYield();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await pause();
  }
}

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
  onProgress?: (progress: DenseProgress) => void,
  known: Float64Array | null = null,
): void {
  drain(implicitQLSteps(d, e, n, z, rows, signal, onProgress, known));
}

/** {@link implicitQL} as steps: yields every 16 eigenvalues so an async caller can let events in. */
function* implicitQLSteps(
  d: Float64Array,
  e: Float64Array,
  n: number,
  z: Float64Array | null,
  rows: number,
  signal?: AbortSignal,
  onProgress?: (progress: DenseProgress) => void,
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
function descendingOrder(d: Float64Array): Int32Array {
  const order = Array.from({ length: d.length }, (_, i) => i);
  order.sort((a, b) => d[b]! - d[a]! || a - b);
  return Int32Array.from(order);
}

function checkFinite(values: ArrayLike<number>, what: string): void {
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

/**
 * Builds the Householder reflection that zeroes row i of `a` left of its subdiagonal entry:
 * from x = a[i][0..i−1] it stores the (scaled) vector u in place, sets e[i] = T[i][i−1] and
 * hh[i] = ‖u‖²/2, so P = I − u uᵀ / hh[i]. Returns hh[i] (0: x was zero, no reflection).
 */
function makeReflector(a: Float64Array, n: number, i: number, e: Float64Array, hh: Float64Array): number {
  const l = i - 1;
  const ri = i * n;
  let scale = 0;
  for (let k = 0; k <= l; k++) scale += Math.abs(a[ri + k]!);
  if (scale === 0) {
    e[i] = 0;
    hh[i] = 0;
    return 0;
  }
  // Scale to avoid under/overflow in the squared norm; the reflection itself is scale-free.
  const inv = 1 / scale;
  let sigma = 0;
  for (let k = 0; k <= l; k++) {
    const x = a[ri + k]! * inv;
    a[ri + k] = x;
    sigma += x * x;
  }
  const f = a[ri + l]!;
  const g = f >= 0 ? -Math.sqrt(sigma) : Math.sqrt(sigma);
  e[i] = scale * g;
  const h = sigma - f * g;
  a[ri + l] = f - g;
  hh[i] = h;
  return h;
}

/** out[0..m) ← S·x for the symmetric m×m block S whose lower triangle is stored in `a`. */
function lowerSymmetricMatvec(a: Float64Array, n: number, m: number, x: Float64Array, xOffset: number, out: Float64Array): void {
  out.fill(0, 0, m);
  for (let j = 0; j < m; j++) {
    const rj = j * n;
    const xj = x[xOffset + j]!;
    let s = 0;
    for (let k = 0; k < j; k++) {
      const v = a[rj + k]!;
      s += v * x[xOffset + k]!;
      out[k]! += v * xj;
    }
    out[j]! += s + a[rj + j]! * xj;
  }
}

/**
 * Householder reduction of the symmetric matrix in `a` (n×n row-major; only the lower triangle
 * is read and kept) to tridiagonal T = QᵀAQ: d = diagonal, e[i] = T[i][i−1] (e[0] = 0). Row i
 * of `a` keeps the scaled Householder vector u_i in entries 0..i−1 with hh[i] = ‖u_i‖²/2
 * (0: no reflection). Each step's rank-2 update A ← A − u qᵀ − q uᵀ is fused with the next
 * step's product A·u′ into one pass over the lower triangle.
 */
function* householderTridiagonalize(
  a: Float64Array,
  n: number,
  d: Float64Array,
  e: Float64Array,
  hh: Float64Array,
  signal?: AbortSignal,
  onProgress?: (progress: DenseProgress) => void,
): Generator<void, void, void> {
  hh.fill(0);
  e.fill(0);
  let q = new Float64Array(n);
  let next = new Float64Array(n);
  const total = Math.max(0, n - 2);
  const stride = progressStride(total);
  if (n >= 3) {
    const h = makeReflector(a, n, n - 1, e, hh);
    if (h !== 0) {
      lowerSymmetricMatvec(a, n, n - 1, a, (n - 1) * n, q);
      for (let j = 0; j < n - 1; j++) q[j]! /= h;
    }
  }
  for (let i = n - 1; i >= 2; i--) {
    if ((i & 7) === 0) {
      throwIfAborted(signal);
      yield;
    }
    const l = i - 1;
    const ri = i * n;
    const rl = l * n;
    const h = hh[i]!;
    if (h !== 0) {
      // q ← p − (uᵀp / 2h)·u, with p = A u / h already in q.
      let up = 0;
      for (let j = 0; j <= l; j++) up += a[ri + j]! * q[j]!;
      const kk = up / (2 * h);
      for (let j = 0; j <= l; j++) q[j]! -= kk * a[ri + j]!;
      // Row l first: it is the source of the next reflection.
      const ul = a[ri + l]!;
      const ql = q[l]!;
      for (let k = 0; k <= l; k++) a[rl + k]! -= ul * q[k]! + ql * a[ri + k]!;
    }
    const h2 = l >= 2 ? makeReflector(a, n, l, e, hh) : 0;
    if (h !== 0 || h2 !== 0) {
      next.fill(0, 0, l);
      let j = 0;
      if (h !== 0 && h2 !== 0) {
        // The common case, two rows per sweep so the loads of q, u, u′ and next serve both.
        for (; j + 1 < l; j += 2) {
          const r0 = j * n;
          const r1 = r0 + n;
          const u0 = a[ri + j]!;
          const u1 = a[ri + j + 1]!;
          const q0 = q[j]!;
          const q1 = q[j + 1]!;
          const v0 = a[rl + j]!;
          const v1 = a[rl + j + 1]!;
          let s0 = 0;
          let s1 = 0;
          for (let k = 0; k < j; k++) {
            const qk = q[k]!;
            const uk = a[ri + k]!;
            const vk = a[rl + k]!;
            const x0 = a[r0 + k]! - (u0 * qk + q0 * uk);
            const x1 = a[r1 + k]! - (u1 * qk + q1 * uk);
            a[r0 + k] = x0;
            a[r1 + k] = x1;
            s0 += x0 * vk;
            s1 += x1 * vk;
            next[k]! += x0 * v0 + x1 * v1;
          }
          // Column j: row j's diagonal and row j+1's subdiagonal; then row j+1's diagonal.
          const d0 = a[r0 + j]! - 2 * u0 * q0;
          a[r0 + j] = d0;
          const x10 = a[r1 + j]! - (u1 * q0 + q1 * u0);
          a[r1 + j] = x10;
          const d1 = a[r1 + j + 1]! - 2 * u1 * q1;
          a[r1 + j + 1] = d1;
          next[j]! += s0 + d0 * v0 + x10 * v1;
          next[j + 1]! += s1 + x10 * v0 + d1 * v1;
        }
      }
      for (; j < l; j++) {
        const rj = j * n;
        if (h !== 0 && h2 !== 0) {
          const uj = a[ri + j]!;
          const qj = q[j]!;
          const vj = a[rl + j]!;
          let s = 0;
          for (let k = 0; k < j; k++) {
            const x = a[rj + k]! - (uj * q[k]! + qj * a[ri + k]!);
            a[rj + k] = x;
            s += x * a[rl + k]!;
            next[k]! += x * vj;
          }
          const x = a[rj + j]! - 2 * uj * qj;
          a[rj + j] = x;
          next[j]! += s + x * vj;
        } else if (h !== 0) {
          const uj = a[ri + j]!;
          const qj = q[j]!;
          for (let k = 0; k <= j; k++) a[rj + k]! -= uj * q[k]! + qj * a[ri + k]!;
        } else {
          const vj = a[rl + j]!;
          let s = 0;
          for (let k = 0; k < j; k++) {
            const x = a[rj + k]!;
            s += x * a[rl + k]!;
            next[k]! += x * vj;
          }
          next[j]! += s + a[rj + j]! * vj;
        }
      }
      if (h2 !== 0) {
        for (let j = 0; j < l; j++) next[j]! /= h2;
        const t = q;
        q = next;
        next = t;
      }
    }
    const done = n - i;
    if (onProgress && (done % stride === 0 || i === 2)) onProgress({ stage: 'tridiagonalize', done, total });
  }
  if (n > 1) e[1] = a[n]!;
  for (let k = 0; k < n; k++) d[k] = a[k * n + k]!;
}

/** In-place transpose of the n×n row-major matrix z, in cache-sized tiles. */
function transposeInPlace(z: Float64Array, n: number): void {
  const B = 32;
  for (let i0 = 0; i0 < n; i0 += B) {
    const i1 = Math.min(n, i0 + B);
    for (let j0 = 0; j0 <= i0; j0 += B) {
      const j1 = Math.min(n, j0 + B);
      for (let i = i0; i < i1; i++) {
        const jEnd = j0 === i0 ? i : j1;
        for (let j = j0; j < jEnd; j++) {
          const t = z[i * n + j]!;
          z[i * n + j] = z[j * n + i]!;
          z[j * n + i] = t;
        }
      }
    }
  }
}

/**
 * Forms Q = P_{n−1} ⋯ P_2 from the reflections stored in `a`, `hh`, written transposed:
 * zt[c·n + r] = Q[r][c]. Reflections are applied four at a time (P_2 first, so each block
 * touches only the leading rows and columns); per column of Q the four dot products and the
 * four updates each run over one contiguous row of zt.
 */
function* accumulateQTransposed(
  a: Float64Array,
  n: number,
  hh: Float64Array,
  zt: Float64Array,
  signal?: AbortSignal,
  onProgress?: (progress: DenseProgress) => void,
): Generator<void, void, void> {
  zt.fill(0);
  for (let k = 0; k < n; k++) zt[k * n + k] = 1;
  const u = new Float64Array(4 * n); // u[r·4 + b]: component r of reflection b of the block
  const hb = new Float64Array(4);
  const g = new Float64Array(16); // g[b·4 + c] = u_b · u_c for c < b
  const stride = progressStride(n);
  for (let i = 2; i < n; i += 4) {
    throwIfAborted(signal);
    if ((i & 15) === 2) yield;
    const nb = Math.min(4, n - i);
    const top = i + nb - 1; // rows and columns the block can touch
    u.fill(0, 0, 4 * top);
    for (let b = 0; b < 4; b++) {
      const idx = i + b;
      const h = b < nb ? hh[idx]! : 0;
      hb[b] = h;
      if (h === 0) continue;
      const ro = idx * n;
      for (let r = 0; r < idx; r++) u[r * 4 + b] = a[ro + r]!;
    }
    g.fill(0);
    for (let r = 0; r < top; r++) {
      const o = r * 4;
      const u0 = u[o]!;
      const u1 = u[o + 1]!;
      const u2 = u[o + 2]!;
      const u3 = u[o + 3]!;
      g[4]! += u1 * u0;
      g[8]! += u2 * u0;
      g[9]! += u2 * u1;
      g[12]! += u3 * u0;
      g[13]! += u3 * u1;
      g[14]! += u3 * u2;
    }
    const i0 = hb[0] !== 0 ? 1 / hb[0]! : 0;
    const i1 = hb[1] !== 0 ? 1 / hb[1]! : 0;
    const i2 = hb[2] !== 0 ? 1 / hb[2]! : 0;
    const i3 = hb[3] !== 0 ? 1 / hb[3]! : 0;
    const g10 = g[4]!;
    const g20 = g[8]!;
    const g21 = g[9]!;
    const g30 = g[12]!;
    const g31 = g[13]!;
    const g32 = g[14]!;
    let c = 0;
    // Two columns of Q per sweep share every load of u.
    for (; c + 1 < top; c += 2) {
      const o = c * n;
      const p = o + n;
      let w0 = 0;
      let w1 = 0;
      let w2 = 0;
      let w3 = 0;
      let y0 = 0;
      let y1 = 0;
      let y2 = 0;
      let y3 = 0;
      for (let r = 0; r < top; r++) {
        const x = zt[o + r]!;
        const y = zt[p + r]!;
        const ur = r * 4;
        const a0 = u[ur]!;
        const a1 = u[ur + 1]!;
        const a2 = u[ur + 2]!;
        const a3 = u[ur + 3]!;
        w0 += a0 * x;
        w1 += a1 * x;
        w2 += a2 * x;
        w3 += a3 * x;
        y0 += a0 * y;
        y1 += a1 * y;
        y2 += a2 * y;
        y3 += a3 * y;
      }
      // Apply P_i, then P_{i+1}, … : each sees the vector already changed by the earlier ones.
      const m0 = w0 * i0;
      const m1 = (w1 - g10 * m0) * i1;
      const m2 = (w2 - g20 * m0 - g21 * m1) * i2;
      const m3 = (w3 - g30 * m0 - g31 * m1 - g32 * m2) * i3;
      const n0 = y0 * i0;
      const n1 = (y1 - g10 * n0) * i1;
      const n2 = (y2 - g20 * n0 - g21 * n1) * i2;
      const n3 = (y3 - g30 * n0 - g31 * n1 - g32 * n2) * i3;
      for (let r = 0; r < top; r++) {
        const ur = r * 4;
        const a0 = u[ur]!;
        const a1 = u[ur + 1]!;
        const a2 = u[ur + 2]!;
        const a3 = u[ur + 3]!;
        zt[o + r]! -= a0 * m0 + a1 * m1 + (a2 * m2 + a3 * m3);
        zt[p + r]! -= a0 * n0 + a1 * n1 + (a2 * n2 + a3 * n3);
      }
    }
    for (; c < top; c++) {
      const o = c * n;
      let w0 = 0;
      let w1 = 0;
      let w2 = 0;
      let w3 = 0;
      for (let r = 0; r < top; r++) {
        const x = zt[o + r]!;
        const ur = r * 4;
        w0 += u[ur]! * x;
        w1 += u[ur + 1]! * x;
        w2 += u[ur + 2]! * x;
        w3 += u[ur + 3]! * x;
      }
      const m0 = w0 * i0;
      const m1 = (w1 - g10 * m0) * i1;
      const m2 = (w2 - g20 * m0 - g21 * m1) * i2;
      const m3 = (w3 - g30 * m0 - g31 * m1 - g32 * m2) * i3;
      for (let r = 0; r < top; r++) {
        const ur = r * 4;
        zt[o + r]! -= u[ur]! * m0 + u[ur + 1]! * m1 + (u[ur + 2]! * m2 + u[ur + 3]! * m3);
      }
    }
    const done = Math.min(n, i + nb);
    if (onProgress && (Math.floor(done / stride) !== Math.floor(i / stride) || done === n)) {
      onProgress({ stage: 'accumulate', done, total: n });
    }
  }
}

/**
 * Solves (T − λI)·x = b in place for the symmetric tridiagonal T (d, off with off[i] = T[i][i+1])
 * by Gaussian elimination with partial pivoting; pivots smaller than `tiny` are replaced by
 * ±tiny, which is what inverse iteration wants when λ is an eigenvalue to working precision.
 */
function shiftedTridiagonalSolve(d: Float64Array, off: Float64Array, m: number, lambda: number, tiny: number, x: Float64Array, w: Float64Array[]): void {
  const [dd, du, du2, dl] = w as [Float64Array, Float64Array, Float64Array, Float64Array];
  const swap = new Uint8Array(m);
  for (let i = 0; i < m; i++) {
    dd[i] = d[i]! - lambda;
    du[i] = i < m - 1 ? off[i]! : 0;
    dl[i] = i < m - 1 ? off[i]! : 0;
    du2[i] = 0;
  }
  const fix = (v: number): number => (Math.abs(v) < tiny ? (v < 0 ? -tiny : tiny) : v);
  for (let i = 0; i < m - 1; i++) {
    if (Math.abs(dd[i]!) >= Math.abs(dl[i]!)) {
      dd[i] = fix(dd[i]!);
      const f = dl[i]! / dd[i]!;
      dl[i] = f;
      dd[i + 1]! -= f * du[i]!;
    } else {
      // Row i+1 becomes the pivot row: it has a second superdiagonal entry.
      swap[i] = 1;
      const f = dd[i]! / dl[i]!;
      dd[i] = dl[i]!;
      dl[i] = f;
      const t = du[i]!;
      du[i] = dd[i + 1]!;
      dd[i + 1] = t - f * dd[i + 1]!;
      if (i < m - 2) {
        du2[i] = du[i + 1]!;
        du[i + 1] = -f * du[i + 1]!;
      }
    }
  }
  dd[m - 1] = fix(dd[m - 1]!);
  for (let i = 0; i < m - 1; i++) {
    if (swap[i]) {
      const t = x[i]! - dl[i]! * x[i + 1]!;
      x[i] = x[i + 1]!;
      x[i + 1] = t;
    } else {
      x[i + 1]! -= dl[i]! * x[i]!;
    }
  }
  x[m - 1]! /= dd[m - 1]!;
  if (m > 1) x[m - 2] = (x[m - 2]! - du[m - 2]! * x[m - 1]!) / dd[m - 2]!;
  for (let i = m - 3; i >= 0; i--) x[i] = (x[i]! - du[i]! * x[i + 1]! - du2[i]! * x[i + 2]!) / dd[i]!;
}

/**
 * Eigenvectors of the tridiagonal T for the given eigenvalues (descending) by inverse iteration,
 * re-orthogonalised within clusters (consecutive eigenvalues closer than 1e-3·‖T‖), as in
 * LAPACK's dstein. Writes row j of `out` (m columns). Returns the largest residual ‖Tx − λx‖.
 */
function tridiagonalInverseIteration(d: Float64Array, off: Float64Array, m: number, lambdas: Float64Array, out: Float64Array): number {
  let tnorm = 0;
  for (let i = 0; i < m; i++) tnorm = Math.max(tnorm, Math.abs(d[i]!) + (i > 0 ? Math.abs(off[i - 1]!) : 0) + (i < m - 1 ? Math.abs(off[i]!) : 0));
  if (tnorm === 0) tnorm = 1;
  const tiny = EPS * tnorm;
  const work = [new Float64Array(m), new Float64Array(m), new Float64Array(m), new Float64Array(m)];
  const x = new Float64Array(m);
  const r = new Float64Array(m);
  const rng = new Rng(0x5eed);
  let clusterStart = 0;
  let worst = 0;
  for (let j = 0; j < lambdas.length; j++) {
    const lambda = lambdas[j]!;
    if (j > 0 && lambdas[j - 1]! - lambda > 1e-3 * tnorm) clusterStart = j;
    for (let i = 0; i < m; i++) x[i] = rng.normal();
    let res = Infinity;
    for (let it = 0; it < 8; it++) {
      shiftedTridiagonalSolve(d, off, m, lambda, tiny, x, work);
      // Two passes of Gram–Schmidt against the cluster's earlier vectors.
      for (let pass = 0; pass < 2; pass++) {
        for (let c = clusterStart; c < j; c++) {
          let s = 0;
          for (let i = 0; i < m; i++) s += out[c * m + i]! * x[i]!;
          for (let i = 0; i < m; i++) x[i]! -= s * out[c * m + i]!;
        }
      }
      let nx = 0;
      for (let i = 0; i < m; i++) nx += x[i]! * x[i]!;
      nx = Math.sqrt(nx);
      for (let i = 0; i < m; i++) x[i]! /= nx;
      let r2 = 0;
      for (let i = 0; i < m; i++) {
        r[i] = (d[i]! - lambda) * x[i]! + (i > 0 ? off[i - 1]! * x[i - 1]! : 0) + (i < m - 1 ? off[i]! * x[i + 1]! : 0);
        r2 += r[i]! * r[i]!;
      }
      res = Math.sqrt(r2);
      if (it >= 1 && res <= 4 * m * tiny) break;
    }
    worst = Math.max(worst, res / tnorm);
    out.set(x, j * m);
  }
  return worst;
}

/** x ← Q x with Q = P_{n−1} ⋯ P_2 the reflections stored in `a`, `hh` (P_2 applied first). */
function applyQ(a: Float64Array, n: number, hh: Float64Array, x: Float64Array): void {
  for (let i = 2; i < n; i++) {
    const h = hh[i]!;
    if (h === 0) continue;
    const ri = i * n;
    let s = 0;
    for (let r = 0; r < i; r++) s += a[ri + r]! * x[r]!;
    const f = s / h;
    for (let r = 0; r < i; r++) x[r]! -= f * a[ri + r]!;
  }
}

/**
 * Decomposes the work matrix `a` (n×n, symmetric, lower triangle read; destroyed — it becomes
 * the eigenvector output when all vectors are wanted). `count` eigenvectors (0..n) of the
 * largest eigenvalues: all by QL with accumulated rotations; fewer (≤ n/4) by inverse iteration
 * on T and back-transformation, falling back to QL if any residual is not at rounding level.
 */
function decomposeInPlace(a: Float64Array, n: number, count: number, signal?: AbortSignal, onProgress?: (progress: DenseProgress) => void): SymmetricEigenResult {
  return drain(decomposeSteps(a, n, count, signal, onProgress));
}

/** {@link decomposeInPlace} as steps (yields between units of work; see {@link drainAsync}). */
function* decomposeSteps(a: Float64Array, n: number, count: number, signal?: AbortSignal, onProgress?: (progress: DenseProgress) => void): Generator<void, SymmetricEigenResult, void> {
  throwIfAborted(signal);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const hh = new Float64Array(n);
  yield* householderTridiagonalize(a, n, d, e, hh, signal, onProgress);
  // QL wants off[i] = T[i][i+1] = e[i+1].
  const off = new Float64Array(n);
  for (let i = 0; i < n - 1; i++) off[i] = e[i + 1]!;
  const sorted = (values: Float64Array): Float64Array => {
    const order = descendingOrder(values);
    return Float64Array.from(order, (j) => values[j]!);
  };
  if (count === 0 || count * 4 <= n) {
    const dv = d.slice();
    yield* implicitQLSteps(dv, off.slice(), n, null, 0, signal, onProgress);
    const eigenvalues = sorted(dv);
    if (count === 0) return { n, eigenvalues, eigenvectors: null };
    const vt = new Float64Array(count * n);
    const worst = tridiagonalInverseIteration(d, off, n, eigenvalues.subarray(0, count), vt);
    if (worst <= 100 * n * EPS) {
      for (let j = 0; j < count; j++) applyQ(a, n, hh, vt.subarray(j * n, (j + 1) * n));
      return { n, eigenvalues, eigenvectors: vt };
    }
  }
  // Eigenvalues first (O(n²)): as shifts they let most eigenvalues deflate after one sweep,
  // nearly halving the O(n³) rotation work below.
  const known = d.slice();
  yield* implicitQLSteps(known, off.slice(), n, null, 0);
  known.sort();
  const z = new Float64Array(n * n);
  yield* accumulateQTransposed(a, n, hh, z, signal, onProgress);
  transposeInPlace(z, n);
  yield* implicitQLSteps(d, off, n, z, n, signal, onProgress, known);
  const order = descendingOrder(d);
  const eigenvalues = Float64Array.from(order, (j) => d[j]!);
  // Eigenvector t is column order[t] of z: transpose, then copy rows in sorted order into `a`.
  transposeInPlace(z, n);
  for (let t = 0; t < count; t++) {
    const j = order[t]!;
    a.set(z.subarray(j * n, j * n + n), t * n);
  }
  return { n, eigenvalues, eigenvectors: count === n ? a : a.slice(0, count * n) };
}

/**
 * All eigenvalues (descending) and, by default, eigenvectors of the symmetric n×n matrix `A`
 * (row-major; (A + Aᵀ)/2 is used, `A` is not modified). Householder tridiagonalisation then
 * implicit QL, in float64.
 */
export function symmetricEigen(A: Float64Array, n: number, options: SymmetricEigenOptions = {}): SymmetricEigenResult {
  if (!Number.isInteger(n) || n < 1) throw new InputError(`symmetricEigen: n must be a positive integer, got ${String(n)}`);
  if (A.length !== n * n) throw new ShapeError(`symmetricEigen: matrix has ${A.length} entries, expected n² = ${n * n} for n = ${n}`);
  checkFinite(A, 'symmetricEigen input');
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    a[i * n + i] = A[i * n + i]!;
    for (let j = 0; j < i; j++) a[i * n + j] = 0.5 * (A[i * n + j]! + A[j * n + i]!);
  }
  const v = options.vectors ?? true;
  const count = v === true ? n : v === false ? 0 : v;
  if (!Number.isInteger(count) || count < 0 || count > n) {
    throw new InputError(`symmetricEigen: vectors must be a boolean or an integer in 0..n = ${n}, got ${String(v)}`);
  }
  return decomposeInPlace(a, n, count, options.signal, options.onProgress);
}

/** Options of {@link denseHessianSpectrum}. */
export interface DenseSpectrumOptions {
  /** Largest size accepted (default 4000): the matrix alone takes 8·p² bytes, twice over. */
  readonly limit?: number;
  /** How many leading eigenvectors to return with residuals (default min(p, 10)); 0 = none, faster. */
  readonly vectors?: number;
  /** Checked between matvecs and decomposition steps; fires {@link AbortError}. */
  readonly signal?: AbortSignal;
  /** Matvec phase reports stage `matvec`; then the stages of {@link DenseProgress}. */
  readonly onProgress?: (progress: DenseProgress | { readonly stage: 'matvec'; readonly done: number; readonly total: number }) => void;
}

/** The exact spectrum of an operator, from its assembled matrix. */
export interface DenseSpectrum {
  /** Record type and version. */
  readonly schema: 'hessian-lens/dense-spectrum@1';
  /** p, the operator size. */
  readonly size: number;
  /** [p] all eigenvalues of (H + Hᵀ)/2, descending. */
  readonly eigenvalues: readonly number[];
  /** [v, p] unit eigenvectors of eigenvalues[0..v), largest-|component| positive. */
  readonly eigenvectors: readonly (readonly number[])[];
  /** [v] ‖H̄u − λu‖ for each returned eigenvector, with H̄ the symmetrised matrix. */
  readonly residuals: readonly number[];
  /** max |H_ij − H_ji| / max |H_ij|: how far the matvecs were from symmetric (0 for an exact HVP up to rounding). */
  readonly asymmetry: number;
  /** Operator matvecs used (= p). */
  readonly matvecs: number;
}

/**
 * The full spectrum of `op` by brute force: p matvecs on unit vectors assemble H, which is
 * symmetrised and decomposed by {@link symmetricEigen}. Refuses with {@link ResourceError} when
 * p exceeds `limit` (default 4000).
 */
export async function denseHessianSpectrum(op: LinearOperator, options: DenseSpectrumOptions = {}): Promise<DenseSpectrum> {
  const p = operatorSize(op);
  const limit = options.limit ?? 4000;
  if (!(limit >= 1)) throw new InputError(`denseHessianSpectrum: limit must be ≥ 1, got ${String(limit)}`);
  if (p > limit) {
    throw new ResourceError(`dense path needs p ≤ ${limit}, this model has p = ${p}; raise \`limit\` or use lanczos`);
  }
  const want = options.vectors ?? Math.min(p, 10);
  if (!Number.isInteger(want) || want < 0 || want > p) {
    throw new InputError(`denseHessianSpectrum: vectors must be an integer in 0..p = ${p}, got ${String(want)}`);
  }
  const { signal, onProgress } = options;
  const h = new Float64Array(p * p);
  const unit = new Float64Array(p);
  const column = new Float64Array(p);
  const stride = progressStride(p);
  for (let j = 0; j < p; j++) {
    throwIfAborted(signal);
    unit[j] = 1;
    await op.matvec(unit, column);
    unit[j] = 0;
    for (let i = 0; i < p; i++) h[i * p + j] = column[i]!;
    if (onProgress && ((j + 1) % stride === 0 || j === p - 1)) onProgress({ stage: 'matvec', done: j + 1, total: p });
  }
  checkFinite(h, 'assembled operator matrix');
  let maxAbs = 0;
  let maxAsym = 0;
  for (let i = 0; i < p; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(h[i * p + i]!));
    for (let j = 0; j < i; j++) {
      const x = h[i * p + j]!;
      const y = h[j * p + i]!;
      maxAbs = Math.max(maxAbs, Math.abs(x), Math.abs(y));
      maxAsym = Math.max(maxAsym, Math.abs(x - y));
      const v = 0.5 * (x + y);
      h[i * p + j] = v;
      h[j * p + i] = v;
    }
  }
  // Keep the symmetrised matrix for the residuals only when they are needed.
  const sym = want > 0 ? h.slice() : null;
  // Async: a macrotask turn every ~40 ms, so a timer's abort or a page's events get through.
  const dec = await drainAsync(decomposeSteps(h, p, want, signal, onProgress));
  const eigenvectors: Float64Array[] = [];
  const residuals: number[] = [];
  if (sym !== null && dec.eigenvectors !== null) {
    for (let t = 0; t < want; t++) {
      const u = dec.eigenvectors.slice(t * p, (t + 1) * p);
      fixSign(u);
      const lambda = dec.eigenvalues[t]!;
      let r2 = 0;
      for (let i = 0; i < p; i++) {
        const o = i * p;
        let s = 0;
        for (let j = 0; j < p; j++) s += sym[o + j]! * u[j]!;
        const ri = s - lambda * u[i]!;
        r2 += ri * ri;
      }
      eigenvectors.push(u);
      residuals.push(Math.sqrt(r2));
    }
  }
  return Object.freeze({
    schema: 'hessian-lens/dense-spectrum@1' as const,
    size: p,
    eigenvalues: frozenArray(dec.eigenvalues),
    eigenvectors: frozenRows(eigenvectors),
    residuals: frozenArray(residuals),
    asymmetry: maxAbs > 0 ? maxAsym / maxAbs : 0,
    matvecs: p,
  });
}
