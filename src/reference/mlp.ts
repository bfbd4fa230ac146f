/**
 * The executable spec: loss, gradient, exact Hessian-vector product and dense Hessian of a dense
 * MLP classifier with mean softmax cross-entropy, in plain float64 loops, one sample at a time.
 *
 * Why the tests may trust it as an independent reference: it shares nothing with the production
 * path but the parameter layout (src/model/mlp.ts). It runs in float64 rather than the kernels'
 * float32, without wasm, GEMM blocking, workers or batching; every quantity is a literal transcription
 * of the formulas in docs/math.md, and it is itself checked against central
 * finite differences, a closed-form softmax-regression Hessian and PyTorch float64 fixtures
 * (test/reference/mlp.test.ts).
 *
 * Hv is Pearlmutter's R-operator (exact, no finite differences): R{·} = d/dt at θ + t·v, pushed
 * through the forward pass and the backward pass.
 * see: B. A. Pearlmutter, "Fast exact multiplication by the Hessian", Neural Computation 6(1), 1994.
 *
 * Conventions: θ and every p-vector in PyTorch order (per layer: weight [out, in] row-major, then
 * bias [out]); loss = mean over samples of −log softmax(z_L)_y (natural log).
 */
import { InputError, ResourceError, ShapeError } from '../errors.js';
import type { Dataset } from '../data/dataset.js';
import { checkParameters, layerSlices, parameterCount, type LayerSlice, type MlpSpec } from '../model/mlp.js';
import { float64Activation, type Float64Activation } from '../model/activations.js';

/** What {@link referenceEvaluate} reports for a model on a dataset. */
export interface ReferenceEvaluation {
  /** mean softmax cross-entropy, natural log */
  readonly loss: number;
  /** share of samples whose argmax logit (first index on ties) equals the label */
  readonly accuracy: number;
  /** ‖∇θ loss‖₂ */
  readonly gradNorm: number;
  /** [n] argmax of the logits, first index on ties */
  readonly predicted: Int32Array;
  /** [n, C] row-major */
  readonly logits: Float64Array;
}

/** Options of {@link referenceHessian}. */
export interface ReferenceHessianOptions {
  /** Refuse (with {@link ResourceError}) above this many parameters; the matrix costs 8·p² bytes. Default 4096. */
  readonly maxParameters?: number;
}

/** The network, unpacked once per call: layers, activation and θ in float64. */
interface Net {
  readonly spec: MlpSpec;
  readonly layers: readonly LayerSlice[];
  readonly act: Float64Activation;
  readonly theta: Float64Array;
  readonly classes: number;
}

/** Forward and backward quantities of one sample. Layer k = 0..L−1 maps acts[k] to z[k]. */
interface SampleState {
  /** acts[0] = x; acts[k] = σ(z[k−1]) for k = 1..L−1 */
  readonly acts: Float64Array[];
  /** pre-activations z[k] [outputs of layer k]; z[L−1] are the logits */
  readonly z: Float64Array[];
  /** softmax of the logits */
  readonly prob: Float64Array;
  /** delta[k] = ∂ℓ/∂z[k] */
  readonly delta: Float64Array[];
  /** back[k] = W_{k+1}ᵀ delta[k+1] for k < L−1 (delta[k] before the σ′ factor) */
  readonly back: Float64Array[];
}

function unpack(spec: MlpSpec, theta: ArrayLike<number>): Net {
  checkParameters(spec, theta);
  const t = Float64Array.from(theta);
  for (let i = 0; i < t.length; i++) {
    if (!Number.isFinite(t[i]!)) throw new InputError(`parameter ${i} is ${t[i]} (parameters must be finite)`);
  }
  return {
    spec,
    layers: layerSlices(spec),
    act: float64Activation(spec.activation),
    theta: t,
    classes: spec.sizes[spec.sizes.length - 1]!,
  };
}

function checkSample(net: Net, x: ArrayLike<number>, label?: number): void {
  const d = net.spec.sizes[0]!;
  if (x.length !== d) throw new ShapeError(`input has ${x.length} features, but the ${net.spec.sizes.join('-')} MLP expects ${d}`);
  if (label !== undefined && !(Number.isInteger(label) && label >= 0 && label < net.classes)) {
    throw new InputError(`label ${label} is out of range for ${net.classes} classes (labels must be integers 0..${net.classes - 1})`);
  }
}

function checkData(net: Net, data: Dataset): void {
  const d = net.spec.sizes[0]!;
  if (data.d !== d) throw new ShapeError(`dataset has ${data.d} features, but the ${net.spec.sizes.join('-')} MLP expects ${d}`);
  for (let i = 0; i < data.n; i++) {
    const y = data.y[i]!;
    if (y < 0 || y >= net.classes) {
      throw new InputError(`label ${y} of sample ${i} is out of range for the model's ${net.classes} classes`);
    }
  }
}

