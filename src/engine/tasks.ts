/**
 * Work a session hands to one of its lanes — a pool worker that holds its own copy of the
 * session's data — described by values that survive structured cloning, so that the worker
 * (task-runner.ts) computes what the caller would in its own thread, on the same kernels build,
 * with the same bits. This module holds the descriptions and the pieces both sides share; the
 * running code lives in task-runner.ts, which only the worker entry (and tests) load, so an app
 * that bundles the engine does not carry it.
 *
 * Three kinds: the spectral density by stochastic Lanczos quadrature (the longest estimator of
 * a spectrum, independent of the others); a group of margin-search starts (each start's
 * arithmetic does not depend on the others in its batch, so any split of the starts gives the
 * same runs); a block of eigenvector rows times Qᵀ (a split dense back-transformation).
 */
import type { SpectralDensity } from '../hessian/density.js';
import type { Reorthogonalization } from '../hessian/krylov.js';
import type { LinearOperator } from '../hessian/operator.js';
import type { RunOutcome, SearchSetup, SearchStart } from '../analysis/margin-batch.js';
import { NumericalError } from '../errors.js';
import type { ReflectorJob } from '../hessian/eigen/solver.js';
import type { CompiledKernels } from './wasm.js';
import { cooperativeYield } from './yield.js';

/** The vector kernels a Krylov task runs on, by the name {@link VectorOps.name} reports. */
export type VectorOpsName = 'float64-ts' | 'wasm-simd-f64';

/** {@link spectralDensity} of the session's Hessian. */
export interface DensityTask {
  readonly kind: 'density';
  readonly probes: number;
  readonly steps: number;
  readonly seed: number;
  readonly reorthogonalization?: Reorthogonalization;
  readonly memoryBudget?: number;
  /** which vector kernels the Krylov basis runs on (the caller's choice, so every lane makes the same) */
  readonly vectorOps: VectorOpsName;
}

/** Some starts of one margin search, advanced together (analysis/margin-batch.ts). */
export interface MarginStartsTask {
  readonly kind: 'margin-starts';
  /** the search's settings without its kernels and hooks */
  readonly setup: Omit<SearchSetup, 'kernels' | 'signal' | 'onProgress'>;
  readonly starts: readonly SearchStart[];
}

/** Rows of eigenvectors of T times Qᵀ (part of a split back-transformation: hessian/eigen/solver.ts). */
export interface ReflectorsTask extends ReflectorJob {
  readonly kind: 'apply-reflectors';
}

/** Work for a lane. */
export type Task = DensityTask | MarginStartsTask | ReflectorsTask;

/** What each kind of task returns. */
export interface TaskResults {
  readonly density: SpectralDensity;
  readonly 'margin-starts': RunOutcome[];
  readonly 'apply-reflectors': Float64Array;
}

/** The result of task `T`. */
export type TaskResult<T extends Task> = TaskResults[T['kind']];

/** Whether a task runs on the session's data (then a worker lane needs its copy of it). */
export function needsData(task: Task): boolean {
  return task.kind === 'density';
}

/** Where a task runs: the kernels and, for tasks on the data, the session's Hessian there. */
export interface TaskEnvironment {
  readonly kernels: CompiledKernels;
  /** H·v of the bound model's mean loss over the whole dataset, as `Session.hessian` computes it */
  readonly hessian?: () => LinearOperator;
}

/** Where a task is: its own fraction done, in [0, 1], never decreasing, and a short line. */
export interface TaskProgress {
  readonly fraction: number;
  readonly detail?: string;
}

/** Cancellation and progress of a task. */
export interface TaskHooks {
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: TaskProgress) => void;
}

/** Bytes of the Krylov basis of a density run on p parameters: steps + 2 rows. */
export function densityBasisBytes(p: number, steps: number): number {
  return (Math.min(steps, p) + 2) * p * 8 + 4096;
}

/** Throws {@link NumericalError} naming `what` at the first non-finite entry (float32 overflow, typically). */
export function checkFinite(values: ArrayLike<number>, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) {
      const at = values.length > 1 ? ` entry ${i}` : '';
      throw new NumericalError(`${what}${at} is ${values[i]}: the computation overflowed; try precision 'f64' or check the scale of the parameters and features`);
    }
  }
}

/** out ← out / n, then the finite check: the last step of every H·v of a mean loss, in this thread and in workers alike. */
export function finishMeanProduct(out: Float64Array, n: number, what = 'H·v'): void {
  const scale = 1 / n;
  for (let i = 0; i < out.length; i++) out[i] = out[i]! * scale;
  checkFinite(out, what);
}

/**
 * An operator of size p over an asynchronous `product` that counts its products and, as solvers
 * await every matvec, yields a macrotask now and then: timers and abort signals get through (and a
 * page stays responsive) even when the work runs in this thread. What every session operator is.
 */
export function countingOperator(p: number, product: (v: Float64Array, out: Float64Array) => Promise<void> | void): LinearOperator & { readonly matvecs: number; matvec(v: Float64Array, out: Float64Array): Promise<void> } {
  let count = 0;
  const pause = cooperativeYield();
  return {
    size: p,
    get matvecs() {
      return count;
    },
    async matvec(v: Float64Array, out: Float64Array): Promise<void> {
      await product(v, out);
      count++;
      await pause();
    },
  };
}

/**
 * The Hessian of a mean loss from a function that sums the per-sample products (the dense net's
 * pairwise-tree sums), as `Session.hessian` computes it in this thread.
 */
export function meanHessianOperator(p: number, n: number, sums: (v: Float64Array, out: Float64Array) => void): LinearOperator & { readonly matvecs: number } {
  return countingOperator(p, (v, out) => {
    sums(v, out);
    finishMeanProduct(out, n);
  });
}
