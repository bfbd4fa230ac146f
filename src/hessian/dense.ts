/**
 * Dense symmetric eigen-decomposition in float64, and the exact Hessian spectrum for small models.
 *
 * Estimator: none — this is the exact path. A symmetric A (n×n) is reduced to tridiagonal form
 * T = QᵀAQ by n − 2 Householder reflections, then T is diagonalised by the implicit QL algorithm
 * with Wilkinson-type shifts; the QL plane rotations are accumulated into Q to give the
 * eigenvectors. Cost ≈ (2 + 4/3)·n³ flops for the reduction and Q, plus ≈ 3n³ for the rotations
 * (eigenvalues alone: the reduction plus O(n²)). Eigenvalues are returned in descending order.
 * The Hessian path builds H column by column from p matvecs on unit vectors and decomposes
 * (H + Hᵀ)/2; it refuses above `limit` = 4000 parameters by default.
 *
 * see: J. H. Wilkinson, C. Reinsch, Handbook for Automatic Computation II: Linear Algebra (1971),
 * procedures tred2 and tql2; W. H. Press et al., Numerical Recipes, §11.2–11.3 (tred2, tqli).
 * Written for this library: row-major storage with both triangles kept so every inner loop runs
 * along a row, and the QL rotations of one sweep applied row by row (see {@link tridiagonalEigen}).
 */
import { NumericalError, ResourceError, ShapeError, InputError, throwIfAborted } from '../errors.js';
import { operatorSize, type LinearOperator } from './operator.js';
import { fixSign, frozenArray, frozenRows, progressStride } from './record.js';

const EPS = 2.220446049250313e-16;
/** QL iterations allowed per eigenvalue before giving up (EISPACK allows 30). */
const MAX_QL_ITERATIONS = 50;

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
  /** Compute eigenvectors too (default true); without them the cost is the reduction plus O(n²). */
  readonly vectors?: boolean;
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
  /** [n, n] row-major, row i = unit eigenvector of eigenvalues[i]; null when not requested. */
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

/**
 * Applies the rotations of one QL sweep, i = hi down to lo, to every row of z:
 * (z[i], z[i+1]) ← (c·z[i] − s·z[i+1], s·z[i] + c·z[i+1]). Each row is independent and
 * contiguous; four rows go together so their carried values form four independent chains.
 */
