// Element-wise pieces of a dense MLP's forward, backward and Pearlmutter R-passes over a chunk of
// m samples (rows), in f32 (`*_f32`, the fast path) and f64 (`*_f64`, the precise path). The GEMMs
// live in gemm.ts, whose epilogue also adds the bias and applies σ in the forward; the engine strings
// both together per layer (src/engine/net/passes.ts). Activations and their codes: activations.ts.
// see: B. Pearlmutter, "Fast exact multiplication by the Hessian", Neural Computation 1994.

import { ACT_IDENTITY, ACT_RELU, act1Stored, act2Stored } from './activations';

// D = σ′ ⊙ E over `count` values, σ′ from the stored S (A = σ(Z), or Z for GELU; activations.ts).
// @ts-ignore: decorator
@inline
function actBackward<T>(E: usize, S: usize, D: usize, count: i32, a: i32): void {
  const sz = <usize>sizeof<T>();
  let i = 0;
  if (a == ACT_RELU && sz == 4) {
    const zero = f32x4.splat(0);
    const c4 = count & ~3;
    for (; i < c4; i += 4) {
      const o = <usize>i << 2;
      v128.store(D + o, v128.and(v128.load(E + o), f32x4.gt(v128.load(S + o), zero)));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i * sz;
    store<T>(D + o, act1Stored<T>(load<T>(S + o), a) * load<T>(E + o));
  }
}

// RD = σ′ ⊙ P + σ″ ⊙ RZ ⊙ E, σ′ and σ″ from the stored S (see actBackward). E is not read for
// relu and identity (σ″ = 0), so the engine keeps no E for them.
// @ts-ignore: decorator
@inline
function actRBackward<T>(P: usize, E: usize, S: usize, RZ: usize, RD: usize, count: i32, a: i32): void {
  if (a == ACT_RELU || a == ACT_IDENTITY) {
    actBackward<T>(P, S, RD, count, a);
    return;
  }
  const sz = <usize>sizeof<T>();
  for (let i = 0; i < count; i++) {
    const o = <usize>i * sz;
    const s = load<T>(S + o);
    store<T>(RD + o, act1Stored<T>(s, a) * load<T>(P + o) + act2Stored<T>(s, a) * load<T>(RZ + o) * load<T>(E + o));
  }
}

// Row scratch for softmaxXent: e^{z_j − z_max} in f64 for rows of at most EXP_ROW classes, so each
// exponential is computed once; wider rows compute it again in the output loop (the same value).
const EXP_ROW: i32 = 64;
const expRow: usize = memory.data(EXP_ROW * 8, 16);

// Softmax cross-entropy; see softmax_xent_f32.
// @ts-ignore: decorator
@inline
function softmaxXent<T>(Z: usize, labels: usize, P: usize, D: usize, m: i32, C: i32): f64 {
  const sz = <usize>sizeof<T>();
  const keep = C <= EXP_ROW;
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
      if (keep) store<f64>(expRow + (<usize>j << 3), e);
      if (j != y) others += e;
    }
    const ey = keep ? load<f64>(expRow + (<usize>y << 3)) : Math.exp(zy - zmax);
    const sum = others + ey;
    total += zy == zmax ? Math.log1p(others / ey) : zmax - zy + Math.log(sum);
    let restMass: f64 = 0;
    for (let j = 0; j < C; j++) {
      const e = keep ? load<f64>(expRow + (<usize>j << 3)) : Math.exp(<f64>load<T>(z + <usize>j * sz) - zmax);
      const pj = e / sum;
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

/**
 * D = σ′(Z) ⊙ E (δ_l from E_l = W_{l+1}ᵀδ_{l+1}); also R{a} = σ′(Z) ⊙ R{z}. σ′ comes from the stored
 * S: A = σ(Z) for identity/relu/tanh/sigmoid, Z for gelu. D may alias E. f32.
 */
export function act_backward_f32(E: usize, S: usize, D: usize, count: i32, a: i32): void { actBackward<f32>(E, S, D, count, a); }
/** D = σ′(Z) ⊙ E with σ′ from the stored S, f64. */
export function act_backward_f64(E: usize, S: usize, D: usize, count: i32, a: i32): void { actBackward<f64>(E, S, D, count, a); }

/**
 * RD = σ′(Z) ⊙ P + σ″(Z) ⊙ RZ ⊙ E: the R-backward through an activation, with
 * P = V_{l+1}ᵀ δ_{l+1} + W_{l+1}ᵀ R{δ_{l+1}} and E = W_{l+1}ᵀ δ_{l+1}; σ′, σ″ from the stored S (as
 * act_backward). E and RZ are not read for relu and identity. RD may alias P. f32.
 */
export function act_r_backward_f32(P: usize, E: usize, S: usize, RZ: usize, RD: usize, count: i32, a: i32): void {
  actRBackward<f32>(P, E, S, RZ, RD, count, a);
}
/** The R-backward through an activation, f64. */
export function act_r_backward_f64(P: usize, E: usize, S: usize, RZ: usize, RD: usize, count: i32, a: i32): void {
  actRBackward<f64>(P, E, S, RZ, RD, count, a);
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
