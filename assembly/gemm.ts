// GEMM: C[m×n] (=|+=) op(A)[m×k] · op(B)[k×n], row-major, op = identity or transpose, in f32
// (gemm_f32, the fast path) and f64 (gemm_f64, the precise path).
// Packing (Goto & van de Geijn 2008; BLIS, Van Zee & van de Geijn 2015) turns every variant
// (A·B, Aᵀ·B, A·Bᵀ) into one register-blocked micro-kernel per type: 4×8 in f32 (8 f32x4
// accumulators) or 4×4 in f64 (8 f64x2 accumulators). With two B vectors and one broadcast A
// value that fits V8's 16 xmm registers without spilling. A packed B row is 32 bytes in both.
// see: K. Goto, R. van de Geijn, "Anatomy of high-performance matrix multiplication", TOMS 2008.

import { madd } from './simd';

/** Micro-tile rows (A values broadcast per k step). */
export const MR: i32 = 4;
/** Bytes of one packed B row: NR = 8 f32 or 4 f64 columns. */
const NR_BYTES: i32 = 32;
/** k-block: a packed B micro-panel (KC × 32 bytes = 8 KiB) stays in L1. */
export const KC: i32 = 256;
/** m-block: the packed A block (MC×KC elements) stays in L2. */
export const MC: i32 = 64;
/** n-block in f32 columns (halved for f64): the packed B block (256 KiB) stays in L2. */
export const NC: i32 = 256;

/** Bytes of workspace `gemm_*` needs: packed A block, packed B block and one spill tile. */
export function gemmWorkspaceBytes(): i32 {
  return (MC * KC + KC * NC + MR * 8) * 8;
}

// @ts-ignore: decorator
@inline
function nrOf<T>(): i32 {
  return NR_BYTES / <i32>sizeof<T>();
}

// Packs rows [i0, i0+mc) × cols [p0, p0+kc) of op(A) into MR-row micro-panels, k-major:
// dst[panel][p][r]. Rows past m are zero, so the micro-kernel needs no row tail.
function packA<T>(transA: i32, A: usize, lda: i32, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  const sz = <usize>sizeof<T>();
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    const panel = dst + <usize>(ir * kc) * sz;
    if (transA == 0) {
      // op(A)[i][p] = A[i*lda + p]
      for (let r = 0; r < MR; r++) {
        let out = panel + <usize>r * sz;
        if (r < rows) {
          let src = A + <usize>((i0 + ir + r) * lda + p0) * sz;
          for (let p = 0; p < kc; p++) {
            store<T>(out, load<T>(src));
            src += sz;
            out += MR * sz;
          }
        } else {
          for (let p = 0; p < kc; p++) {
            store<T>(out, <T>0);
            out += MR * sz;
          }
        }
      }
    } else {
      // op(A)[i][p] = A[p*lda + i]: MR consecutive values per k step
      let out = panel;
      for (let p = 0; p < kc; p++) {
        const src = A + <usize>((p0 + p) * lda + i0 + ir) * sz;
        if (rows == MR) {
          v128.store(out, v128.load(src));
          if (sz == 8) v128.store(out, v128.load(src, 16), 16);
        } else {
          for (let r = 0; r < MR; r++) store<T>(out + <usize>r * sz, r < rows ? load<T>(src + <usize>r * sz) : <T>0);
        }
        out += MR * sz;
      }
    }
  }
}

