/**
 * The spectrum summary of one Hessian operator, as `spectrum` and `analyze` report it: Lanczos
 * top-k eigenpairs with residuals, λ_max by power iteration (with its residual), the trace by
 * Hutch++ with its standard error, the density by stochastic Lanczos quadrature, the outlier count
 * with its rule, and, for small p, all p eigenvalues from the dense path. A top-k of more than
 * half the spectrum (within the dense limit) comes from the dense path's exact eigenpairs instead
 * of Lanczos, whose basis would hold nearly all p directions. Every number comes with how good
 * it is; no estimate is reported alone.
 */
import type { LinearOperator } from './operator.js';
import { lanczos, type EigenResult, type Which } from './lanczos.js';
import { powerIteration } from './power.js';
import { traceEstimate } from './trace.js';
import { densityFraction, spectralDensity, type SpectralDensity } from './density.js';
import { countOutliers } from './outliers.js';
import { DEFAULT_DENSE_LIMIT, denseHessianProjection, denseHessianSpectrum, type DenseProgress, type DenseSpectrum, type ReflectorsElsewhere } from './dense.js';
import { frozenArray, frozenRows } from './record.js';
import type { VectorOps } from './vector.js';
import { childSignal, InputError, ResourceError } from '../errors.js';
import { checkInteger, decimalSize } from './validate.js';
import { denseMemoryBytes } from './eigen/solver.js';
import { checkMemory, count, densityMemory, lanczosMemory, largerEstimate, memoryEstimate, resolveMemoryBudget, type MemoryEstimate, type MemoryPart } from './memory.js';

/**
 * Largest p for which `dense: 'auto'` runs the dense path: every spectrum then gets all p
 * eigenvalues at the cost of p Hessian-vector products and well under a second of decomposition.
 */
export const AUTO_DENSE_LIMIT = 1500;

/** Largest p the dense path accepts by default (`denseLimit`): 12,000, the paper's main model (p = 10,703) fits. */
export const DENSE_LIMIT = DEFAULT_DENSE_LIMIT;

/**
 * Refuses a top-k request that asks for more than half of all p eigenpairs when p is beyond the
 * dense path's `denseLimit`: Lanczos would then need a Krylov basis of nearly all p directions
 * (8·p² bytes) and O(p³) work — hours and gigabytes at p = 10⁴ — and the dense path that
 * computes the whole spectrum properly does not take that p. Below the limit such requests run
 * (in seconds to a minute), and `k` above p means all p (callers clamp it).
 * @param k the requested k (before clamping to p)
 */
export function checkSpectrumK(k: number, p: number, denseLimit = DENSE_LIMIT): void {
  const kk = Math.min(k, p);
  if (p <= denseLimit || kk <= p / 2) return;
  const asked = k > p ? `top ${k} (more than p, so all p = ${p})` : `top ${k} of p = ${p}`;
  throw new ResourceError(
    `${asked} asks for more than half the spectrum: by Lanczos that needs a basis of nearly all ${p} directions ` +
    `(≈ ${decimalSize(8 * p * p)}) and O(p³) work, and the dense path takes p ≤ ${denseLimit} only; ` +
    `ask for fewer eigenpairs (10–100 is what an analysis usually needs; Lanczos work grows as k²·p)`,
  );
}

/** Lanczos steps per SLQ probe of a spectrum (capped at p). */
export const DENSITY_STEPS = 80;

/** The settings of a spectrum's density. */
export interface DensitySettings {
  readonly probes: number;
  readonly steps: number;
  readonly seed: number;
}

/** The density a spectrum runs: 5 probes of min(80, p) steps, seeded `seed` + 3. */
export function spectrumDensitySettings(p: number, seed: number): DensitySettings {
  return { probes: 5, steps: Math.min(DENSITY_STEPS, p), seed: seed + 3 };
}

/**
 * Runs a spectrum's density somewhere else — a worker lane (`Session.densityOnLane`) — with these
 * settings, the spectrum's memory budget and hooks, giving what {@link spectralDensity} gives here.
 */
