/**
 * The dense symmetric eigensolver in WebAssembly (float64, SIMD): what LAPACK's dsyevd does, in
 * three stages on a wasm kernel instance of its own —
 *   1. reduction T = Qᵀ A Q: blocked Householder (./tridiagonalize.ts, dsytrd-like) or, for
 *      eigenvalues and projections from p = 3000, two-stage dense → band → tridiagonal
 *      (./two-stage.ts, dsytrd_2stage-like), whose band stage runs at GEMM speed;
 *   2. all eigenpairs of T by divide and conquer, T = S Λ Sᵀ (./divide-conquer.ts, dstedc-like);
 *   3. the back-transformation V = Q S by compact-WY blocks of reflectors (dormtr-like) — or,
 *      when only projections onto the eigenvectors are wanted (the generalization measure over
 *      all p eigenvectors), R·V = (R·Q)·S for the r given rows R, without ever forming V.
 * Eigenvalues only skips the vectors of T as well (O(n²) after the reduction).
 *
 * Memory (8-byte words): A n² + S n² + the divide and conquer's workspace n² with all vectors;
 * with projections R·Q is formed before A is released, so the peak is r·n + 2n². The estimate is
 * checked before anything is allocated ({@link denseMemoryBytes}).
 *
 * Progress: one monotone fraction over the stages (each weighted by its estimated flops), with
 * the stage named; the work is cut into pieces of a few tens of ms, between which the abort
 * signal is checked and a macrotask turn is given, so a page stays responsive and an abort lands
 * within one piece. Results depend on the sizes and the kernel build only, never on timing.
 *
 * see: LAPACK 3.12 dsyevd (J. Demmel, Applied Numerical Linear Algebra, SIAM 1997, §5.3);
 * the stage modules' own references.
 */
import { childSignal, InputError, NumericalError, ResourceError, ShapeError, throwIfAborted } from '../../errors.js';
import { Arena, formatBytes, WASM_MEMORY_LIMIT } from '../../engine/arena.js';
import { cooperativeYield, runSteps } from '../../engine/yield.js';
import { compileKernels, instantiateKernels, type CompiledKernels, type KernelBuildOption, type KernelExports } from '../../engine/wasm.js';
import { tridiagonalEigenDCSteps } from './divide-conquer.js';
import { applyQToRowsSteps, applyQTransposedToRowsSteps, packReflectors, reflectorRowChunk, tridiagonalizeSteps, type HouseholderReflectors } from './tridiagonalize.js';
import { resolveMemoryBudget } from '../memory.js';
import { applyTwoStageQToRowsSteps, TWO_STAGE_BANDWIDTH, tridiagonalizeTwoStageSteps, type TwoStageReflectors } from './two-stage.js';

/**
 * From this order on, eigenvalues only and projections use the two-stage reduction: measured at
 * p = 4000 it takes 5.2–6.2 s against 8.4–9.1 s for the one-stage one, whose matrix–vector
 * products are memory-bound; at p = 2000 the one-stage one is still faster (0.70 against 0.8 s).
 * With eigenvectors the one-stage reduction stays: the two-stage one would add a second 2p³
 * back-transformation.
 */
export const TWO_STAGE_FROM = 3000;

/** Which reduction to tridiagonal form: `auto` (default) picks by {@link TWO_STAGE_FROM}. */
export type Reduction = 'auto' | 'one-stage' | 'two-stage';

/** The stages of a dense decomposition, in order (`matvec` only when a matrix is assembled from an operator). */
export type DenseStage = 'matvec' | 'tridiagonalize' | 'solve' | 'backtransform' | 'project';

/** Where a dense computation is: `done` of `total` units of the whole computation, now in `stage`. */
export interface DenseProgress {
  /** The stage running now. */
  readonly stage: DenseStage;
  /** Units done over all stages (monotone). */
  readonly done: number;
  /** Units in all stages: done / total is the overall fraction. */
  readonly total: number;
}

