/**
 * The exact input gradient ∇ₓ A(x) of the alignment A(x) = ⟨g(x), u⟩ / ‖g(x)‖ (u a unit
 * direction, g(x) = ∇θ ℓ(θ; x, ŷ) the per-sample gradient) — what the margin search climbs.
 *
 * Estimator: exact, by Pearlmutter's R-operator; no finite differences. Mixed partials commute, so
 *   ∇ₓ s = ∇ₓ⟨g(x), u⟩ = R_u{∇ₓℓ} = U_1ᵀ δ_1 + W_1ᵀ R_u{δ_1}          (s = ⟨g, u⟩)
 *   ∇ₓ q = ∇ₓ‖g(x)‖²   = 2 R_w{∇ₓℓ} with w = g(x) held fixed          (q = ‖g‖²)
 *   ∇ₓ A = ∇s/‖g‖ − s·∇q / (2‖g‖³)
 * where R_v{·} = d/dt at θ + t·v pushed through the forward and backward passes of ONE sample
 * (docs/math.md, "The margin's input gradient"). For w = g(x) the per-layer products need no
 * p-vector: with G_l = δ_l a_{l−1}ᵀ, G_l a_{l−1} + δ_l = (‖a_{l−1}‖² + 1) δ_l and
 * G_lᵀ δ_l = ‖δ_l‖² a_{l−1}.
 * The label ŷ = arg-max logit (first index on ties) is held fixed: A is differentiated inside one
 * decision region (ŷ is piecewise constant; where it flips, A changes sign and |A| is continuous).
 * ReLU's σ″ = 0 and σ′ jumps at 0: the gradient is exact away from those kinks.
 * Cost per input: one forward, one backward and two R-passes ≈ 8 matrix–vector products of the
 * weights' size, in plain float64 TypeScript with no allocation per call. A sample with
 * ‖g(x)‖ = 0 has A = 0 and gradient 0 (the convention of {@link alignment}).
 *
 * see: B. A. Pearlmutter, "Fast exact multiplication by the Hessian", Neural Computation 1994;
 * S. Sabanayagam, F. Behrens, U. Adomaityte, A. Dawid, arXiv 2306.07104 (2023).
 */
import { exp } from '../model/detmath.js';
import { InputError, ShapeError } from '../errors.js';
import type { Model } from '../engine/engine.js';
import { checkParameters, layerSlices, type LayerSlice, type MlpSpec } from '../model/mlp.js';
import { float64Activation, type Float64Activation } from '../model/activations.js';

/** Schema tag of {@link InputGradientResult}. */
export const INPUT_GRADIENT_SCHEMA = 'hessian-lens/alignment-input-gradient@1';

/** A(x) and ∇ₓA(x) of one input, as a JSON record. */
export interface InputGradientResult {
  /** Record type and version. */
  readonly schema: typeof INPUT_GRADIENT_SCHEMA;
  /** [d] the input */
  readonly x: readonly number[];
  /** A(x), the signed cosine of g(x) with the (normalised) direction */
  readonly alignment: number;
  /** [d] ∇ₓ A(x) */
  readonly gradient: readonly number[];
  /** ŷ(x), the arg-max label held fixed */
  readonly predicted: number;
  /** ‖g(x)‖ */
  readonly gradNorm: number;
  /** [C] logits at x */
  readonly logits: readonly number[];
}

/**
 * A reusable evaluator of A(x) and ∇ₓA(x) for one model and one direction: buffers are allocated
 * once, so {@link AlignmentGradient.evaluate} allocates nothing (for iterative searches).
 */