function sampleOf(data: Dataset, i: number): Float32Array {
  return data.x.subarray(i * data.d, (i + 1) * data.d);
}

/** W·a for one layer (W at its offset in the parameter-shaped vector `theta`). */
function times(theta: Float64Array, layer: LayerSlice, a: Float64Array): Float64Array {
  const z = new Float64Array(layer.outputs);
  for (let o = 0; o < layer.outputs; o++) {
    let s = 0;
    const row = layer.weight + o * layer.inputs;
    for (let i = 0; i < layer.inputs; i++) s += theta[row + i]! * a[i]!;
    z[o] = s;
  }
  return z;
}

/** W·a + b for one layer. */
function affine(theta: Float64Array, layer: LayerSlice, a: Float64Array): Float64Array {
  const z = times(theta, layer, a);
  for (let o = 0; o < layer.outputs; o++) z[o] = z[o]! + theta[layer.bias + o]!;
  return z;
}

/** Wᵀ·u for one layer: out[i] = Σ_o W[o, i] u[o]. */
function transposeTimes(theta: Float64Array, layer: LayerSlice, u: Float64Array): Float64Array {
  const out = new Float64Array(layer.inputs);
  for (let o = 0; o < layer.outputs; o++) {
    const row = layer.weight + o * layer.inputs;
    const uo = u[o]!;
    for (let i = 0; i < layer.inputs; i++) out[i] = out[i]! + theta[row + i]! * uo;
  }
  return out;
}

function argmax(z: ArrayLike<number>): number {
  let best = 0;
  for (let j = 1; j < z.length; j++) if (z[j]! > z[best]!) best = j;
  return best;
}

/** Forward pass: activations and pre-activations of every layer. */
function forward(net: Net, x: ArrayLike<number>): { acts: Float64Array[]; z: Float64Array[] } {
  const acts: Float64Array[] = [Float64Array.from(x)];
  const z: Float64Array[] = [];
  const last = net.layers.length - 1;
  net.layers.forEach((layer, k) => {
    const zk = affine(net.theta, layer, acts[k]!);
    z.push(zk);
    if (k < last) acts.push(zk.map(net.act.f));
  });
  return { acts, z };
}

/**
 * −log softmax(logits)_label, precise for confident predictions: when the label is the argmax,
 * log1p(Σ_{j≠y} e^{z_j − z_y}) keeps the digits that log(1 − tiny) would lose.
 */
function crossEntropy(logits: Float64Array, label: number): number {
  const m = argmax(logits);
  const zy = logits[label]!;
  if (m === label) {
    let s = 0;
    for (let j = 0; j < logits.length; j++) if (j !== label) s += Math.exp(logits[j]! - zy);
    return Math.log1p(s);
  }
  const zm = logits[m]!;
  let s = 0;
  for (let j = 0; j < logits.length; j++) s += Math.exp(logits[j]! - zm);
  return zm + Math.log(s) - zy;
}

/** softmax(logits) and δ_L = p − e_y, with δ_y = −Σ_{j≠y} p_j (no cancellation when p_y ≈ 1). */
function outputDelta(logits: Float64Array, label: number): { prob: Float64Array; delta: Float64Array } {
  const zm = logits[argmax(logits)]!;
  const prob = logits.map((v) => Math.exp(v - zm));
  let s = 0;
  for (let j = 0; j < prob.length; j++) s += prob[j]!;
  for (let j = 0; j < prob.length; j++) prob[j] = prob[j]! / s;
  const delta = Float64Array.from(prob);
  let others = 0;
  for (let j = 0; j < prob.length; j++) if (j !== label) others += prob[j]!;
  delta[label] = -others;
  return { prob, delta };
}

/** Forward and backward pass of one sample: δ_l = σ′(z_l) ⊙ (W_{l+1}ᵀ δ_{l+1}). */
function sampleState(net: Net, x: ArrayLike<number>, label: number): SampleState {
  const { acts, z } = forward(net, x);
  const L = net.layers.length;
  const { prob, delta: deltaL } = outputDelta(z[L - 1]!, label);
  const delta: Float64Array[] = new Array<Float64Array>(L);
  const back: Float64Array[] = new Array<Float64Array>(L - 1);
  delta[L - 1] = deltaL;
  for (let k = L - 2; k >= 0; k--) {
    const bk = transposeTimes(net.theta, net.layers[k + 1]!, delta[k + 1]!);
    back[k] = bk;
    delta[k] = bk.map((b, i) => net.act.df(z[k]![i]!) * b);
  }
  return { acts, z, prob, delta, back };
}