/** Options of {@link symmetricEigen}. */
export interface SymmetricEigenOptions {
  /**
   * Eigenvectors to return: true (default) = all n; false or 0 = none; a number k = those of the
   * k largest eigenvalues (the back-transformation then costs 2kn² instead of 2n³).
   */
  readonly vectors?: boolean | number;
  /**
   * Rows R (r × n, row-major) to project onto every eigenvector: the result's `projections` is
   * R·V (r × n, column t ↔ eigenvalues[t]), computed as (R·Q)·S without forming V.
   */
  readonly project?: Float64Array;
  /** Kernel build (default `auto`). */
  readonly build?: KernelBuildOption;
  /**
   * Reduction to tridiagonal form: `auto` (default) = two-stage (dense → band → tridiagonal) for
   * eigenvalues only and projections from p = {@link TWO_STAGE_FROM}, else one-stage;
   * `two-stage` is refused with eigenvectors (it would need a second back-transformation).
   */
  readonly reduction?: Reduction;
  /** Largest wasm memory the decomposition may use, in bytes (default and cap: wasm32's 4 GiB). */
  readonly memoryBudget?: number;
  /** Checked between pieces of work (tens of ms); fires {@link AbortError}. */
  readonly signal?: AbortSignal;
  /** Called between pieces of work with the overall progress. */
  readonly onProgress?: (progress: DenseProgress) => void;
  /**
   * Runs part of the back-transformation elsewhere (a worker: `Engine.reflectorsElsewhere`): the
   * eigenvector rows split in two, one part here and one there, each with the same blocks of
   * reflectors in the same chunks of rows — the same bits as all here. Used for n ≥
   * {@link SPLIT_BACKTRANSFORM_FROM} when the copies it needs fit the memory budget.
   */
  readonly backtransformElsewhere?: ReflectorsElsewhere;
}

/** What a back-transformation elsewhere gets: Q's reflectors and a block of rows to multiply by Qᵀ. */
export interface ReflectorJob {
  /** the kernel build the decomposition runs on (the rows elsewhere must take the same) */
  readonly kernels: CompiledKernels;
  readonly n: number;
  /** the reflectors' stored entries, packed: row i of the reduced matrix from column i + 2 on (i = 0 … n − 3), one after another */
  readonly a: Float64Array;
  /** τ_0 … τ_{n−2} */
  readonly tau: Float64Array;
  /** rows × n, row-major: eigenvectors of T on entry */
  readonly z: Float64Array;
  readonly rows: number;
}

/** Applies Qᵀ to a {@link ReflectorJob}'s rows somewhere else and returns them — or null when there is no place after all (the solver then does them here). */
export type ReflectorsElsewhere = (job: ReflectorJob, hooks: { readonly signal?: AbortSignal; readonly onProgress?: (progress: { readonly fraction: number }) => void }) => Promise<Float64Array | null>;

/** From this order on the back-transformation is split with {@link SymmetricEigenOptions.backtransformElsewhere} (below it the copies cost more than half of it). */
export const SPLIT_BACKTRANSFORM_FROM = 1000;

/** A dense eigen-decomposition (typed arrays: a low-level primitive). */
export interface SymmetricEigenResult {
  /** n */
  readonly n: number;
  /** [n] eigenvalues, descending. */
  readonly eigenvalues: Float64Array;
  /** [k, n] row-major, row t = unit eigenvector of eigenvalues[t]; null when none were asked for. */
  readonly eigenvectors: Float64Array | null;
  /** [r, n] row-major R·V (column t ↔ eigenvalues[t]) when `project` was given, else null. */
  readonly projections: Float64Array | null;
}

/** Wasm memory a decomposition of order n needs, in bytes: see the module notes. */
export function denseMemoryBytes(n: number, vectors: number, projectRows: number): number {
  const sq = 8 * n * n;
  const small = 8 * (64 * n + 3 * 128 * n) + (1 << 20); // vectors of n, WY blocks, GEMM workspace
  if (projectRows > 0) return 8 * projectRows * n + 2 * sq + small;
  if (vectors > 0) return 3 * sq + small;
  return sq + small;
}

/** Checks the memory estimate against wasm's 4 GiB and the budget before anything is allocated. */
export function checkDenseMemory(n: number, vectors: number, projectRows: number, budget?: number): void {
  const bytes = denseMemoryBytes(n, vectors, projectRows);
  const limit = Math.min(WASM_MEMORY_LIMIT, budget ?? WASM_MEMORY_LIMIT);
  if (bytes > limit) {
    const what = projectRows > 0 ? `projections of ${projectRows} rows` : vectors > 0 ? `${vectors} eigenvectors` : 'eigenvalues only';
    const which = limit === WASM_MEMORY_LIMIT ? "wasm32's 4 GiB" : `the memory budget of ${formatBytes(limit)}`;
    throw new ResourceError(`a dense eigen-decomposition of order p = ${n} (${what}) needs ${formatBytes(bytes)} (${bytes} bytes), more than ${which}; use lanczos for the top eigenpairs${projectRows > 0 || vectors > 0 ? ', or ask for fewer vectors' : ''}`);
  }
}