export class AlignmentGradient {
  /** input width d */
  readonly d: number;
  /** classes C */
  readonly classes: number;
  private readonly layers: readonly LayerSlice[];
  private readonly act: Float64Activation;
  private readonly theta: Float64Array;
  private readonly u: Float64Array;
  /** a[l] = input of layer l (a[0] = x) */
  private readonly a: Float64Array[];
  private readonly z: Float64Array[];
  /** σ′(z_l), σ″(z_l) of hidden layers */
  private readonly s1: Float64Array[];
  private readonly s2: Float64Array[];
  /** e[l] = W_{l+1}ᵀ δ_{l+1} (hidden layers) */
  private readonly e: Float64Array[];
  private readonly delta: Float64Array[];
  private readonly prob: Float64Array;
  private readonly ra: Float64Array[];
  private readonly rz: Float64Array[];
  private readonly rd: Float64Array[];
  private readonly t: Float64Array[];
  private readonly gradS: Float64Array;
  private readonly gradQ: Float64Array;
  private lastLabel = 0;
  private lastGradNorm = 0;
  private lastDot = 0;
  private lastRunnerUp = 0;

  /**
   * @param spec the network
   * @param theta its parameters (PyTorch order, p values; copied to float64)
   * @param direction the direction u (p values; normalised here)
   */
  constructor(spec: MlpSpec, theta: ArrayLike<number>, direction: ArrayLike<number>) {
    checkParameters(spec, theta);
    checkParameters(spec, direction, 'direction');
    this.layers = layerSlices(spec);
    this.act = float64Activation(spec.activation);
    this.theta = Float64Array.from(theta);
    for (let i = 0; i < this.theta.length; i++) {
      if (!Number.isFinite(this.theta[i]!)) throw new InputError(`parameter ${i} is ${this.theta[i]} (parameters must be finite)`);
    }
    this.u = Float64Array.from(direction);
    let s = 0;
    for (let i = 0; i < this.u.length; i++) {
      if (!Number.isFinite(this.u[i]!)) throw new InputError(`direction entry ${i} is ${this.u[i]} (must be finite)`);
      s += this.u[i]! * this.u[i]!;
    }
    if (!(s > 0)) throw new InputError('the direction is the zero vector');
    const inv = 1 / Math.sqrt(s);
    for (let i = 0; i < this.u.length; i++) this.u[i] = this.u[i]! * inv;
    this.d = spec.sizes[0]!;
    this.classes = spec.sizes[spec.sizes.length - 1]!;
    const ins = this.layers.map((l) => new Float64Array(l.inputs));
    const outs = () => this.layers.map((l) => new Float64Array(l.outputs));
    this.a = ins;
    this.z = outs();
    this.s1 = outs();
    this.s2 = outs();
    this.e = outs();
    this.delta = outs();
    this.rz = outs();
    this.rd = outs();
    this.ra = this.layers.map((l) => new Float64Array(l.inputs));
    this.t = this.layers.map((l) => new Float64Array(l.inputs));
    this.prob = new Float64Array(this.classes);
    this.gradS = new Float64Array(this.d);
    this.gradQ = new Float64Array(this.d);
  }

  /** Builds the evaluator for a {@link Model} and a direction. */
  static forModel(model: Model, direction: ArrayLike<number>): AlignmentGradient {
    return new AlignmentGradient(model.spec, model.theta, direction);
  }

  /** ŷ of the last {@link evaluate}. */
  get predicted(): number {
    return this.lastLabel;
  }

  /** ‖g(x)‖ of the last {@link evaluate}. */
  get gradNorm(): number {
    return this.lastGradNorm;
  }

  /** ⟨g(x), u⟩ of the last {@link evaluate}. */
  get dot(): number {
    return this.lastDot;
  }

  /** The logits of the last {@link evaluate} (a live view: valid until the next call). */
  get logits(): Float64Array {
    return this.z[this.z.length - 1]!;
  }

  /**
   * Forward pass only: writes the logits of x (readable through {@link logits}) and returns ŷ.
   * Cheaper than {@link evaluate} when only the prediction is needed.
   */
  forward(x: ArrayLike<number>): number {
    this.runForward(x);
    return this.lastLabel;
  }