// Packs rows [p0, p0+kc) × cols [j0, j0+nc) of op(B) into NR-column micro-panels, k-major:
// dst[panel][p][c]. Columns past n are zero.
function packB<T>(transB: i32, B: usize, ldb: i32, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  const sz = <usize>sizeof<T>();
  const NR = nrOf<T>();
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    const panel = dst + <usize>(jr * kc) * sz;
    if (transB == 0) {
      // op(B)[p][j] = B[p*ldb + j]: NR consecutive values (32 bytes) per k step
      let out = panel;
      for (let p = 0; p < kc; p++) {
        const src = B + <usize>((p0 + p) * ldb + j0 + jr) * sz;
        if (cols == NR) {
          v128.store(out, v128.load(src));
          v128.store(out, v128.load(src, 16), 16);
        } else {
          for (let c = 0; c < NR; c++) store<T>(out + <usize>c * sz, c < cols ? load<T>(src + <usize>c * sz) : <T>0);
        }
        out += NR_BYTES;
      }
    } else {
      // op(B)[p][j] = B[j*ldb + p]
      for (let c = 0; c < NR; c++) {
        let out = panel + <usize>c * sz;
        if (c < cols) {
          let src = B + <usize>((j0 + jr + c) * ldb + p0) * sz;
          for (let p = 0; p < kc; p++) {
            store<T>(out, load<T>(src));
            src += sz;
            out += NR_BYTES;
          }
        } else {
          for (let p = 0; p < kc; p++) {
            store<T>(out, <T>0);
            out += NR_BYTES;
          }
        }
      }
    }
  }
}

// Writes 4 rows of 32 bytes (c?0 low half, c?1 high half) to C or, for a partial tile, through
// `tile` and copies the valid rows × cols. add != 0 adds to C instead of overwriting.
// @ts-ignore: decorator
@inline
function storeTile<T>(C: usize, ldc: i32, rows: i32, cols: i32, add: i32, tile: usize,
                      c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128): void {
  const sz = <usize>sizeof<T>();
  const stride = <usize>ldc * sz;
  if (rows == MR && cols == nrOf<T>()) {
    const r0 = C;
    const r1 = C + stride;
    const r2 = r1 + stride;
    const r3 = r2 + stride;
    if (add) {
      if (sz == 4) {
        c00 = f32x4.add(c00, v128.load(r0)); c01 = f32x4.add(c01, v128.load(r0, 16));
        c10 = f32x4.add(c10, v128.load(r1)); c11 = f32x4.add(c11, v128.load(r1, 16));
        c20 = f32x4.add(c20, v128.load(r2)); c21 = f32x4.add(c21, v128.load(r2, 16));
        c30 = f32x4.add(c30, v128.load(r3)); c31 = f32x4.add(c31, v128.load(r3, 16));
      } else {
        c00 = f64x2.add(c00, v128.load(r0)); c01 = f64x2.add(c01, v128.load(r0, 16));
        c10 = f64x2.add(c10, v128.load(r1)); c11 = f64x2.add(c11, v128.load(r1, 16));
        c20 = f64x2.add(c20, v128.load(r2)); c21 = f64x2.add(c21, v128.load(r2, 16));
        c30 = f64x2.add(c30, v128.load(r3)); c31 = f64x2.add(c31, v128.load(r3, 16));
      }
    }
    v128.store(r0, c00); v128.store(r0, c01, 16);
    v128.store(r1, c10); v128.store(r1, c11, 16);
    v128.store(r2, c20); v128.store(r2, c21, 16);
    v128.store(r3, c30); v128.store(r3, c31, 16);
    return;
  }
  v128.store(tile, c00); v128.store(tile, c01, 16);
  v128.store(tile, c10, 32); v128.store(tile, c11, 48);
  v128.store(tile, c20, 64); v128.store(tile, c21, 80);
  v128.store(tile, c30, 96); v128.store(tile, c31, 112);
  for (let r = 0; r < rows; r++) {
    const crow = C + <usize>r * stride;
    const trow = tile + <usize>(r * NR_BYTES);
    for (let c = 0; c < cols; c++) {
      const dst = crow + <usize>c * sz;
      const v = load<T>(trow + <usize>c * sz);
      store<T>(dst, add ? load<T>(dst) + v : v);
    }
  }
}

// The f32 4×8 micro-kernel over one packed A and one packed B micro-panel.
// @ts-ignore: decorator
@inline
function micro_f32(kc: i32, ap: usize, bp: usize, C: usize, ldc: i32, rows: i32, cols: i32, add: i32, tile: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    ap += 16;
    bp += 32;
  }
  storeTile<f32>(C, ldc, rows, cols, add, tile, c00, c01, c10, c11, c20, c21, c30, c31);
}