function checkOptions(n: number, options: SymmetricEigenOptions): { count: number; rows: number } {
  const v = options.vectors ?? options.project === undefined;
  const count = v === true ? n : v === false ? 0 : v;
  if (!Number.isInteger(count) || count < 0 || count > n) {
    throw new InputError(`symmetricEigen: vectors must be a boolean or an integer in 0..n = ${n}, got ${String(v)}`);
  }
  if (count > 0 && options.project !== undefined) {
    throw new InputError('symmetricEigen: ask for eigenvectors or for projections onto them, not both (projections exist so that the n×n vectors need not be formed)');
  }
  let rows = 0;
  if (options.project !== undefined) {
    if (!(options.project instanceof Float64Array) || options.project.length % n !== 0) {
      throw new ShapeError(`symmetricEigen: project must be a Float64Array of r × n values (n = ${n}), got ${options.project instanceof Float64Array ? options.project.length : typeof options.project}`);
    }
    rows = options.project.length / n;
    for (let i = 0; i < options.project.length; i++) {
      if (!Number.isFinite(options.project[i]!)) throw new NumericalError(`symmetricEigen: projected row ${Math.floor(i / n)} has entry ${i % n} = ${options.project[i]}`);
    }
  }
  const reduction = options.reduction ?? 'auto';
  if (reduction !== 'auto' && reduction !== 'one-stage' && reduction !== 'two-stage') {
    throw new InputError(`symmetricEigen: reduction must be 'auto', 'one-stage' or 'two-stage', got ${String(reduction)}`);
  }
  if (reduction === 'two-stage' && count > 0) {
    throw new InputError('symmetricEigen: the two-stage reduction serves eigenvalues and projections; with eigenvectors use one-stage or auto');
  }
  const budget = options.memoryBudget;
  if (budget !== undefined && !(typeof budget === 'number' && budget > 0)) {
    throw new InputError(`symmetricEigen: memoryBudget must be a number of bytes > 0, got ${String(budget)}`);
  }
  return { count, rows };
}

/** Estimated flops of each stage, for the progress weights (from the sizes only). */
function stageWeights(n: number, count: number, rows: number, wantVectors: boolean, twoStage: boolean): Record<Exclude<DenseStage, 'matvec'>, number> {
  const n3 = n * n * n;
  return {
    // the two-stage band stage runs at GEMM speed, the one-stage products at memory speed: about 2/3 the time
    tridiagonalize: twoStage ? (8 / 9) * n3 + 6 * TWO_STAGE_BANDWIDTH * n * n : (4 / 3) * n3,
    // divide and conquer: (4/3)n³ without deflation, Hessians deflate much of it; eigenvalues only O(n²)
    solve: wantVectors ? (2 / 3) * n3 : 30 * n * n,
    backtransform: 2 * count * n * n,
    project: rows > 0 ? 4 * rows * n * n : 0,
  };
}

/** A matrix already in wasm memory, and how to fill it: the entry point shared with the Hessian path. */
export interface DenseWorkspace {
  readonly kernels: KernelExports;
  readonly arena: Arena;
  /** the n×n matrix (row-major f64); its upper triangle is what the reduction reads */
  readonly aPtr: number;
  /** rows to project (r × n f64), or 0 */
  readonly rPtr: number;
  readonly n: number;
  readonly rows: number;
  /** eigenvectors to form (checked with the options when the workspace was made) */
  readonly count: number;
}

/**
 * Allocates the workspace of a decomposition (after checking the memory estimate): the matrix,
 * and the rows to project (copied in) below it, so that releasing the matrix leaves them.
 */
export async function denseWorkspace(n: number, options: SymmetricEigenOptions): Promise<DenseWorkspace> {
  const { count, rows } = checkOptions(n, options);
  checkDenseMemory(n, count, rows, options.memoryBudget);
  const kernels = instantiateKernels(await compileKernels(options.build ?? 'auto')).exports;
  const arena = new Arena(kernels);
  const rPtr = rows > 0 ? arena.f64(rows * n, 'the rows to project') : 0;
  const aPtr = arena.f64(n * n, `the ${n}×${n} matrix`);
  if (rows > 0) arena.viewF64(rPtr, rows * n).set(options.project!);
  return { kernels, arena, aPtr, rPtr, n, rows, count };
}

