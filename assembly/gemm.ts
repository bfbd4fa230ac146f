// GEMM: C[m×n] (=|+=) op(A)[m×k] · op(B)[k×n], row-major, op = identity or transpose, in f32
// (gemm_f32, the fast path) and f64 (gemm_f64, the precise path).
// Packing (Goto & van de Geijn 2008; BLIS, Van Zee & van de Geijn 2015) turns every variant
// (A·B, Aᵀ·B, A·Bᵀ) into one register-blocked micro-kernel per type: in f32 5×8 (10 f32x4
// accumulators) in the relaxed build and 4×8 in the SIMD128 build, in f64 4×4 (8 f64x2
// accumulators). A packed B row is 32 bytes in all. An f32 B that is not transposed is already
// k-major, so its full 8-column panels are read in place with its own row stride (packing it
// cost ≈ 4% of a 784-wide weight-gradient GEMM); only a partial last panel is packed.
// Register budget: V8 on x64 allocates xmm0–xmm14, and it schedules a loop body's loads ahead
// of the arithmetic, so every loaded value is live at once. The relaxed 5×8 kernel therefore
// loads four A values as one vector and splats lanes with shuffles (pure ops, placed at their
// use): 10 accumulators + 2 B + 2 A + 1 splat = 15, no spill (≈ 5% faster than 4×8 here). With
// mul + add (SIMD128) each product needs one more register, so there 5×8 is ≈ 12% slower and the
// 4×8 broadcast kernel stays. A 6-row tile of broadcast loads, or a 2× unrolled loop, has more
// loads in flight than registers and spills (≈ 2× slower). Either tile shape sums each C
// element over k in the same order, so the shape does not change results.
// The micro-kernel leaves its tile in a small L1 buffer; `writeTile` then stores it to C through
// an epilogue (EPI_*): plain, + bias, + bias then σ (optionally also keeping the pre-activation),
// or widened to an f64 C — so the forward's bias and activation and the gradient's f64
// accumulation cost no extra pass over the output.
// see: K. Goto, R. van de Geijn, "Anatomy of high-performance matrix multiplication", TOMS 2008.

import { madd } from './simd';
import { ACT_IDENTITY, ACT_RELU, act } from './activations';

/** Default micro-tile rows of the f32 kernel: 5 in the relaxed build, 4 in SIMD128 (the f64 kernel has 4). */
export const MR: i32 = ASC_FEATURE_RELAXED_SIMD ? 5 : 4;
/** Bytes of one packed B row: NR = 8 f32 or 4 f64 columns. */
const NR_BYTES: i32 = 32;
/**
 * k-block: a packed B micro-panel (KC × 32 bytes = 8 KiB) stays in L1. Fixed: every C element is
 * summed over k in KC-long runs (each run in registers, then added to C), so KC sets the bits.
 */
export const KC: i32 = 256;
/** Default m-block in f32 rows (a multiple of 5 and 4): the packed A block stays in L2. */
export const MC: i32 = 80;
/** Default n-block in f32 columns: the packed B block (256 KiB) stays in L2. */
export const NC: i32 = 256;
/** Default m-block in f64 rows. */
const MC64: i32 = 64;
/** Default n-block in f64 columns. */
const NC64: i32 = 128;
/** Largest m-block (f32 rows; also the rows of A kept packed across n-blocks). */
const MAX_MC: i32 = 160;
/** Largest n-block (f32 columns); the f64 n-block at most half (same bytes). */
const MAX_NC: i32 = 512;
/** Largest f64 m-block. */
const MAX_MC64: i32 = 128;

// The configuration (gemm_configure): choices that change the speed on a given CPU but never the
// bits — the micro-tile's rows (the tile shape changes which C elements one call computes, not the
// order of any element's k-terms), the m- and n-blocking (which tiles share a packed block) and
// whether a k-major f32 B is read in place or packed (the same values either way). KC and the
// k-loop order stay fixed. See docs/engine.md, "Kernels per CPU".
let tileRows: i32 = MR;
let blockRows: i32 = MC;
let blockCols: i32 = NC;
let bInPlace: i32 = 1;
let blockRows64: i32 = MC64;
let blockCols64: i32 = NC64;
let transposeNarrow: i32 = 1;

