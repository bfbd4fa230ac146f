// Householder tridiagonalisation of a dense symmetric f64 matrix (T = Qᵀ A Q) and the blocked
// application of Q, as flat pointer + size kernels; src/hessian/eigen/tridiagonalize.ts drives them.
//
// Layout: A is row-major (element (r, c) at A + 8·(r·lda + c)) and only its UPPER triangle
// (c ≥ r) is read — for a row-major array that is LAPACK's column-major lower triangle, so rows
// here are LAPACK's columns and every kernel streams contiguous rows. The strict lower triangle is
// scratch. Reflector i (i = 0 … n−2) is H_i = I − τ_i v_i v_iᵀ with v_i[c] = 0 for c ≤ i,
// v_i[i+1] = 1 and v_i[c] = A[i][c] for c ≥ i+2 (kept in row i of A); Q = H_0 H_1 … H_{n−2}.
//
// Blocked reduction (Dongarra, Sorensen, Hammarling 1989; LAPACK dsytrd/dlatrd): a panel of nb
// rows i0 … i0+nb−1 is reduced one row at a time (`tridiag_column_f64`) against the not yet
// updated trailing matrix, whose pending update −(V Wᵀ + W Vᵀ) is applied to each panel row and
// to each product on the fly; after the panel the trailing upper triangle takes the whole
// rank-2nb update at once (`syr2k_upper_f64`, GEMM-shaped). Per row: the reflector (dlarfg),
// w = τ (A₂₂ v − V (Wᵀv) − W (Vᵀv)), w ← w − ½ τ (wᵀv) v. Half the flops are the symmetric
// matrix–vector products (`symv_upper_f64`), which read each stored element once for both of its
// contributions. W is stored negated (Wn = −W) so that every update is a GEMM that accumulates.
//
// Applying a block of k reflectors (Schreiber & Van Loan 1989, compact WY; LAPACK dlarft/dlarfb):
// H_j0 … H_j0+k−1 = I − V T Vᵀ with T upper triangular (`larft_neg_f64` forms −T); rows Z then
// take Z ← Z − (Z V) T Vᵀ or Z − (Z V) Tᵀ Vᵀ through gemm_f64, with V gathered into a dense
// k × m block by `gather_reflectors_f64`.
//
// Arithmetic: f64x2 with `fma2` — fused in the relaxed build (f64x2.relaxed_madd), mul + add in
// SIMD128 — so each build's results are bitwise reproducible (fixed summation order everywhere).
// see: J. Dongarra, D. Sorensen, S. Hammarling, "Block reduction of matrices to condensed forms
// for eigenvalue computations", J. Comput. Appl. Math. 27 (1989); R. Schreiber, C. Van Loan,
// "A storage-efficient WY representation for products of Householder transformations", SIAM J.
// Sci. Stat. Comput. 10 (1989); LAPACK 3.12 dsytrd, dlatrd, dlarfg, dlarft, dlarfb.

import { gemm_f64 } from './gemm';

/** a·b + c lane-wise on f64x2: fused in the relaxed build, mul + add in SIMD128. */
// @ts-ignore: decorator
@inline
export function fma2(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f64x2.relaxed_madd(a, b, c);
  } else {
    return f64x2.add(f64x2.mul(a, b), c);
  }
}

// @ts-ignore: decorator
@inline
export function hsum(s: v128): f64 {
  return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
}

// Σ a[i]·b[i], two f64x2 accumulators, scalar tail.
export function dot(a: usize, b: usize, count: i32): f64 {
  let s0 = f64x2.splat(0);
  let s1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const o = <usize>i << 3;
    s0 = fma2(v128.load(a + o), v128.load(b + o), s0);
    s1 = fma2(v128.load(a + o, 16), v128.load(b + o, 16), s1);
  }
  let s = hsum(f64x2.add(s0, s1));
  for (; i < count; i++) s += load<f64>(a + (<usize>i << 3)) * load<f64>(b + (<usize>i << 3));
  return s;
}

