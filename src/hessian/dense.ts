/**
 * The exact Hessian spectrum: H assembled from p Hessian-vector products straight into the wasm
 * memory of the dense eigensolver (./eigen/solver.ts), symmetrised, and decomposed — all p
 * eigenvalues, the leading eigenvectors with residuals, or (for the generalization measure over
 * all p eigenvectors) the projections of given rows onto every eigenvector without forming them.
 *
 * Estimator: none — this is the exact path, O(p³) time and 16–24·p² bytes: the default limit is
 * p ≤ 12,000 (a 2-100-100-3 net, the paper's main model, has 10,703). H's column j is H·e_j;
 * (H + Hᵀ)/2 is decomposed and max |H_ij − H_ji| / max |H_ij| reported as `asymmetry` (the
 * float32 products are not exactly symmetric).
 */
import { InputError, NumericalError, ResourceError, throwIfAborted } from '../errors.js';
import { cooperativeYield } from '../engine/yield.js';
import type { KernelBuildOption } from '../engine/wasm.js';
import { decomposeWorkspace, denseWorkspace, type DenseProgress, type ReflectorsElsewhere, type SymmetricEigenOptions } from './eigen/solver.js';
import { operatorSize, type LinearOperator } from './operator.js';
import { fixSign, frozenArray, frozenRows, progressStride } from './record.js';

export { symmetricEigen, denseMemoryBytes, type DenseProgress, type DenseStage, type ReflectorJob, type ReflectorsElsewhere, type SymmetricEigenOptions, type SymmetricEigenResult } from './eigen/solver.js';
export { tridiagonalEigen, tridiagonalEigenRows, type TridiagonalEigenResult, type TridiagonalEigenRows } from './tridiagonal.js';

/** Default largest p of the dense path: the paper's main model (p = 10,703) fits. */
export const DEFAULT_DENSE_LIMIT = 12_000;

/** Options of {@link denseHessianSpectrum} and {@link denseHessianProjection}. */
export interface DenseSpectrumOptions {
  /** Largest size accepted (default 12,000). */
  readonly limit?: number;
  /** How many leading eigenvectors to return with residuals (default min(p, 10)); 0 = none, faster. */
  readonly vectors?: number;
  /** Kernel build of the eigensolver (default `auto`). */
  readonly build?: KernelBuildOption;
  /** Largest wasm memory the decomposition may use, in bytes (default: wasm32's 4 GiB). */
  readonly memoryBudget?: number;
  /** Checked between matvecs and pieces of the decomposition; fires {@link AbortError}. */
  readonly signal?: AbortSignal;
  /** One monotone overall fraction (done / total) over the matvecs and the decomposition's stages, with the stage named. */
  readonly onProgress?: (progress: DenseProgress) => void;
  /** Half of the back-transformation elsewhere (`Engine.reflectorsElsewhere`); see {@link SymmetricEigenOptions.backtransformElsewhere}. */
  readonly backtransformElsewhere?: ReflectorsElsewhere;
}

/** The exact spectrum of an operator, from its assembled matrix. */
export interface DenseSpectrum {
  /** Record type and version. */
  readonly schema: 'hessian-lens/dense-spectrum@1';
  /** p, the operator size. */
  readonly size: number;
  /** [p] all eigenvalues of (H + Hᵀ)/2, descending. */
  readonly eigenvalues: readonly number[];
  /** [v, p] unit eigenvectors of eigenvalues[0..v), largest-|component| positive. */
  readonly eigenvectors: readonly (readonly number[])[];
  /** [v] ‖Hu − λu‖ for each returned eigenvector (H the operator, one more matvec each). */
  readonly residuals: readonly number[];
  /** max |H_ij − H_ji| / max |H_ij|: how far the matvecs were from symmetric (0 for an exact HVP up to rounding). */
  readonly asymmetry: number;
  /** Operator matvecs used (p, plus one per returned eigenvector). */
  readonly matvecs: number;
}

/** Progress units of one matvec, relative to the decomposition's flops (measured: an Hv on the paper's model costs about what 0.05·p² f64 GEMM flops do). */
const MATVEC_WEIGHT = 0.05;

function checkLimit(p: number, options: DenseSpectrumOptions, what: string): void {
  const limit = options.limit ?? DEFAULT_DENSE_LIMIT;
  if (!(typeof limit === 'number' && limit >= 1)) throw new InputError(`${what}: limit must be ≥ 1, got ${String(limit)}`);
  if (p > limit) throw new ResourceError(`dense path needs p ≤ ${limit}, this model has p = ${p}; raise \`limit\` or use lanczos`);
}

/**
 * Assembles (H + Hᵀ)/2 in the solver's memory from p matvecs and decomposes it. `project` rows
 * (r × p) are projected onto every eigenvector; otherwise `vectors` leading eigenvectors are formed.
 */
