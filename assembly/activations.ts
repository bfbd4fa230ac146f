// Scalar activations σ, σ′, σ″ shared by the GEMM epilogue (gemm.ts) and the element-wise passes
// (mlp.ts). The codes ACT_<NAME> are exported by name (index.ts); the engine's table of them,
// ACTIVATION_CODE in src/engine/net/kernels.ts, is tested against these exports. GELU is the erf
// form, as nn.GELU.
// The curvature cache keeps A = σ(Z) rather than Z where σ′ and σ″ follow from A (identity, relu,
// tanh, sigmoid); only GELU needs Z. `act1Stored`/`act2Stored` take that stored value S.

export const ACT_IDENTITY: i32 = 0;
export const ACT_RELU: i32 = 1;
export const ACT_TANH: i32 = 2;
export const ACT_SIGMOID: i32 = 3;
export const ACT_GELU: i32 = 4;

const INV_SQRT2: f64 = 0.70710678118654752;
const INV_SQRT_2PI: f64 = 0.39894228040143268;
const TWO_OVER_SQRT_PI: f64 = 1.1283791670955126;
const INV_SQRT_PI: f64 = 0.56418958354775629;

// erfc(x) for x ≥ 0 in f32 with relative error below 1.2e-7 (a Chebyshev-fitted exponent,
// Press et al., Numerical Recipes §6.2): enough for the f32 path.
// @ts-ignore: decorator
@inline
function erfcPosF32(x: f32): f32 {
  const t: f32 = 1.0 / (1.0 + 0.5 * x);
  const poly: f32 = -x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
    t * (-0.82215223 + t * 0.17087277))))))));
  return t * Mathf.exp(poly);
}

// erfc(x) for x ≥ 0 in f64 to ~1e-15 relative: for x < 2.5, 1 − erf(x) with
// erf(x) = 2/√π·e^{−x²}·Σ_n 2^n x^{2n+1} / (1·3·…·(2n+1)) (all terms positive, no cancellation);
// for x ≥ 2.5 the continued fraction erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))),
// evaluated bottom-up with a fixed depth that converges there (Abramowitz & Stegun 7.1.6, 7.1.14).
function erfcPosF64(x: f64): f64 {
  if (x < 2.5) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= 2.0 * x2 / <f64>(2 * n + 1);
      sum += term;
      if (term < 1e-17 * sum) break;
    }
    return 1.0 - TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
  }
  let f: f64 = x;
  for (let k = 60; k >= 1; k--) f = x + (<f64>k * 0.5) / f;
  return INV_SQRT_PI * Math.exp(-x * x) / f;
}

// Φ(z), the standard normal CDF, accurate in relative terms in both tails.
// @ts-ignore: decorator
@inline
function normalCdf<T>(z: T): T {
  if (sizeof<T>() == 4) {
    const u = <f32>z * <f32>INV_SQRT2;
    return <T>(u >= 0 ? <f32>1.0 - <f32>0.5 * erfcPosF32(u) : <f32>0.5 * erfcPosF32(-u));
  }
  const u = <f64>z * INV_SQRT2;
  return <T>(u >= 0 ? 1.0 - 0.5 * erfcPosF64(u) : 0.5 * erfcPosF64(-u));
}

// @ts-ignore: decorator
@inline
function expT<T>(x: T): T {
  if (sizeof<T>() == 4) return <T>Mathf.exp(<f32>x);
  return <T>Math.exp(<f64>x);
}

// @ts-ignore: decorator
@inline
function tanhT<T>(x: T): T {
  if (sizeof<T>() == 4) return <T>Mathf.tanh(<f32>x);
  return <T>Math.tanh(<f64>x);
}

// @ts-ignore: decorator
@inline
function sigmoidT<T>(z: T): T {
  if (z >= <T>0) return <T>1 / (<T>1 + expT<T>(-z));
  const e = expT<T>(z);
  return e / (<T>1 + e);
}

// σ(z)
// @ts-ignore: decorator
@inline
export function act<T>(z: T, a: i32): T {
  switch (a) {
    case ACT_RELU: return z > <T>0 ? z : <T>0;
    case ACT_TANH: return tanhT<T>(z);
    case ACT_SIGMOID: return sigmoidT<T>(z);
    case ACT_GELU: return z * normalCdf<T>(z);
    default: return z;
  }
}

// GELU's σ′(z) = Φ(z) + z·φ(z): the one activation whose derivatives need Z, not A = σ(Z).
// @ts-ignore: decorator
@inline
function geluPrime<T>(z: T): T {
  return normalCdf<T>(z) + z * <T>INV_SQRT_2PI * expT<T>(<T>-0.5 * z * z);
}

// GELU's σ″(z) = φ(z)·(2 − z²).
// @ts-ignore: decorator
@inline
function geluSecond<T>(z: T): T {
  return <T>INV_SQRT_2PI * expT<T>(<T>-0.5 * z * z) * (<T>2 - z * z);
}

// σ′ from the stored value S (A = σ(Z), or Z for GELU). relu: [A > 0] = [Z > 0] (A = max(Z, 0), so
// the two agree at Z = 0 and for NaN, as in the forward and src/reference/activations.ts);
// tanh: 1 − A²; sigmoid: A(1 − A), with A = tanh(Z) or sigmoid(Z) as the forward stored it.
// @ts-ignore: decorator
@inline
export function act1Stored<T>(s: T, a: i32): T {
  switch (a) {
    case ACT_RELU: return s > <T>0 ? <T>1 : <T>0;
    case ACT_TANH: return <T>1 - s * s;
    case ACT_SIGMOID: return s * (<T>1 - s);
    case ACT_GELU: return geluPrime<T>(s);
    default: return <T>1;
  }
}

// σ″ from the stored value S (see act1Stored).
// @ts-ignore: decorator
@inline
export function act2Stored<T>(s: T, a: i32): T {
  switch (a) {
    case ACT_TANH: return <T>-2 * s * (<T>1 - s * s);
    case ACT_SIGMOID: return s * (<T>1 - s) * (<T>1 - <T>2 * s);
    case ACT_GELU: return geluSecond<T>(s);
    default: return <T>0;
  }
}