/**
 * Sets the GEMM configuration of this instance: f32 micro-tile rows (4 or 5), f32 m-block (a
 * multiple of 20 in 20 … 160), f32 n-block (a multiple of 8 in 64 … 512), f32 B read in place
 * where that is cheaper (1) or always packed (0), f64 m-block (a multiple of 4 in 16 … 128),
 * f64 n-block (a multiple of 4 in 32 … 256), and whether a narrow f32 C (`narrowByRows`) is
 * computed as Cᵀ (1) or directly (0). Returns 1, or 0 (and changes nothing) when a value is out of
 * range. Results are the same bits under every configuration.
 */
export function gemm_configure(mr: i32, mc: i32, nc: i32, inPlace: i32, mc64: i32, nc64: i32, narrow: i32): i32 {
  if (mr != 4 && mr != 5) return 0;
  if (mc < 20 || mc > MAX_MC || mc % 20 != 0) return 0;
  if (nc < 64 || nc > MAX_NC || nc % 8 != 0) return 0;
  if (inPlace != 0 && inPlace != 1) return 0;
  if (mc64 < 16 || mc64 > MAX_MC64 || mc64 % 4 != 0) return 0;
  if (nc64 < 32 || nc64 > MAX_NC / 2 || nc64 % 4 != 0) return 0;
  if (narrow != 0 && narrow != 1) return 0;
  tileRows = mr;
  blockRows = mc;
  blockCols = nc;
  bInPlace = inPlace;
  blockRows64 = mc64;
  blockCols64 = nc64;
  transposeNarrow = narrow;
  return 1;
}

/** One field of the configuration: 0 tile rows, 1 m-block, 2 n-block, 3 B in place, 4 f64 m-block, 5 f64 n-block, 6 narrow C as Cᵀ. */
export function gemm_config(field: i32): i32 {
  switch (field) {
    case 0: return tileRows;
    case 1: return blockRows;
    case 2: return blockCols;
    case 3: return bInPlace;
    case 4: return blockRows64;
    case 5: return blockCols64;
    case 6: return transposeNarrow;
    default: return -1;
  }
}

/** Epilogue: C (=|+=) op(A)·op(B). */
export const EPI_NONE: i32 = 0;
/** Epilogue: C = (C +) op(A)·op(B) + bias[j]. */
export const EPI_BIAS: i32 = 1;
/** Epilogue: Z = (C +) op(A)·op(B) + bias[j]; C = σ(Z); C2 = Z when C2 ≠ 0 (same ldc). */
export const EPI_BIAS_ACT: i32 = 2;
/** Epilogue: C is f64 (ldc in f64 elements): C (=|+=) op(A)·op(B) widened; same as EPI_NONE in gemm_f64. */
export const EPI_WIDEN: i32 = 3;

/**
 * f32 rows of op(A) kept packed across n-blocks when k ≤ KC (a weight gradient: 128 × 784 from a
 * 256-sample chunk packs its A once, not once per n-block).
 */
const KEEP_A_ROWS: i32 = 160;
/** Bytes of the packed A block (the largest of KEEP_A_ROWS and MAX_MC f32 rows and MAX_MC64 f64 rows of KC), the packed B block and the tile. */
const PACKED_A_BYTES: i32 = max(max(KEEP_A_ROWS, MAX_MC) * KC * 4, MAX_MC64 * KC * 8);
const PACKED_B_BYTES: i32 = KC * MAX_NC * 4;
const TILE_BYTES: i32 = 256;

/** Bytes of workspace `gemm_*` needs: packed A block, packed B block and one tile. */
export function gemmWorkspaceBytes(): i32 {
  return PACKED_A_BYTES + PACKED_B_BYTES + TILE_BYTES;
}

// @ts-ignore: decorator
@inline
function nrOf<T>(): i32 {
  return NR_BYTES / <i32>sizeof<T>();
}

// Micro-tile rows of type T.
// @ts-ignore: decorator
@inline
function mrOf<T>(): i32 {
  return sizeof<T>() == 4 ? tileRows : 4;
}

// m-block rows of type T (a multiple of mrOf<T>()).
// @ts-ignore: decorator
@inline
function mcOf<T>(): i32 {
  return sizeof<T>() == 4 ? blockRows : blockRows64;
}

// n-block columns of type T.
// @ts-ignore: decorator
@inline
function ncOf<T>(): i32 {
  return sizeof<T>() == 4 ? blockCols : blockCols64;
}

