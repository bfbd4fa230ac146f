/**
 * The engine: compiled kernels plus the calls people make over a model and a dataset — loss,
 * accuracy, gradient and exact Hessian-vector products, all means over the whole dataset.
 */
import { InputError, ShapeError } from '../errors.js';
import type { Dataset } from '../data/dataset.js';
import { checkParameters, parameterCount, type MlpSpec } from '../model/mlp.js';
import { DenseNet, type DenseNetOptions } from './dense-net.js';
import { compileKernels, instantiateKernels, type CompiledKernels, type KernelBuild, type KernelBuildOption } from './wasm.js';

/** A dense MLP classifier: its spec and parameters θ (float32, PyTorch order). */
export interface Model {
  readonly spec: MlpSpec;
  /** [p] in PyTorch `parameters()` order */
  readonly theta: Float32Array;
}

/** Options of {@link createEngine}. */
export interface EngineOptions extends DenseNetOptions {
  /** Kernel build: `auto` (default) picks relaxed SIMD when the runtime supports it. */
  readonly build?: KernelBuildOption;
}

/** What `evaluate` reports (the CLI's `evaluate --json` record). */
export interface Evaluation {
  /** p */
  readonly parameters: number;
  /** samples */
  readonly n: number;
  /** output classes of the model */
  readonly classes: number;
  /** mean cross-entropy (natural log) */
  readonly loss: number;
  /** share of samples whose arg-max logit is the label */
  readonly accuracy: number;
  /** ‖∇θ loss‖₂ */
  readonly gradNorm: number;
}

/** Loss, accuracy and the mean gradient. */
export interface GradientResult {
  readonly loss: number;
  readonly accuracy: number;
  /** [p] mean gradient, PyTorch order */
  readonly gradient: Float64Array;
}

/** Checks that a model's θ is finite and sized for its spec. */
export function checkModel(model: Model): void {
  checkParameters(model.spec, model.theta);
  for (let i = 0; i < model.theta.length; i++) {
    if (!Number.isFinite(model.theta[i]!)) throw new InputError(`parameter ${i} of the model is ${model.theta[i]} (parameters must be finite)`);
  }
}

function checkData(model: Model, data: Dataset): void {
  if (data.n === 0) throw new InputError('the dataset is empty (no samples)');
  if (data.d !== model.spec.sizes[0]) {
    throw new ShapeError(`the data has ${data.d} features but the ${model.spec.sizes.join('-')} model expects ${model.spec.sizes[0]}`);
  }
  const classes = model.spec.sizes[model.spec.sizes.length - 1]!;
  for (let i = 0; i < data.n; i++) {
    const y = data.y[i]!;
    if (y < 0 || y >= classes) throw new InputError(`label of sample ${i} is ${y}, out of range for the model's ${classes} classes (0..${classes - 1})`);
  }
}

/** Computes over models and datasets with the wasm kernels in the calling thread. */
export class Engine {
  /** The kernel build in use. */
  readonly build: KernelBuild;

  private constructor(private readonly compiled: CompiledKernels, private readonly options: DenseNetOptions) {
    this.build = compiled.build;
  }

  /** Compiles the kernels; see {@link createEngine}. */
  static async create(options: EngineOptions = {}): Promise<Engine> {
    const { build, ...rest } = options;
    return new Engine(await compileKernels(build ?? 'auto'), rest);
  }

  /** The compiled module (to post to workers). */
  get kernels(): CompiledKernels {
    return this.compiled;
  }

  /**
   * A {@link DenseNet} bound to `model` and `data` in a kernel instance of its own: the low-level
   * handle that training and the Hessian operator keep across many calls.
   */
  net(model: Model, data: Dataset, options: DenseNetOptions = {}): DenseNet {
    checkModel(model);
    checkData(model, data);
    const net = new DenseNet(instantiateKernels(this.compiled), model.spec, data, { ...this.options, ...options });
    net.setParameters(model.theta);
    return net;
  }

  /** Loss, accuracy and gradient norm over the dataset. */
  async evaluate(model: Model, data: Dataset, options: DenseNetOptions = {}): Promise<Evaluation> {
    const { loss, accuracy, gradient } = await this.gradient(model, data, options);
    let sq = 0;
    for (let i = 0; i < gradient.length; i++) sq += gradient[i]! * gradient[i]!;
    return {
      parameters: parameterCount(model.spec),
      n: data.n,
      classes: model.spec.sizes[model.spec.sizes.length - 1]!,
      loss,
      accuracy,
      gradNorm: Math.sqrt(sq),
    };
  }

  /** Mean loss and accuracy (forward only). */
  async loss(model: Model, data: Dataset, options: DenseNetOptions = {}): Promise<{ loss: number; accuracy: number }> {
    const sums = this.net(model, data, options).forwardSums();
    return { loss: sums.lossSum / sums.n, accuracy: sums.correct / sums.n };
  }

  /** Mean loss, accuracy and gradient over the dataset. */
  async gradient(model: Model, data: Dataset, options: DenseNetOptions = {}): Promise<GradientResult> {
    const net = this.net(model, data, options);
    const gradient = new Float64Array(net.p);
    const sums = net.gradientSums(gradient);
    const scale = 1 / sums.n;
    for (let i = 0; i < gradient.length; i++) gradient[i]! *= scale;
    return { loss: sums.lossSum / sums.n, accuracy: sums.correct / sums.n, gradient };
  }

  /** Exact H·v of the mean loss over the dataset (Pearlmutter R-operator); v in PyTorch order. */
  async hvp(model: Model, data: Dataset, v: ArrayLike<number>, options: DenseNetOptions = {}): Promise<Float64Array> {
    const p = parameterCount(model.spec);
    if (v.length !== p) throw new ShapeError(`vector has ${v.length} entries, but the model has p = ${p} parameters`);
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i]!)) throw new InputError(`vector entry ${i} is ${v[i]} (must be finite)`);
    }
    const net = this.net(model, data, options);
    const out = new Float64Array(p);
    net.hvpSums(v, out);
    const scale = 1 / data.n;
    for (let i = 0; i < p; i++) out[i]! *= scale;
    return out;
  }
}

/** Compiles the kernels (once per build) and returns an {@link Engine}. */
export function createEngine(options: EngineOptions = {}): Promise<Engine> {
  return Engine.create(options);
}