export type DensityElsewhere = (
  settings: DensitySettings & { readonly memoryBudget: number },
  hooks: { readonly signal?: AbortSignal; readonly onProgress: (progress: { readonly fraction: number; readonly detail?: string }) => void },
) => Promise<SpectralDensity | null>;

/** The summary's record of a density. */
function densitySummary(d: SpectralDensity): NonNullable<SpectrumSummary['density']> {
  return { grid: d.grid, values: d.values, nodes: d.nodes, weights: d.weights, sigma: d.sigma };
}

/**
 * `result` (of a run with `density: false`) with the density `d` filled in: for callers that run
 * the density elsewhere at the same time (a worker lane), with {@link spectrumDensitySettings}.
 */
export function withDensity(result: SpectrumResult, d: SpectralDensity): SpectrumResult {
  return { ...result, summary: Object.freeze({ ...result.summary, density: densitySummary(d) }) };
}

/** Bytes of fast vector memory {@link hessianSpectrum} needs for its Krylov bases (Lanczos, then SLQ). */
export function spectrumVectorBytes(p: number, k: number, density: boolean, maxIterations?: number): number {
  const cap = Math.min(p, maxIterations ?? Math.max(20 * k, 200));
  return ((cap + 2) + (density ? Math.min(DENSITY_STEPS, p) + 2 : 0)) * p * 8 + 4096;
}

/** What {@link spectrumMemory} needs to know: the resolved settings of a {@link hessianSpectrum} call. */
export interface SpectrumShape {
  readonly p: number;
  /** top-k, ≤ p */
  readonly k: number;
  readonly density: boolean;
  /** whether the dense path runs after the other estimators (all p eigenvalues, or projections of `projectRows` rows) */
  readonly dense: boolean;
  /** rows projected onto every eigenvector by the dense path (0: none) */
  readonly projectRows: number;
  /** the top-k comes from the dense path (k > p/2 within the dense limit) */
  readonly denseTopK: boolean;
  /** the Krylov bases live in the vector ops' wasm memory */
  readonly resident: boolean;
  /** warm-start vectors */
  readonly starts?: number;
}

/**
 * The peak memory of {@link hessianSpectrum}: its largest stage (Lanczos or the dense top-k, power
 * iteration, Hutch++, SLQ, the dense path) plus the top-k eigenvectors kept from the first stage
 * through the rest. The dense solver's matrices live in a wasm instance of their own.
 */
export function spectrumMemory(s: SpectrumShape): MemoryEstimate {
  const { p, k } = s;
  const denseParts = (vectors: number, rows: number): MemoryPart[] => [
    { what: `dense eigensolver (p × p matrices${rows > 0 ? `, ${rows} projected rows` : vectors > 0 ? `, ${vectors} eigenvectors` : ''})`, bytes: denseMemoryBytes(p, vectors, rows), instance: 'dense eigensolver' },
    { what: rows > 0 ? `${rows} projections and 2 columns` : `${vectors} eigenvectors and 2 columns`, bytes: 8 * p * ((rows > 0 ? rows : vectors) + 2) },
  ];
  const first = s.denseTopK
    ? memoryEstimate(denseParts(p, 0))
    : memoryEstimate(lanczosMemory({ p, k, cap: Math.min(p, Math.max(20 * k, 200)), resident: s.resident, starts: s.starts ?? 0 }));
  const kept: MemoryPart = { what: `top-${k} eigenvectors kept`, bytes: 8 * k * p };
  const probes = Math.max(5, Math.min(30, p));
  const later = [
    memoryEstimate([kept, { what: 'power iteration, 3 vectors', bytes: 24 * p }]),
    memoryEstimate([kept, { what: `Hutch++ sketch of ${Math.floor(probes / 3)} vectors and 2 probes`, bytes: 8 * p * (Math.floor(probes / 3) + 2) }]),
    ...(s.density ? [memoryEstimate([kept, ...densityMemory(p, Math.min(80, p), s.resident)])] : []),
    ...(s.dense ? [memoryEstimate([kept, ...denseParts(0, s.projectRows)])] : []),
  ];
  return largerEstimate(first, ...later);
}