// Rows of the micro-panel that starts `ir` rows into an m-block of mc rows. Every panel has MR
// row slots; in the relaxed f32 build an m-block whose rows are not a multiple of 5 ends in
// ceil(mc / 5) panels of 5 and 4 rows (16 = 4 + 4 + 4 + 4, not 5 + 5 + 5 + 1), so the 4-row
// panels skip the padding row's multiply-adds; only blocks too short for that (mc < 4·panels)
// keep a zero-padded last panel.
// @ts-ignore: decorator
@inline
function panelRows<T>(mc: i32, ir: i32): i32 {
  const MR = mrOf<T>();
  const left = mc - ir;
  if (MR == 5) {
    const panels = (left + 4) / 5;
    if (left < 5 * panels && left >= 4 * panels) return 4;
  }
  return min(MR, left);
}

// Stores the transpose of the 4×4 f32 block with rows r0..r3 as 4 vectors at out, out + stride, …
// (the packing of row-major operands into k-major panels, 8 shuffles instead of 16 scalar moves).
// @ts-ignore: decorator
@inline
function storeTransposed4x4(r0: v128, r1: v128, r2: v128, r3: v128, out: usize, stride: usize): void {
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(out, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
  v128.store(out + stride, i32x4.shuffle(t0, t1, 2, 3, 6, 7));
  v128.store(out + 2 * stride, i32x4.shuffle(t2, t3, 0, 1, 4, 5));
  v128.store(out + 3 * stride, i32x4.shuffle(t2, t3, 2, 3, 6, 7));
}

// Byte offset of op(A)'s element (row r, k step p) in a packed micro-panel of kc steps. Rows 0–3
// are k-major, 16 bytes (4 f32) or 32 bytes (4 f64) per step; a fifth f32 row follows them as a run
// of its own. Every A vector the micro-kernel loads is then 16-byte aligned (with the fifth row
// interleaved, steps were 20 bytes and one load in three straddled a cache line), and packing
// copies the fifth row with vector moves: ≈ 2 % on 512³–1024³ on an AMD EPYC with 1 MiB of L2.
// @ts-ignore: decorator
@inline
function slotOffset<T>(kc: i32, p: i32, r: i32): usize {
  if (sizeof<T>() == 8) return (<usize>p << 5) + (<usize>r << 3);
  return r < 4 ? (<usize>p << 4) + (<usize>r << 2) : (<usize>kc << 4) + (<usize>p << 2);
}

// Packs rows [i0, i0+mc) × cols [p0, p0+kc) of op(A) into micro-panels of MR row slots
// (panelRows rows each) laid out by slotOffset. Slots past the panel's rows are zero, except the
// fifth of a 4-row f32 panel, which the 4-row micro-kernel does not read.
function packA<T>(transA: i32, A: usize, lda: i32, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  const sz = <usize>sizeof<T>();
  const MR = mrOf<T>();
  let panel = dst;
  for (let ir = 0, rows = 0; ir < mc; ir += rows, panel += <usize>(MR * kc) * sz) {
    rows = panelRows<T>(mc, ir);
    // a 4-row f32 panel of the 5×8 kernel packs like a full one, without the fifth row
    const full = rows == MR || (MR == 5 && rows == 4);
    if (transA == 0 && sz == 4 && full) {
      // op(A)[i][p] = A[i*lda + p], f32 full panel: rows 0–3 by 4×4 transposes, row 4 (MR = 5) by
      // vector copies into its run, the k tail by scalar moves
      const stride: usize = 16;
      const src = A + (<usize>((i0 + ir) * lda + p0) << 2);
      const row4 = panel + (<usize>kc << 4);
      const ld = <usize>lda << 2;
      const k4 = kc & ~3;
      for (let p = 0; p < k4; p += 4) {
        const s = src + (<usize>p << 2);
        const out = panel + <usize>p * stride;
        storeTransposed4x4(v128.load(s), v128.load(s + ld), v128.load(s + 2 * ld), v128.load(s + 3 * ld), out, stride);
        if (MR == 5 && rows == 5) v128.store(row4 + (<usize>p << 2), v128.load(s + 4 * ld));
      }
      for (let p = k4; p < kc; p++) {
        for (let r = 0; r < rows; r++) {
          store<f32>(panel + slotOffset<T>(kc, p, r), load<f32>(src + <usize>r * ld + (<usize>p << 2)));
        }
      }
    } else if (transA == 0) {
      // op(A)[i][p] = A[i*lda + p]
      for (let r = 0; r < MR; r++) {
        const src = A + <usize>((i0 + ir + r) * lda + p0) * sz;
        for (let p = 0; p < kc; p++) {
          store<T>(panel + slotOffset<T>(kc, p, r), r < rows ? load<T>(src + <usize>p * sz) : <T>0);
        }
      }
    } else {
      // op(A)[i][p] = A[p*lda + i]: MR consecutive values per k step
      const step: usize = sz == 8 ? 32 : 16;
      let out = panel;
      for (let p = 0; p < kc; p++) {
        const src = A + <usize>((p0 + p) * lda + i0 + ir) * sz;
        if (full) {
          // 4 f32 (16 bytes) and a fifth in the row-4 run, or 4 f64 (32 bytes)
          v128.store(out, v128.load(src));
          if (sz == 8) v128.store(out, v128.load(src, 16), 16);
          else if (MR == 5 && rows == 5) store<f32>(panel + slotOffset<T>(kc, p, 4), load<f32>(src, 16));
        } else {
          for (let r = 0; r < MR; r++) store<T>(panel + slotOffset<T>(kc, p, r), r < rows ? load<T>(src + <usize>r * sz) : <T>0);
        }
        out += step;
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
    } else if (sz == 4 && cols == NR) {
      // op(B)[p][j] = B[j*ldb + p], f32 full panel: two 4×4 transposes per 4 k steps
      const src = B + (<usize>((j0 + jr) * ldb + p0) << 2);
      const ld = <usize>ldb << 2;
      const k4 = kc & ~3;
      for (let p = 0; p < k4; p += 4) {
        const s = src + (<usize>p << 2);
        const out = panel + <usize>(p * NR_BYTES);
        storeTransposed4x4(v128.load(s), v128.load(s + ld), v128.load(s + 2 * ld), v128.load(s + 3 * ld), out, NR_BYTES);
        const s4 = s + 4 * ld;
        storeTransposed4x4(v128.load(s4), v128.load(s4 + ld), v128.load(s4 + 2 * ld), v128.load(s4 + 3 * ld), out + 16, NR_BYTES);
      }
      for (let p = k4; p < kc; p++) {
        for (let c = 0; c < NR; c++) {
          store<f32>(panel + <usize>(p * NR_BYTES + c * 4), load<f32>(src + <usize>c * ld + (<usize>p << 2)));
        }
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

// @ts-ignore: decorator
@inline
function addT<T>(a: v128, b: v128): v128 {
  return sizeof<T>() == 4 ? f32x4.add(a, b) : f64x2.add(a, b);
}

// @ts-ignore: decorator
@inline
function promoteHigh(s: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(s, s, 2, 3, 0, 1));
}

// Stores the rows × cols corner of the MR×NR tile in `tile` (row r at tile + 32·r) to C through the
// epilogue `epi` (EPI_*); add != 0 adds C's old values first. bias and C2 point at this tile's
// column and corner. Full tiles take the SIMD path unless σ has no SIMD form (tanh, sigmoid, gelu).
// @ts-ignore: decorator
@inline
function writeTile<T>(C: usize, ldc: i32, rows: i32, cols: i32, add: i32, epi: i32, bias: usize, a: i32, C2: usize, tile: usize): void {
  const sz = <usize>sizeof<T>();
  const MR = mrOf<T>();
  const full = cols == nrOf<T>();
  if (epi == EPI_WIDEN && sz == 4) {
    const stride = <usize>ldc << 3;
    if (full) {
      for (let r = 0; r < rows; r++) {
        const t = tile + <usize>(r * NR_BYTES);
        const c = C + <usize>r * stride;
        const lo = v128.load(t);
        const hi = v128.load(t, 16);
        let w0 = f64x2.promote_low_f32x4(lo), w1 = promoteHigh(lo);
        let w2 = f64x2.promote_low_f32x4(hi), w3 = promoteHigh(hi);
        if (add) {
          w0 = f64x2.add(v128.load(c), w0); w1 = f64x2.add(v128.load(c, 16), w1);
          w2 = f64x2.add(v128.load(c, 32), w2); w3 = f64x2.add(v128.load(c, 48), w3);
        }
        v128.store(c, w0); v128.store(c, w1, 16); v128.store(c, w2, 32); v128.store(c, w3, 48);
      }
      return;
    }
    writeTileScalar<T>(C, stride, 8, rows, cols, add, epi, bias, false, a, C2, tile);
    return;
  }
  const stride = <usize>ldc * sz;
  const withBias = epi == EPI_BIAS || epi == EPI_BIAS_ACT;
  const withAct = epi == EPI_BIAS_ACT;
  if (full && (!withAct || a == ACT_RELU || a == ACT_IDENTITY)) {
    const zero = v128.splat<i64>(0);
    let b0 = zero, b1 = zero;
    if (withBias) {
      b0 = v128.load(bias);
      b1 = v128.load(bias, 16);
    }
    for (let r = 0; r < rows; r++) {
      const t = tile + <usize>(r * NR_BYTES);
      const c = C + <usize>r * stride;
      let v0 = v128.load(t);
      let v1 = v128.load(t, 16);
      if (add) {
        v0 = addT<T>(v0, v128.load(c));
        v1 = addT<T>(v1, v128.load(c, 16));
      }
      if (withBias) {
        v0 = addT<T>(v0, b0);
        v1 = addT<T>(v1, b1);
      }
      if (withAct) {
        if (C2) {
          const z = C2 + <usize>r * stride;
          v128.store(z, v0);
          v128.store(z, v1, 16);
        }
        if (a == ACT_RELU) {
          v0 = sz == 4 ? f32x4.max(v0, zero) : f64x2.max(v0, zero);
          v1 = sz == 4 ? f32x4.max(v1, zero) : f64x2.max(v1, zero);
        }
      }
      v128.store(c, v0);
      v128.store(c, v1, 16);
    }
    return;
  }
  writeTileScalar<T>(C, stride, sz, rows, cols, add, epi, bias, false, a, C2, tile);
}

// Stores the rows × cols corner of the tile one element at a time: tile element (r, c) goes to
// C + r·rowStep + c·colStep bytes (and C2 likewise; C is f64 under EPI_WIDEN), with bias[r]
// (biasByRow) or bias[c]. Each element gets the operations of writeTile's vector path, in the same
// order: + C's old value, + bias, then σ. Not inlined: it stores partial tiles only, and one copy
// keeps the module small (the kernels travel base64-inlined in every bundle).
function writeTileScalar<T>(C: usize, rowStep: usize, colStep: usize, rows: i32, cols: i32, add: i32, epi: i32, bias: usize, biasByRow: bool,
                            a: i32, C2: usize, tile: usize): void {
  const sz = <usize>sizeof<T>();
  if (epi == EPI_WIDEN && sz == 4) {
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const dst = C + <usize>r * rowStep + <usize>c * colStep;
        const v = <f64>load<f32>(tile + <usize>(r * NR_BYTES + c * 4));
        store<f64>(dst, add ? load<f64>(dst) + v : v);
      }
    }
    return;
  }
  const withBias = epi == EPI_BIAS || epi == EPI_BIAS_ACT;
  const withAct = epi == EPI_BIAS_ACT;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const o = <usize>r * rowStep + <usize>c * colStep;
      let v = load<T>(tile + <usize>(r * NR_BYTES) + <usize>c * sz);
      if (add) v += load<T>(C + o);
      if (withBias) v += load<T>(bias + <usize>(biasByRow ? r : c) * sz);
      if (withAct) {
        if (C2) store<T>(C2 + o, v);
        v = act<T>(v, a);
      }
      store<T>(C + o, v);
    }
  }
}

/**
 * Whether an f32 product whose C is n columns wide is computed as Cᵀ = op(B)ᵀ·op(A)ᵀ: when n is
 * below two tiles and not a whole number of them (an MLP's output layer, n = classes), its last
 * 8-column tile holds n mod 8 useful columns, while as Cᵀ's n rows it fills one or two whole
 * row panels (10 = 5 + 5). Each element is the same terms in the same order (a·b = b·a and
 * fma(a, b, c) = fma(b, a, c) exactly), so the bits do not change.
 */
// @ts-ignore: decorator
@inline
function narrowByRows(m: i32, n: i32): bool {
  return transposeNarrow != 0 && n < 16 && (n & 7) != 0 && m >= 4 * n;
}

// The f32 micro-kernel over one packed A micro-panel of `rows` rows and one B micro-panel whose
// rows (8 f32 each) are `bs` bytes apart; leaves the tile in `tile`. Inlined into gemm so that its
// loops sit deep in the loop nest, where V8 unrolls them (4×: one stack check per 4 k steps); a
// separate function's loop is not unrolled (≈ 5% slower). The 4-row panels of the 5-row layout
// take the 4×8 kernel (their rows 0–3 are laid out as a 4-row panel's): a 5×8 loop with a `five`
// flag got the flag tested inside the loop (binaryen merged the two calls into one) and ran ≈ 1%
// slower. Packed B (stride 32) gets a loop with the constant stride: with one loop for both, V8
// recomputed the stride's select inside the unrolled loop (≈ 2% of a SIMD128 fwd+bwd).
// @ts-ignore: decorator
@inline
function micro_f32(kc: i32, ap: usize, bp: usize, bs: usize, tile: usize, rows: i32): void {
  if (rows == 5) {
    if (bs == NR_BYTES) micro5x8(kc, ap, bp, NR_BYTES, tile);
    else micro5x8(kc, ap, bp, bs, tile);
  } else if (bs == NR_BYTES) {
    micro4x8(kc, ap, bp, NR_BYTES, tile);
  } else {
    micro4x8(kc, ap, bp, bs, tile);
  }
}

// 4×8: four broadcast A values per k step (16 bytes).
// @ts-ignore: decorator
@inline
function micro4x8(kc: i32, ap: usize, bp: usize, bs: usize, tile: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  // the loop runs on the A pointer: no step counter (≈ 2–5 % on 512³–1024³ with V8)
  const end = ap + (<usize>kc << 4);
  while (ap < end) {
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
    bp += bs;
  }
  v128.store(tile, c00); v128.store(tile, c01, 16);
  v128.store(tile, c10, 32); v128.store(tile, c11, 48);
  v128.store(tile, c20, 64); v128.store(tile, c21, 80);
  v128.store(tile, c30, 96); v128.store(tile, c31, 112);
}

// 5×8: rows 0–3 come as one vector splat by shuffles, row 4 (a run of its own, slotOffset) as a
// broadcast load.
// @ts-ignore: decorator
@inline
function micro5x8(kc: i32, ap: usize, bp: usize, bs: usize, tile: usize): void {
  let ap4 = ap + (<usize>kc << 4);
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  // the loop runs on the A pointer: no step counter (≈ 2–5 % on 512³–1024³ with V8)
  const end = ap + (<usize>kc << 4);
  while (ap < end) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    const a03 = v128.load(ap);
    let a = i32x4.shuffle(a03, a03, 0, 0, 0, 0);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = i32x4.shuffle(a03, a03, 1, 1, 1, 1);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = i32x4.shuffle(a03, a03, 2, 2, 2, 2);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = i32x4.shuffle(a03, a03, 3, 3, 3, 3);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    const a4 = v128.load32_splat(ap4);
    c40 = madd(a4, b0, c40);
    c41 = madd(a4, b1, c41);
    ap += 16;
    ap4 += 4;
    bp += bs;
  }
  v128.store(tile, c00); v128.store(tile, c01, 16);
  v128.store(tile, c10, 32); v128.store(tile, c11, 48);
  v128.store(tile, c20, 64); v128.store(tile, c21, 80);
  v128.store(tile, c30, 96); v128.store(tile, c31, 112);
  v128.store(tile, c40, 128); v128.store(tile, c41, 144);
}

