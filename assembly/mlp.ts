// Element-wise pieces of a dense MLP's forward, backward and Pearlmutter R-passes over a chunk of
// m samples (rows), in f32 (`*_f32`, the fast path) and f64 (`*_f64`, the precise path). The GEMMs
// live in gemm.ts; the engine strings both together per layer (src/engine/dense-net.ts).
// Activation codes: 0 identity, 1 relu, 2 tanh, 3 sigmoid, 4 gelu (erf form, as nn.GELU).
// see: B. Pearlmutter, "Fast exact multiplication by the Hessian", Neural Computation 1994.

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
function act<T>(z: T, a: i32): T {
  switch (a) {
    case ACT_RELU: return z > <T>0 ? z : <T>0;
    case ACT_TANH: return tanhT<T>(z);
    case ACT_SIGMOID: return sigmoidT<T>(z);
    case ACT_GELU: return z * normalCdf<T>(z);
    default: return z;
  }
}

// σ′(z)
// @ts-ignore: decorator
@inline
function act1<T>(z: T, a: i32): T {
  switch (a) {
    case ACT_RELU: return z > <T>0 ? <T>1 : <T>0;
    case ACT_TANH: { const t = tanhT<T>(z); return <T>1 - t * t; }
    case ACT_SIGMOID: { const s = sigmoidT<T>(z); return s * (<T>1 - s); }
    case ACT_GELU: return normalCdf<T>(z) + z * <T>INV_SQRT_2PI * expT<T>(<T>-0.5 * z * z);
    default: return <T>1;
  }
}

// σ″(z)
// @ts-ignore: decorator
@inline
function act2<T>(z: T, a: i32): T {
  switch (a) {
    case ACT_TANH: { const t = tanhT<T>(z); return <T>-2 * t * (<T>1 - t * t); }
    case ACT_SIGMOID: { const s = sigmoidT<T>(z); return s * (<T>1 - s) * (<T>1 - <T>2 * s); }
    case ACT_GELU: return <T>INV_SQRT_2PI * expT<T>(<T>-0.5 * z * z) * (<T>2 - z * z);
    default: return <T>0;
  }
}

// Z[i][j] += bias[j] for an m×n row-major Z.
// @ts-ignore: decorator
@inline
function addBias<T>(Z: usize, bias: usize, m: i32, n: i32): void {
  const sz = <usize>sizeof<T>();
  const lanes = 16 / <i32>sz;
  const nv = n - n % lanes;
  for (let i = 0; i < m; i++) {
    const row = Z + <usize>(i * n) * sz;
    let j = 0;
    for (; j < nv; j += lanes) {
      const o = <usize>j * sz;
      const s = sz == 4 ? f32x4.add(v128.load(row + o), v128.load(bias + o)) : f64x2.add(v128.load(row + o), v128.load(bias + o));
      v128.store(row + o, s);
    }
    for (; j < n; j++) {
      const o = <usize>j * sz;
      store<T>(row + o, load<T>(row + o) + load<T>(bias + o));
    }
  }
}

