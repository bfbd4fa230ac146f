/**
 * The input–output Jacobian norm: a cheap Lipschitz proxy reported next to the Hessian spectrum.
 *
 * Definition: J(x) = ∂f/∂x ∈ ℝ^{C×d} with f = the logits z_L (before the softmax — not the
 * probabilities, whose Jacobian vanishes on confident samples); the record holds ‖J(x)‖_F per
 * sample and the mean (the headline number, `mean`), std, min and max over the dataset (normally
 * the training set).
 * Computed exactly in plain float64 TypeScript with min(C, d) passes per sample (option `mode`):
 * `reverse` pushes the C unit covectors e_c back through the layers at once (J = E·W_L·D_{L−1}·…·W_1,
 * cost ∝ C·Σ weights), `forward` pushes the d unit tangents e_j forward (cost ∝ d·Σ weights);
 * `auto` (default) picks the cheaper, reverse on ties.
 *
 * see: S. Sabanayagam, F. Behrens, U. Adomaityte, A. Dawid, arXiv 2306.07104 (2023) for the
 * Hessian–boundary analysis this complements; D. Novak et al., "Sensitivity and generalization in
 * neural networks", ICLR 2018, for the input–output Jacobian norm as a generalization correlate.
 */
import { InputError, ShapeError, throwIfAborted } from '../errors.js';
import type { Dataset } from '../data/dataset.js';
import { checkParameters, layerSlices, type LayerSlice, type Model } from '../model/mlp.js';
import { float64Activation } from '../model/activations.js';

/** Schema tag of {@link JacobianNormResult}. */
export const JACOBIAN_SCHEMA = 'hessian-lens/jacobian-norm@1';

/** `reverse` (C backward passes), `forward` (d forward tangents) or `auto` (the cheaper). */
export type JacobianMode = 'auto' | 'reverse' | 'forward';

/** Options of {@link jacobianNorm}. */
export interface JacobianNormOptions {
  /** Default `auto`: reverse when C ≤ d, else forward. */
  readonly mode?: JacobianMode;
  /** Checked every 256 samples; fires {@link AbortError}. */
  readonly signal?: AbortSignal;
}

/** Frobenius norms of the logit Jacobian over a dataset. */
export interface JacobianNormResult {
  /** Record type and version. */
  readonly schema: typeof JACOBIAN_SCHEMA;
  /** What was differentiated. */
  readonly quantity: 'frobenius norm of d(logits)/dx (pre-softmax)';
  /** mean over samples of ‖∂f/∂x‖_F */
  readonly mean: number;
  /** population std over samples */
  readonly std: number;
  readonly min: number;
  readonly max: number;
  /** [n] ‖∂f/∂x(x_i)‖_F */
  readonly values: readonly number[];
  /** the mode used (never `auto`) */
  readonly mode: 'reverse' | 'forward';
  /** passes per sample: C (reverse) or d (forward) */
  readonly passesPerSample: number;
}

/** ‖∂f/∂x‖_F of one input, with buffers reused across calls. */
class LogitJacobian {
  readonly d: number;
  readonly classes: number;
  private readonly layers: readonly LayerSlice[];
  private readonly theta: Float64Array;
  private readonly f: (z: number) => number;
  private readonly df: (z: number) => number;
  /** activations and σ′ per hidden layer */
  private readonly a: Float64Array[];
  private readonly s1: Float64Array[];
  /** two ping-pong buffers of rows × width for the propagated block */
  private readonly bufA: Float64Array;
  private readonly bufB: Float64Array;

  constructor(model: Model, readonly mode: 'reverse' | 'forward') {
    checkParameters(model.spec, model.theta);
    this.layers = layerSlices(model.spec);
    this.theta = Float64Array.from(model.theta);
    for (let i = 0; i < this.theta.length; i++) {
      if (!Number.isFinite(this.theta[i]!)) throw new InputError(`parameter ${i} is ${this.theta[i]} (parameters must be finite)`);
    }
    const act = float64Activation(model.spec.activation);
    this.f = act.f;
    this.df = act.df;
    this.d = model.spec.sizes[0]!;
    this.classes = model.spec.sizes[model.spec.sizes.length - 1]!;
    this.a = this.layers.map((l) => new Float64Array(l.inputs));
    this.s1 = this.layers.map((l) => new Float64Array(l.outputs));
    const rows = mode === 'reverse' ? this.classes : this.d;
    const width = Math.max(...model.spec.sizes);
    this.bufA = new Float64Array(rows * width);
    this.bufB = new Float64Array(rows * width);
  }

