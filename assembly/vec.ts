// Vector kernels: f32 or f64 data, f64 accumulation, SIMD main loop and an explicit scalar tail.

// @ts-ignore: decorator
@inline
function promoteHigh(s: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(s, s, 2, 3, 0, 1));
}

/** dst[i] += src[i] (src f32, dst f64): folds one chunk's f32 partial sums into f64 totals. */
export function acc_f32_into_f64(src: usize, dst: usize, count: i32): void {
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

/** y += x over f64 vectors. */
export function acc_f64_into_f64(src: usize, dst: usize, count: i32): void {
  axpy_f64(1.0, src, dst, count);
}

/** out[j] += Σ_i D[i][j] in f64 for an m×n row-major f32 block (bias gradients). */
export function colsum_f32_into_f64(D: usize, m: i32, n: i32, out: usize): void {
  for (let i = 0; i < m; i++) acc_f32_into_f64(D + (<usize>(i * n) << 2), out, n);
}

/** out[j] += Σ_i D[i][j] for an m×n row-major f64 block. */
export function colsum_f64_into_f64(D: usize, m: i32, n: i32, out: usize): void {
  for (let i = 0; i < m; i++) axpy_f64(1.0, D + (<usize>(i * n) << 3), out, n);
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
