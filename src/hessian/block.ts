/**
 * Blocks of a curvature operator: its restriction to a subset B of the parameters, the |B| × |B|
 * submatrix M_BB (for the Hessian: the curvature of the loss in those parameters with the others
 * held fixed). A product embeds u in a p-vector (zeros outside B), applies the whole operator and
 * keeps the entries in B: one product of the operator per block product, exact.
 *
 * Parameters are named as PyTorch names an `nn.Sequential(Linear, act, Linear, …)`'s: layer l's
 * weight and bias are `${2l}.weight` and `${2l}.bias` (as saveMlp writes them). A block is given
 * by such names, comma-separated (`0.weight,2.bias`), or as `layer:K`, the K-th Linear layer's
 * weight and bias (K from 0), or `all`.
 */
import { InputError } from '../errors.js';
import { layerSlices, type MlpSpec } from '../model/mlp.js';
import { operatorSize, type CountingOperator, type LinearOperator } from './operator.js';

/** One named parameter tensor of a model and where its values are in θ. */
export interface ParameterTensor {
  /** PyTorch name, e.g. `2.weight` */
  readonly name: string;
  /** offset in θ */
  readonly offset: number;
  /** number of values */
  readonly size: number;
  /** the Linear layer it belongs to, from 0 */
  readonly layer: number;
}

/** The model's parameter tensors in θ's order (weight, then bias, layer by layer). */
export function parameterTensors(spec: Pick<MlpSpec, 'sizes'>): ParameterTensor[] {
  return layerSlices(spec as MlpSpec).flatMap((s, l) => [
    { name: `${2 * l}.weight`, offset: s.weight, size: s.inputs * s.outputs, layer: l },
    { name: `${2 * l}.bias`, offset: s.bias, size: s.outputs, layer: l },
  ]);
}

/** A block: its name as given and the parameter indices it holds (ascending). */
export interface ParameterBlock {
  readonly name: string;
  /** the tensors in it */
  readonly tensors: readonly string[];
  /** indices into θ, ascending */
  readonly indices: Int32Array;
}

/**
 * The block `spec` names (see the module notes). Throws {@link InputError} for an unknown name or
 * layer, listing the model's parameter names.
 */
export function parameterBlock(spec: Pick<MlpSpec, 'sizes'>, block: string): ParameterBlock {
  const tensors = parameterTensors(spec);
  const layers = spec.sizes.length - 1;
  const known = (): string => `the model's parameters are ${tensors.map((t) => t.name).join(', ')} (layer:0 … layer:${layers - 1}, or all)`;
  const text = block.trim();
  let chosen: ParameterTensor[];
  if (text === 'all') {
    chosen = tensors;
  } else if (text.startsWith('layer:')) {
    const k = Number(text.slice('layer:'.length));
    if (!Number.isInteger(k) || k < 0 || k >= layers) throw new InputError(`block '${block}': no such layer; ${known()}`);
    chosen = tensors.filter((t) => t.layer === k);
  } else {
    const names = text.split(',').map((n) => n.trim()).filter((n) => n.length > 0);
    if (names.length === 0) throw new InputError(`block '${block}' names no parameters; ${known()}`);
    chosen = names.map((name) => {
      const t = tensors.find((x) => x.name === name);
      if (!t) throw new InputError(`block '${block}': no parameter named '${name}'; ${known()}`);
      return t;
    });
    const seen = new Set<string>();
    for (const t of chosen) {
      if (seen.has(t.name)) throw new InputError(`block '${block}' names '${t.name}' twice`);
      seen.add(t.name);
    }
    chosen.sort((a, b) => a.offset - b.offset);
  }
  const indices = new Int32Array(chosen.reduce((sum, t) => sum + t.size, 0));
  let at = 0;
  for (const t of chosen) for (let i = 0; i < t.size; i++) indices[at++] = t.offset + i;
  return { name: text, tensors: chosen.map((t) => t.name), indices };
}

/** Each layer's block (its weight and bias), in order: what a per-layer analysis runs over. */
export function layerBlocks(spec: Pick<MlpSpec, 'sizes'>): ParameterBlock[] {
  return Array.from({ length: spec.sizes.length - 1 }, (_, k) => parameterBlock(spec, `layer:${k}`));
}

/**
 * The restriction of `op` to `block`: size |B|, `matvec(u, out)` = (M·embed(u))_B, counting its
 * products. One product of `op` each.
 */
export function blockOperator(op: LinearOperator, block: Pick<ParameterBlock, 'indices'>): CountingOperator {
  const p = operatorSize(op);
  const idx = block.indices;
  for (let i = 0; i < idx.length; i++) {
    if (!(idx[i]! >= 0 && idx[i]! < p) || (i > 0 && idx[i]! <= idx[i - 1]!)) throw new InputError(`block indices must be ascending and in 0..${p - 1}`);
  }
  const full = new Float64Array(p);
  const fullOut = new Float64Array(p);
  let count = 0;
  return {
    size: idx.length,
    get matvecs() {
      return count;
    },
    async matvec(u: Float64Array, out: Float64Array): Promise<void> {
      full.fill(0);
      for (let i = 0; i < idx.length; i++) full[idx[i]!] = u[i]!;
      await op.matvec(full, fullOut);
      for (let i = 0; i < idx.length; i++) out[i] = fullOut[idx[i]!]!;
      count++;
    },
  };
}
