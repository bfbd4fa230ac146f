// Vector kernels: f32 or f64 data, f64 accumulation, SIMD main loop and an explicit scalar tail.

// @ts-ignore: decorator
@inline
function promoteHigh(s: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(s, s, 2, 3, 0, 1));
}

/** dst[i] += src[i] (src f32, dst f64): folds f32 partial sums into f64 totals. */
function acc_f32_into_f64(src: usize, dst: usize, count: i32): void {
  let i = 0;
  const c4 = count & ~3;
  for (; i < c4; i += 4) {
    const s = v128.load(src + (<usize>i << 2));
    const d = dst + (<usize>i << 3);
    v128.store(d, f64x2.add(v128.load(d), f64x2.promote_low_f32x4(s)));
    v128.store(d, f64x2.add(v128.load(d, 16), promoteHigh(s)), 16);
  }
  for (; i < count; i++) {
    const d = dst + (<usize>i << 3);
    store<f64>(d, load<f64>(d) + <f64>load<f32>(src + (<usize>i << 2)));
  }
}

// out[j] (=|+=) Σ_i D[i][j] in f64 for an m×n row-major block of T (f32 or f64): with
// accumulate = 0 the sum starts from the first row instead of out, so out needs no zeroing.
// @ts-ignore: decorator
@inline
function colsumInto64<T>(D: usize, m: i32, n: i32, out: usize, accumulate: i32): void {
  let i = 0;
  if (!accumulate) {
    if (m <= 0) {
      memory.fill(out, 0, <usize>n << 3);
      return;
    }
    if (sizeof<T>() == 4) f32_to_f64(D, out, n);
    else memory.copy(out, D, <usize>n << 3);
    i = 1;
  }
  for (; i < m; i++) {
    const row = D + <usize>(i * n) * sizeof<T>();
    if (sizeof<T>() == 4) acc_f32_into_f64(row, out, n);
    else axpy_f64(1.0, row, out, n);
  }
}

/** Column sums of an m×n row-major f32 block into f64 (bias gradients); see colsumInto64. */
export function colsum_f32_into_f64(D: usize, m: i32, n: i32, out: usize, accumulate: i32): void {
  colsumInto64<f32>(D, m, n, out, accumulate);
}

/** Column sums of an m×n row-major f64 block into f64; see colsumInto64. */
export function colsum_f64_into_f64(D: usize, m: i32, n: i32, out: usize, accumulate: i32): void {
  colsumInto64<f64>(D, m, n, out, accumulate);
}

/** Σ a[i]·b[i] over f32 vectors, products and sums in f64. */
export function dot_f32(a: usize, b: usize, count: i32): f64 {
  let s0 = f64x2.splat(0);
  let s1 = f64x2.splat(0);
  let i = 0;
  const c4 = count & ~3;
  for (; i < c4; i += 4) {
    const o = <usize>i << 2;
    const x = v128.load(a + o);
    const y = v128.load(b + o);
    s0 = f64x2.add(s0, f64x2.mul(f64x2.promote_low_f32x4(x), f64x2.promote_low_f32x4(y)));
    s1 = f64x2.add(s1, f64x2.mul(promoteHigh(x), promoteHigh(y)));
  }
  const s = f64x2.add(s0, s1);
  let total = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; i < count; i++) total += <f64>load<f32>(a + (<usize>i << 2)) * <f64>load<f32>(b + (<usize>i << 2));
  return total;
}

/** Σ a[i]·b[i] over f64 vectors. */
export function dot_f64(a: usize, b: usize, count: i32): f64 {
  let s0 = f64x2.splat(0);
  let s1 = f64x2.splat(0);
  let i = 0;
  const c4 = count & ~3;
  for (; i < c4; i += 4) {
    const o = <usize>i << 3;
    s0 = f64x2.add(s0, f64x2.mul(v128.load(a + o), v128.load(b + o)));
    s1 = f64x2.add(s1, f64x2.mul(v128.load(a + o, 16), v128.load(b + o, 16)));
  }
  const s = f64x2.add(s0, s1);
  let total = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; i < count; i++) total += load<f64>(a + (<usize>i << 3)) * load<f64>(b + (<usize>i << 3));
  return total;
}

/** y += α·x over f64 vectors. */
export function axpy_f64(alpha: f64, x: usize, y: usize, count: i32): void {
  const a = f64x2.splat(alpha);
  let i = 0;
  const c2 = count & ~1;
  for (; i < c2; i += 2) {
    const o = <usize>i << 3;
    v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.mul(a, v128.load(x + o))));
  }
  for (; i < count; i++) {
    const o = <usize>i << 3;
    store<f64>(y + o, load<f64>(y + o) + alpha * load<f64>(x + o));
  }
}