// y[i] += α·x[i] + β·z[i].
function axpy2(y: usize, alpha: f64, x: usize, beta: f64, z: usize, count: i32): void {
  const va = f64x2.splat(alpha);
  const vb = f64x2.splat(beta);
  let i = 0;
  for (; i + 2 <= count; i += 2) {
    const o = <usize>i << 3;
    v128.store(y + o, fma2(vb, v128.load(z + o), fma2(va, v128.load(x + o), v128.load(y + o))));
  }
  for (; i < count; i++) {
    const o = <usize>i << 3;
    store<f64>(y + o, load<f64>(y + o) + alpha * load<f64>(x + o) + beta * load<f64>(z + o));
  }
}

// ‖x‖₂ without overflow or harmful underflow: scaled by max |x_i|.
export function nrm2(x: usize, count: i32): f64 {
  let big: f64 = 0;
  for (let i = 0; i < count; i++) big = max(big, abs(load<f64>(x + (<usize>i << 3))));
  if (big == 0 || !isFinite(big)) return big;
  const inv = 1 / big;
  let s: f64 = 0;
  for (let i = 0; i < count; i++) {
    const t = load<f64>(x + (<usize>i << 3)) * inv;
    s += t * t;
  }
  return big * Math.sqrt(s);
}

// out[q] = Wn_q·x and out[jj+q] = V_q·x for q < jj (V_q at V + q·ldv, Wn_q at W + q·ldw bytes):
// two reflectors per pass, so x is read jj/2 times instead of 2·jj.
function panelDots(V: usize, ldv: usize, W: usize, ldw: usize, jj: i32, x: usize, m: i32, out: usize): void {
  let q = 0;
  for (; q + 2 <= jj; q += 2) {
    const v0 = V + <usize>q * ldv, v1 = v0 + ldv;
    const w0 = W + <usize>q * ldw, w1 = w0 + ldw;
    let sv0 = f64x2.splat(0), sv1 = f64x2.splat(0), sw0 = f64x2.splat(0), sw1 = f64x2.splat(0);
    let c = 0;
    for (; c + 2 <= m; c += 2) {
      const o = <usize>c << 3;
      const xc = v128.load(x + o);
      sv0 = fma2(v128.load(v0 + o), xc, sv0);
      sv1 = fma2(v128.load(v1 + o), xc, sv1);
      sw0 = fma2(v128.load(w0 + o), xc, sw0);
      sw1 = fma2(v128.load(w1 + o), xc, sw1);
    }
    let a0 = hsum(sv0), a1 = hsum(sv1), b0 = hsum(sw0), b1 = hsum(sw1);
    if (c < m) {
      const o = <usize>c << 3;
      const xc = load<f64>(x + o);
      a0 += load<f64>(v0 + o) * xc;
      a1 += load<f64>(v1 + o) * xc;
      b0 += load<f64>(w0 + o) * xc;
      b1 += load<f64>(w1 + o) * xc;
    }
    store<f64>(out + (<usize>q << 3), b0);
    store<f64>(out + (<usize>(q + 1) << 3), b1);
    store<f64>(out + (<usize>(jj + q) << 3), a0);
    store<f64>(out + (<usize>(jj + q + 1) << 3), a1);
  }
  if (q < jj) {
    store<f64>(out + (<usize>q << 3), dot(W + <usize>q * ldw, x, m));
    store<f64>(out + (<usize>(jj + q) << 3), dot(V + <usize>q * ldv, x, m));
  }
}