/** What {@link hessianSpectrum} is doing; passed to `onProgress`. */
export interface SpectrumProgress {
  /** `dense`, `lanczos`, `power`, `trace` or `density` */
  readonly stage: string;
  /** 0..1 within the stage, when known */
  readonly fraction?: number;
  /** a short human line */
  readonly detail?: string;
}

/** Options of {@link hessianSpectrum}. */
export interface SpectrumOptions {
  /** Top eigenpairs (default 10, at most p). */
  readonly k?: number;
  /** Which end (default 'LA', largest algebraic). */
  readonly which?: Which;
  /** Lanczos relative tolerance (default 1e-6). */
  readonly tol?: number;
  /** Seed of every random start and probe (default 0). */
  readonly seed?: number;
  /** Spectral density by SLQ (default true). */
  readonly density?: boolean;
  /** Dense path: 'auto' (default: when p ≤ 1500), true (up to denseLimit), false. */
  readonly dense?: boolean | 'auto';
  /** Largest p the dense path accepts (default 12,000). */
  readonly denseLimit?: number;
  /**
   * Rows R [r × p] to project onto all p eigenvectors when the dense path runs: the result's
   * `projections` is R·V (the generalization measure over all eigenvectors, with R the normalised
   * per-sample gradients), computed without forming V.
   */
  readonly project?: Float64Array;
  /**
   * Where the density runs when not here: started before the other estimators and awaited after
   * them (same settings, so the same result). `Session.densityOnLane` gives one for a worker lane.
   */
  readonly densityElsewhere?: DensityElsewhere;
  /** Half of a dense back-transformation elsewhere (`Engine.reflectorsElsewhere`: same bits), when the dense path forms eigenvectors. */
  readonly backtransformElsewhere?: ReflectorsElsewhere;
  /** Warm start for Lanczos. */
  readonly start?: readonly Float64Array[];
  /** Vector kernels for Lanczos and SLQ (e.g. `wasmVectorOps`; default plain-TS float64). */
  readonly vectorOps?: VectorOps;
  /**
   * Largest memory the call may allocate, in bytes (default: half the machine's; see memory.ts):
   * its peak ({@link spectrumMemory}) is checked before the first matvec, and against wasm32's
   * 4 GiB for the dense solver's instance.
   */
  readonly memoryBudget?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: SpectrumProgress) => void;
}

/** The JSON summary (the CLI's `spectrum --json` record). */
export interface SpectrumSummary {
  readonly schema: 'hessian-lens/spectrum@1';
  readonly which: Which;
  /** [k] */
  readonly eigenvalues: readonly number[];
  /** [k] ‖Hu − λu‖ */
  readonly residuals: readonly number[];
  readonly converged: readonly boolean[];
  readonly matvecs: number;
  readonly iterations: number;
  readonly tol: number;
  readonly lambdaMax: { readonly value: number; readonly residual: number; readonly converged: boolean; readonly method: string };
  readonly trace: { readonly estimate: number; readonly stderr: number; readonly method: string; readonly probes: number };
  readonly outliers: { readonly count: number; readonly rule: string; readonly threshold: number | null };
  readonly density: {
    readonly grid: readonly number[];
    readonly values: readonly number[];
    readonly nodes: readonly (readonly number[])[];
    readonly weights: readonly (readonly number[])[];
    /** Gaussian broadening, a standard deviation */
    readonly sigma: number;
  } | null;
  /** all p eigenvalues (descending) when the dense path ran */
  readonly dense: { readonly eigenvalues: readonly number[]; readonly asymmetry: number } | null;
}

/** The summary plus the eigenvectors behind it. */
export interface SpectrumResult {
  readonly summary: SpectrumSummary;
  /** the Lanczos record (with its k eigenvectors) */
  readonly eigen: EigenResult;
  /** the dense path's record (all p eigenvalues; no eigenvectors: Lanczos gave the top k), or null */
  readonly dense: DenseSpectrum | null;
  /** [r × p] `project`'s rows times every eigenvector (column t ↔ dense.eigenvalues[t]) when the dense path ran with `project`, else null */
  readonly projections: Float64Array | null;
}