/**
 * Decomposes the matrix in `ws` (its upper triangle; destroyed), with the options `ws` was made with. `before` is the progress of the
 * caller's own earlier stage (assembling the matrix): its units come first in the overall total.
 */
export async function decomposeWorkspace(ws: DenseWorkspace, options: SymmetricEigenOptions, before = { done: 0, total: 0 }): Promise<SymmetricEigenResult> {
  const { kernels, arena, aPtr, rPtr, n, rows, count } = ws;
  const { signal, onProgress } = options;
  const wantT = count > 0 || rows > 0;
  const reduction = options.reduction ?? 'auto';
  const twoStage = reduction === 'two-stage' || (reduction === 'auto' && count === 0 && n >= TWO_STAGE_FROM);
  const w = stageWeights(n, count, rows, wantT, twoStage);
  const total = before.total + w.tridiagonalize + w.solve + w.backtransform + w.project;
  let base = before.done;
  let last = base;
  const report = (stage: DenseStage, weight: number) => (done: number, of: number): void => {
    const at = base + (of > 0 ? Math.min(1, done / of) : 1) * weight;
    if (at > last) last = at;
    onProgress?.({ stage, done: last, total });
  };
  const pause = cooperativeYield();
  const run = <T>(steps: Generator<void, T, void>): Promise<T> => runSteps(steps, signal, pause);
  const next = (weight: number): void => {
    base += weight;
  };

  throwIfAborted(signal);
  const reduce = report('tridiagonalize', w.tridiagonalize);
  let q1: HouseholderReflectors | null = null;
  let q2: TwoStageReflectors | null = null;
  let d: Float64Array;
  let e: Float64Array;
  if (twoStage) {
    const t = await run(tridiagonalizeTwoStageSteps(kernels, arena, aPtr, n, { onProgress: reduce }));
    [d, e, q2] = [Float64Array.from(t.d), Float64Array.from(t.e), t.reflectors];
  } else {
    const t = await run(tridiagonalizeSteps(kernels, arena, aPtr, n, { onProgress: reduce }));
    [d, e, q1] = [Float64Array.from(t.d), Float64Array.from(t.e), t.reflectors];
  }
  next(w.tridiagonalize);
  if (rows > 0) {
    // R ← R·Q while Q's reflectors are still there; then A's memory is free for S
    const project = report('project', w.project / 2);
    await run(q2
      ? applyTwoStageQToRowsSteps(kernels, arena, q2, rPtr, rows, n, { onProgress: project })
      : applyQToRowsSteps(kernels, arena, q1!, rPtr, rows, n, { onProgress: project }));
    next(w.project / 2);
    arena.reset(aPtr);
  }
  const zPtr = wantT ? arena.f64(n * n, `the ${n}×${n} eigenvectors`) : 0;
  const solved = await run(tridiagonalEigenDCSteps(kernels, arena, d, e, zPtr, { vectors: wantT, onProgress: report('solve', w.solve) }));
  next(w.solve);
  const eigenvalues = Float64Array.from(solved.values);
  let projections: Float64Array | null = null;
  if (rows > 0) {
    // (R·Q)·S: with S's columns as the rows of Z, one GEMM R·Zᵀ in row blocks
    const out = arena.f64(rows * n, 'the projections');
    const work = arena.alloc(kernels.gemmWorkspaceBytes(), 'GEMM workspace');
    const half = w.project / 2;
    const step = Math.max(1, Math.floor(2e8 / (2 * n * Math.max(1, rows))));
    const progress = report('project', half);
    for (let j0 = 0; j0 < n; j0 += step) {
      throwIfAborted(signal);
      const m = Math.min(step, n - j0);
      kernels.gemm_f64(0, 1, rows, m, n, rPtr, n, zPtr + j0 * n * 8, n, out + j0 * 8, n, 0, work, 0, 0, 0, 0);
      progress(j0 + m, n);
      await pause();
    }
    next(half);
    projections = arena.viewF64(out, rows * n).slice();
  }
  let eigenvectors: Float64Array | null = null;
  if (count > 0) {
    // eigenvectors always take the one-stage reduction (checkOptions and `twoStage` above)
    const split = splitRows(n, count, options);
    const back = report('backtransform', w.backtransform);
    if (split > 0) {
      // rows [split, count) elsewhere, at a chunk boundary of the rows here: the same GEMMs on the same rows
      const job: ReflectorJob = {
        kernels: await compileKernels(options.build ?? 'auto'), n, rows: count - split,
        a: packReflectors(arena.viewF64(q1!.aPtr, n * n), n), tau: arena.viewF64(q1!.tauPtr, n - 1).slice(), z: arena.viewF64(zPtr + split * n * 8, (count - split) * n).slice(),
      };
      let there = 0;
      let here = 0;
      const both = (): void => back(here * split + there * (count - split), count);
      const lane = childSignal(signal);
      try {
        const remote = options.backtransformElsewhere!(job, { signal: lane.signal, onProgress: ({ fraction }) => {
          there = Math.max(there, fraction);
          both();
        } });
        remote.catch(() => {});
        await run(applyQTransposedToRowsSteps(kernels, arena, q1!, zPtr, split, n, { onProgress: (done, of) => {
          here = of > 0 ? done / of : 1;
          both();
        } }));
        const rows = await remote;
        if (rows) arena.viewF64(zPtr + split * n * 8, (count - split) * n).set(rows);
        else await run(applyQTransposedToRowsSteps(kernels, arena, q1!, zPtr + split * n * 8, count - split, n, { onProgress: back }));
      } finally {
        lane.release();
      }
    } else {
      await run(applyQTransposedToRowsSteps(kernels, arena, q1!, zPtr, count, n, { onProgress: back }));
    }
    next(w.backtransform);
    eigenvectors = arena.viewF64(zPtr, count * n).slice();
  }
  onProgress?.({ stage: count > 0 ? 'backtransform' : rows > 0 ? 'project' : 'solve', done: total, total });
  return { n, eigenvalues, eigenvectors, projections };
}