// y += Σ_q coef[q]·V_q + coef[jj+q]·Wn_q over q < jj (layout as panelDots), two reflectors per
// pass over y.
function panelUpdate(V: usize, ldv: usize, W: usize, ldw: usize, jj: i32, coef: usize, y: usize, m: i32): void {
  let q = 0;
  for (; q + 2 <= jj; q += 2) {
    const v0 = V + <usize>q * ldv, v1 = v0 + ldv;
    const w0 = W + <usize>q * ldw, w1 = w0 + ldw;
    const a0 = load<f64>(coef + (<usize>q << 3)), a1 = load<f64>(coef + (<usize>(q + 1) << 3));
    const b0 = load<f64>(coef + (<usize>(jj + q) << 3)), b1 = load<f64>(coef + (<usize>(jj + q + 1) << 3));
    const A0 = f64x2.splat(a0), A1 = f64x2.splat(a1), B0 = f64x2.splat(b0), B1 = f64x2.splat(b1);
    let c = 0;
    for (; c + 2 <= m; c += 2) {
      const o = <usize>c << 3;
      let yc = v128.load(y + o);
      yc = fma2(A0, v128.load(v0 + o), yc);
      yc = fma2(B0, v128.load(w0 + o), yc);
      yc = fma2(A1, v128.load(v1 + o), yc);
      yc = fma2(B1, v128.load(w1 + o), yc);
      v128.store(y + o, yc);
    }
    if (c < m) {
      const o = <usize>c << 3;
      store<f64>(y + o, load<f64>(y + o) + a0 * load<f64>(v0 + o) + b0 * load<f64>(w0 + o) + a1 * load<f64>(v1 + o) + b1 * load<f64>(w1 + o));
    }
  }
  if (q < jj) {
    axpy2(y, load<f64>(coef + (<usize>q << 3)), V + <usize>q * ldv, load<f64>(coef + (<usize>(jj + q) << 3)), W + <usize>q * ldw, m);
  }
}

/**
 * y[0:m] = A·x for the symmetric m×m matrix whose upper triangle is stored row-major at A (rows
 * lda f64 apart); each stored element is loaded once for both y[r] += a·x[c] and y[c] += a·x[r].
 */
export function symv_upper_f64(m: i32, A: usize, lda: i32, x: usize, y: usize): void {
  memory.fill(y, 0, <usize>m << 3);
  const ld = <usize>lda << 3;
  let i = 0;
  // four rows at a time: one pass over y[i+4:] serves all four
  for (; i + 4 <= m; i += 4) {
    const p0 = A + <usize>i * ld;
    const p1 = p0 + ld;
    const p2 = p1 + ld;
    const p3 = p2 + ld;
    const oi = <usize>i << 3;
    const x0 = load<f64>(x + oi), x1 = load<f64>(x + oi, 8), x2 = load<f64>(x + oi, 16), x3 = load<f64>(x + oi, 24);
    const a00 = load<f64>(p0 + oi), a01 = load<f64>(p0 + oi, 8), a02 = load<f64>(p0 + oi, 16), a03 = load<f64>(p0 + oi, 24);
    const a11 = load<f64>(p1 + oi, 8), a12 = load<f64>(p1 + oi, 16), a13 = load<f64>(p1 + oi, 24);
    const a22 = load<f64>(p2 + oi, 16), a23 = load<f64>(p2 + oi, 24);
    const a33 = load<f64>(p3 + oi, 24);
    let y0 = a00 * x0 + a01 * x1 + a02 * x2 + a03 * x3;
    let y1 = a01 * x0 + a11 * x1 + a12 * x2 + a13 * x3;
    let y2 = a02 * x0 + a12 * x1 + a22 * x2 + a23 * x3;
    let y3 = a03 * x0 + a13 * x1 + a23 * x2 + a33 * x3;
    const X0 = f64x2.splat(x0), X1 = f64x2.splat(x1), X2 = f64x2.splat(x2), X3 = f64x2.splat(x3);
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
    let j = i + 4;
    for (; j + 2 <= m; j += 2) {
      const o = <usize>j << 3;
      const xj = v128.load(x + o);
      let yj = v128.load(y + o);
      let a = v128.load(p0 + o);
      s0 = fma2(a, xj, s0);
      yj = fma2(a, X0, yj);
      a = v128.load(p1 + o);
      s1 = fma2(a, xj, s1);
      yj = fma2(a, X1, yj);
      a = v128.load(p2 + o);
      s2 = fma2(a, xj, s2);
      yj = fma2(a, X2, yj);
      a = v128.load(p3 + o);
      s3 = fma2(a, xj, s3);
      yj = fma2(a, X3, yj);
      v128.store(y + o, yj);
    }
    y0 += hsum(s0);
    y1 += hsum(s1);
    y2 += hsum(s2);
    y3 += hsum(s3);
    if (j < m) {
      const o = <usize>j << 3;
      const xj = load<f64>(x + o);
      const b0 = load<f64>(p0 + o), b1 = load<f64>(p1 + o), b2 = load<f64>(p2 + o), b3 = load<f64>(p3 + o);
      y0 += b0 * xj;
      y1 += b1 * xj;
      y2 += b2 * xj;
      y3 += b3 * xj;
      store<f64>(y + o, load<f64>(y + o) + b0 * x0 + b1 * x1 + b2 * x2 + b3 * x3);
    }
    store<f64>(y + oi, load<f64>(y + oi) + y0);
    store<f64>(y + oi, load<f64>(y + oi, 8) + y1, 8);
    store<f64>(y + oi, load<f64>(y + oi, 16) + y2, 16);
    store<f64>(y + oi, load<f64>(y + oi, 24) + y3, 24);
  }
  // the last m mod 4 rows: their upper triangle is a small corner
  for (; i < m; i++) {
    const p = A + <usize>i * ld;
    const xi = load<f64>(x + (<usize>i << 3));
    let yi = load<f64>(p + (<usize>i << 3)) * xi;
    for (let j = i + 1; j < m; j++) {
      const o = <usize>j << 3;
      const a = load<f64>(p + o);
      yi += a * load<f64>(x + o);
      store<f64>(y + o, load<f64>(y + o) + a * xi);
    }
    store<f64>(y + (<usize>i << 3), load<f64>(y + (<usize>i << 3)) + yi);
  }
}