/** out += scale · ∇θ ℓ of one sample: ∇W_l = δ_l a_{l−1}ᵀ, ∇b_l = δ_l. */
function addGradient(net: Net, s: SampleState, scale: number, out: Float64Array): void {
  net.layers.forEach((layer, k) => {
    const a = s.acts[k]!;
    const dk = s.delta[k]!;
    for (let o = 0; o < layer.outputs; o++) {
      const g = scale * dk[o]!;
      const row = layer.weight + o * layer.inputs;
      for (let i = 0; i < layer.inputs; i++) out[row + i] = out[row + i]! + g * a[i]!;
      out[layer.bias + o] = out[layer.bias + o]! + g;
    }
  });
}

/**
 * out += scale · H_x v for one sample by the R-operator (docs/math.md):
 * R-forward R{z_l} = V_l a_{l−1} + W_l R{a_{l−1}} + c_l, R{a_l} = σ′(z_l) ⊙ R{z_l};
 * R{δ_L} = p ⊙ (R{z_L} − ⟨p, R{z_L}⟩);
 * R{δ_l} = σ″(z_l) ⊙ R{z_l} ⊙ (W_{l+1}ᵀ δ_{l+1}) + σ′(z_l) ⊙ (V_{l+1}ᵀ δ_{l+1} + W_{l+1}ᵀ R{δ_{l+1}});
 * (Hv)_{W_l} = R{δ_l} a_{l−1}ᵀ + δ_l R{a_{l−1}}ᵀ, (Hv)_{b_l} = R{δ_l}.
 */
function addHvp(net: Net, s: SampleState, v: Float64Array, scale: number, out: Float64Array): void {
  const L = net.layers.length;
  const rActs: Float64Array[] = [new Float64Array(net.spec.sizes[0]!)];
  const rz: Float64Array[] = [];
  for (let k = 0; k < L; k++) {
    const layer = net.layers[k]!;
    const fromV = affine(v, layer, s.acts[k]!); // V_k a_{k−1} + c_k
    const fromW = times(net.theta, layer, rActs[k]!); // W_k R{a_{k−1}}
    const rzk = fromV.map((r, o) => r + fromW[o]!);
    rz.push(rzk);
    if (k < L - 1) rActs.push(rzk.map((r, o) => net.act.df(s.z[k]![o]!) * r));
  }

  const rDelta: Float64Array[] = new Array<Float64Array>(L);
  const rzL = rz[L - 1]!;
  let pr = 0;
  for (let j = 0; j < rzL.length; j++) pr += s.prob[j]! * rzL[j]!;
  rDelta[L - 1] = s.prob.map((pj, j) => pj * (rzL[j]! - pr));
  for (let k = L - 2; k >= 0; k--) {
    const fromV = transposeTimes(v, net.layers[k + 1]!, s.delta[k + 1]!);
    const fromW = transposeTimes(net.theta, net.layers[k + 1]!, rDelta[k + 1]!);
    const zk = s.z[k]!;
    rDelta[k] = zk.map((zi, i) => net.act.d2f(zi) * rz[k]![i]! * s.back[k]![i]! + net.act.df(zi) * (fromV[i]! + fromW[i]!));
  }

  net.layers.forEach((layer, k) => {
    const a = s.acts[k]!;
    const ra = rActs[k]!;
    const dk = s.delta[k]!;
    const rdk = rDelta[k]!;
    for (let o = 0; o < layer.outputs; o++) {
      const row = layer.weight + o * layer.inputs;
      for (let i = 0; i < layer.inputs; i++) out[row + i] = out[row + i]! + scale * (rdk[o]! * a[i]! + dk[o]! * ra[i]!);
      out[layer.bias + o] = out[layer.bias + o]! + scale * rdk[o]!;
    }
  });
}

function allSampleStates(net: Net, data: Dataset): SampleState[] {
  const states: SampleState[] = [];
  for (let i = 0; i < data.n; i++) states.push(sampleState(net, sampleOf(data, i), data.y[i]!));
  return states;
}

/** The logits z_L [C] of one input x [d]. */
export function referenceLogits(spec: MlpSpec, theta: ArrayLike<number>, x: ArrayLike<number>): Float64Array {
  const net = unpack(spec, theta);
  checkSample(net, x);
  const { z } = forward(net, x);
  return z[z.length - 1]!;
}

/** Mean softmax cross-entropy (natural log) over `data`, precise also for confident predictions. */
export function referenceLoss(spec: MlpSpec, theta: ArrayLike<number>, data: Dataset): number {
  const net = unpack(spec, theta);
  checkData(net, data);
  let sum = 0;
  for (let i = 0; i < data.n; i++) {
    const { z } = forward(net, sampleOf(data, i));
    sum += crossEntropy(z[z.length - 1]!, data.y[i]!);
  }
  return sum / data.n;
}

