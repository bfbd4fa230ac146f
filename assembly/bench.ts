// Ceiling micro-benchmarks: how many f32x4 multiply-adds per second this machine's wasm engine
// retires when nothing but arithmetic limits it. Independent accumulator chains hide the
// latency (FMA ≈ 4 cycles, mul + add ≈ 6–7), so throughput is bounded by the FP pipes alone: the
// measured ceiling GEMM efficiency is reported against (bench/ceiling.ts).
// The relaxed build runs `f32x4.relaxed_madd` (one FMA per lane), the SIMD128 build `mul` then
// `add` (simd.ts); both count 2 flops per lane.
// see: S. Williams, A. Waterman, D. Patterson, "Roofline", CACM 2009 (measured compute ceilings).

import { madd } from './simd';

/**
 * Runs `iters` steps of 8 independent f32x4 madd chains (a ← a·b + c); returns a lane sum so the
 * work stays live. Flops = iters · 8 chains · 4 lanes · 2.
 */
export function ceiling_madd8_f32x4(iters: i32): f32 {
  const b = f32x4.splat(0.99990);
  const c = f32x4.splat(0.00001);
  let a0 = f32x4.splat(0.1), a1 = f32x4.splat(0.2), a2 = f32x4.splat(0.3), a3 = f32x4.splat(0.4);
  let a4 = f32x4.splat(0.5), a5 = f32x4.splat(0.6), a6 = f32x4.splat(0.7), a7 = f32x4.splat(0.8);
  for (let i = 0; i < iters; i++) {
    a0 = madd(a0, b, c); a1 = madd(a1, b, c); a2 = madd(a2, b, c); a3 = madd(a3, b, c);
    a4 = madd(a4, b, c); a5 = madd(a5, b, c); a6 = madd(a6, b, c); a7 = madd(a7, b, c);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}

/**
 * Runs `iters` steps of 12 independent f32x4 madd chains (enough for mul + add's longer latency
 * on two pipes); returns a lane sum. Flops = iters · 12 chains · 4 lanes · 2.
 */
export function ceiling_madd12_f32x4(iters: i32): f32 {
  const b = f32x4.splat(0.99990);
  const c = f32x4.splat(0.00001);
  let a0 = f32x4.splat(0.1), a1 = f32x4.splat(0.2), a2 = f32x4.splat(0.3), a3 = f32x4.splat(0.4);
  let a4 = f32x4.splat(0.5), a5 = f32x4.splat(0.6), a6 = f32x4.splat(0.7), a7 = f32x4.splat(0.8);
  let a8 = f32x4.splat(0.9), a9 = f32x4.splat(1.0), a10 = f32x4.splat(1.1), a11 = f32x4.splat(1.2);
  for (let i = 0; i < iters; i++) {
    a0 = madd(a0, b, c); a1 = madd(a1, b, c); a2 = madd(a2, b, c); a3 = madd(a3, b, c);
    a4 = madd(a4, b, c); a5 = madd(a5, b, c); a6 = madd(a6, b, c); a7 = madd(a7, b, c);
    a8 = madd(a8, b, c); a9 = madd(a9, b, c); a10 = madd(a10, b, c); a11 = madd(a11, b, c);
  }
  const s = f32x4.add(
    f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7))),
    f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11)),
  );
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}