/**
 * Row jj of the panel starting at row i0 (i = i0 + jj ≤ n − 2) of the n×n matrix A (upper
 * triangle, rows lda apart): applies the panel's pending update to row i (columns i … n−1), stores
 * d[i], forms reflector i (e[i] = β, tau[i] = τ, A[i][i+1] = 1 until the caller restores e[i]
 * after the trailing update, v_i[i+2:] over row i) and writes Wn row jj (columns i+1 … n−1;
 * rows ldw apart, column c at Wn + 8c) = −w_i. `work` holds 2·jj f64.
 */
export function tridiag_column_f64(n: i32, A: usize, lda: i32, i0: i32, jj: i32, Wn: usize, ldw: i32,
                                   d: usize, e: usize, tau: usize, work: usize): void {
  const i = i0 + jj;
  const ld = <usize>lda << 3;
  const ldW = <usize>ldw << 3;
  const row = A + <usize>i * ld;
  const oi = <usize>i << 3;
  // 1. row i (columns i…n−1) += Σ_q Wn_q[i]·V_q + V_q[i]·Wn_q
  for (let q = 0; q < jj; q++) {
    store<f64>(work + (<usize>q << 3), load<f64>(Wn + <usize>q * ldW + oi));
    store<f64>(work + (<usize>(jj + q) << 3), load<f64>(A + <usize>(i0 + q) * ld + oi));
  }
  panelUpdate(A + <usize>i0 * ld + oi, ld, Wn + oi, ldW, jj, work, row + oi, n - i);
  store<f64>(d + oi, load<f64>(row + oi));
  // 2. reflector annihilating row i beyond the superdiagonal (dlarfg, without its rescaling loop
  // for |β| < safmin: rows of norm below ~1e-290 are out of scope)
  const m = n - i - 1;
  const o1 = oi + 8;
  const alpha = load<f64>(row + o1);
  const x = row + o1 + 8;
  const xnorm = nrm2(x, m - 1);
  let beta = alpha;
  let t: f64 = 0;
  if (xnorm != 0) {
    beta = -copysign<f64>(Math.hypot(alpha, xnorm), alpha);
    t = (beta - alpha) / beta;
    const s = 1 / (alpha - beta);
    for (let c = 0; c < m - 1; c++) store<f64>(x + (<usize>c << 3), load<f64>(x + (<usize>c << 3)) * s);
  }
  store<f64>(e + oi, beta);
  store<f64>(tau + oi, t);
  store<f64>(row + o1, 1.0);
  // 3. Wn row jj = −w over columns i+1…n−1
  const v = row + o1;
  const w = Wn + <usize>jj * ldW + o1;
  if (t == 0) {
    memory.fill(w, 0, <usize>m << 3);
    return;
  }
  symv_upper_f64(m, row + ld + o1, lda, v, w);
  // w += V (Wnᵀ v) + Wn (Vᵀ v): the pending update of A₂₂ applied to v; work[q] = Wn_q·v,
  // work[jj+q] = V_q·v
  const vRows = A + <usize>i0 * ld + o1;
  const wRows = Wn + o1;
  panelDots(vRows, ld, wRows, ldW, jj, v, m, work);
  panelUpdate(vRows, ld, wRows, ldW, jj, work, w, m);
  // w ← τ w; w ← w − ½ τ (wᵀv) v; stored negated
  const vt = f64x2.splat(t);
  let c = 0;
  for (; c + 2 <= m; c += 2) v128.store(w + (<usize>c << 3), f64x2.mul(v128.load(w + (<usize>c << 3)), vt));
  for (; c < m; c++) store<f64>(w + (<usize>c << 3), load<f64>(w + (<usize>c << 3)) * t);
  const h = -0.5 * t * dot(w, v, m);
  const vh = f64x2.splat(h);
  c = 0;
  for (; c + 2 <= m; c += 2) {
    const o = <usize>c << 3;
    v128.store(w + o, f64x2.neg(fma2(vh, v128.load(v + o), v128.load(w + o))));
  }
  for (; c < m; c++) {
    const o = <usize>c << 3;
    store<f64>(w + o, -(load<f64>(w + o) + h * load<f64>(v + o)));
  }
}

