/**
 * First-order optimizers with PyTorch's update rules, so a trajectory matches `torch.optim` step by
 * step given the same gradients. `grad` is the MEAN gradient of the mini-batch (what
 * `loss.backward()` leaves in `.grad` for a mean-reduced loss); θ is updated in place.
 *
 * SGD with Polyak (heavy-ball) momentum, as `torch.optim.SGD` (dampening 0):
 *   g ← g + wd·θ                                     (L2 weight decay, added to the gradient)
 *   v ← g on the first step, then v ← μ·v + g        (only when μ > 0)
 *   d ← g + μ·v (nesterov) | v (μ > 0) | g (μ = 0)
 *   θ ← θ − lr·d
 * see: H. Robbins, S. Monro, "A stochastic approximation method", Ann. Math. Stat. 22 (1951);
 *      B. T. Polyak, "Some methods of speeding up the convergence of iteration methods" (1964);
 *      Sutskever et al., ICML 2013 (the Nesterov form PyTorch uses).
 *
 * Adam, as `torch.optim.Adam` (amsgrad off, weight decay as L2 on the gradient — not AdamW):
 *   g ← g + wd·θ;  t ← t + 1
 *   m ← m + (1 − β₁)(g − m);  s ← β₂·s + (1 − β₂)·g²
 *   θ ← θ − (lr / (1 − β₁ᵗ)) · m / (√s / √(1 − β₂ᵗ) + ε)
 * Defaults lr 1e-3, β = (0.9, 0.999), ε = 1e-8, wd 0 (PyTorch's).
 * see: D. P. Kingma, J. Ba, "Adam: a method for stochastic optimization", ICLR 2015.
 *
 * θ stays float32 (as a float32 torch model); the optimizer state (v, m, s) is float64 and each
 * update is computed in float64 and rounded once into θ. Against float32 torch this agrees to
 * float32 rounding per step.
 */
import { InputError, ShapeError } from '../errors.js';

/** JSON description of an SGD optimizer (its hyper-parameters). */
export interface SgdConfig {
  readonly type: 'sgd';
  readonly lr: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
}

/** JSON description of an Adam optimizer (its hyper-parameters). */
export interface AdamConfig {
  readonly type: 'adam';
  readonly lr: number;
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly weightDecay: number;
}

/** Hyper-parameters of either optimizer. */
export type OptimizerConfig = SgdConfig | AdamConfig;

/**
 * A stateful optimizer. `step` updates θ in place from the mean gradient; the state (momentum,
 * moments, step count) lives in the object, so one optimizer follows one parameter vector.
 */
export interface Optimizer {
  /** The hyper-parameters (JSON-serialisable). */
  readonly config: OptimizerConfig;
  /** Steps taken so far. */
  readonly steps: number;
  /**
   * θ ← update(θ, grad). `grad` is the mean gradient ([p], f64, PyTorch order); throws
   * {@link ShapeError} when its length differs from θ's or from the length of earlier steps.
   */
  step(theta: Float32Array, grad: Float64Array): void;
  /** Forgets the state (as a freshly built torch optimizer); the hyper-parameters stay. */
  reset(): void;
}

/** Options of {@link sgd}. */
export interface SgdOptions {
  /** learning rate (≥ 0); PyTorch's default 1e-3 */
  readonly lr?: number;
  /** momentum μ ≥ 0 (default 0) */
  readonly momentum?: number;
  /** L2 weight decay added to the gradient (default 0) */
  readonly weightDecay?: number;
  /** Nesterov momentum (default false; needs μ > 0) */
  readonly nesterov?: boolean;
}

/** Options of {@link adam}. */
export interface AdamOptions {
  /** learning rate (≥ 0), default 1e-3 */
  readonly lr?: number;
  /** (β₁, β₂), each in [0, 1); default (0.9, 0.999) */
  readonly betas?: readonly [number, number];
  /** added to the denominator, default 1e-8 */
  readonly eps?: number;
  /** L2 weight decay added to the gradient (default 0) */
  readonly weightDecay?: number;
}

/** PyTorch's default learning rate of `torch.optim.SGD` and `torch.optim.Adam`. */
export const DEFAULT_LR = 1e-3;

function checkNumber(value: unknown, name: string, below1: boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (below1 && value >= 1)) {
    throw new InputError(`${name} must be a finite number ${below1 ? 'in [0, 1)' : '≥ 0'}, got ${String(value)}`);
  }
  return value;
}

