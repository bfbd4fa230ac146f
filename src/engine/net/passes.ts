/**
 * The per-chunk passes of a dense MLP, for m samples (rows) whose cache rows start at `row`:
 *   A₀ = X[m×d];  Z_l = A_{l−1}·W_lᵀ + b_l [m×n_l];  A_l = σ(Z_l)
 *   Δ_L = softmax(Z_L) − e_y;  E_l = Δ_{l+1}·W_{l+1} [m×n_l];  Δ_l = σ′(Z_l) ⊙ E_l
 *   ∇W_l = Δ_lᵀ·A_{l−1},  ∇b_l = Σ_rows Δ_l
 * Pearlmutter's R-passes along v = (V_l, c_l) reuse A, Δ (Z, E where needed) and the softmax P:
 *   RZ_l = A_{l−1}·V_lᵀ + RA_{l−1}·W_lᵀ + c_l;  RA_l = σ′(Z_l) ⊙ RZ_l;  RΔ_L = P ⊙ (RZ_L − ⟨P, RZ_L⟩)
 *   RΔ_l = σ′(Z_l) ⊙ (Δ_{l+1}·V_{l+1} + RΔ_{l+1}·W_{l+1}) + σ″(Z_l) ⊙ RZ_l ⊙ E_l
 *   (Hv)_{W_l} = RΔ_lᵀ·A_{l−1} + Δ_lᵀ·RA_{l−1},  (Hv)_{b_l} = Σ_rows RΔ_l
 * The Gauss–Newton product Gv = Σ_rows J_xᵀ H_ℓ J_x v keeps the R-forward (J_x v = RZ_L) and
 * RΔ_L = H_ℓ·RZ_L, then backpropagates RΔ like a gradient (σ′ only: no σ″, no V terms):
 *   GΔ_l = σ′(Z_l) ⊙ (GΔ_{l+1}·W_{l+1}),  (Gv)_{W_l} = GΔ_lᵀ·A_{l−1},  (Gv)_{b_l} = Σ_rows GΔ_l
 * see: B. Pearlmutter, "Fast exact multiplication by the Hessian", Neural Computation 1994;
 * N. Schraudolph, "Fast curvature matrix-vector products for second-order gradient descent",
 * Neural Computation 2002.
 *
 * The GEMM epilogues add b_l and apply σ as the tile is stored (forward), add c_l (R-forward) and
 * widen ∇W_l, (Hv)_{W_l} straight into the f64 sums, so none of these costs a pass of its own.
 * Sums are written to the f64 p-vector the caller passes (`sums`).
 */
import type { LayerBuffers, LayerVector, NetBuffers } from './buffers.js';
import type { DenseShape, Into, NetKernels } from './kernels.js';

/** Where a backward pass writes the gradient sums: overwrite (`set`) or add to (`add`) `sums`. */
export interface GradientOutput {
  readonly sums: LayerVector;
  readonly into: Into;
}

/** The passes of one net: its kernels over its buffers. */
export class Passes {
  constructor(private readonly k: NetKernels, private readonly b: NetBuffers) {}

  /**
   * Forward for m rows of inputs at `x` (labels at `labels`) into cache rows from `row`: A (Z) of
   * the hidden layers, the logits, P and Δ_L. Returns the loss sum.
   */
  forward(x: number, labels: number, m: number, row: number): number {
    const { k, b } = this;
    let input = x;
    for (const L of b.layers) {
      const s = shape(L, m);
      const W = b.theta.weight(L.slice);
      const bias = b.theta.bias(L.slice);
      if (L.hidden) {
        // A = σ(X·Wᵀ + b) in the GEMM's epilogue; Z kept only where σ′ needs it (GELU)
        const a = L.a!.at(row);
        k.linearAct(s, input, W, bias, a, L.z ? L.z.at(row) : undefined);
        input = a;
      } else {
        k.linear(s, input, W, b.logits, 'set', bias);
      }
    }
    const last = b.last;
    return k.softmaxXent(b.logits, labels, b.prob.at(row), last.d.at(row), m, last.slice.outputs);
  }