// The f64 4×4 micro-kernel (mul + add in both builds: relaxed SIMD's f64x2 FMA is not used, so
// the precise path gives the same bits in every build).
function micro_f64(kc: i32, ap: usize, bp: usize, tile: usize): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0);
  let c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0);
  let c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  // the loop runs on the A pointer: no step counter (≈ 2–5 % on 512³–1024³ with V8)
  const end = ap + (<usize>kc << 5);
  while (ap < end) {
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
  v128.store(tile, c00); v128.store(tile, c01, 16);
  v128.store(tile, c10, 32); v128.store(tile, c11, 48);
  v128.store(tile, c20, 64); v128.store(tile, c21, 80);
  v128.store(tile, c30, 96); v128.store(tile, c31, 112);
}

/** Rows of op(A) up to which B is read in place whatever its stride: each panel then serves at most a few tiles. */
const IN_PLACE_ROWS: i32 = 16;

/**
 * Whether f32 B (not transposed, rows `ldb` floats apart) is read in place rather than packed.
 * A panel's KC rows, `ldb`·4 bytes apart, land in 4096 / gcd(4·ldb, 4096) of L1's 64 sets
 * (64-byte lines, 4 KiB per way): when that is all 64 they stay in L1 while the panel is reused
 * across the m-block; a stride with a larger power of two (ldb = 128, 512, 1024 …) crowds them
 * into a few sets that thrash on every reuse (1024³ ran at 0.4 of the ceiling in place), so such
 * B is packed unless op(A) has so few rows that the panel is hardly reused.
 */