function checkShapes(theta: Float32Array, grad: Float64Array, state: Float64Array | null): void {
  if (grad.length !== theta.length) {
    throw new ShapeError(`gradient has ${grad.length} entries, but θ has ${theta.length}`);
  }
  if (state && state.length !== theta.length) {
    throw new ShapeError(`θ has ${theta.length} entries, but this optimizer's state was built for ${state.length} (use one optimizer per model, or reset())`);
  }
}

/** Plain or momentum SGD with PyTorch's update rule (module header). */
export function sgd(options: SgdOptions = {}): Optimizer {
  const lr = checkNumber(options.lr ?? DEFAULT_LR, 'sgd: lr', false);
  const momentum = checkNumber(options.momentum ?? 0, 'sgd: momentum', false);
  const weightDecay = checkNumber(options.weightDecay ?? 0, 'sgd: weightDecay', false);
  const nesterov = options.nesterov ?? false;
  if (typeof nesterov !== 'boolean') throw new InputError(`sgd: nesterov must be true or false, got ${String(nesterov)}`);
  if (nesterov && momentum === 0) throw new InputError('sgd: nesterov momentum requires momentum > 0 (as in torch.optim.SGD)');
  const config: SgdConfig = Object.freeze({ type: 'sgd', lr, momentum, weightDecay, nesterov });
  let buf: Float64Array | null = null;
  let steps = 0;
  return {
    config,
    get steps() {
      return steps;
    },
    step(theta: Float32Array, grad: Float64Array): void {
      checkShapes(theta, grad, buf);
      const first = steps === 0;
      if (momentum > 0 && !buf) buf = new Float64Array(theta.length);
      for (let i = 0; i < theta.length; i++) {
        const w = theta[i]!;
        let g = grad[i]!;
        if (weightDecay !== 0) g += weightDecay * w;
        if (buf) {
          const v = first ? g : momentum * buf[i]! + g;
          buf[i] = v;
          g = nesterov ? g + momentum * v : v;
        }
        theta[i] = w - lr * g;
      }
      steps++;
    },
    reset(): void {
      buf = null;
      steps = 0;
    },
  };
}

/** Adam with PyTorch's update rule and defaults (module header). */
export function adam(options: AdamOptions = {}): Optimizer {
  const lr = checkNumber(options.lr ?? DEFAULT_LR, 'adam: lr', false);
  const betas = options.betas ?? [0.9, 0.999];
  if (!Array.isArray(betas) || betas.length !== 2) throw new InputError(`adam: betas must be a pair [β₁, β₂], got ${String(betas)}`);
  const beta1 = checkNumber(betas[0], 'adam: betas[0]', true);
  const beta2 = checkNumber(betas[1], 'adam: betas[1]', true);
  const eps = checkNumber(options.eps ?? 1e-8, 'adam: eps', false);
  const weightDecay = checkNumber(options.weightDecay ?? 0, 'adam: weightDecay', false);
  const config: AdamConfig = Object.freeze({ type: 'adam', lr, betas: Object.freeze([beta1, beta2]) as readonly [number, number], eps, weightDecay });
  let m: Float64Array | null = null;
  let s: Float64Array | null = null;
  let steps = 0;
  return {
    config,
    get steps() {
      return steps;
    },
    step(theta: Float32Array, grad: Float64Array): void {
      checkShapes(theta, grad, m);
      if (!m || !s) {
        m = new Float64Array(theta.length);
        s = new Float64Array(theta.length);
      }
      const t = steps + 1;
      const stepSize = lr / (1 - beta1 ** t);
      const bc2Sqrt = Math.sqrt(1 - beta2 ** t);
      for (let i = 0; i < theta.length; i++) {
        const w = theta[i]!;
        let g = grad[i]!;
        if (weightDecay !== 0) g += weightDecay * w;
        const mi = m[i]! + (1 - beta1) * (g - m[i]!);
        const si = beta2 * s[i]! + (1 - beta2) * g * g;
        m[i] = mi;
        s[i] = si;
        theta[i] = w - (stepSize * mi) / (Math.sqrt(si) / bc2Sqrt + eps);
      }
      steps = t;
    },
    reset(): void {
      m = null;
      s = null;
      steps = 0;
    },
  };
}

/** Builds the optimizer a config describes (fresh state). */
export function createOptimizer(config: OptimizerConfig): Optimizer {
  if (config?.type === 'sgd') return sgd(config);
  if (config?.type === 'adam') return adam(config);
  throw new InputError(`unknown optimizer type '${String((config as { type?: unknown } | undefined)?.type)}' (expected sgd or adam)`);
}
