/**
 * The kernels a dense net strings together, named by what they compute and bound to one precision,
 * one activation and one GEMM workspace. Pointers are byte addresses in the instance's memory;
 * matrices are row-major. Each wrapper is one kernel call with the same arguments as spelled out.
 */
import type { Activation } from '../../model/mlp.js';
import { EPILOGUE, type KernelExports } from '../wasm.js';

/**
 * Kernel codes of the activations: assembly/activations.ts exports each as the global
 * `ACT_<NAME>`, and test/engine/net/kernels.test.ts checks this table against those exports.
 */
export const ACTIVATION_CODE: Readonly<Record<Activation, number>> = Object.freeze({
  identity: 0,
  relu: 1,
  tanh: 2,
  sigmoid: 3,
  gelu: 4,
});

/**
 * Arithmetic of the kernels: `f32` (default, fast) stores activations in float32 with f64 sums over
 * samples; `f64` runs every kernel in float64 — about 2× slower, for gradients of nearly converged
 * models whose per-sample terms cancel (there float32 storage alone costs ~1e-5 relative error).
 */
export type Precision = 'f32' | 'f64';

/** A dense map applied to a chunk: `rows` samples, `inputs` → `outputs` features; W is [outputs × inputs]. */
export interface DenseShape {
  readonly rows: number;
  readonly inputs: number;
  readonly outputs: number;
}

/** Whether a kernel overwrites its output (`set`) or adds to it (`add`). */
export type Into = 'set' | 'add';

/** Named kernel calls for one precision and activation. */
export class NetKernels {
  private readonly gemm: KernelExports['gemm_f32'];
  private readonly actBackward: KernelExports['act_backward_f32'];
  private readonly actRBackward: KernelExports['act_r_backward_f32'];
  private readonly softmaxXentKernel: KernelExports['softmax_xent_f32'];
  private readonly argmaxRowsKernel: KernelExports['argmax_rows_f32'];
  private readonly rSoftmaxKernel: KernelExports['r_softmax_f32'];
  private readonly colsumInto64: KernelExports['colsum_f32_into_f64'];
  private readonly blockRowDotsKernel: KernelExports['block_row_dots_f32'];
  private readonly layerGradNormSqKernel: KernelExports['layer_grad_normsq_f32'];
  private readonly act: number;

  /** `work`: gemmWorkspaceBytes() of scratch the GEMMs share. */
  constructor(k: KernelExports, precision: Precision, activation: Activation, private readonly work: number) {
    const t = precision === 'f64' ? 'f64' : 'f32';
    this.gemm = k[`gemm_${t}`];
    this.actBackward = k[`act_backward_${t}`];
    this.actRBackward = k[`act_r_backward_${t}`];
    this.softmaxXentKernel = k[`softmax_xent_${t}`];
    this.argmaxRowsKernel = k[`argmax_rows_${t}`];
    this.rSoftmaxKernel = k[`r_softmax_${t}`];
    this.colsumInto64 = k[`colsum_${t}_into_f64`];
    this.blockRowDotsKernel = k[`block_row_dots_${t}`];
    this.layerGradNormSqKernel = k[`layer_grad_normsq_${t}`];
    this.act = ACTIVATION_CODE[activation];
  }

  /** out[rows × outputs] (=, +=) X[rows × inputs]·Wᵀ, + bias[outputs] in the epilogue when given. */
  linear(s: DenseShape, x: number, w: number, out: number, into: Into, bias?: number): void {
    this.gemm(0, 1, s.rows, s.outputs, s.inputs, x, s.inputs, w, s.inputs, out, s.outputs, into === 'add' ? 1 : 0,
      this.work, bias === undefined ? EPILOGUE.none : EPILOGUE.bias, bias ?? 0, 0, 0);
  }

  /** out = σ(X·Wᵀ + bias) [rows × outputs]; also pre = X·Wᵀ + bias when `pre` is given. */
  linearAct(s: DenseShape, x: number, w: number, bias: number, out: number, pre?: number): void {
    this.gemm(0, 1, s.rows, s.outputs, s.inputs, x, s.inputs, w, s.inputs, out, s.outputs, 0,
      this.work, EPILOGUE.biasAct, bias, this.act, pre ?? 0);
  }

  /** f64 G[outputs × inputs] (=, +=) Δᵀ·X: Δ [rows × outputs], X [rows × inputs], widened as stored. */
  weightGradient(s: DenseShape, delta: number, x: number, out64: number, into: Into): void {
    this.gemm(1, 0, s.outputs, s.inputs, s.rows, delta, s.outputs, x, s.inputs, out64, s.inputs, into === 'add' ? 1 : 0,
      this.work, EPILOGUE.widen, 0, 0, 0);
  }

  /** f64 g[outputs] (=, +=) Σ_rows Δ. */
  biasGradient(s: DenseShape, delta: number, out64: number, into: Into): void {
    this.colsumInto64(delta, s.rows, s.outputs, out64, into === 'add' ? 1 : 0);
  }

  /** out[rows × inputs] (=, +=) Δ·W: Δ [rows × outputs] back through W [outputs × inputs]. */
  backprop(s: DenseShape, delta: number, w: number, out: number, into: Into): void {
    this.gemm(0, 0, s.rows, s.inputs, s.outputs, delta, s.outputs, w, s.inputs, out, s.inputs, into === 'add' ? 1 : 0,
      this.work, EPILOGUE.none, 0, 0, 0);
  }

  /** D = σ′(S) ⊙ E over `count` values; S is what the forward stored (A, or Z for GELU). */
  activationBackward(e: number, stored: number, d: number, count: number): void {
    this.actBackward(e, stored, d, count, this.act);
  }

  /** RD = σ′(S) ⊙ P + σ″(S) ⊙ RZ ⊙ E over `count` values (E unread where σ″ = 0). */
  activationRBackward(p: number, e: number, stored: number, rz: number, rd: number, count: number): void {
    this.actRBackward(p, e, stored, rz, rd, count, this.act);
  }

  /** P = softmax(Z), D = P − e_label per row of Z [rows × classes]; returns Σ cross-entropy. */
  softmaxXent(z: number, labels: number, p: number, d: number, rows: number, classes: number): number {
    return this.softmaxXentKernel(z, labels, p, d, rows, classes);
  }

  /** pred[i] = arg-max of row i of Z [rows × classes] (first index on ties). */
  argmaxRows(z: number, rows: number, classes: number, pred: number): void {
    this.argmaxRowsKernel(z, rows, classes, pred);
  }

  /** RD = P ⊙ (RZ − ⟨P, RZ⟩) per row. */
  rSoftmax(p: number, rz: number, rd: number, rows: number, classes: number): void {
    this.rSoftmaxKernel(p, rz, rd, rows, classes);
  }

  /** f64 out[i·k + j] += Σ_o D[i, o]·(prod[i, j·n + o] + c[j·n + o]): ⟨δ_i, V_j a_i + c_j⟩ for k directions. */
  blockRowDots(d: number, prod: number, c: number, rows: number, n: number, k: number, out64: number): void {
    this.blockRowDotsKernel(d, prod, c, rows, n, k, out64);
  }

  /** f64 out[i] += ‖δ_i‖²·(‖a_i‖² + 1): a dense layer's share of ‖g(x_i)‖². */
  layerGradNormSq(d: number, a: number, rows: number, outputs: number, inputs: number, out64: number): void {
    this.layerGradNormSqKernel(d, a, rows, outputs, inputs, out64);
  }
}
