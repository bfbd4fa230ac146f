/**
 * The MLP spec and its parameter layout.
 *
 * Parameter order at every public edge is PyTorch's `nn.Sequential(Linear, Act, Linear, …)
 * .parameters()` order: layer by layer, weight [out, in] row-major (index = offset + o·in + i),
 * then bias [out].
 */
import { InputError, ResourceError, ShapeError } from '../errors.js';
import { Rng } from './rng.js';

/** Hidden-layer nonlinearity. `gelu` is the erf form (PyTorch's default `nn.GELU`). */
export type Activation = 'relu' | 'tanh' | 'sigmoid' | 'gelu' | 'identity';

/** All activations. Their kernel codes are ACTIVATION_CODE (src/engine/net/kernels.ts), not this order. */
export const ACTIVATIONS: readonly Activation[] = ['identity', 'relu', 'tanh', 'sigmoid', 'gelu'];

/** A dense classifier: `sizes = [inputs, hidden…, classes]`, softmax cross-entropy loss. */
export interface MlpSpec {
  /** Layer widths, input first, classes last; at least two entries. */
  readonly sizes: readonly number[];
  /** Nonlinearity after every hidden layer (none after the last). */
  readonly activation: Activation;
}

/** A dense MLP classifier: its spec and parameters θ (float32, PyTorch order). */
export interface Model {
  readonly spec: MlpSpec;
  /** [p] in PyTorch `parameters()` order */
  readonly theta: Float32Array;
}

/** Where one layer's tensors sit in the flat parameter vector. */
export interface LayerSlice {
  /** fan-in */
  readonly inputs: number;
  /** fan-out */
  readonly outputs: number;
  /** offset of the weight [outputs, inputs] */
  readonly weight: number;
  /** offset of the bias [outputs] */
  readonly bias: number;
}

/** wasm32's memory limit: a model whose f32 parameters alone exceed it cannot run anywhere here. */
const MAX_WASM_BYTES = 2 ** 32;

/**
 * Checks a spec and returns it frozen; throws {@link InputError} naming the bad field, or
 * {@link ResourceError} when the parameters alone (4·p bytes) exceed wasm32's 4 GiB.
 */
export function mlpSpec(sizes: readonly number[], activation: Activation = 'relu'): MlpSpec {
  if (!Array.isArray(sizes) || sizes.length < 2) {
    throw new InputError(`MLP sizes must list at least an input and an output width, got [${String(sizes)}]`);
  }
  sizes.forEach((w, i) => {
    if (!Number.isInteger(w) || w < 1) throw new InputError(`MLP sizes[${i}] must be a positive integer, got ${w}`);
  });
  if (sizes[sizes.length - 1]! < 2) throw new InputError(`a classifier needs at least 2 classes, got ${sizes[sizes.length - 1]}`);
  if (!ACTIVATIONS.includes(activation)) {
    throw new InputError(`unsupported activation '${activation}' (expected one of ${ACTIVATIONS.join(', ')})`);
  }
  const p = parameterCount({ sizes, activation });
  if (p * 4 > MAX_WASM_BYTES) {
    throw new ResourceError(`a ${sizes.join('-')} MLP has p = ${p.toLocaleString('en-US')} parameters: ${(p * 4 / 2 ** 30).toFixed(1)} GiB as f32 alone, ` +
      `more than wasm32's 4 GiB of memory holds; use narrower or fewer layers`);
  }
  return Object.freeze({ sizes: Object.freeze([...sizes]), activation });
}

/** The layer slices of a spec, in PyTorch order. */
export function layerSlices(spec: MlpSpec): LayerSlice[] {
  const out: LayerSlice[] = [];
  let offset = 0;
  for (let l = 1; l < spec.sizes.length; l++) {
    const inputs = spec.sizes[l - 1]!;
    const outputs = spec.sizes[l]!;
    out.push({ inputs, outputs, weight: offset, bias: offset + inputs * outputs });
    offset += inputs * outputs + outputs;
  }
  return out;
}

/** Number of parameters p (weights and biases of every layer). */
export function parameterCount(spec: MlpSpec): number {
  let p = 0;
  for (let l = 1; l < spec.sizes.length; l++) p += spec.sizes[l - 1]! * spec.sizes[l]! + spec.sizes[l]!;
  return p;
}

/**
 * PyTorch's default `nn.Linear` init: weight and bias U(−1/√fan_in, 1/√fan_in), drawn from a
 * seeded SplitMix64 stream layer by layer, weight then bias. Returns float32 values in PyTorch order.
 */
export function initParameters(spec: MlpSpec, seed: number): Float32Array {
  const theta = new Float32Array(parameterCount(spec));
  const rng = new Rng(seed);
  for (const layer of layerSlices(spec)) {
    const bound = 1 / Math.sqrt(layer.inputs);
    const end = layer.bias + layer.outputs;
    for (let i = layer.weight; i < end; i++) theta[i] = rng.uniformIn(-bound, bound);
  }
  return theta;
}

/** Throws {@link ShapeError} unless `theta` has exactly `parameterCount(spec)` entries. */
export function checkParameters(spec: MlpSpec, theta: ArrayLike<number>, what = 'parameter vector'): void {
  const p = parameterCount(spec);
  if (theta.length !== p) {
    throw new ShapeError(`${what} has ${theta.length} entries, but the ${spec.sizes.join('-')} MLP has p = ${p} parameters`);
  }
}
