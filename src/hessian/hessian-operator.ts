/**
 * The loss Hessian of a model over a dataset as a {@link LinearOperator}: `matvec(v, out)` is the
 * exact H·v of the mean cross-entropy (Pearlmutter's R-operator in the kernels), with the forward
 * and backward passes run once per (θ, data) and reused by every matvec.
 */
import type { Dataset } from '../data/dataset.js';
import type { DenseNet } from '../engine/dense-net.js';
import type { Engine, Model } from '../engine/engine.js';
import type { DenseNetOptions } from '../engine/dense-net.js';
import type { LinearOperator } from './operator.js';

/** The Hessian of the mean loss of `model` over `data`, p × p, symmetric. */
export class HessianOperator implements LinearOperator {
  /** p */
  readonly size: number;
  /** number of samples the loss averages over */
  readonly n: number;
  private matvecCount = 0;

  /** Use {@link Engine.hessian}, which builds the net. */
  constructor(private readonly net: DenseNet) {
    this.size = net.p;
    this.n = net.n;
    net.prepareCurvature();
  }

  /** Builds the operator for `model` over `data` on `engine`. */
  static create(engine: Engine, model: Model, data: Dataset, options: DenseNetOptions = {}): HessianOperator {
    return new HessianOperator(engine.net(model, data, options));
  }

  /** Matvecs performed so far. */
  get matvecs(): number {
    return this.matvecCount;
  }

  /** out = H·v (both length p, PyTorch parameter order). */
  matvec(v: Float64Array, out: Float64Array): void {
    this.net.hvpSums(v, out);
    const scale = 1 / this.n;
    for (let i = 0; i < out.length; i++) out[i]! *= scale;
    this.matvecCount++;
  }
}