  /**
   * A(x) for input x (d values); when `grad` (length d) is given, also writes ∇ₓA(x) into it.
   * Returns A(x) ∈ [−1, 1] (0 when ‖g(x)‖ = 0).
   */
  evaluate(x: ArrayLike<number>, grad?: Float64Array): number {
    if (grad && grad.length !== this.d) throw new ShapeError(`gradient buffer has ${grad.length} entries, expected d = ${this.d}`);
    this.runForward(x);
    this.runBackward();
    const L = this.layers.length;
    const W = this.theta;
    const U = this.u;
    // ‖g‖² = Σ_l ‖δ_l‖²(‖a_l‖² + 1)
    let q = 0;
    for (let l = 0; l < L; l++) q += sumSq(this.delta[l]!) * (sumSq(this.a[l]!) + 1);
    // R_u forward; s = Σ_l δ_lᵀ(U_l a_l + c_l) falls out of its first half
    let s = 0;
    for (let l = 0; l < L; l++) {
      const layer = this.layers[l]!;
      const rz = this.rz[l]!;
      affineInto(U, layer, this.a[l]!, rz);
      s += dotOf(this.delta[l]!, rz);
      if (!grad) continue;
      if (l > 0) matvecAdd(W, layer, this.ra[l]!, rz);
      if (l < L - 1) hadamardInto(this.s1[l]!, rz, this.ra[l + 1]!);
    }
    const gn = q > 0 ? Math.sqrt(q) : 0;
    this.lastGradNorm = gn;
    this.lastDot = s;
    if (gn === 0) {
      grad?.fill(0);
      return 0;
    }
    const A = clampUnit(s / gn);
    if (!grad) return A;
    // R_u backward to the input: ∇s = U_0ᵀ δ_0 + W_0ᵀ R{δ_0}
    this.rBackward(this.gradS, false);
    // R_w pass with w = g(x): V_l a_l + c_l = (‖a_l‖² + 1) δ_l, V_lᵀ δ_l = ‖δ_l‖² a_l
    for (let l = 0; l < L; l++) {
      const layer = this.layers[l]!;
      const rz = this.rz[l]!;
      const scale = sumSq(this.a[l]!) + 1;
      const dl = this.delta[l]!;
      for (let o = 0; o < rz.length; o++) rz[o] = scale * dl[o]!;
      if (l > 0) matvecAdd(W, layer, this.ra[l]!, rz);
      if (l < L - 1) hadamardInto(this.s1[l]!, rz, this.ra[l + 1]!);
    }
    this.rBackward(this.gradQ, true);
    // ∇q = 2 R_w{∇ₓℓ};  ∇A = ∇s/‖g‖ − s ∇q/(2‖g‖³) = ∇s/‖g‖ − s R_w{∇ₓℓ}/‖g‖³
    const inv = 1 / gn;
    const c = s * inv * inv * inv;
    for (let i = 0; i < this.d; i++) grad[i] = this.gradS[i]! * inv - c * this.gradQ[i]!;
    return A;
  }

  /**
   * The logit gap h(x) = z_a(x) − z_b(x) between the two largest logits a (= ŷ) and b (first
   * index on ties); when `grad` (length d) is given, writes ∇ₓh = W_1ᵀ δ_1 of a backward pass
   * started from δ_L = e_a − e_b (a, b held fixed). h = 0 on the decision boundary.
   */
  logitGap(x: ArrayLike<number>, grad?: Float64Array): number {
    if (grad && grad.length !== this.d) throw new ShapeError(`gradient buffer has ${grad.length} entries, expected d = ${this.d}`);
    this.runForward(x);
    const L = this.layers.length;
    const z = this.z[L - 1]!;
    const a = this.lastLabel;
    let b = a === 0 ? 1 : 0;
    for (let j = 0; j < z.length; j++) if (j !== a && z[j]! > z[b]!) b = j;
    this.lastRunnerUp = b;
    const h = z[a]! - z[b]!;
    if (!grad) return h;
    const dL = this.delta[L - 1]!;
    dL.fill(0);
    dL[a] = 1;
    dL[b] = -1;
    for (let l = L - 1; l > 0; l--) {
      const e = this.e[l - 1]!;
      transposeMatvecInto(this.theta, this.layers[l]!, this.delta[l]!, e);
      hadamardInto(this.s1[l - 1]!, e, this.delta[l - 1]!);
    }
    transposeMatvecInto(this.theta, this.layers[0]!, this.delta[0]!, grad);
    return h;
  }