// @ts-ignore: decorator
@inline
function readsBInPlace(m: i32, ldb: i32): bool {
  if (bInPlace == 0) return false;
  if (m <= IN_PLACE_ROWS) return true;
  // gcd(4·ldb, 4096) ≤ 64 ⇔ the largest power of two dividing the stride in bytes is ≤ 64
  const stride = ldb << 2;
  return (stride & -stride) <= 64;
}

// @ts-ignore: decorator
@inline
function gemm<T>(transA: i32, transB: i32, m: i32, n: i32, k: i32,
                 A: usize, lda: i32, B: usize, ldb: i32, C: usize, ldc: i32,
                 accumulate: i32, work: usize, epi: i32, bias: usize, a: i32, C2: usize): void {
  if (m <= 0 || n <= 0) return;
  const sz = <usize>sizeof<T>();
  // a narrow f32 C is computed as Cᵀ = op(B)ᵀ·op(A)ᵀ: the operands and their sizes trade places,
  // and each tile is stored transposed (writeTileScalar with the strides swapped)
  const transC = sz == 4 && k > 0 && narrowByRows(m, n);
  if (transC) {
    const t = transA;
    transA = transB ^ 1;
    transB = t ^ 1;
    const mm = m;
    m = n;
    n = mm;
    const pa = A;
    A = B;
    B = pa;
    const la = lda;
    lda = ldb;
    ldb = la;
  }
  // bytes of one C element: EPI_WIDEN makes an f32 product's C f64
  const csz: usize = epi == EPI_WIDEN ? 8 : sz;
  const NR = nrOf<T>();
  const MR = mrOf<T>();
  const mBlock = mcOf<T>();
  const nBlock = ncOf<T>();
  const packedA = work;
  const packedB = work + <usize>PACKED_A_BYTES;
  const tile = packedB + <usize>PACKED_B_BYTES;
  if (k <= 0) {
    // op(A)·op(B) = 0: the epilogue alone, tile by tile
    memory.fill(tile, 0, <usize>TILE_BYTES);
    for (let i = 0; i < m; i += MR) {
      for (let j = 0; j < n; j += NR) {
        const o = <usize>(i * ldc + j);
        writeTile<T>(C + o * csz, ldc, min(MR, m - i), min(NR, n - j), accumulate, epi, bias + <usize>j * sz, a,
          C2 ? C2 + o * sz : 0, tile);
      }
    }
    return;
  }
  // one k-block and several n-blocks: op(A) is packed on the first n-block and kept (m rounded up
  // to whole panels fits KEEP_A_ROWS; each m-block then sits at its own offset)
  const keepA = sz == 4 && k <= KC && n > nBlock && (m + MR - 1) / MR * MR <= KEEP_A_ROWS;
  // an f32 op(B) = B is already k-major: its full panels are read in place (rows ldb apart),
  // only a partial last panel is packed (zero-padded) — where that is cheaper (readsBInPlace)
  const direct = sz == 4 && transB == 0 && readsBInPlace(m, ldb);
  for (let j0 = 0; j0 < n; j0 += nBlock) {
    const nc = min(nBlock, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = min(KC, k - p0);
      const add = p0 > 0 || accumulate != 0 ? 1 : 0;
      // the epilogue runs once, on the last k-block; before it C holds partial sums in its own type
      const e = p0 + kc >= k ? epi : (epi == EPI_WIDEN ? EPI_WIDEN : EPI_NONE);
      const nFull = direct ? nc & ~(NR - 1) : 0;
      if (nFull < nc) packB<T>(transB, B, ldb, p0, kc, j0 + nFull, nc - nFull, packedB + <usize>(nFull * kc) * sz);
      for (let i0 = 0; i0 < m; i0 += mBlock) {
        const mc = min(mBlock, m - i0);
        const block = keepA ? packedA + <usize>(i0 * kc) * sz : packedA;
        if (!keepA || j0 == 0) packA<T>(transA, A, lda, i0, mc, p0, kc, block);
        // the block's tiles in one of two orders (the same tiles, so the same bits): with B packed,
        // each A micro-panel runs along the whole row of B micro-panels (contiguous in L2) while it
        // stays in L1, and writes C a row of tiles at a time (sequential rows the hardware
        // prefetches): ≈ 3 % on 512³–1024³ on an AMD EPYC with 1 MiB of L2. B read in place keeps
        // its micro-panel in L1 across the A micro-panels instead: its rows are ldb apart, so
        // streaming them per A micro-panel would touch a page per k step.
        const rowsOuter = !direct;
        let ir = 0;
        let jr = 0;
        let ap = block;
        let rows = panelRows<T>(mc, 0);
        while (true) {
          const cols = min(NR, nc - jr);
          const inPlace = direct && cols == NR;
          const bp = inPlace ? B + <usize>(p0 * ldb + j0 + jr) * sz : packedB + <usize>(jr * kc) * sz;
          const bs: usize = inPlace ? <usize>ldb * sz : <usize>NR_BYTES;
          if (sz == 4) micro_f32(kc, ap, bp, bs, tile, rows);
          else micro_f64(kc, ap, bp, tile);
          if (transC) {
            // this tile is Cᵀ's rows i0 + ir … (C's columns) × columns j0 + jr … (C's rows): tile
            // element (r, c) is C's (j0 + jr + c, i0 + ir + r), with bias[r]; stored one by one
            // (a narrow C is a few columns wide)
            const o = <usize>((j0 + jr) * ldc + i0 + ir);
            writeTileScalar<T>(C + o * csz, csz, <usize>ldc * csz, rows, cols, add, e, bias + <usize>(i0 + ir) * sz, true, a, C2 ? C2 + o * sz : 0, tile);
          } else {
            const o = <usize>((i0 + ir) * ldc + j0 + jr);
            writeTile<T>(C + o * csz, ldc, rows, cols, add, e, bias + <usize>(j0 + jr) * sz, a, C2 ? C2 + o * sz : 0, tile);
          }
          // next tile: along the row of B micro-panels, or down the column of A micro-panels
          if (rowsOuter) {
            jr += NR;
            if (jr < nc) continue;
            jr = 0;
            ir += rows;
            if (ir >= mc) break;
            ap += <usize>(MR * kc) * sz;
          } else {
            ir += rows;
            ap += <usize>(MR * kc) * sz;
            if (ir >= mc) {
              jr += NR;
              if (jr >= nc) break;
              ir = 0;
              ap = block;
            }
          }
          rows = panelRows<T>(mc, ir);
        }
      }
    }
  }
}