/** Rows of a diagonal strip in syr2k_upper_f64: the wasted part left of the diagonal is SYR2K_STRIP²/2 per strip. */
const SYR2K_STRIP: i32 = 32;
/** Rows per block in syr2k_upper_f64: one GEMM for the block's part right of its diagonal block. */
const SYR2K_BLOCK: i32 = 256;

/**
 * C[r][c] += Σ_{p<k} P[p][r]·Q[p][c] for rows r0 ≤ r < r1 and columns r ≤ c < m of the m×m C
 * (upper triangle, rows ldc apart); P and Q are k×m (rows ldp, ldq apart). With P = [V; Wn] and
 * Q = [Wn; V] this is the trailing update A ← A − V Wᵀ − W Vᵀ. Per block of SYR2K_BLOCK rows: one
 * GEMM right of the diagonal block, and the diagonal block in SYR2K_STRIP-row strips, whose parts
 * left of the diagonal (scratch) are also written. `work` holds gemmWorkspaceBytes() bytes.
 */
export function syr2k_upper_f64(m: i32, k: i32, P: usize, ldp: i32, Q: usize, ldq: i32, C: usize, ldc: i32,
                                r0: i32, r1: i32, work: usize): void {
  if (r1 <= r0 || k <= 0) return;
  const ld = <usize>ldc << 3;
  for (let b = r0; b < r1; b += SYR2K_BLOCK) {
    const be = min(r1, b + SYR2K_BLOCK);
    if (be < m) {
      gemm_f64(1, 0, be - b, m - be, k, P + (<usize>b << 3), ldp, Q + (<usize>be << 3), ldq,
        C + <usize>b * ld + (<usize>be << 3), ldc, 1, work, 0, 0, 0, 0);
    }
    for (let s = b; s < be; s += SYR2K_STRIP) {
      const rows = min(SYR2K_STRIP, be - s);
      gemm_f64(1, 0, rows, be - s, k, P + (<usize>s << 3), ldp, Q + (<usize>s << 3), ldq,
        C + <usize>s * ld + (<usize>s << 3), ldc, 1, work, 0, 0, 0, 0);
    }
  }
}

