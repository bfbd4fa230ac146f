// Two-stage reduction of a dense symmetric f64 matrix to tridiagonal form, as flat pointer + size
// kernels; src/hessian/eigen/two-stage.ts drives them (and gemm_f64 for the level-3 work).
//
// Layout as in eigen.ts: A row-major, only its UPPER triangle (c ≥ r) read, the strict lower
// triangle scratch — a row here is LAPACK's column of the lower triangle.
//
// Stage 1, dense → band of half-bandwidth b (LAPACK dsytrd_sy2sb, Bischof, Lang & Sun 2000): per
// panel of k ≤ b rows i0 … i0+k−1, the block right of the band (columns c0 = i0+b … n−1) is
// factorised P = L·Q1ᵀ by k Householder reflectors applied from the right (`gelq2_rows_f64`, an LQ
// factorisation: the rows are contiguous); the trailing matrix then takes Q1ᵀ A₂₂ Q1 as one
// symmetric rank-2k update, whose product Vᵀ·A₂₂ is `symm_upper_rows_f64` (GEMMs on the stored
// triangle). Reflector i: unit at column i+b (where the band keeps its entry), tail in A[i][i+b+1:].
//
// Stage 2, band → tridiagonal by bulge chasing (Schwarz 1968; Lang 1993; LAPACK dsb2st): sweep s
// annihilates row s beyond s+1 with a reflector on indices s+1 … s+b, applies it from both sides
// to the b×b diagonal block and from the left to the block right of it, which fills; the next
// reflector annihilates only the first row of that fill (the rest is swept up by sweep s+1) and
// is chased the same way b further down, to the end of the matrix. The band lives in a compact
// array, row r holding columns r … r+2b−1 (band plus bulge), so with the skewed stride ldb − 1 any
// block inside it is an ordinary row-major block — and the whole chase stays in cache.
// Reflectors of sweep s (windows j = 0, 1, … at s+1+jb, length ≤ b) are stored back to back as
// [τ, v₁ … v_{L−1}] (v₀ = 1 implicit): n−s−1 values, the strict lower row n−1−s of A.
//
// Arithmetic: f64x2 with `fma2` (fused in the relaxed build, mul + add in SIMD128); fixed
// summation orders, so each build is bitwise reproducible.
// see: C. Bischof, B. Lang, X. Sun, "A framework for symmetric band reduction", ACM TOMS 26 (2000);
// B. Lang, "A parallel algorithm for reducing symmetric banded matrices to tridiagonal form",
// SIAM J. Sci. Comput. 14 (1993); A. Haidar, H. Ltaief, J. Dongarra, SC'11 (2011); LAPACK 3.12
// dsytrd_sy2sb, dsytrd_sb2st, dsb2st_kernels, dgelq2, dlarfg.

import { gemm_f64 } from './gemm';
import { dot, fma2, hsum, nrm2, symv_upper_f64 } from './eigen';

function axpy(y: usize, alpha: f64, x: usize, count: i32): void {
  const va = f64x2.splat(alpha);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const o = <usize>i << 3;
    v128.store(y + o, fma2(va, v128.load(x + o), v128.load(y + o)));
    v128.store(y + o, fma2(va, v128.load(x + o, 16), v128.load(y + o, 16)), 16);
  }
  for (; i < count; i++) {
    const o = <usize>i << 3;
    store<f64>(y + o, load<f64>(y + o) + alpha * load<f64>(x + o));
  }
}

// Householder reflector (dlarfg, without its rescaling loop for |β| < safmin) annihilating
// x[1:len]: x[0] ← β, x[1:] ← v[1:] (v[0] = 1 implicit); returns τ (0: H = I, x untouched).
function larfg(x: usize, len: i32): f64 {
  if (len <= 1) return 0;
  const alpha = load<f64>(x);
  const xnorm = nrm2(x + 8, len - 1);
  if (xnorm == 0) return 0;
  const beta = -copysign<f64>(Math.hypot(alpha, xnorm), alpha);
  const s = 1 / (alpha - beta);
  for (let c = 1; c < len; c++) store<f64>(x + (<usize>c << 3), load<f64>(x + (<usize>c << 3)) * s);
  store<f64>(x, beta);
  return (beta - alpha) / beta;
}