  /**
   * Backward from Δ_L for m rows whose inputs are at `x` (the first layer's gradient reads them):
   * E and Δ of every layer, and with `gradient` the gradient sums.
   */
  backward(x: number, m: number, row: number, gradient?: GradientOutput): void {
    const { k, b } = this;
    for (const { l, L, s, below } of this.down(m)) {
      const d = L.d.at(row);
      if (gradient) {
        k.weightGradient(s, d, b.layerInput(l, row, x), gradient.sums.weight(L.slice), gradient.into);
        k.biasGradient(s, d, gradient.sums.bias(L.slice), gradient.into);
      }
      if (below) {
        // E = Δ·W goes straight into Δ's buffer (then Δ = σ′ ⊙ E in place) unless σ″ ≠ 0 keeps it
        const dBelow = below.d.at(row);
        const e = below.e ? below.e.at(row) : dBelow;
        k.backprop(s, d, b.theta.weight(L.slice), e, 'set');
        k.activationBackward(e, below.s!.at(row), dBelow, m * s.inputs);
      }
    }
  }

  /**
   * R-forward and R-backward along the direction in `b.dir` for m rows (inputs at `x`) whose
   * forward and backward are in cache rows from `row`; writes the Hv sums to `sums`.
   */
  rPass(x: number, m: number, row: number, sums: LayerVector): void {
    const { k, b } = this;
    const V = b.dir;
    const W = b.theta;
    this.rForward(x, m, row);
    // R-backward and the Hv sums
    for (const { l, L, s, below } of this.down(m)) {
      const d = L.d.at(row);
      const hvW = sums.weight(L.slice);
      k.weightGradient(s, L.rd, b.layerInput(l, row, x), hvW, 'set');
      if (below) k.weightGradient(s, d, below.ra, hvW, 'add');
      k.biasGradient(s, L.rd, sums.bias(L.slice), 'set');
      if (below) {
        k.backprop(s, d, V.weight(L.slice), b.pre, 'set');
        k.backprop(s, L.rd, W.weight(L.slice), b.pre, 'add');
        k.activationRBackward(b.pre, below.e ? below.e.at(row) : 0, below.s!.at(row), below.rz, below.rd, m * s.inputs);
      }
    }
  }

  /**
   * The Gauss–Newton product along `b.dir` for m rows (inputs at `x`) whose forward is in cache
   * rows from `row`: the R-forward, RΔ_L = H_ℓ·RZ_L, then RΔ backpropagated with σ′ alone; writes
   * Σ_rows J_xᵀ H_ℓ J_x v to `sums`.
   */
  ggnPass(x: number, m: number, row: number, sums: LayerVector): void {
    const { k, b } = this;
    const W = b.theta;
    this.rForward(x, m, row);
    for (const { l, L, s, below } of this.down(m)) {
      k.weightGradient(s, L.rd, b.layerInput(l, row, x), sums.weight(L.slice), 'set');
      k.biasGradient(s, L.rd, sums.bias(L.slice), 'set');
      if (below) {
        k.backprop(s, L.rd, W.weight(L.slice), b.pre, 'set');
        k.activationBackward(b.pre, below.s!.at(row), below.rd, m * s.inputs);
      }
    }
  }

  /** The layers from the last down, each with its shape for m rows and the layer below it (none for the first). */
  private *down(m: number): Generator<{ l: number; L: LayerBuffers; s: DenseShape; below: LayerBuffers | undefined }> {
    const { layers } = this.b;
    for (let l = layers.length - 1; l >= 0; l--) yield { l, L: layers[l]!, s: shape(layers[l]!, m), below: l > 0 ? layers[l - 1]! : undefined };
  }

  /** R-forward along `b.dir` for m rows: RZ and RA of every layer, and RΔ_L = P ⊙ (RZ_L − ⟨P, RZ_L⟩) = H_ℓ·RZ_L. */
  private rForward(x: number, m: number, row: number): void {
    const { k, b } = this;
    const V = b.dir;
    const W = b.theta;
    // R-forward: RZ = A·Vᵀ + RA·Wᵀ + c (c in the last GEMM's epilogue), RA = σ′ ⊙ RZ
    for (let l = 0; l < b.layers.length; l++) {
      const L = b.layers[l]!;
      const s = shape(L, m);
      const below = l > 0 ? b.layers[l - 1]! : undefined;
      const c = V.bias(L.slice);
      // the first layer adds c at once; the others after RA·Wᵀ
      k.linear(s, b.layerInput(l, row, x), V.weight(L.slice), L.rz, 'set', below ? undefined : c);
      if (below) k.linear(s, below.ra, W.weight(L.slice), L.rz, 'add', c);
      if (L.hidden) k.activationBackward(L.rz, L.s!.at(row), L.ra, m * s.outputs);
    }
    const last = b.last;
    k.rSoftmax(b.prob.at(row), last.rz, last.rd, m, last.slice.outputs);
  }
}

/** Layer L applied to m rows. */
function shape(L: LayerBuffers, m: number): DenseShape {
  return { rows: m, inputs: L.slice.inputs, outputs: L.slice.outputs };
}