// The f64 4×4 micro-kernel (mul + add in both builds: relaxed SIMD's f64x2 FMA is not used, so
// the precise path gives the same bits in every build).
// @ts-ignore: decorator
@inline
function micro_f64(kc: i32, ap: usize, bp: usize, C: usize, ldc: i32, rows: i32, cols: i32, add: i32, tile: usize): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0);
  let c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0);
  let c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load64_splat(ap);
    c00 = f64x2.add(f64x2.mul(a, b0), c00);
    c01 = f64x2.add(f64x2.mul(a, b1), c01);
    a = v128.load64_splat(ap, 8);
    c10 = f64x2.add(f64x2.mul(a, b0), c10);
    c11 = f64x2.add(f64x2.mul(a, b1), c11);
    a = v128.load64_splat(ap, 16);
    c20 = f64x2.add(f64x2.mul(a, b0), c20);
    c21 = f64x2.add(f64x2.mul(a, b1), c21);
    a = v128.load64_splat(ap, 24);
    c30 = f64x2.add(f64x2.mul(a, b0), c30);
    c31 = f64x2.add(f64x2.mul(a, b1), c31);
    ap += 32;
    bp += 32;
  }
  storeTile<f64>(C, ldc, rows, cols, add, tile, c00, c01, c10, c11, c20, c21, c30, c31);
}

// @ts-ignore: decorator
@inline
function gemm<T>(transA: i32, transB: i32, m: i32, n: i32, k: i32,
                 A: usize, lda: i32, B: usize, ldb: i32, C: usize, ldc: i32,
                 accumulate: i32, work: usize): void {
  if (m <= 0 || n <= 0) return;
  const sz = <usize>sizeof<T>();
  if (k <= 0) {
    if (!accumulate) {
      for (let i = 0; i < m; i++) memory.fill(C + <usize>(i * ldc) * sz, 0, <usize>n * sz);
    }
    return;
  }
  const NR = nrOf<T>();
  const nBlock = NC * 4 / <i32>sz;
  const packedA = work;
  const packedB = work + <usize>(MC * KC) * sz;
  const tile = packedB + <usize>(KC * nBlock) * sz;
  for (let j0 = 0; j0 < n; j0 += nBlock) {
    const nc = min(nBlock, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = min(KC, k - p0);
      const add = p0 > 0 || accumulate != 0 ? 1 : 0;
      packB<T>(transB, B, ldb, p0, kc, j0, nc, packedB);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = min(MC, m - i0);
        packA<T>(transA, A, lda, i0, mc, p0, kc, packedA);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr);
          const bp = packedB + <usize>(jr * kc) * sz;
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = min(MR, mc - ir);
            const ap = packedA + <usize>(ir * kc) * sz;
            const cp = C + <usize>((i0 + ir) * ldc + j0 + jr) * sz;
            if (sz == 4) micro_f32(kc, ap, bp, cp, ldc, rows, cols, add, tile);
            else micro_f64(kc, ap, bp, cp, ldc, rows, cols, add, tile);
          }
        }
      }
    }
  }
}

/**
 * f32 C[m×n] = op(A)·op(B) (accumulate = 0) or C += op(A)·op(B) (accumulate = 1).
 * op(A) is m×k: A is m×k (lda ≥ k) or, with transA, k×m (lda ≥ m); op(B) likewise k×n.
 * `work` holds gemmWorkspaceBytes() bytes, 16-byte aligned.
 */
export function gemm_f32(transA: i32, transB: i32, m: i32, n: i32, k: i32, A: usize, lda: i32, B: usize, ldb: i32,
                         C: usize, ldc: i32, accumulate: i32, work: usize): void {
  gemm<f32>(transA, transB, m, n, k, A, lda, B, ldb, C, ldc, accumulate, work);
}

/** f64 GEMM with the same contract as gemm_f32. */
export function gemm_f64(transA: i32, transB: i32, m: i32, n: i32, k: i32, A: usize, lda: i32, B: usize, ldb: i32,
                         C: usize, ldc: i32, accumulate: i32, work: usize): void {
  gemm<f64>(transA, transB, m, n, k, A, lda, B, ldb, C, ldc, accumulate, work);
}