// y ← y·H for the row y[0:len] and H = I − τ v vᵀ with v[0] = 1 implicit (v[0] itself not read).
// Same arithmetic as applyRight2, so a row's result does not depend on whether it was paired.
// @ts-ignore: decorator
@inline
function applyRight(y: usize, v: usize, tau: f64, len: i32): void {
  let s0 = f64x2.splat(0);
  let c = 1;
  for (; c + 2 <= len; c += 2) {
    const o = <usize>c << 3;
    s0 = fma2(v128.load(y + o), v128.load(v + o), s0);
  }
  let d = load<f64>(y) + hsum(s0);
  if (c < len) d += load<f64>(y + (<usize>c << 3)) * load<f64>(v + (<usize>c << 3));
  d *= tau;
  store<f64>(y, load<f64>(y) - d);
  const nd = f64x2.splat(-d);
  c = 1;
  for (; c + 2 <= len; c += 2) {
    const o = <usize>c << 3;
    v128.store(y + o, fma2(nd, v128.load(v + o), v128.load(y + o)));
  }
  if (c < len) {
    const o = <usize>c << 3;
    store<f64>(y + o, load<f64>(y + o) - d * load<f64>(v + o));
  }
}

// applyRight for two rows y0, y1 at once: v is loaded once, and the two chains interleave.
// @ts-ignore: decorator
@inline
function applyRight2(y0: usize, y1: usize, v: usize, tau: f64, len: i32): void {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  let c = 1;
  for (; c + 2 <= len; c += 2) {
    const o = <usize>c << 3;
    const vc = v128.load(v + o);
    s0 = fma2(v128.load(y0 + o), vc, s0);
    s1 = fma2(v128.load(y1 + o), vc, s1);
  }
  let d0 = load<f64>(y0) + hsum(s0), d1 = load<f64>(y1) + hsum(s1);
  if (c < len) {
    const o = <usize>c << 3;
    d0 += load<f64>(y0 + o) * load<f64>(v + o);
    d1 += load<f64>(y1 + o) * load<f64>(v + o);
  }
  d0 *= tau;
  d1 *= tau;
  store<f64>(y0, load<f64>(y0) - d0);
  store<f64>(y1, load<f64>(y1) - d1);
  const n0 = f64x2.splat(-d0), n1 = f64x2.splat(-d1);
  c = 1;
  for (; c + 2 <= len; c += 2) {
    const o = <usize>c << 3;
    const vc = v128.load(v + o);
    v128.store(y0 + o, fma2(n0, vc, v128.load(y0 + o)));
    v128.store(y1 + o, fma2(n1, vc, v128.load(y1 + o)));
  }
  if (c < len) {
    const o = <usize>c << 3;
    store<f64>(y0 + o, load<f64>(y0 + o) - d0 * load<f64>(v + o));
    store<f64>(y1 + o, load<f64>(y1 + o) - d1 * load<f64>(v + o));
  }
}

/**
 * LQ factorisation in place of the k×m row-major block P (rows ldp f64 apart), as dgelq2 on its
 * transpose: for j < k, reflector j annihilates row j beyond column j (P[j][j] ← β, v_j[j+1:] over
 * P[j][j+1:], tau[j] = τ_j) and is applied from the right to rows j+1 … k−1.
 */
export function gelq2_rows_f64(k: i32, m: i32, P: usize, ldp: i32, tau: usize): void {
  const ld = <usize>ldp << 3;
  for (let j = 0; j < k; j++) {
    const len = m - j;
    const x = P + <usize>j * ld + (<usize>j << 3);
    const t = len > 0 ? larfg(x, len) : 0;
    store<f64>(tau + (<usize>j << 3), t);
    if (t == 0) continue;
    let r = j + 1;
    // two rows per pass over v
    for (; r + 2 <= k; r += 2) {
      const y0 = P + <usize>r * ld + (<usize>j << 3);
      applyRight2(y0, y0 + ld, x, t, len);
    }
    if (r < k) applyRight(P + <usize>r * ld + (<usize>j << 3), x, t, len);
  }
}

/** Rows per block of symm_upper_rows_f64: its diagonal tile is mirrored and multiplied whole. */
const SYMM_BLOCK: i32 = 256;

/**
 * Y[0:k][:] += V·A restricted to the stored elements in rows r0 ≤ r < r1 of the symmetric m×m A
 * (upper triangle, rows lda apart): element A[r][c] (c ≥ r) adds V[:][r]·A[r][c] to Y[:][c] and,
 * for c > r, V[:][c]·A[r][c] to Y[:][r]; over r0 … r1 = 0 … m that is Y += V·A. V and Y are k×m
 * (rows ldv, ldy apart). Per block of SYMM_BLOCK rows: two GEMMs right of the diagonal tile, and
 * the tile itself mirrored into A's strict lower triangle (scratch) and multiplied by one GEMM.
 * `work` holds gemmWorkspaceBytes() bytes.
 */