/** Share of the eigenvector rows a split back-transformation sends elsewhere: less than half, as the copies there and back take some of its time. */
const ELSEWHERE_SHARE = 0.42;

/**
 * How many of the `count` eigenvector rows stay here when the back-transformation is split (0: not
 * split): {@link ELSEWHERE_SHARE} of them elsewhere, the split at a multiple of the row chunk the
 * reflector application uses (so the rows here and there go through the same GEMM calls), when a
 * place elsewhere is given, n is large enough, and the copies (the packed reflectors, n²/2 values;
 * the worker's n×n matrix; the rows sent and returned) fit what the budget leaves beside the decomposition.
 */
function splitRows(n: number, count: number, options: SymmetricEigenOptions): number {
  if (!options.backtransformElsewhere || n < SPLIT_BACKTRANSFORM_FROM || count < 2) return 0;
  const chunk = reflectorRowChunk(n, count);
  const split = Math.round((count * (1 - ELSEWHERE_SHARE)) / chunk) * chunk;
  if (split <= 0 || split >= count) return 0;
  const copies = 8 * (n * n / 2 + n * n + 2 * (count - split) * n);
  const budget = Math.min(WASM_MEMORY_LIMIT, options.memoryBudget ?? resolveMemoryBudget(undefined, 'symmetricEigen').bytes);
  return copies + denseMemoryBytes(n, count, 0) <= budget ? split : 0;
}

/**
 * All eigenvalues (descending) of the symmetric n×n matrix `A` (row-major; (A + Aᵀ)/2 is used,
 * `A` is not modified) and, by default, all eigenvectors — or the projections of given rows onto
 * them. See the module notes for the method, the memory and the progress.
 */
export async function symmetricEigen(A: ArrayLike<number>, n: number, options: SymmetricEigenOptions = {}): Promise<SymmetricEigenResult> {
  if (!Number.isInteger(n) || n < 1) throw new InputError(`symmetricEigen: n must be a positive integer, got ${String(n)}`);
  if (A.length !== n * n) throw new ShapeError(`symmetricEigen: matrix has ${A.length} entries, expected n² = ${n * n} for n = ${n}`);
  for (let i = 0; i < A.length; i++) {
    if (!Number.isFinite(A[i]!)) throw new NumericalError(`symmetricEigen input: entry ${i} is ${A[i]}`);
  }
  const ws = await denseWorkspace(n, options);
  const a = ws.arena.viewF64(ws.aPtr, n * n);
  for (let i = 0; i < n; i++) {
    a[i * n + i] = A[i * n + i]!;
    for (let j = i + 1; j < n; j++) a[i * n + j] = 0.5 * (A[i * n + j]! + A[j * n + i]!);
  }
  return decomposeWorkspace(ws, options);
}