/**
 * f32 C[m×n] = op(A)·op(B) (accumulate = 0) or C += op(A)·op(B) (accumulate = 1), stored through
 * the epilogue `epi` (EPI_*; bias: n values, act: activation code, C2: second m×n output or 0).
 * op(A) is m×k: A is m×k (lda ≥ k) or, with transA, k×m (lda ≥ m); op(B) likewise k×n.
 * `work` holds gemmWorkspaceBytes() bytes, 16-byte aligned.
 */
export function gemm_f32(transA: i32, transB: i32, m: i32, n: i32, k: i32, A: usize, lda: i32, B: usize, ldb: i32,
                         C: usize, ldc: i32, accumulate: i32, work: usize, epi: i32, bias: usize, act: i32, C2: usize): void {
  gemm<f32>(transA, transB, m, n, k, A, lda, B, ldb, C, ldc, accumulate, work, epi, bias, act, C2);
}

/** f64 GEMM with the same contract as gemm_f32. */
export function gemm_f64(transA: i32, transB: i32, m: i32, n: i32, k: i32, A: usize, lda: i32, B: usize, ldb: i32,
                         C: usize, ldc: i32, accumulate: i32, work: usize, epi: i32, bias: usize, act: i32, C2: usize): void {
  gemm<f64>(transA, transB, m, n, k, A, lda, B, ldb, C, ldc, accumulate, work, epi, bias, act, C2);
}