  norm(x: ArrayLike<number>): number {
    const L = this.layers.length;
    const W = this.theta;
    // forward: a[l] inputs of layer l, s1[l] = σ′(z_l) for hidden layers
    this.a[0]!.set(x);
    for (let l = 0; l < L - 1; l++) {
      const layer = this.layers[l]!;
      const a = this.a[l]!;
      const next = this.a[l + 1]!;
      const s1 = this.s1[l]!;
      const nin = layer.inputs;
      for (let o = 0; o < layer.outputs; o++) {
        const row = layer.weight + o * nin;
        let z = W[layer.bias + o]!;
        for (let i = 0; i < nin; i++) z += W[row + i]! * a[i]!;
        next[o] = this.f(z);
        s1[o] = this.df(z);
      }
    }
    let cur = this.bufA;
    let nxt = this.bufB;
    if (this.mode === 'reverse') {
      // M [C × width_l] starts as I_C at the logits; M ← (M·W_l) ⊙ σ′(z_{l−1}) down to the input
      const C = this.classes;
      cur.fill(0, 0, C * C);
      for (let c = 0; c < C; c++) cur[c * C + c] = 1;
      for (let l = L - 1; l >= 0; l--) {
        const layer = this.layers[l]!;
        const nin = layer.inputs;
        const nout = layer.outputs;
        nxt.fill(0, 0, C * nin);
        for (let c = 0; c < C; c++) {
          for (let o = 0; o < nout; o++) {
            const m = cur[c * nout + o]!;
            if (m === 0) continue;
            const row = layer.weight + o * nin;
            const base = c * nin;
            for (let i = 0; i < nin; i++) nxt[base + i] = nxt[base + i]! + m * W[row + i]!;
          }
        }
        if (l > 0) {
          const s1 = this.s1[l - 1]!;
          for (let c = 0; c < C; c++) for (let i = 0; i < nin; i++) nxt[c * nin + i] = nxt[c * nin + i]! * s1[i]!;
        }
        const t = cur;
        cur = nxt;
        nxt = t;
      }
      return Math.sqrt(sumSq(cur, C * this.d));
    }
    // forward: T [d × width_l] starts as I_d; T ← σ′(z_l) ⊙ (T·W_lᵀ) up to the logits
    const d = this.d;
    cur.fill(0, 0, d * d);
    for (let j = 0; j < d; j++) cur[j * d + j] = 1;
    for (let l = 0; l < L; l++) {
      const layer = this.layers[l]!;
      const nin = layer.inputs;
      const nout = layer.outputs;
      const hidden = l < L - 1;
      const s1 = this.s1[l]!;
      for (let j = 0; j < d; j++) {
        const base = j * nin;
        for (let o = 0; o < nout; o++) {
          const row = layer.weight + o * nin;
          let s = 0;
          for (let i = 0; i < nin; i++) s += W[row + i]! * cur[base + i]!;
          nxt[j * nout + o] = hidden ? s * s1[o]! : s;
        }
      }
      const t = cur;
      cur = nxt;
      nxt = t;
    }
    return Math.sqrt(sumSq(cur, d * this.classes));
  }
}

function sumSq(v: Float64Array, count: number): number {
  let s = 0;
  for (let i = 0; i < count; i++) s += v[i]! * v[i]!;
  return s;
}

/**
 * Mean (and spread) over the samples bound to `session` (a `Session`, or any model and data) of
 * ‖∂f/∂x‖_F, f = the logits, exact, in float64 with min(C, d) passes per sample.
 */
export function jacobianNorm(session: { readonly model: Model; readonly data: Dataset }, options: JacobianNormOptions = {}): JacobianNormResult {
  const { model, data } = session;
  const d = model.spec.sizes[0]!;
  const C = model.spec.sizes[model.spec.sizes.length - 1]!;
  if (data.d !== d) throw new ShapeError(`the data has ${data.d} features but the ${model.spec.sizes.join('-')} model expects ${d}`);
  if (data.n === 0) throw new InputError('the dataset is empty (no samples)');
  const requested = options.mode ?? 'auto';
  if (requested !== 'auto' && requested !== 'reverse' && requested !== 'forward') {
    throw new InputError(`mode must be 'auto', 'reverse' or 'forward', got '${String(requested)}'`);
  }
  const mode = requested === 'auto' ? (C <= d ? 'reverse' : 'forward') : requested;
  const jac = new LogitJacobian(model, mode);
  const values = new Array<number>(data.n);
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.n; i++) {
    if (i % 256 === 0) throwIfAborted(options.signal);
    const v = jac.norm(data.x.subarray(i * d, (i + 1) * d));
    values[i] = v;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / data.n;
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  return Object.freeze({
    schema: JACOBIAN_SCHEMA,
    quantity: 'frobenius norm of d(logits)/dx (pre-softmax)' as const,
    mean,
    std: Math.sqrt(ss / data.n),
    min,
    max,
    values: Object.freeze(values),
    mode,
    passesPerSample: mode === 'reverse' ? C : d,
  });
}