/** The top-k record `lanczos` would give, from the dense path's exact eigenpairs (all of them unless `which` is LA). */
function denseEigenResult(d: DenseSpectrum, k: number, which: Which, tol: number, seed: number): EigenResult {
  const p = d.size;
  const lam = d.eigenvalues;
  let order: number[];
  if (which === 'LA') order = Array.from({ length: k }, (_, i) => i);
  else if (which === 'SA') order = Array.from({ length: k }, (_, i) => p - 1 - i);
  else order = Array.from({ length: p }, (_, i) => i).sort((a, b) => Math.abs(lam[b]!) - Math.abs(lam[a]!) || a - b).slice(0, k);
  let scale = 0;
  for (const x of lam) scale = Math.max(scale, Math.abs(x));
  const residuals = order.map((i) => d.residuals[i]!);
  return Object.freeze({
    schema: 'hessian-lens/eigen@1' as const,
    size: p,
    which,
    eigenvalues: frozenArray(order.map((i) => lam[i]!)),
    eigenvectors: frozenRows(order.map((i) => d.eigenvectors[i]!)),
    residuals: frozenArray(residuals),
    converged: Object.freeze(residuals.map((r) => r <= tol * scale)),
    residualScale: scale,
    tol,
    iterations: 0,
    restarts: 0,
    matvecs: d.matvecs,
    seed,
  });
}