export function symm_upper_rows_f64(m: i32, k: i32, V: usize, ldv: i32, A: usize, lda: i32, Y: usize, ldy: i32,
                                    r0: i32, r1: i32, work: usize): void {
  if (r1 <= r0 || k <= 0) return;
  const ld = <usize>lda << 3;
  for (let p = r0; p < r1; p += SYMM_BLOCK) {
    const pe = min(r1, p + SYMM_BLOCK);
    const rows = pe - p;
    const op = <usize>p << 3;
    const ope = <usize>pe << 3;
    // diagonal tile: lower ← upper, then Y[:, p:pe] += V[:, p:pe]·tile
    const tile = A + <usize>p * ld + op;
    for (let r = 0; r < rows; r++) {
      const src = tile + <usize>r * ld;
      for (let c = r + 1; c < rows; c++) store<f64>(tile + <usize>c * ld + (<usize>r << 3), load<f64>(src + (<usize>c << 3)));
    }
    gemm_f64(0, 0, k, rows, rows, V + op, ldv, tile, lda, Y + op, ldy, 1, work, 0, 0, 0, 0);
    if (pe < m) {
      const right = A + <usize>p * ld + ope;
      gemm_f64(0, 0, k, m - pe, rows, V + op, ldv, right, lda, Y + ope, ldy, 1, work, 0, 0, 0, 0);
      gemm_f64(0, 1, k, rows, m - pe, V + ope, ldv, right, lda, Y + op, ldy, 1, work, 0, 0, 0, 0);
    }
  }
}

/**
 * Copies the band of the symmetric n×n A (upper triangle, rows lda apart) into the compact band
 * array B: row r of B (ldb f64 apart, ldb ≥ b+1) = A[r][r … min(r+b, n−1)], the rest of the row 0.
 */
export function band_from_upper_f64(n: i32, b: i32, A: usize, lda: i32, B: usize, ldb: i32): void {
  for (let r = 0; r < n; r++) {
    const dst = B + <usize>r * (<usize>ldb << 3);
    const len = min(b + 1, n - r);
    memory.copy(dst, A + <usize>r * (<usize>lda << 3) + (<usize>r << 3), <usize>len << 3);
    memory.fill(dst + (<usize>len << 3), 0, <usize>(ldb - len) << 3);
  }
}

// D ← H D H for the symmetric L×L block D (upper triangle, rows ld bytes apart) and
// H = I − τ v vᵀ (v[0] = 1 explicit): w = τ D v, w ← w − ½ τ (wᵀv) v, D ← D − v wᵀ − w vᵀ.
function twoSided(D: usize, ld: usize, L: i32, v: usize, tau: f64, w: usize): void {
  symv_upper_f64(L, D, <i32>(ld >> 3), v, w);
  for (let c = 0; c < L; c++) store<f64>(w + (<usize>c << 3), load<f64>(w + (<usize>c << 3)) * tau);
  axpy(w, -0.5 * tau * dot(w, v, L), v, L);
  for (let t = 0; t < L; t++) {
    const row = D + <usize>t * ld;
    const ot = <usize>t << 3;
    const vt = -load<f64>(v + ot), wt = -load<f64>(w + ot);
    const VT = f64x2.splat(vt), WT = f64x2.splat(wt);
    let c = t;
    for (; c + 2 <= L; c += 2) {
      const o = <usize>c << 3;
      v128.store(row + o, fma2(WT, v128.load(v + o), fma2(VT, v128.load(w + o), v128.load(row + o))));
    }
    if (c < L) {
      const o = <usize>c << 3;
      store<f64>(row + o, load<f64>(row + o) + vt * load<f64>(w + o) + wt * load<f64>(v + o));
    }
  }
}

// R ← H R for the L×Lr block R (rows ld bytes apart), H = I − τ v vᵀ (v[0] = 1 explicit):
// u = vᵀ R, R[t] −= τ v[t] u.
function applyLeft(R: usize, ld: usize, L: i32, Lr: i32, v: usize, tau: f64, u: usize): void {
  memory.fill(u, 0, <usize>Lr << 3);
  for (let t = 0; t < L; t++) axpy(u, load<f64>(v + (<usize>t << 3)), R + <usize>t * ld, Lr);
  for (let t = 0; t < L; t++) axpy(R + <usize>t * ld, -tau * load<f64>(v + (<usize>t << 3)), u, Lr);
}