function applySweep(z: Float64Array, rows: number, n: number, c: Float64Array, s: Float64Array, hi: number, lo: number): void {
  let r = 0;
  for (; r + 3 < rows; r += 4) {
    const o0 = r * n;
    const o1 = o0 + n;
    const o2 = o1 + n;
    const o3 = o2 + n;
    let k0 = z[o0 + hi + 1]!;
    let k1 = z[o1 + hi + 1]!;
    let k2 = z[o2 + hi + 1]!;
    let k3 = z[o3 + hi + 1]!;
    for (let i = hi; i >= lo; i--) {
      const ci = c[i]!;
      const si = s[i]!;
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
  for (; r < rows; r++) {
    const o = r * n;
    let k = z[o + hi + 1]!;
    for (let i = hi; i >= lo; i--) {
      const ci = c[i]!;
      const si = s[i]!;
      const a = z[o + i]!;
      z[o + i + 1] = si * a + ci * k;
      k = ci * a - si * k;
    }
    z[o + lo] = k;
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
): void {
  const cs = new Float64Array(n);
  const sn = new Float64Array(n);
  const stride = progressStride(n);
  for (let l = 0; l < n; l++) {
    let iterations = 0;
    for (;;) {
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]!) + Math.abs(d[m + 1]!);
        if (Math.abs(e[m]!) <= EPS * dd) break;
      }
      if (m === l) break;
      if (++iterations > MAX_QL_ITERATIONS) {
        throw new NumericalError(`implicit QL did not converge for eigenvalue ${l} of ${n} after ${MAX_QL_ITERATIONS} iterations`);
      }
      // Shift from the leading 2×2 block, then chase the bulge from m up to l.
      let g = (d[l + 1]! - d[l]!) / (2 * e[l]!);
      let r = Math.hypot(g, 1);
      g = d[m]! - d[l]! + e[l]! / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      let split = false;
      for (; i >= l; i--) {
        const f = s * e[i]!;
        const b = c * e[i]!;
        r = Math.hypot(f, g);
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
        cs[i] = c;
        sn[i] = s;
      }
      if (z !== null && m - 1 >= i + 1) applySweep(z, rows, n, cs, sn, m - 1, i + 1);
      if (split) continue;
      d[l]! -= p;
      e[l] = g;
      e[m] = 0;
    }
    if (onProgress && ((l + 1) % stride === 0 || l === n - 1)) onProgress({ stage: 'ql', done: l + 1, total: n });
    if ((l & 15) === 15) throwIfAborted(signal);
  }
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
 * Householder reduction of the full symmetric matrix `a` (n×n row-major, both triangles, overwritten)
 * to tridiagonal form: d = diagonal, e[i] = T[i][i−1] (e[0] = 0). Row i of `a` keeps the
 * (scaled) Householder vector u_i in entries 0..i−1, with hh[i] = ‖u_i‖²/2 (0: no reflection).
 */
function householderTridiagonalize(
  a: Float64Array,
  n: number,
  d: Float64Array,
  e: Float64Array,
  hh: Float64Array,
  signal?: AbortSignal,
  onProgress?: (progress: DenseProgress) => void,
): void {
  const q = new Float64Array(n);
  const total = Math.max(0, n - 2);
  const stride = progressStride(total);
  for (let i = n - 1; i >= 2; i--) {
    if ((i & 7) === 0) throwIfAborted(signal);
    const l = i - 1;
    const ri = i * n;
    let scale = 0;
    for (let k = 0; k <= l; k++) scale += Math.abs(a[ri + k]!);
    if (scale === 0) {
      e[i] = 0;
      hh[i] = 0;
    } else {
      // Scale to avoid under/overflow in the squared norm; the reflection is scale-free.
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
      // q ← A u / h over the leading (l+1)×(l+1) block, then q ← q − (uᵀq / 2h)·u.
      let uq = 0;
      for (let j = 0; j <= l; j++) {
        const rj = j * n;
        let s0 = 0;
        let s1 = 0;
        let k = 0;
        for (; k + 1 <= l; k += 2) {
          s0 += a[rj + k]! * a[ri + k]!;
          s1 += a[rj + k + 1]! * a[ri + k + 1]!;
        }
        if (k <= l) s0 += a[rj + k]! * a[ri + k]!;
        const qj = (s0 + s1) / h;
        q[j] = qj;
        uq += a[ri + j]! * qj;
      }
      const kk = uq / (2 * h);
      for (let j = 0; j <= l; j++) q[j]! -= kk * a[ri + j]!;
      // A ← A − u qᵀ − q uᵀ on the block, both triangles.
      for (let j = 0; j <= l; j++) {
        const rj = j * n;
        const uj = a[ri + j]!;
        const qj = q[j]!;
        for (let k = 0; k <= l; k++) a[rj + k]! -= uj * q[k]! + qj * a[ri + k]!;
      }
      hh[i] = h;
    }
    const done = n - i;
    if (onProgress && (done % stride === 0 || i === 2)) onProgress({ stage: 'tridiagonalize', done, total });
  }
  e[0] = 0;
  hh[0] = 0;
  if (n > 1) {
    e[1] = a[n]!;
    hh[1] = 0;
  }
  for (let k = 0; k < n; k++) d[k] = a[k * n + k]!;
}

/**
 * Forms Q = P_{n−1} ⋯ P_2 (the product of the reflections stored in `a`, `hh`) into z, applying
 * P_2 first so each step touches only the leading i×i block.
 */
function accumulateQ(
  a: Float64Array,
  n: number,
  hh: Float64Array,
  z: Float64Array,
  signal?: AbortSignal,
  onProgress?: (progress: DenseProgress) => void,
): void {
  z.fill(0);
  for (let k = 0; k < n; k++) z[k * n + k] = 1;
  const w = new Float64Array(n);
  const stride = progressStride(n);
  for (let i = 2; i < n; i++) {
    if ((i & 7) === 0) throwIfAborted(signal);
    const h = hh[i]!;
    if (h !== 0) {
      const ri = i * n;
      w.fill(0, 0, i);
      for (let r = 0; r < i; r++) {
        const ur = a[ri + r]!;
        if (ur === 0) continue;
        const zr = r * n;
        for (let c = 0; c < i; c++) w[c]! += ur * z[zr + c]!;
      }
      for (let r = 0; r < i; r++) {
        const f = a[ri + r]! / h;
        if (f === 0) continue;
        const zr = r * n;
        for (let c = 0; c < i; c++) z[zr + c]! -= f * w[c]!;
      }
    }
    if (onProgress && (i % stride === 0 || i === n - 1)) onProgress({ stage: 'accumulate', done: i + 1, total: n });
  }
}

/**
 * Decomposes the work matrix `a` (n×n, symmetric, both triangles; destroyed — it becomes the
 * eigenvector output when vectors are wanted).
 */
function decomposeInPlace(a: Float64Array, n: number, options: SymmetricEigenOptions): SymmetricEigenResult {
  const wantVectors = options.vectors ?? true;
  const { signal, onProgress } = options;
  throwIfAborted(signal);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const hh = new Float64Array(n);
  householderTridiagonalize(a, n, d, e, hh, signal, onProgress);
  // QL wants off[i] = T[i][i+1] = e[i+1].
  const off = new Float64Array(n);
  for (let i = 0; i < n - 1; i++) off[i] = e[i + 1]!;
  let z: Float64Array | null = null;
  if (wantVectors) {
    z = new Float64Array(n * n);
    accumulateQ(a, n, hh, z, signal, onProgress);
  }
  implicitQL(d, off, n, z, n, signal, onProgress);
  const order = descendingOrder(d);
  const eigenvalues = new Float64Array(n);
  for (let t = 0; t < n; t++) eigenvalues[t] = d[order[t]!]!;
  if (z === null) return { n, eigenvalues, eigenvectors: null };
  // Eigenvector t is column order[t] of z; write it as row t of the (no longer needed) `a`.
  const BLOCK = 64;
  for (let r0 = 0; r0 < n; r0 += BLOCK) {
    const r1 = Math.min(n, r0 + BLOCK);
    for (let t = 0; t < n; t++) {
      const j = order[t]!;
      const ot = t * n;
      for (let r = r0; r < r1; r++) a[ot + r] = z[r * n + j]!;
    }
  }
  return { n, eigenvalues, eigenvectors: a };
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
    for (let j = 0; j < i; j++) {
      const v = 0.5 * (A[i * n + j]! + A[j * n + i]!);
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  return decomposeInPlace(a, n, options);
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
  const dec = decomposeInPlace(h, p, { vectors: want > 0, signal, onProgress });
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