/** x *= α over an f64 vector. */
export function scale_f64(alpha: f64, x: usize, count: i32): void {
  const a = f64x2.splat(alpha);
  let i = 0;
  const c2 = count & ~1;
  for (; i < c2; i += 2) {
    const o = <usize>i << 3;
    v128.store(x + o, f64x2.mul(a, v128.load(x + o)));
  }
  for (; i < count; i++) store<f64>(x + (<usize>i << 3), alpha * load<f64>(x + (<usize>i << 3)));
}

/** dst[i] = f32(src[i]) (src f64). */
export function f64_to_f32(src: usize, dst: usize, count: i32): void {
  for (let i = 0; i < count; i++) store<f32>(dst + (<usize>i << 2), <f32>load<f64>(src + (<usize>i << 3)));
}

/** dst[i] = f64(src[i]) (src f32). */
export function f32_to_f64(src: usize, dst: usize, count: i32): void {
  for (let i = 0; i < count; i++) store<f64>(dst + (<usize>i << 3), <f64>load<f32>(src + (<usize>i << 2)));
}

// ---- Fused re-orthogonalisation: m dot products in one pass, an m-term combination in one pass.
// The basis is `rows` vectors of length n stored with a row stride of `ld` f64 values. Columns go
// in blocks of COL_BLOCK so the block of v (or y) stays in L1 while 8 basis rows stream past it:
// the basis is read once per call and v (or y) about once per 8 rows.
// see: Å. Björck, "Numerics of Gram–Schmidt orthogonalization", Lin. Alg. Appl. 197 (1994)
// (classical Gram–Schmidt as two matrix–vector products, applied twice).

/** f64 values per column block: 4 KiB of v or y. */
const COL_BLOCK: i32 = 512;

// @ts-ignore: decorator
@inline
function hsum(s: v128): f64 {
  return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
}

// out[0..8) += Σ_{i<len} row_r[i]·v[i] for the 8 rows at B, B + stride, …
function dots8(B: usize, stride: usize, v: usize, len: i32, out: usize): void {
  const r1 = B + stride, r2 = r1 + stride, r3 = r2 + stride;
  const r4 = r3 + stride, r5 = r4 + stride, r6 = r5 + stride, r7 = r6 + stride;
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
  let s4 = f64x2.splat(0), s5 = f64x2.splat(0), s6 = f64x2.splat(0), s7 = f64x2.splat(0);
  const l2 = len & ~1;
  for (let i = 0; i < l2; i += 2) {
    const o = <usize>i << 3;
    const x = v128.load(v + o);
    s0 = f64x2.add(s0, f64x2.mul(v128.load(B + o), x));
    s1 = f64x2.add(s1, f64x2.mul(v128.load(r1 + o), x));
    s2 = f64x2.add(s2, f64x2.mul(v128.load(r2 + o), x));
    s3 = f64x2.add(s3, f64x2.mul(v128.load(r3 + o), x));
    s4 = f64x2.add(s4, f64x2.mul(v128.load(r4 + o), x));
    s5 = f64x2.add(s5, f64x2.mul(v128.load(r5 + o), x));
    s6 = f64x2.add(s6, f64x2.mul(v128.load(r6 + o), x));
    s7 = f64x2.add(s7, f64x2.mul(v128.load(r7 + o), x));
  }
  let t0 = hsum(s0), t1 = hsum(s1), t2 = hsum(s2), t3 = hsum(s3);
  let t4 = hsum(s4), t5 = hsum(s5), t6 = hsum(s6), t7 = hsum(s7);
  if (l2 < len) {
    const o = <usize>l2 << 3;
    const x = load<f64>(v + o);
    t0 += load<f64>(B + o) * x; t1 += load<f64>(r1 + o) * x; t2 += load<f64>(r2 + o) * x; t3 += load<f64>(r3 + o) * x;
    t4 += load<f64>(r4 + o) * x; t5 += load<f64>(r5 + o) * x; t6 += load<f64>(r6 + o) * x; t7 += load<f64>(r7 + o) * x;
  }
  store<f64>(out, load<f64>(out) + t0); store<f64>(out, load<f64>(out, 8) + t1, 8);
  store<f64>(out, load<f64>(out, 16) + t2, 16); store<f64>(out, load<f64>(out, 24) + t3, 24);
  store<f64>(out, load<f64>(out, 32) + t4, 32); store<f64>(out, load<f64>(out, 40) + t5, 40);
  store<f64>(out, load<f64>(out, 48) + t6, 48); store<f64>(out, load<f64>(out, 56) + t7, 56);
}

