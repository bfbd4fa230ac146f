// Where the two builds differ: fused multiply-add (relaxed SIMD) or mul + add (SIMD128) — and,
// following from it, the f32 GEMM tile shape (gemm.ts).
// ASC_FEATURE_RELAXED_SIMD is a compile-time constant, so each build keeps one branch.

/** a·b + c, lane-wise on f32x4. */
// @ts-ignore: decorator
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}