async function assembleAndDecompose(op: LinearOperator, vectors: number, project: Float64Array | undefined, options: DenseSpectrumOptions) {
  const p = operatorSize(op);
  const { signal, onProgress } = options;
  const solverOptions: SymmetricEigenOptions = {
    vectors, ...(project ? { project } : {}), ...(options.build ? { build: options.build } : {}),
    ...(options.memoryBudget !== undefined ? { memoryBudget: options.memoryBudget } : {}), ...(signal ? { signal } : {}), ...(onProgress ? { onProgress } : {}),
    ...(options.backtransformElsewhere ? { backtransformElsewhere: options.backtransformElsewhere } : {}),
  };
  throwIfAborted(signal);
  const ws = await denseWorkspace(p, solverOptions); // checks the memory estimate before allocating
  const matvecUnits = MATVEC_WEIGHT * p * p;
  const buildTotal = p * matvecUnits;
  // the decomposition's own total is added by decomposeWorkspace; report the matvecs against an estimate of it
  const estimate = buildTotal + (10 / 3) * p * p * p;
  const unit = new Float64Array(p);
  const column = new Float64Array(p);
  const stride = progressStride(p);
  const pause = cooperativeYield();
  let maxAbs = 0;
  for (let j = 0; j < p; j++) {
    throwIfAborted(signal);
    unit[j] = 1;
    await op.matvec(unit, column);
    unit[j] = 0;
    for (let i = 0; i < p; i++) {
      const x = column[i]!;
      if (!Number.isFinite(x)) throw new NumericalError(`assembled operator matrix: entry ${i * p + j} is ${x}`);
      const a = Math.abs(x);
      if (a > maxAbs) maxAbs = a;
    }
    // row j of the workspace holds column j of H; the solver reads the upper triangle of (H + Hᵀ)/2
    ws.arena.viewF64(ws.aPtr + j * p * 8, p).set(column);
    if (onProgress && ((j + 1) % stride === 0 || j === p - 1)) onProgress({ stage: 'matvec', done: (j + 1) * matvecUnits, total: estimate });
    await pause();
  }
  const a = ws.arena.viewF64(ws.aPtr, p * p);
  let maxAsym = 0;
  for (let i = 0; i < p; i++) {
    for (let j = i + 1; j < p; j++) {
      const x = a[i * p + j]!;
      const y = a[j * p + i]!;
      const d = Math.abs(x - y);
      if (d > maxAsym) maxAsym = d;
      a[i * p + j] = 0.5 * (x + y);
    }
  }
  const result = await decomposeWorkspace(ws, solverOptions, { done: buildTotal, total: buildTotal });
  return { result, asymmetry: maxAbs > 0 ? maxAsym / maxAbs : 0 };
}

/**
 * The full spectrum of `op` by brute force: p matvecs on unit vectors assemble H, which is
 * symmetrised and decomposed by the WebAssembly eigensolver. Refuses with {@link ResourceError}
 * when p exceeds `limit` (default 12,000) or the memory estimate exceeds wasm's 4 GiB or
 * `memoryBudget` — before any matvec.
 */
export async function denseHessianSpectrum(op: LinearOperator, options: DenseSpectrumOptions = {}): Promise<DenseSpectrum> {
  const p = operatorSize(op);
  checkLimit(p, options, 'denseHessianSpectrum');
  const want = options.vectors ?? Math.min(p, 10);
  if (!Number.isInteger(want) || want < 0 || want > p) {
    throw new InputError(`denseHessianSpectrum: vectors must be an integer in 0..p = ${p}, got ${String(want)}`);
  }
  const { result, asymmetry } = await assembleAndDecompose(op, want, undefined, options);
  const eigenvectors: Float64Array[] = [];
  const residuals: number[] = [];
  const hu = new Float64Array(p);
  for (let t = 0; t < want; t++) {
    throwIfAborted(options.signal);
    const u = result.eigenvectors!.slice(t * p, (t + 1) * p);
    fixSign(u);
    await op.matvec(u, hu);
    const lambda = result.eigenvalues[t]!;
    let r2 = 0;
    for (let i = 0; i < p; i++) r2 += (hu[i]! - lambda * u[i]!) ** 2;
    eigenvectors.push(u);
    residuals.push(Math.sqrt(r2));
  }
  return Object.freeze({
    schema: 'hessian-lens/dense-spectrum@1' as const,
    size: p,
    eigenvalues: frozenArray(result.eigenvalues),
    eigenvectors: frozenRows(eigenvectors),
    residuals: frozenArray(residuals),
    asymmetry,
    matvecs: p + want,
  });
}

/** The exact spectrum and the projections of given rows onto all its eigenvectors. */
export interface DenseProjection {
  /** All eigenvalues (no eigenvectors: they were never formed). */
  readonly spectrum: DenseSpectrum;
  /** [r, p] row-major: entry (i, t) = ⟨row i, v_t⟩, v_t the unit eigenvector of eigenvalues[t] (sign as computed). */
  readonly projections: Float64Array;
}

/**
 * All eigenvalues of `op` and the products of the r rows of `rows` ([r × p], row-major) with
 * every eigenvector, computed as (R·Q)·S from the reduction H = Q T Qᵀ and T = S Λ Sᵀ without
 * forming the p × p eigenvectors (memory r·p + 2·8p² bytes instead of 3·8p²). What the
 * generalization measure over all p eigenvectors needs, with R the normalised per-sample gradients.
 */
export async function denseHessianProjection(op: LinearOperator, rows: Float64Array, options: Omit<DenseSpectrumOptions, 'vectors'> = {}): Promise<DenseProjection> {
  const p = operatorSize(op);
  checkLimit(p, options, 'denseHessianProjection');
  const { result, asymmetry } = await assembleAndDecompose(op, 0, rows, options);
  const spectrum: DenseSpectrum = Object.freeze({
    schema: 'hessian-lens/dense-spectrum@1' as const,
    size: p,
    eigenvalues: frozenArray(result.eigenvalues),
    eigenvectors: frozenRows([]),
    residuals: frozenArray([]),
    asymmetry,
    matvecs: p,
  });
  return Object.freeze({ spectrum, projections: result.projections! });
}