// A = σ(Z) over `count` values.
// @ts-ignore: decorator
@inline
function actForward<T>(Z: usize, A: usize, count: i32, a: i32): void {
  const sz = <usize>sizeof<T>();
  let i = 0;
  if (a == ACT_RELU && sz == 4) {
    const zero = f32x4.splat(0);
    const c4 = count & ~3;
    for (; i < c4; i += 4) {
      const o = <usize>i << 2;
      v128.store(A + o, f32x4.max(v128.load(Z + o), zero));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i * sz;
    store<T>(A + o, act<T>(load<T>(Z + o), a));
  }
}

// D = σ′(Z) ⊙ E over `count` values.
// @ts-ignore: decorator
@inline
function actBackward<T>(E: usize, Z: usize, D: usize, count: i32, a: i32): void {
  const sz = <usize>sizeof<T>();
  let i = 0;
  if (a == ACT_RELU && sz == 4) {
    const zero = f32x4.splat(0);
    const c4 = count & ~3;
    for (; i < c4; i += 4) {
      const o = <usize>i << 2;
      v128.store(D + o, v128.and(v128.load(E + o), f32x4.gt(v128.load(Z + o), zero)));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i * sz;
    store<T>(D + o, act1<T>(load<T>(Z + o), a) * load<T>(E + o));
  }
}

// RD = σ′(Z) ⊙ P + σ″(Z) ⊙ RZ ⊙ E.
// @ts-ignore: decorator
@inline
function actRBackward<T>(P: usize, E: usize, Z: usize, RZ: usize, RD: usize, count: i32, a: i32): void {
  if (a == ACT_RELU || a == ACT_IDENTITY) {
    actBackward<T>(P, Z, RD, count, a);
    return;
  }
  const sz = <usize>sizeof<T>();
  for (let i = 0; i < count; i++) {
    const o = <usize>i * sz;
    const z = load<T>(Z + o);
    store<T>(RD + o, act1<T>(z, a) * load<T>(P + o) + act2<T>(z, a) * load<T>(RZ + o) * load<T>(E + o));
  }
}

// Softmax cross-entropy; see softmax_xent_f32.
// @ts-ignore: decorator
@inline
function softmaxXent<T>(Z: usize, labels: usize, P: usize, D: usize, m: i32, C: i32): f64 {
  const sz = <usize>sizeof<T>();
  let total: f64 = 0;
  for (let i = 0; i < m; i++) {
    const base = <usize>(i * C) * sz;
    const z = Z + base;
    const p = P + base;
    const d = D + base;
    const y = load<i32>(labels + (<usize>i << 2));
    let zmax = <f64>load<T>(z);
    for (let j = 1; j < C; j++) zmax = max(zmax, <f64>load<T>(z + <usize>j * sz));
    const zy = <f64>load<T>(z + <usize>y * sz);
    // others = Σ_{j≠y} e^{z_j − z_max}
    let others: f64 = 0;
    for (let j = 0; j < C; j++) {
      const e = Math.exp(<f64>load<T>(z + <usize>j * sz) - zmax);
      if (j != y) others += e;
    }
    const ey = Math.exp(zy - zmax);
    const sum = others + ey;
    total += zy == zmax ? Math.log1p(others / ey) : zmax - zy + Math.log(sum);
    let restMass: f64 = 0;
    for (let j = 0; j < C; j++) {
      const pj = Math.exp(<f64>load<T>(z + <usize>j * sz) - zmax) / sum;
      store<T>(p + <usize>j * sz, <T>pj);
      if (j != y) {
        store<T>(d + <usize>j * sz, <T>pj);
        restMass += pj;
      }
    }
    store<T>(d + <usize>y * sz, <T>(-restMass));
  }
  return total;
}

// pred[i] = arg max_j Z[i][j] (first index on ties).
// @ts-ignore: decorator
@inline
function argmaxRows<T>(Z: usize, m: i32, C: i32, pred: usize): void {
  const sz = <usize>sizeof<T>();
  for (let i = 0; i < m; i++) {
    const z = Z + <usize>(i * C) * sz;
    let best = 0;
    let bv = load<T>(z);
    for (let j = 1; j < C; j++) {
      const v = load<T>(z + <usize>j * sz);
      if (v > bv) { bv = v; best = j; }
    }
    store<i32>(pred + (<usize>i << 2), best);
  }
}

// RD = P ⊙ (RZ − ⟨P, RZ⟩) row-wise.
// @ts-ignore: decorator
@inline
function rSoftmax<T>(P: usize, RZ: usize, RD: usize, m: i32, C: i32): void {
  const sz = <usize>sizeof<T>();
  for (let i = 0; i < m; i++) {
    const base = <usize>(i * C) * sz;
    let s: f64 = 0;
    for (let j = 0; j < C; j++) s += <f64>load<T>(P + base + <usize>j * sz) * <f64>load<T>(RZ + base + <usize>j * sz);
    for (let j = 0; j < C; j++) {
      const o = base + <usize>j * sz;
      store<T>(RD + o, <T>(<f64>load<T>(P + o) * (<f64>load<T>(RZ + o) - s)));
    }
  }
}

/** Z[i][j] += bias[j] for an m×n row-major f32 block. */
export function add_bias_f32(Z: usize, bias: usize, m: i32, n: i32): void { addBias<f32>(Z, bias, m, n); }
/** Z[i][j] += bias[j] for an m×n row-major f64 block. */
export function add_bias_f64(Z: usize, bias: usize, m: i32, n: i32): void { addBias<f64>(Z, bias, m, n); }

/** A = σ(Z) over `count` f32 values (A may alias Z). */
export function act_forward_f32(Z: usize, A: usize, count: i32, a: i32): void { actForward<f32>(Z, A, count, a); }
/** A = σ(Z) over `count` f64 values. */
export function act_forward_f64(Z: usize, A: usize, count: i32, a: i32): void { actForward<f64>(Z, A, count, a); }

/** D = σ′(Z) ⊙ E (δ_l from E_l = W_{l+1}ᵀδ_{l+1}); also R{a} = σ′(Z) ⊙ R{z}. f32. */
export function act_backward_f32(E: usize, Z: usize, D: usize, count: i32, a: i32): void { actBackward<f32>(E, Z, D, count, a); }
/** D = σ′(Z) ⊙ E, f64. */
export function act_backward_f64(E: usize, Z: usize, D: usize, count: i32, a: i32): void { actBackward<f64>(E, Z, D, count, a); }

/**
 * RD = σ′(Z) ⊙ P + σ″(Z) ⊙ RZ ⊙ E: the R-backward through an activation, with
 * P = V_{l+1}ᵀ δ_{l+1} + W_{l+1}ᵀ R{δ_{l+1}} and E = W_{l+1}ᵀ δ_{l+1}. RD may alias P. f32.
 */
export function act_r_backward_f32(P: usize, E: usize, Z: usize, RZ: usize, RD: usize, count: i32, a: i32): void {
  actRBackward<f32>(P, E, Z, RZ, RD, count, a);
}
/** The R-backward through an activation, f64. */
export function act_r_backward_f64(P: usize, E: usize, Z: usize, RZ: usize, RD: usize, count: i32, a: i32): void {
  actRBackward<f64>(P, E, Z, RZ, RD, count, a);
}

/**
 * Softmax cross-entropy over an m×C logit block: writes P = softmax(Z) and D = P − e_y (the
 * output δ) and returns Σ_i ℓ_i in f64. The exponentials run in f64; when y is the arg-max,
 * ℓ = log1p(Σ_{j≠y} e^{z_j−z_y}) and D_y = −Σ_{j≠y} P_j, so confident predictions keep their
 * relative precision (ℓ = 1e-8 is exact to rounding, not lost in 1 − p_y). f32 blocks.
 */
export function softmax_xent_f32(Z: usize, labels: usize, P: usize, D: usize, m: i32, C: i32): f64 {
  return softmaxXent<f32>(Z, labels, P, D, m, C);
}
/** Softmax cross-entropy over f64 blocks. */
export function softmax_xent_f64(Z: usize, labels: usize, P: usize, D: usize, m: i32, C: i32): f64 {
  return softmaxXent<f64>(Z, labels, P, D, m, C);
}

/** pred[i] = arg max_j Z[i][j] (first index on ties), f32 logits. */
export function argmax_rows_f32(Z: usize, m: i32, C: i32, pred: usize): void { argmaxRows<f32>(Z, m, C, pred); }
/** pred[i] = arg max_j Z[i][j], f64 logits. */
export function argmax_rows_f64(Z: usize, m: i32, C: i32, pred: usize): void { argmaxRows<f64>(Z, m, C, pred); }

/** RD = P ⊙ (RZ − ⟨P, RZ⟩) row-wise: the R-operator of softmax cross-entropy's δ. f32. */
export function r_softmax_f32(P: usize, RZ: usize, RD: usize, m: i32, C: i32): void { rSoftmax<f32>(P, RZ, RD, m, C); }
/** The R-operator of softmax cross-entropy's δ, f64. */
export function r_softmax_f64(P: usize, RZ: usize, RD: usize, m: i32, C: i32): void { rSoftmax<f64>(P, RZ, RD, m, C); }

// out[i·k + j] += Σ_o D[i][o] · (P[i][j·n + o] + c[j·n + o]) for i < m, j < k: the per-sample
// products ⟨δ_l, V_l^{(j)} a_{l−1} + c_l^{(j)}⟩ of k directions from P = A_{l−1}·[V^{(1)};…;V^{(k)}]ᵀ.
// @ts-ignore: decorator
@inline
function blockRowDots<T>(D: usize, P: usize, c: usize, m: i32, n: i32, k: i32, out: usize): void {
  const sz = <usize>sizeof<T>();
  for (let i = 0; i < m; i++) {
    const d = D + <usize>(i * n) * sz;
    const prow = P + <usize>(i * n * k) * sz;
    for (let j = 0; j < k; j++) {
      const pj = prow + <usize>(j * n) * sz;
      const cj = c + <usize>(j * n) * sz;
      let s: f64 = 0;
      for (let o = 0; o < n; o++) {
        const off = <usize>o * sz;
        s += <f64>load<T>(d + off) * (<f64>load<T>(pj + off) + <f64>load<T>(cj + off));
      }
      const dst = out + (<usize>(i * k + j) << 3);
      store<f64>(dst, load<f64>(dst) + s);
    }
  }
}

// out[i] += ‖D[i]‖² · (‖A[i]‖² + 1): the per-sample ‖∇_{W_l,b_l} ℓ‖² of a dense layer.
// @ts-ignore: decorator
@inline
function layerGradNormSq<T>(D: usize, A: usize, m: i32, n: i32, nin: i32, out: usize): void {
  const sz = <usize>sizeof<T>();
  for (let i = 0; i < m; i++) {
    let dd: f64 = 0;
    let aa: f64 = 0;
    const d = D + <usize>(i * n) * sz;
    const a = A + <usize>(i * nin) * sz;
    for (let o = 0; o < n; o++) { const v = <f64>load<T>(d + <usize>o * sz); dd += v * v; }
    for (let o = 0; o < nin; o++) { const v = <f64>load<T>(a + <usize>o * sz); aa += v * v; }
    const dst = out + (<usize>i << 3);
    store<f64>(dst, load<f64>(dst) + dd * (aa + 1.0));
  }
}

/** Per-sample products of k directions with a dense layer's per-sample gradient (f32 blocks, f64 out). */
export function block_row_dots_f32(D: usize, P: usize, c: usize, m: i32, n: i32, k: i32, out: usize): void {
  blockRowDots<f32>(D, P, c, m, n, k, out);
}
/** Per-sample products of k directions, f64 blocks. */
export function block_row_dots_f64(D: usize, P: usize, c: usize, m: i32, n: i32, k: i32, out: usize): void {
  blockRowDots<f64>(D, P, c, m, n, k, out);
}
/** Per-sample squared gradient norm of a dense layer, accumulated into f64 `out` (f32 blocks). */
export function layer_grad_normsq_f32(D: usize, A: usize, m: i32, n: i32, nin: i32, out: usize): void {
  layerGradNormSq<f32>(D, A, m, n, nin, out);
}
/** Per-sample squared gradient norm of a dense layer, f64 blocks. */
export function layer_grad_normsq_f64(D: usize, A: usize, m: i32, n: i32, nin: i32, out: usize): void {
  layerGradNormSq<f64>(D, A, m, n, nin, out);
}