  /** The runner-up class b of the last {@link logitGap}. */
  get runnerUp(): number {
    return this.lastRunnerUp;
  }

  private runForward(x: ArrayLike<number>): void {
    if (x.length !== this.d) throw new ShapeError(`input has ${x.length} features, but the model expects d = ${this.d}`);
    const a0 = this.a[0]!;
    for (let i = 0; i < this.d; i++) {
      const v = x[i]!;
      if (!Number.isFinite(v)) throw new InputError(`input feature ${i} is ${v} (must be finite)`);
      a0[i] = v;
    }
    const L = this.layers.length;
    const { f, df, d2f } = this.act;
    for (let l = 0; l < L; l++) {
      const z = this.z[l]!;
      affineInto(this.theta, this.layers[l]!, this.a[l]!, z);
      if (l < L - 1) {
        const next = this.a[l + 1]!;
        const s1 = this.s1[l]!;
        const s2 = this.s2[l]!;
        for (let o = 0; o < z.length; o++) {
          const zo = z[o]!;
          next[o] = f(zo);
          s1[o] = df(zo);
          s2[o] = d2f(zo);
        }
      }
    }
    const logits = this.z[L - 1]!;
    let best = 0;
    for (let j = 1; j < logits.length; j++) if (logits[j]! > logits[best]!) best = j;
    this.lastLabel = best;
  }

  /** δ_L = softmax − e_ŷ (δ_ŷ = −Σ_{j≠ŷ} p_j, no cancellation), then δ_l = σ′ ⊙ W_{l+1}ᵀ δ_{l+1}. */
  private runBackward(): void {
    const L = this.layers.length;
    const logits = this.z[L - 1]!;
    const y = this.lastLabel;
    const zmax = logits[y]!;
    let sum = 0;
    for (let j = 0; j < logits.length; j++) {
      const ez = exp(logits[j]! - zmax);
      this.prob[j] = ez;
      sum += ez;
    }
    const dL = this.delta[L - 1]!;
    let others = 0;
    for (let j = 0; j < logits.length; j++) {
      const pj = this.prob[j]! / sum;
      this.prob[j] = pj;
      dL[j] = pj;
      if (j !== y) others += pj;
    }
    dL[y] = -others;
    for (let l = L - 1; l > 0; l--) {
      const e = this.e[l - 1]!;
      transposeMatvecInto(this.theta, this.layers[l]!, this.delta[l]!, e);
      hadamardInto(this.s1[l - 1]!, e, this.delta[l - 1]!);
    }
  }

  /**
   * R-backward from the R-forward in `rz`/`ra` to the input: writes V_0ᵀ δ_0 + W_0ᵀ R{δ_0} into
   * `out`, with V = u (`alongGradient` false) or V = g(x) (true: V_lᵀ δ_l = ‖δ_l‖² a_l).
   */
  private rBackward(out: Float64Array, alongGradient: boolean): void {
    const L = this.layers.length;
    const W = this.theta;
    const p = this.prob;
    const rzL = this.rz[L - 1]!;
    const rdL = this.rd[L - 1]!;
    let pr = 0;
    for (let j = 0; j < p.length; j++) pr += p[j]! * rzL[j]!;
    for (let j = 0; j < p.length; j++) rdL[j] = p[j]! * (rzL[j]! - pr);
    for (let l = L - 1; l >= 0; l--) {
      const t = l > 0 ? this.t[l]! : out;
      if (alongGradient) {
        const dd = sumSq(this.delta[l]!);
        const al = this.a[l]!;
        for (let i = 0; i < t.length; i++) t[i] = dd * al[i]!;
      } else {
        transposeMatvecInto(this.u, this.layers[l]!, this.delta[l]!, t);
      }
      transposeMatvecAdd(W, this.layers[l]!, this.rd[l]!, t);
      if (l === 0) break;
      // R{δ_{l−1}} = σ″ ⊙ R{z} ⊙ e + σ′ ⊙ t
      const rd = this.rd[l - 1]!;
      const s1 = this.s1[l - 1]!;
      const s2 = this.s2[l - 1]!;
      const rz = this.rz[l - 1]!;
      const e = this.e[l - 1]!;
      for (let i = 0; i < rd.length; i++) rd[i] = s2[i]! * rz[i]! * e[i]! + s1[i]! * t[i]!;
    }
  }
}

