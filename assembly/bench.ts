// Ceiling micro-benchmarks: how many f32x4 multiply-adds per second this machine's wasm engine
// retires when nothing but arithmetic limits it — the measured ceiling GEMM efficiency is
// reported against (bench/ceiling.ts). Two shapes, both with independent accumulator chains so
// the FP pipes, not latency, bound the rate:
// - `ceiling_madd8_f32x4`: the GEMM micro-kernel's register shape — per step, two f32x4 vectors
//   b and four broadcast values a from L1 (an advancing pointer, so nothing can be hoisted), 8
//   distinct products into 8 accumulators. Valid for both builds: with mul + add each product is
//   its own `mul`, so nothing can be shared.
// - `ceiling_madd12_f32x4`: 12 chains a_i ← x·b + a_i on the same x, b. Only meaningful for the
//   relaxed build: an FMA cannot be shared between chains, but in the SIMD128 build x·b is one
//   common subexpression and the kernel degenerates to adds (bench/ceiling.ts does not use it there).
// The relaxed build runs `f32x4.relaxed_madd` (FMA), the SIMD128 build `mul` then `add` (simd.ts);
// both count 2 flops per lane.
// see: S. Williams, A. Waterman, D. Patterson, "Roofline", CACM 2009 (measured compute ceilings).

import { madd } from './simd';

/** Bytes of the operand buffer `ceiling_madd8_f32x4` cycles through (stays in L1). */
const RING: usize = 4096;

/**
 * Runs `iters` steps of the 4×8 micro-kernel's arithmetic on operands read from `buf` (RING + 96
 * bytes, any finite values): 8 independent accumulators, 8 madds per step (`iters` even). Returns a lane sum so
 * the work stays live. Flops = iters · 8 · 4 lanes · 2.
 */
export function ceiling_madd8_f32x4(iters: i32, buf: usize): f32 {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let a4 = f32x4.splat(0), a5 = f32x4.splat(0), a6 = f32x4.splat(0), a7 = f32x4.splat(0);
  let off: usize = 0;
  // Two steps per trip (96 bytes of operands) so the loop bookkeeping is not what limits it.
  for (let i = 0; i < iters; i += 2) {
    const p = buf + off;
    let b0 = v128.load(p);
    let b1 = v128.load(p, 16);
    let x = v128.load32_splat(p, 32);
    a0 = madd(x, b0, a0); a1 = madd(x, b1, a1);
    x = v128.load32_splat(p, 36);
    a2 = madd(x, b0, a2); a3 = madd(x, b1, a3);
    x = v128.load32_splat(p, 40);
    a4 = madd(x, b0, a4); a5 = madd(x, b1, a5);
    x = v128.load32_splat(p, 44);
    a6 = madd(x, b0, a6); a7 = madd(x, b1, a7);
    b0 = v128.load(p, 48);
    b1 = v128.load(p, 64);
    x = v128.load32_splat(p, 80);
    a0 = madd(x, b0, a0); a1 = madd(x, b1, a1);
    x = v128.load32_splat(p, 84);
    a2 = madd(x, b0, a2); a3 = madd(x, b1, a3);
    x = v128.load32_splat(p, 88);
    a4 = madd(x, b0, a4); a5 = madd(x, b1, a5);
    x = v128.load32_splat(p, 92);
    a6 = madd(x, b0, a6); a7 = madd(x, b1, a7);
    off = (off + 96) & (RING - 1);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}

/**
 * Runs `iters` steps of the 5×8 micro-kernel's arithmetic (gemm.ts `micro5x8`) on operands read
 * from `buf` (RING + 96 bytes): per step two f32x4 B vectors, four A values as one vector splat by
 * shuffles and a fifth as a broadcast load, 10 madds into 10 accumulators. Beside
 * `ceiling_madd8_f32x4` (the 4×8 shape: four broadcast loads, 8 madds) it shows what the shuffles
 * and the two extra accumulators cost on this CPU. Flops = iters · 10 · 4 lanes · 2.
 */
export function ceiling_madd10_shuffle_f32x4(iters: i32, buf: usize): f32 {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  let off: usize = 0;
  for (let i = 0; i < iters; i++) {
    const p = buf + off;
    const b0 = v128.load(p);
    const b1 = v128.load(p, 16);
    const a03 = v128.load(p, 32);
    let a = i32x4.shuffle(a03, a03, 0, 0, 0, 0);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = i32x4.shuffle(a03, a03, 1, 1, 1, 1);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = i32x4.shuffle(a03, a03, 2, 2, 2, 2);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = i32x4.shuffle(a03, a03, 3, 3, 3, 3);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    const a4 = v128.load32_splat(p, 48);
    c40 = madd(a4, b0, c40); c41 = madd(a4, b1, c41);
    off = (off + 64) & (RING - 1);
  }
  const s = f32x4.add(
    f32x4.add(f32x4.add(f32x4.add(c00, c01), f32x4.add(c10, c11)), f32x4.add(f32x4.add(c20, c21), f32x4.add(c30, c31))),
    f32x4.add(c40, c41),
  );
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}

/**
 * Runs `iters` steps of 12 independent chains a_i ← x·b + a_i (x, b splatted from the arguments);
 * returns a lane sum. Flops = iters · 12 · 4 lanes · 2. Relaxed build only (see the file header).
 */
export function ceiling_madd12_f32x4(iters: i32, xs: f32, bs: f32): f32 {
  const b = f32x4.splat(bs);
  const x = f32x4.splat(xs);
  let a0 = f32x4.splat(0.1), a1 = f32x4.splat(0.2), a2 = f32x4.splat(0.3), a3 = f32x4.splat(0.4);
  let a4 = f32x4.splat(0.5), a5 = f32x4.splat(0.6), a6 = f32x4.splat(0.7), a7 = f32x4.splat(0.8);
  let a8 = f32x4.splat(0.9), a9 = f32x4.splat(1.0), a10 = f32x4.splat(1.1), a11 = f32x4.splat(1.2);
  for (let i = 0; i < iters; i++) {
    a0 = madd(x, b, a0); a1 = madd(x, b, a1); a2 = madd(x, b, a2); a3 = madd(x, b, a3);
    a4 = madd(x, b, a4); a5 = madd(x, b, a5); a6 = madd(x, b, a6); a7 = madd(x, b, a7);
    a8 = madd(x, b, a8); a9 = madd(x, b, a9); a10 = madd(x, b, a10); a11 = madd(x, b, a11);
  }
  const s = f32x4.add(
    f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7))),
    f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11)),
  );
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}