// y[0..len) += Σ_{r<8} c[r]·row_r for the 8 rows at B, B + stride, …
function combine8(B: usize, stride: usize, c: usize, len: i32, y: usize): void {
  const r1 = B + stride, r2 = r1 + stride, r3 = r2 + stride;
  const r4 = r3 + stride, r5 = r4 + stride, r6 = r5 + stride, r7 = r6 + stride;
  const c0 = v128.load64_splat(c), c1 = v128.load64_splat(c, 8), c2 = v128.load64_splat(c, 16), c3 = v128.load64_splat(c, 24);
  const c4 = v128.load64_splat(c, 32), c5 = v128.load64_splat(c, 40), c6 = v128.load64_splat(c, 48), c7 = v128.load64_splat(c, 56);
  const l2 = len & ~1;
  for (let i = 0; i < l2; i += 2) {
    const o = <usize>i << 3;
    const a = f64x2.add(
      f64x2.add(f64x2.mul(c0, v128.load(B + o)), f64x2.mul(c1, v128.load(r1 + o))),
      f64x2.add(f64x2.mul(c2, v128.load(r2 + o)), f64x2.mul(c3, v128.load(r3 + o))),
    );
    const b = f64x2.add(
      f64x2.add(f64x2.mul(c4, v128.load(r4 + o)), f64x2.mul(c5, v128.load(r5 + o))),
      f64x2.add(f64x2.mul(c6, v128.load(r6 + o)), f64x2.mul(c7, v128.load(r7 + o))),
    );
    v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.add(a, b)));
  }
  if (l2 < len) {
    const o = <usize>l2 << 3;
    let s = 0.0;
    for (let r = 0; r < 8; r++) s += load<f64>(c + (<usize>r << 3)) * load<f64>(B + <usize>r * stride + o);
    store<f64>(y + o, load<f64>(y + o) + s);
  }
}

/**
 * out[j] = Σ_{i<n} B[j·ld + i]·v[i] for j < rows (f64): the m dot products of classical
 * Gram–Schmidt in one pass over the basis. `out` must not overlap B or v.
 */
export function project_f64(B: usize, rows: i32, n: i32, ld: i32, v: usize, out: usize): void {
  memory.fill(out, 0, <usize>rows << 3);
  const stride = <usize>ld << 3;
  for (let c0 = 0; c0 < n; c0 += COL_BLOCK) {
    const len = min(COL_BLOCK, n - c0);
    const col = <usize>c0 << 3;
    let j = 0;
    for (; j + 8 <= rows; j += 8) dots8(B + <usize>j * stride + col, stride, v + col, len, out + (<usize>j << 3));
    for (; j < rows; j++) {
      const o = out + (<usize>j << 3);
      store<f64>(o, load<f64>(o) + dot_f64(B + <usize>j * stride + col, v + col, len));
    }
  }
}

// y[col..col+len) += Σ_{j<rows} coeffs[j]·B[j][col..col+len): one column block of the update.
// @ts-ignore: decorator
@inline
function combineBlock(B: usize, rows: i32, stride: usize, col: usize, coeffs: usize, len: i32, y: usize): void {
  let j = 0;
  for (; j + 8 <= rows; j += 8) combine8(B + <usize>j * stride + col, stride, coeffs + (<usize>j << 3), len, y + col);
  for (; j < rows; j++) axpy_f64(load<f64>(coeffs + (<usize>j << 3)), B + <usize>j * stride + col, y + col, len);
}

/**
 * y[i] += Σ_{j<rows} coeffs[j]·B[j·ld + i] for i < n (f64): the m-term update of classical
 * Gram–Schmidt in one pass over the basis. `y` must not overlap B or coeffs.
 */
export function combine_f64(B: usize, rows: i32, n: i32, ld: i32, coeffs: usize, y: usize): void {
  const stride = <usize>ld << 3;
  for (let c0 = 0; c0 < n; c0 += COL_BLOCK) {
    const len = min(COL_BLOCK, n - c0);
    combineBlock(B, rows, stride, <usize>c0 << 3, coeffs, len, y);
  }
}

/**
 * y[i] += Σ_{j<rows} coeffs[j]·B[j·ld + i], then out[j] = Σ_i B[j·ld + i]·y[i] (the updated y):
 * the first Gram–Schmidt pass's update fused with the second pass's projection, so each column
 * block of the basis is read from memory once and re-read from cache (a block of all rows is
 * rows × 4 KiB). Classical Gram–Schmidt twice then costs three passes over the basis, not four.
 */
export function combine_project_f64(B: usize, rows: i32, n: i32, ld: i32, coeffs: usize, y: usize, out: usize): void {
  memory.fill(out, 0, <usize>rows << 3);
  const stride = <usize>ld << 3;
  for (let c0 = 0; c0 < n; c0 += COL_BLOCK) {
    const len = min(COL_BLOCK, n - c0);
    const col = <usize>c0 << 3;
    combineBlock(B, rows, stride, col, coeffs, len, y);
    let j = 0;
    for (; j + 8 <= rows; j += 8) dots8(B + <usize>j * stride + col, stride, y + col, len, out + (<usize>j << 3));
    for (; j < rows; j++) {
      const o = out + (<usize>j << 3);
      store<f64>(o, load<f64>(o) + dot_f64(B + <usize>j * stride + col, y + col, len));
    }
  }
}
