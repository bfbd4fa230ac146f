/**
 * The plain-TypeScript dense symmetric eigen-decomposition: the library's production path until the
 * WebAssembly solver (src/hessian/eigen/) replaced it, kept as an independent reference for tests.
 *
 * Estimator: none — this is the exact path. A symmetric A (n×n) is reduced to tridiagonal form
 * T = QᵀAQ by n − 2 Householder reflections, then T is diagonalised by the implicit QL algorithm
 * with Wilkinson shifts. All eigenvectors: the QL plane rotations are accumulated into Q. A few
 * eigenvectors (k ≤ n/4): inverse iteration on T for the k largest eigenvalues, re-orthogonalised
 * within clusters, then multiplied by Q's reflections — O(k·n²) instead of O(n³). Eigenvalues are
 * returned in descending order. Flops ≈ (4/3)n³ for the reduction, + (4/3)n³ to form Q and
 * ≈ 4.5n³ for the rotations when all vectors are wanted.
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
import { InputError, ShapeError, throwIfAborted } from '../errors.js';
import { checkFinite, descendingOrder, implicitQLSteps, type QLProgress } from '../hessian/tridiagonal.js';
import { progressStride } from '../hessian/record.js';
import { Rng } from '../model/rng.js';
import { drain } from '../engine/yield.js';

const EPS = 2.220446049250313e-16;

/** Where a reference decomposition is: `done` of `total` units of the named stage. */
export interface ReferenceEigenProgress {
  /** `tridiagonalize`: Householder steps; `accumulate`: forming Q; `ql`: eigenvalues found. */
  readonly stage: 'tridiagonalize' | 'accumulate' | 'ql';
  readonly done: number;
  readonly total: number;
}
type DenseProgress = ReferenceEigenProgress | QLProgress;

/** A reference decomposition: eigenvalues descending, eigenvector rows (k of them) or null. */
export interface ReferenceEigenResult {
  readonly n: number;
  readonly eigenvalues: Float64Array;
  readonly eigenvectors: Float64Array | null;
}
type SymmetricEigenResult = ReferenceEigenResult;

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

/** {@link decomposeInPlace} as steps (yields between units of work). */
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
export function referenceSymmetricEigen(A: Float64Array, n: number, options: { readonly vectors?: boolean | number } = {}): ReferenceEigenResult {
  if (!Number.isInteger(n) || n < 1) throw new InputError(`referenceSymmetricEigen: n must be a positive integer, got ${String(n)}`);
  if (A.length !== n * n) throw new ShapeError(`referenceSymmetricEigen: matrix has ${A.length} entries, expected n² = ${n * n} for n = ${n}`);
  checkFinite(A, 'symmetricEigen input');
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    a[i * n + i] = A[i * n + i]!;
    for (let j = 0; j < i; j++) a[i * n + j] = 0.5 * (A[i * n + j]! + A[j * n + i]!);
  }
  const v = options.vectors ?? true;
  const count = v === true ? n : v === false ? 0 : v;
  if (!Number.isInteger(count) || count < 0 || count > n) {
    throw new InputError(`referenceSymmetricEigen: vectors must be a boolean or an integer in 0..n = ${n}, got ${String(v)}`);
  }
  return decomposeInPlace(a, n, count);
}