/**
 * out[q][c − c0] = v_{i0+q}[c] for q < k and c0 ≤ c < n (rows ldo f64 apart): reflectors i0 …
 * i0+k−1 of A (rows lda apart) as an explicit dense block, with their zeros and unit entries.
 */
export function gather_reflectors_f64(A: usize, lda: i32, n: i32, i0: i32, k: i32, c0: i32, out: usize, ldo: i32): void {
  for (let q = 0; q < k; q++) {
    const i = i0 + q;
    const dst = out + <usize>q * (<usize>ldo << 3);
    const src = A + <usize>i * (<usize>lda << 3);
    // zeros up to column i, 1 at i+1, stored entries from i+2
    const zeroEnd = min(max(i + 1, c0), n);
    if (zeroEnd > c0) memory.fill(dst, 0, <usize>(zeroEnd - c0) << 3);
    if (i + 1 >= c0 && i + 1 < n) store<f64>(dst + (<usize>(i + 1 - c0) << 3), 1.0);
    const from = max(i + 2, c0);
    if (from < n) memory.copy(dst + (<usize>(from - c0) << 3), src + (<usize>from << 3), <usize>(n - from) << 3);
  }
}

/**
 * Tn = −T for the compact WY form H_0 … H_{k−1} = I − V T Vᵀ of k reflectors given as the rows of
 * the dense k×m block V (rows ldv apart, as gather_reflectors_f64 writes) with scalars tau[0:k]:
 * T upper triangular, T[j][j] = τ_j, T[0:j][j] = −τ_j T[0:j][0:j] (V[0:j] v_j) (LAPACK dlarft,
 * forward, columnwise). Tn is k×k, rows ldt apart; its strict lower triangle is set to zero.
 */
export function larft_neg_f64(k: i32, m: i32, V: usize, ldv: i32, tau: usize, Tn: usize, ldt: i32): void {
  const ldV = <usize>ldv << 3;
  const ldT = <usize>ldt << 3;
  for (let j = 0; j < k; j++) {
    const tj = load<f64>(tau + (<usize>j << 3));
    const vj = V + <usize>j * ldV;
    // column j of Tn: rows 0…j−1 = τ_j · T[0:j][0:j] (V[0:j] v_j) = −Tn[0:j][0:j] (τ_j V[0:j] v_j)
    for (let q = 0; q < j; q++) {
      // s_q = −τ_j (v_q · v_j), parked in the (still unused) lower triangle: Tn[j][q]
      store<f64>(Tn + <usize>j * ldT + (<usize>q << 3), tj == 0 ? 0 : -tj * dot(V + <usize>q * ldV, vj, m));
    }
    for (let r = 0; r < j; r++) {
      // T[r][j] = Σ_{q=r}^{j−1} T[r][q] s_q, so Tn[r][j] = Σ Tn[r][q] s_q
      let s: f64 = 0;
      for (let q = r; q < j; q++) s += load<f64>(Tn + <usize>r * ldT + (<usize>q << 3)) * load<f64>(Tn + <usize>j * ldT + (<usize>q << 3));
      store<f64>(Tn + <usize>r * ldT + (<usize>j << 3), s);
    }
    store<f64>(Tn + <usize>j * ldT + (<usize>j << 3), -tj);
  }
  for (let j = 0; j < k; j++) {
    for (let q = 0; q < j; q++) store<f64>(Tn + <usize>j * ldT + (<usize>q << 3), 0);
  }
}