function clampUnit(c: number): number {
  return c > 1 ? 1 : c < -1 ? -1 : c;
}

function sumSq(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return s;
}

function dotOf(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** out = a ⊙ b */
function hadamardInto(a: Float64Array, b: Float64Array, out: Float64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i]! * b[i]!;
}

/** out = V·a + c for the layer's block of the p-vector `v` (weight [out, in] then bias). */
function affineInto(v: Float64Array, layer: LayerSlice, a: Float64Array, out: Float64Array): void {
  const nin = layer.inputs;
  for (let o = 0; o < layer.outputs; o++) {
    const row = layer.weight + o * nin;
    let s = v[layer.bias + o]!;
    for (let i = 0; i < nin; i++) s += v[row + i]! * a[i]!;
    out[o] = s;
  }
}

/** out += V·a (weights only). */
function matvecAdd(v: Float64Array, layer: LayerSlice, a: Float64Array, out: Float64Array): void {
  const nin = layer.inputs;
  for (let o = 0; o < layer.outputs; o++) {
    const row = layer.weight + o * nin;
    let s = 0;
    for (let i = 0; i < nin; i++) s += v[row + i]! * a[i]!;
    out[o] = out[o]! + s;
  }
}

/** out = Vᵀ·u. */
function transposeMatvecInto(v: Float64Array, layer: LayerSlice, u: Float64Array, out: Float64Array): void {
  out.fill(0);
  transposeMatvecAdd(v, layer, u, out);
}

/** out += Vᵀ·u (row-wise axpy, contiguous in the row-major weight). */
function transposeMatvecAdd(v: Float64Array, layer: LayerSlice, u: Float64Array, out: Float64Array): void {
  const nin = layer.inputs;
  for (let o = 0; o < layer.outputs; o++) {
    const uo = u[o]!;
    if (uo === 0) continue;
    const row = layer.weight + o * nin;
    for (let i = 0; i < nin; i++) out[i] = out[i]! + v[row + i]! * uo;
  }
}

/** A(x), ∇ₓA(x), ŷ, ‖g(x)‖ and the logits of one input x for direction `direction` (normalised here). */
export function alignmentInputGradient(model: Model, direction: ArrayLike<number>, x: ArrayLike<number>): InputGradientResult {
  return alignmentInputGradients(model, direction, [x])[0]!;
}

/** {@link alignmentInputGradient} for a small batch of inputs (one evaluator shared). */
export function alignmentInputGradients(model: Model, direction: ArrayLike<number>, xs: readonly ArrayLike<number>[]): InputGradientResult[] {
  const ev = AlignmentGradient.forModel(model, direction);
  const grad = new Float64Array(ev.d);
  return xs.map((x) => {
    const A = ev.evaluate(x, grad);
    return Object.freeze({
      schema: INPUT_GRADIENT_SCHEMA,
      x: Object.freeze(Array.from(x)),
      alignment: A,
      gradient: Object.freeze(Array.from(grad)),
      predicted: ev.predicted,
      gradNorm: ev.gradNorm,
      logits: Object.freeze(Array.from(ev.logits)),
    });
  });
}