/**
 * Bulge-chasing sweeps s0 … s1−1 (in order; sweeps before s0 done) of the symmetric band matrix of
 * order n and half-bandwidth b in the compact array B (row r, ldb ≥ 2b f64 apart, holds columns
 * r … r+ldb−1; zero beyond the band before sweep 0). After sweep n−3 the band is tridiagonal: d[r]
 * = B[r][0], e[r] = B[r][1]. Sweep s's reflectors go to R + 8·(n−1−s)·ldr: window j (start
 * a = s+1+jb, length L = min(b, n−a)) as [τ, v₁ … v_{L−1}] at offset jb. `work` holds 3b f64.
 */
export function sb2st_sweeps_f64(n: i32, b: i32, B: usize, ldb: i32, s0: i32, s1: i32, R: usize, ldr: i32, work: usize): void {
  // element (r, c) of the band at B + 8·(r·(ldb−1) + c)
  const ld = <usize>(ldb - 1) << 3;
  const v = work;
  const w = work + (<usize>b << 3);
  const u = w + (<usize>b << 3);
  for (let s = s0; s < s1 && s < n - 2; s++) {
    const rec = R + <usize>(n - 1 - s) * (<usize>ldr << 3);
    let a = s + 1;
    let L = min(b, n - a);
    // window 0: annihilate row s beyond s+1
    let x = B + <usize>s * ld + (<usize>a << 3);
    let tau = larfg(x, L);
    for (;;) {
      // x holds [β, v₁ … v_{L−1}]: move v out (the band keeps β and zeros), record it
      const rv = rec + (<usize>(a - s - 1) << 3);
      store<f64>(rv, tau);
      store<f64>(v, 1.0);
      for (let c = 1; c < L; c++) {
        const o = <usize>c << 3;
        const vc = tau != 0 ? load<f64>(x + o) : 0;
        store<f64>(v + o, vc);
        store<f64>(rv + o, vc);
        if (tau != 0) store<f64>(x + o, 0);
      }
      const D = B + <usize>a * ld + (<usize>a << 3);
      if (tau != 0) twoSided(D, ld, L, v, tau, w);
      const a2 = a + b;
      if (a2 > n - 1) break;
      // the block right of the window: rows a … a+L−1 (L = b), columns a2 … a2+Lr−1
      const Lr = min(b, n - a2);
      const Rb = B + <usize>a * ld + (<usize>a2 << 3);
      if (tau != 0) applyLeft(Rb, ld, L, Lr, v, tau, u);
      // the next reflector annihilates the first row of the fill, applied to the other rows
      const t2 = larfg(Rb, Lr);
      if (t2 != 0) {
        for (let t = 1; t < L; t++) applyRight(Rb + <usize>t * ld, Rb, t2, Lr);
      }
      x = Rb;
      tau = t2;
      a = a2;
      L = Lr;
    }
  }
}

/**
 * Applies the bulge-chasing reflectors of sweeps s0 … s1−1 (records as sb2st_sweeps_f64 writes
 * them, at R + 8·(n−1−s)·ldr) to the rows×n row-major G (rows ldg apart): G ← G·H for each
 * reflector in the order of Q₂ = Π_s Π_j H_{s,j} (transpose = 0), or G ← G·H in the reverse order
 * for G·Q₂ᵀ (transpose = 1). Reflectors overlap only with later sweeps' windows j and j−1, so
 * within the sweep block window index j runs down (up for the transpose) and, for each row of G,
 * the block's sweeps run in order at each j: each row's window stays in L1.
 */
export function apply_band_q_rows_f64(n: i32, b: i32, R: usize, ldr: i32, s0: i32, s1: i32, G: usize, ldg: i32,
                                      rows: i32, transpose: i32): void {
  s1 = min(s1, n - 2);
  if (s1 <= s0 || rows <= 0) return;
  const ldR = <usize>ldr << 3;
  const ldG = <usize>ldg << 3;
  const jmax = (n - 2 - s0) / b;
  for (let jj = 0; jj <= jmax; jj++) {
    const j = transpose ? jj : jmax - jj;
    const off = j * b;
    // two rows of G at a time: each reflector is loaded once for both
    for (let g = 0; g < rows; g += 2) {
      const row = G + <usize>g * ldG;
      const two = g + 1 < rows;
      for (let q = 0; q < s1 - s0; q++) {
        const s = transpose ? s1 - 1 - q : s0 + q;
        const a = s + 1 + off;
        if (a > n - 2) {
          if (transpose) continue;
          break;
        }
        const rv = R + <usize>(n - 1 - s) * ldR + (<usize>off << 3);
        const tau = load<f64>(rv);
        if (tau == 0) continue;
        const y = row + (<usize>a << 3);
        if (two) applyRight2(y, y + ldG, rv, tau, min(b, n - a));
        else applyRight(y, rv, tau, min(b, n - a));
      }
    }
  }
}