/** Runs every spectrum estimator on `op`; see the module notes. */
export async function hessianSpectrum(op: LinearOperator, options: SpectrumOptions = {}): Promise<SpectrumResult> {
  const p = op.size;
  const wantDense = options.dense ?? 'auto';
  if (wantDense !== true && wantDense !== false && wantDense !== 'auto') {
    throw new InputError(`hessianSpectrum: dense must be true, false or 'auto', got ${JSON.stringify(wantDense)}`);
  }
  if (options.denseLimit !== undefined) checkInteger(options.denseLimit, 'denseLimit', 1, Infinity, 'hessianSpectrum');
  checkSpectrumK(options.k ?? 10, p, options.denseLimit ?? DENSE_LIMIT);
  const k = Math.min(options.k ?? 10, p);
  const seed = options.seed ?? 0;
  const which = options.which ?? 'LA';
  const signal = options.signal;
  const { onProgress } = options;
  const report = (stage: string, fraction?: number, detail?: string): void => {
    onProgress?.({ stage, ...(fraction !== undefined ? { fraction } : {}), ...(detail !== undefined ? { detail } : {}) });
  };
  const sig = signal ? { signal } : {};
  // the Krylov methods (Lanczos, SLQ) also take the vector kernels their bases live in
  const krylov = { ...sig, ...(options.vectorOps ? { vectorOps: options.vectorOps } : {}) };
  const denseLimit = options.denseLimit ?? DENSE_LIMIT;
  const tol = options.tol ?? 1e-6;
  // more than half the spectrum: Lanczos would build a basis of nearly all p directions, the dense path is exact and faster
  const viaDense = k > p / 2 && p <= denseLimit;
  const runDense = wantDense === true || (wantDense === 'auto' && p <= AUTO_DENSE_LIMIT);
  // the dense path after the estimators: unless the top-k's dense run already gave every eigenvalue (and no projection is wanted)
  const denseAfter = runDense && !(viaDense && !options.project) && p <= denseLimit;
  const budget = resolveMemoryBudget(options.memoryBudget, 'hessianSpectrum');
  const mem = { memoryBudget: budget.bytes };
  checkMemory(
    spectrumMemory({
      p, k, density: options.density ?? true, dense: denseAfter, projectRows: options.project ? Math.floor(options.project.length / p) : 0,
      denseTopK: viaDense, resident: options.vectorOps?.allocate !== undefined, starts: options.start?.length ?? 0,
    }),
    budget, `the spectrum of p = ${count(p)} (top ${k})`, 'ask for fewer eigenpairs (k), leave out the density or the dense path, or use a smaller model',
  );
  // stops the density elsewhere when the caller aborts, or when an estimator here fails
  const lane = childSignal(signal);
  try {
    const wantDensity = options.density ?? true;
    const elsewhere = wantDensity && options.densityElsewhere
      ? options.densityElsewhere({ ...spectrumDensitySettings(p, seed), memoryBudget: budget.bytes }, { signal: lane.signal, onProgress: ({ fraction, detail }) => report('density', fraction, detail) })
      : null;
    // observed now: awaited after the other estimators, or abandoned (and stopped by the signal) if one fails
    elsewhere?.catch(() => {});
    let eigen: EigenResult;
    let denseTop: DenseSpectrum | null = null;
    if (viaDense) {
      report('dense', 0, `top-${k} (${which}) of p = ${p} eigenpairs by the dense path`);
      denseTop = await denseHessianSpectrum(op, {
        limit: denseLimit, vectors: which === 'LA' ? k : p, ...sig, ...mem, onProgress: (pr) => report('dense', pr.done / pr.total, pr.stage),
        ...(options.backtransformElsewhere ? { backtransformElsewhere: options.backtransformElsewhere } : {}),
      });
      eigen = denseEigenResult(denseTop, k, which, tol, seed);
    } else {
      report('lanczos', 0, `top-${k} (${which}) eigenpairs, p = ${p}`);
      eigen = await lanczos(op, {
        k, which, seed, tol, ...krylov, ...mem, ...(options.start ? { start: options.start } : {}),
        onProgress: (pr) => report('lanczos', Math.min(1, pr.converged / k), `iteration ${pr.iteration}, ${pr.converged}/${k} converged`),
      });
    }
    report('power', undefined, 'λ_max by power iteration');
    const power = await powerIteration(op, { seed: seed + 1, tol: 1e-6, maxIterations: 500, ...sig });
    report('trace', undefined, 'trace by Hutch++');
    const trace = await traceEstimate(op, { method: 'hutch++', probes: Math.max(5, Math.min(30, p)), seed: seed + 2, ...sig });
    let density: SpectrumSummary['density'] = null;
    // null: no place elsewhere after all; then here
    const there = elsewhere ? await elsewhere : null;
    if (there) {
      density = densitySummary(there);
      report('density', 1);
    } else if (wantDensity) {
      report('density', 0, 'stochastic Lanczos quadrature');
      const d = await spectralDensity(op, { ...spectrumDensitySettings(p, seed), ...krylov, ...mem, onProgress: (pr) => report('density', densityFraction(pr)) });
      density = densitySummary(d);
    }
    let dense: DenseSpectrum | null = null;
    let projections: Float64Array | null = null;
    if (denseTop && !options.project) {
      dense = Object.freeze({ ...denseTop, eigenvectors: frozenRows([]), residuals: frozenArray([]) });
    } else if (runDense) {
      report('dense', 0, `full Hessian, p = ${p}`);
      const denseOptions = { limit: options.denseLimit ?? DENSE_LIMIT, ...sig, ...mem, onProgress: (pr: DenseProgress) => report('dense', pr.done / pr.total, pr.stage) };
      if (options.project) {
        const r = await denseHessianProjection(op, options.project, denseOptions);
        dense = r.spectrum;
        projections = r.projections;
      } else {
        dense = await denseHessianSpectrum(op, { ...denseOptions, vectors: 0 });
      }
    }
    const outliers = countOutliers(dense ? dense.eigenvalues.slice(0, Math.max(k, 20)) : which === 'LA' ? eigen.eigenvalues : [power.eigenvalue]);
    const summary: SpectrumSummary = Object.freeze({
      schema: 'hessian-lens/spectrum@1' as const,
      which,
      eigenvalues: eigen.eigenvalues,
      residuals: eigen.residuals,
      converged: eigen.converged,
      matvecs: eigen.matvecs,
      iterations: eigen.iterations,
      tol: eigen.tol,
      lambdaMax: { value: power.eigenvalue, residual: power.residual, converged: power.converged, method: 'power iteration (dominant |λ|, signed)' },
      trace: { estimate: trace.estimate, stderr: trace.stderr, method: 'hutch++', probes: trace.probes },
      outliers: { count: outliers.count, rule: outliers.rule, threshold: outliers.threshold },
      density,
      dense: dense ? { eigenvalues: dense.eigenvalues, asymmetry: dense.asymmetry } : null,
    });
    return { summary, eigen, dense, projections };
  } finally {
    lane.release();
  }
}