/** ∇θ of the mean loss [p], PyTorch order. */
export function referenceGradient(spec: MlpSpec, theta: ArrayLike<number>, data: Dataset): Float64Array {
  const net = unpack(spec, theta);
  checkData(net, data);
  const out = new Float64Array(parameterCount(spec));
  for (let i = 0; i < data.n; i++) addGradient(net, sampleState(net, sampleOf(data, i), data.y[i]!), 1 / data.n, out);
  return out;
}

/** Loss, accuracy, gradient norm, predictions and logits of the model on `data`. */
export function referenceEvaluate(spec: MlpSpec, theta: ArrayLike<number>, data: Dataset): ReferenceEvaluation {
  const net = unpack(spec, theta);
  checkData(net, data);
  const C = net.classes;
  const logits = new Float64Array(data.n * C);
  const predicted = new Int32Array(data.n);
  const grad = new Float64Array(parameterCount(spec));
  let lossSum = 0;
  let correct = 0;
  for (let i = 0; i < data.n; i++) {
    const s = sampleState(net, sampleOf(data, i), data.y[i]!);
    const zL = s.z[s.z.length - 1]!;
    logits.set(zL, i * C);
    predicted[i] = argmax(zL);
    if (predicted[i] === data.y[i]) correct++;
    lossSum += crossEntropy(zL, data.y[i]!);
    addGradient(net, s, 1 / data.n, grad);
  }
  let g2 = 0;
  for (let j = 0; j < grad.length; j++) g2 += grad[j]! * grad[j]!;
  return { loss: lossSum / data.n, accuracy: correct / data.n, gradNorm: Math.sqrt(g2), predicted, logits };
}

/** Exact Hessian-vector product H·v [p] of the mean loss, by Pearlmutter's R-operator. */
export function referenceHvp(spec: MlpSpec, theta: ArrayLike<number>, data: Dataset, v: ArrayLike<number>): Float64Array {
  const net = unpack(spec, theta);
  checkData(net, data);
  checkParameters(spec, v, 'direction v');
  const vv = Float64Array.from(v);
  const out = new Float64Array(vv.length);
  for (const s of allSampleStates(net, data)) addHvp(net, s, vv, 1 / data.n, out);
  return out;
}

/**
 * The dense Hessian [p, p] (row-major) of the mean loss: row j = H·e_j by the R-operator, then
 * symmetrised as (H + Hᵀ)/2 (the raw matrix is symmetric up to rounding).
 */
export function referenceHessian(spec: MlpSpec, theta: ArrayLike<number>, data: Dataset, options: ReferenceHessianOptions = {}): Float64Array {
  const net = unpack(spec, theta);
  checkData(net, data);
  const p = parameterCount(spec);
  const limit = options.maxParameters ?? 4096;
  if (p > limit) {
    throw new ResourceError(`the dense reference Hessian of a p = ${p} model needs ${((8 * p * p) / 2 ** 20).toFixed(0)} MiB; the limit is p ≤ ${limit} (options.maxParameters)`);
  }
  const states = allSampleStates(net, data);
  const h = new Float64Array(p * p);
  const e = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    e[j] = 1;
    const row = h.subarray(j * p, (j + 1) * p);
    for (const s of states) addHvp(net, s, e, 1 / data.n, row);
    e[j] = 0;
  }
  for (let i = 0; i < p; i++) {
    for (let j = i + 1; j < p; j++) {
      const m = 0.5 * (h[i * p + j]! + h[j * p + i]!);
      h[i * p + j] = m;
      h[j * p + i] = m;
    }
  }
  return h;
}

/** ∇θ ℓ(θ; x, label) [p] of one sample (not averaged), PyTorch order. */
export function referencePerSampleGradient(spec: MlpSpec, theta: ArrayLike<number>, x: ArrayLike<number>, label: number): Float64Array {
  const net = unpack(spec, theta);
  checkSample(net, x, label);
  const out = new Float64Array(parameterCount(spec));
  addGradient(net, sampleState(net, x, label), 1, out);
  return out;
}

/** ∇ₓ ℓ(θ; x, label) = W_1ᵀ δ_1 [d] of one sample. */
export function referenceInputGradient(spec: MlpSpec, theta: ArrayLike<number>, x: ArrayLike<number>, label: number): Float64Array {
  const net = unpack(spec, theta);
  checkSample(net, x, label);
  const s = sampleState(net, x, label);
  return transposeTimes(net.theta, net.layers[0]!, s.delta[0]!);
}
