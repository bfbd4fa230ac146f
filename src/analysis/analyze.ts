/**
 * The whole analysis of one minimum, as the CLI's `analyze` runs it: data → training (or a given
 * model) → loss/accuracy per split → Hessian spectrum (Lanczos top-k with residuals, λ_max by
 * power iteration, trace by Hutch++, density by SLQ, outliers, the dense path within its limit) →
 * alignment of the top eigenvectors with per-sample gradients → generalization measure G → margin
 * → input–output Jacobian norm → grid maps (2-D inputs) → optional tracking during training.
 * One versioned, JSON-serialisable record comes back; every figure of the HTML report is drawn
 * from it (Sabanayagam et al. 2023, arXiv 2306.07104; Sagun et al. 2017, arXiv 1706.04454).
 */
import { childSignal, InputError, NumericalError, ResourceError, ShapeError, throwIfAborted } from '../errors.js';
import { checkInteger, checkSeed, checkTol } from '../hessian/validate.js';
import type { Dataset } from '../data/dataset.js';
import { loadNamedData, type Splits } from '../data/named.js';
import type { Engine } from '../engine/engine.js';
import type { Precision } from '../engine/dense-net.js';
import { CURVATURE_NAMES, type CurvatureName, type Session, type SessionOptions } from '../engine/session.js';
import { initParameters, layerSlices, mlpSpec, parameterCount, type Activation, type MlpSpec, type Model } from '../model/mlp.js';
import { curvatureElementsPerSample } from '../engine/net/buffers.js';
import { checkMemory, count, largerEstimate, memoryEstimate, resolveMemoryBudget, type MemoryEstimate, type MemoryPart } from '../hessian/memory.js';
import { lanczos } from '../hessian/lanczos.js';
import { denseMemoryBytes, type ReflectorsElsewhere } from '../hessian/dense.js';
import { WASM_MEMORY_LIMIT } from '../engine/arena.js';
import { checkSpectrumK, DENSE_LIMIT, DENSITY_STEPS, hessianSpectrum, spectrumDensitySettings, spectrumMemory, spectrumVectorBytes, withDensity, type SpectrumResult, type SpectrumSummary } from '../hessian/spectrum.js';
import { densityFraction, spectralDensity, type SpectralDensity } from '../hessian/density.js';
import { densityBasisBytes } from '../engine/tasks.js';
import { layerBlocks } from '../hessian/block.js';
import { perLayerSpectrum, type BlockSpectrum } from '../hessian/per-layer.js';
import { outlierDecomposition, type OutlierDecomposition } from '../hessian/decomposition.js';
import { wasmVectorOps } from '../engine/vector-ops.js';
import type { VectorOps } from '../hessian/vector.js';
import { train, trainingRecord, type TrainingRecord } from '../train/train.js';
import { budgetEpochs, isPresetName, parameterNorm, PRESET_NAMES, PRESETS, presetData, runPreset, type PresetName, type PresetPhaseRecord } from '../train/recipes.js';
import { alignment } from './alignment.js';
import { generalization, generalizationFromProjections, normalizedRows, type GeneralizationResult } from './generalization.js';
import { margin, NO_BOUNDARY, type MarginResult } from './margin.js';
import { jacobianNorm } from './jacobian.js';
import { alignmentGrid, type AlignmentGridResult as AlignmentGrid } from './grid.js';

/** analyze's defaults (the paper's gauss experiment), in one place: the CLI and its help text read them too. */
export const ANALYZE_DEFAULTS = Object.freeze({
  /** dataset name */
  data: 'gauss' as AnalyzeOptions['data'] & {},
  hidden: Object.freeze([100, 100]) as readonly number[],
  activation: 'relu' as Activation,
  optimizer: 'sgd' as 'sgd' | 'adam',
  lr: 0.02,
  batchSize: 64,
  epochs: 2000,
  seed: 0,
  budget: 1,
  top: 10,
  tol: 1e-6,
  density: true,
  dense: 'auto' as boolean | 'auto',
  epsilonDirections: 5,
  statistic: 'meanAbs' as 'meanAbs' | 'maxAbs',
  operator: 'hessian' as CurvatureName,
  margin: true,
  gridRes: 100,
  trackEvery: 0,
  perLayer: false,
  decompose: false,
});

/**
 * Largest Krylov reserve kept in wasm memory (its own instance, so up to wasm32's 4 GiB); beyond
 * it the plain-TS vector ops run. The reserve covers the whole iteration cap but is address space
 * only: rows become resident when Lanczos writes them.
 */
const WASM_BASIS_LIMIT = 3 * 2 ** 30;

/**
 * The vector kernels for a spectrum of size p: wasm SIMD with the Krylov bases resident in wasm
 * memory when they fit `WASM_BASIS_LIMIT` and the memory can be reserved, else none (the
 * algorithms' plain-TS default).
 */
export function spectrumOps(engine: Engine, p: number, k: number, density: boolean): { vectorOps?: VectorOps } {
  const bytes = spectrumVectorBytes(p, k, density);
  if (bytes > WASM_BASIS_LIMIT) return {};
  try {
    return { vectorOps: wasmVectorOps(engine, { capacityBytes: bytes }) };
  } catch (error) {
    // A browser tab may refuse a multi-GiB reservation: the plain-TS ops need no reservation.
    if (error instanceof ResourceError) return {};
    throw error;
  }
}

/** Bytes of one dense net's wasm memory over n samples (θ, direction, data, the activation cache, one chunk of R-pass buffers): engine/net/buffers.ts's layout. */
export function netMemoryBytes(spec: Pick<MlpSpec, 'sizes' | 'activation'>, n: number, es: number, cacheBytes: number, chunk = 256): number {
  const slices = layerSlices(spec as MlpSpec);
  const p = parameterCount(spec);
  const d = spec.sizes[0]!;
  const classes = slices[slices.length - 1]!.outputs;
  const widthSum = slices.reduce((sum, l) => sum + l.outputs, 0);
  const maxIn = Math.max(...slices.map((l) => l.inputs));
  const perSample = curvatureElementsPerSample(spec as MlpSpec) * es;
  const m = Math.min(chunk, n);
  const cacheAll = n * perSample <= cacheBytes;
  const rows = cacheAll ? n : Math.floor(cacheBytes / (perSample * chunk)) * chunk + m;
  const levels = Math.ceil(Math.log2(Math.max(1, Math.ceil(n / chunk)))) + 1;
  return n * (d * es + 8) + p * 2 * es + rows * perSample + m * (widthSum * 3 + classes) * es + m * (maxIn + d) * es + m * 4 + (1 << 20) + levels * p * 8;
}

/** What {@link analyzeMemory} needs to know about a run. */
export interface AnalyzeMemoryInputs {
  readonly spec: Pick<MlpSpec, 'sizes' | 'activation'>;
  /** samples of the training, test and validation sets */
  readonly n: { readonly train: number; readonly test: number; readonly val: number };
  /** whether the model is trained here (else given) */
  readonly training: boolean;
  /** Lanczos runs during training (tracking) */
  readonly tracking: boolean;
  readonly k: number;
  readonly density: boolean;
  readonly dense: boolean;
  readonly denseTopK: boolean;
  readonly precision: Precision;
  /** the session's activation cache limit */
  readonly cacheBytes: number;
  /** the engine's threads (each pool worker holds θ) */
  readonly threads: number;
}

/**
 * The peak memory of {@link analyze}: the data and θ throughout, then the larger of training (its
 * net's wasm memory with no activation cache, θ copies, gradient and optimizer state, and with
 * tracking a session and Lanczos) and the analysis (the session's wasm memory — θ, data, the
 * activation cache — with one θ more per pool worker; for the dense path the per-sample gradients
 * and their normalised rows; the spectrum's peak, {@link spectrumMemory}, with the Krylov reserve
 * in a wasm instance of its own when it fits there, as `spectrumOps` makes it).
 */
export function analyzeMemory(c: AnalyzeMemoryInputs): MemoryEstimate {
  const p = parameterCount(c.spec);
  const d = c.spec.sizes[0]!;
  const es = c.precision === 'f64' ? 8 : 4;
  const nAll = c.n.train + c.n.test + c.n.val;
  const always: MemoryPart[] = [
    { what: `data (${count(nAll)} samples × ${d} features)`, bytes: nAll * (d * 4 + 4) },
    { what: 'θ (f32) and the model\'s copy', bytes: 2 * 4 * p },
  ];
  const threads = Math.max(1, c.threads);
  // With threads > 1 a session is either sharded (each worker a share of the data) or runs here
  // with lanes (each lane worker a whole copy, and the density's basis): the larger is counted.
  const net = netMemoryBytes(c.spec, c.n.train, es, c.cacheBytes);
  const session: MemoryPart[] = [
    { what: `session net (θ, data, activation cache; ${c.n.train} samples)`, bytes: net, instance: 'session net' },
    ...(threads > 1 ? [{ what: `${threads - 1} pool worker${threads > 2 ? 's' : ''}: θ, a copy of the data and cache${c.density ? ', the density\'s Krylov basis' : ''}`, bytes: (threads - 1) * (net + (c.density ? densityBasisBytes(p, DENSITY_STEPS) : 0)) }] : []),
  ];
  const reserve = spectrumVectorBytes(p, c.k, c.density);
  const resident = reserve <= WASM_BASIS_LIMIT;
  const spectrum = spectrumMemory({ p, k: c.k, density: c.density, dense: c.dense && !c.denseTopK, projectRows: c.dense ? c.n.train : 0, denseTopK: c.denseTopK, resident });
  const analysis = memoryEstimate([
    ...always, ...session,
    ...(resident ? [{ what: 'Krylov reserve (Lanczos and SLQ bases at their caps)', bytes: reserve, instance: 'Krylov vector ops' }] : []),
    ...(c.dense ? [{ what: `normalised per-sample gradients (${c.n.train} × p)`, bytes: 8 * c.n.train * p }] : []),
    ...spectrum.parts,
  ]);
  const gradients = c.dense
    ? memoryEstimate([...always, ...session, { what: `per-sample gradients and their normalised rows (2 × ${c.n.train} × p)`, bytes: 16 * c.n.train * p }])
    : memoryEstimate([]);
  const training = c.training
    ? memoryEstimate([
      ...always,
      { what: 'training net (θ, gradient sums, data, one chunk of activations)', bytes: netMemoryBytes(c.spec, c.n.train, es, 0), instance: 'training net' },
      { what: 'training θ, gradient and optimizer state', bytes: 4 * p + 3 * 8 * p },
      ...(c.tracking ? [...session, { what: `tracking's Lanczos (top ${c.k})`, bytes: 8 * p * (Math.min(p, Math.max(20 * c.k, 200)) + c.k + 3) }] : []),
    ])
    : memoryEstimate([]);
  return largerEstimate(analysis, gradients, training);
}

/** Checks {@link analyzeMemory} for the run against wasm32's 4 GiB per instance and the budget, before training. */
function checkAnalyzeMemory(engine: Engine, o: Resolved, spec: Pick<MlpSpec, 'sizes' | 'activation'>, splits: { train: Pick<Dataset, 'n'>; test?: Pick<Dataset, 'n'> | null; val?: Pick<Dataset, 'n'> | null }, training: boolean): void {
  const p = parameterCount(spec);
  const n = splits.train.n;
  const k = Math.min(o.top, p);
  const estimate = analyzeMemory({
    spec, n: { train: n, test: splits.test?.n ?? 0, val: splits.val?.n ?? 0 }, training, tracking: training && o.trackEvery > 0,
    k, density: o.density, dense: wantsDense(o, p, n), denseTopK: k > p / 2 && p <= (o.denseLimit ?? DENSE_LIMIT),
    precision: o.precision ?? 'f32', cacheBytes: o.cacheBytes ?? 512 * 2 ** 20, threads: engine.threads,
  });
  checkMemory(estimate, resolveMemoryBudget(o.memoryBudget, 'analyze'), `analyze (a ${spec.sizes.join('-')} MLP, p = ${count(p)}, ${count(n)} training samples)`,
    'use a smaller model or fewer samples, ask for fewer eigenpairs (top), or leave out the density or the dense path');
}

/**
 * Before training: checks the run's memory ({@link checkAnalyzeMemory}) and starts the engine's
 * workers in the background when the training session will use them, so their start overlaps training.
 */
function prepareAnalysis(engine: Engine, o: Resolved, spec: Pick<MlpSpec, 'sizes' | 'activation'>, splits: { train: Pick<Dataset, 'n'>; test?: Pick<Dataset, 'n'> | null; val?: Pick<Dataset, 'n'> | null }, training: boolean): void {
  checkAnalyzeMemory(engine, o, spec, splits, training);
  void engine.startWorkers(splits.train.n, parameterCount(spec));
}

/**
 * Checks the numeric options of {@link analyze} before any work, so a bad value fails at once
 * with its own name rather than after training, or as the inner function's option, or not at all
 * (a negative budget, epochs or trackEvery, and a negative gridRes, were used as if valid).
 */
export function checkAnalyzeOptions(o: AnalyzeOptions): asserts o is AnalyzeOptions & { readonly preset?: PresetName } {
  const where = 'analyze';
  if (o.budget !== undefined && !(Number.isFinite(o.budget) && o.budget >= 0)) {
    throw new InputError(`${where}: budget must be a finite number ≥ 0 (a share of the epochs), got ${String(o.budget)}`);
  }
  if (o.top !== undefined) checkInteger(o.top, 'top', 1, Infinity, where);
  if (o.epochs !== undefined) checkInteger(o.epochs, 'epochs', 1, Infinity, where);
  if (o.batchSize !== undefined) checkInteger(o.batchSize, 'batchSize', 1, Infinity, where);
  if (o.trackEvery !== undefined) checkInteger(o.trackEvery, 'trackEvery', 0, Infinity, where);
  if (o.epsilonDirections !== undefined) checkInteger(o.epsilonDirections, 'epsilonDirections', 1, Infinity, where);
  if (o.gridRes !== undefined && o.gridRes !== 0) checkInteger(o.gridRes, 'gridRes (0 = off)', 2, 4096, where);
  if (o.seed !== undefined) checkSeed(o.seed, where);
  if (o.dataSeed !== undefined) {
    checkSeed(o.dataSeed, `${where}: dataSeed`);
    if (o.preset === undefined) throw new InputError(`${where}: dataSeed draws a preset's data afresh; without a preset, seed sets the data`);
  }
  if (o.tol !== undefined) checkTol(o.tol, where);
  if (o.memoryBudget !== undefined) resolveMemoryBudget(o.memoryBudget, where);
  if (o.operator !== undefined && !(CURVATURE_NAMES as readonly string[]).includes(o.operator)) {
    throw new InputError(`${where}: operator must be one of ${CURVATURE_NAMES.join(', ')}, got '${String(o.operator)}'`);
  }
  if (o.statistic !== undefined && o.statistic !== 'meanAbs' && o.statistic !== 'maxAbs') {
    throw new InputError(`${where}: statistic must be 'meanAbs' or 'maxAbs', got '${String(o.statistic)}'`);
  }
  if (o.preset !== undefined && !isPresetName(o.preset)) throw new InputError(`unknown preset '${o.preset}' (presets: ${PRESET_NAMES.join(', ')})`);
  if (o.targetLoss !== undefined) {
    if (!(typeof o.targetLoss === 'number' && Number.isFinite(o.targetLoss) && o.targetLoss >= 0)) {
      throw new InputError(`${where}: targetLoss must be a finite number ≥ 0 (a mean training cross-entropy), got ${String(o.targetLoss)}`);
    }
    if (o.preset !== undefined) throw new InputError(`${where}: targetLoss stops training that runs here; a preset runs the paper's phases (leave out one or the other)`);
    if (o.model !== undefined) throw new InputError(`${where}: targetLoss stops training, but a model was given (nothing is trained)`);
  }
  for (const flag of ['perLayer', 'decompose'] as const) {
    if (o[flag] !== undefined && typeof o[flag] !== 'boolean') throw new InputError(`${where}: ${flag} must be true or false, got ${String(o[flag])}`);
  }
  if (o.decompose === true && o.operator !== undefined && o.operator !== 'hessian') {
    throw new InputError(`${where}: decompose splits the Hessian's top eigenvalues into Gauss–Newton and residual parts; it needs operator 'hessian', not '${o.operator}'`);
  }
}

/** Schema of {@link AnalysisReport}. */
export const ANALYSIS_SCHEMA = 'hessian-lens/analysis@1';

/** What `analyze` is doing; passed to `onProgress`. */
export interface AnalyzeProgress {
  /** e.g. 'train', 'lanczos', 'density', 'margin' */
  readonly stage: string;
  /** 0..1 within the stage when known */
  readonly fraction?: number;
  /**
   * 0..1 over the whole run, never decreasing: the stages weighted by their rough expected cost
   * ({@link analyzeStageCosts}), so a caller can show one bar and estimate the time left.
   */
  readonly overall: number;
  /** a short human line */
  readonly detail?: string;
}

/**
 * How the training set and the held-out sets came about. `none`: the training set was given
 * whole (held-out sets, if any, given as sets of their own); otherwise one set was cut by a
 * seeded, stratified split into parts of these sizes (fractions or counts as given; counts for
 * the named sets; `seed` null for a preset's own split, the paper's).
 */
export type DataSplit = 'none' | { readonly train: number; readonly test: number; readonly val: number; readonly seed: number | null };

/** The files the data came from (the CLI's `--data`, `--test`, `--val`). */
export interface DataFiles {
  readonly train: string;
  readonly test?: string;
  readonly val?: string;
}

/** Options of {@link analyze}; the defaults reproduce the paper's gauss experiment. */
export interface AnalyzeOptions {
  /** One of the paper's presets (overrides data/architecture/optimizer). */
  readonly preset?: string;
  /** With a preset: a fresh draw of its data with this generator seed instead of the paper's points. */
  readonly dataSeed?: number;
  /** Share of a preset's (or the given) epochs to run (default 1). */
  readonly budget?: number;
  /**
   * Data: a toy generator name, 'iris', 'mnist' (split as `loadNamedData` splits them), or
   * datasets given directly (default 'gauss'). Given datasets are used as they are: `train` is
   * the whole training set (the Hessian's mean loss runs over all of it), `test` and `val` are
   * held out; `split` and `files` only describe where they came from, for the record's `data`
   * (default `split: 'none'`).
   */
  readonly data?: string | {
    readonly train: Dataset; readonly test?: Dataset | null; readonly val?: Dataset | null; readonly name?: string;
    readonly split?: DataSplit; readonly files?: DataFiles;
  };
  /** A trained model to analyse (skips training). */
  readonly model?: Model;
  /** Hidden widths (default [100, 100]). */
  readonly hidden?: readonly number[];
  readonly activation?: Activation;
  readonly optimizer?: 'sgd' | 'adam';
  readonly lr?: number;
  readonly momentum?: number;
  readonly batchSize?: number;
  readonly epochs?: number;
  /**
   * Stop training after the first epoch whose mean training loss (the whole training set) is at or
   * below this, within `epochs` (default: none; not with a preset or a given model). Runs trained
   * to the same loss compare minima, not training lengths (Kaur et al. 2023); a run that does not
   * reach it is warned about.
   */
  readonly targetLoss?: number;
  /** Seed of data, init, shuffles and every estimator (default 0). */
  readonly seed?: number;
  /** Top eigenpairs (default 10). */
  readonly top?: number;
  /** Lanczos relative tolerance (default 1e-6). */
  readonly tol?: number;
  /** Spectral density by SLQ (default true). */
  readonly density?: boolean;
  /**
   * Dense path — all p eigenvalues and G over all p eigenvectors (`generalization.all`, the
   * paper's definition): 'auto' (default: whenever p is within `denseLimit` and its memory fits
   * wasm's 4 GiB; minutes at the paper's p = 10,703), true (refused past the limit), false.
   */
  readonly dense?: boolean | 'auto';
  /** Largest p the dense path accepts (default 12,000). */
  readonly denseLimit?: number;
  /** Random directions for ε (default 5). */
  readonly epsilonDirections?: number;
  /** Statistic of G (default 'meanAbs', the poster's; 'maxAbs' is the paper's code). */
  readonly statistic?: 'meanAbs' | 'maxAbs';
  /**
   * The curvature operator whose spectrum, eigenvectors (alignment, G, margin) and tracking the
   * analysis reports: `hessian` (default), `ggn` (the generalized Gauss–Newton matrix), `fisher`
   * (the empirical Fisher) or `residual` (H − GGN); see `Session.curvature`.
   */
  readonly operator?: CurvatureName;
  /**
   * Per-layer spectra (default false): each Linear layer's block of the analysed operator — top-k,
   * trace ± stderr, density (with `density`) — and the per-parameter diagonal of the whole operator
   * (exact when the dense path runs, else Hutchinson's estimator); the record's `layers`.
   */
  readonly perLayer?: boolean;
  /**
   * Outlier decomposition (default false; Hessian only): each top eigenvalue of H split into its
   * Gauss–Newton and residual Rayleigh quotients, the GGN's own top-k, outlier count and (with
   * `density`) density beside H's; the record's `decomposition`.
   */
  readonly decompose?: boolean;
  /** Margin search (default true). */
  readonly margin?: boolean;
  /** Grid resolution for 2-D inputs (default 100; 0 disables). */
  readonly gridRes?: number;
  /** Track loss, accuracies, top-k eigenvalues and G every N epochs (default 0 = off). */
  readonly trackEvery?: number;
  /** Kernel arithmetic (default 'f32'). */
  readonly precision?: Precision;
  /**
   * Largest per-sample activation cache, in bytes (default 512 MiB). The samples of as many whole
   * 256-sample chunks as fit are cached; every Hv recomputes the forward and backward passes of
   * the others, chunk by chunk (with 0, of all: memory O(chunk) instead of O(n·Σ widths), each
   * Hv ≈ 1.5–2× slower). Results are the same bits whatever the cache holds.
   */
  readonly cacheBytes?: number;
  /**
   * Largest memory the run may use, in bytes (default: half the machine's; see
   * src/hessian/memory.ts). Its peak — data, θ, training, the session's wasm memory with its
   * activation cache, the spectrum's Krylov bases at their iteration caps, the dense path — is
   * estimated ({@link analyzeMemory}) and checked before training; beyond it, or beyond wasm32's
   * 4 GiB in one instance, {@link ResourceError}.
   */
  readonly memoryBudget?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: AnalyzeProgress) => void;
  /**
   * Called with each warning as it arises — before a long dense path, not after it; the record's
   * `warnings` holds them all. A warning marks a result that should not be trusted as printed.
   */
  readonly onWarning?: (message: string) => void;
}

/** Loss and accuracy on one split. */
export interface SplitScore {
  readonly n: number;
  readonly loss: number;
  readonly accuracy: number;
}

/** One tracking checkpoint. */
export interface TrackingPoint {
  readonly epoch: number;
  readonly trainLoss: number;
  readonly trainAccuracy: number;
  readonly testAccuracy: number | null;
  /** top-k eigenvalues (warm-started Lanczos) */
  readonly eigenvalues: readonly number[];
  readonly G: number;
  /** margin along v_1 (null when `margin: false`) */
  readonly margin: number | null;
}

/** Per-layer spectra in the record (`perLayer`). */
export interface LayersRecord {
  /** the operator whose diagonal blocks these are (the analysis's) */
  readonly operator: CurvatureName;
  /** each Linear layer's block (weight and bias), in order */
  readonly blocks: readonly BlockSpectrum[];
  /** the whole operator's per-parameter diagonal, in PyTorch `parameters()` order (stderr zeros when exact) */
  readonly diagonal: { readonly method: 'exact' | 'hutchinson'; readonly probes: number; readonly values: readonly number[]; readonly stderr: readonly number[] };
}

/** The Hessian's outliers against the Gauss–Newton matrix's (`decompose`). */
export interface DecompositionRecord extends OutlierDecomposition {
  /** the GGN's density by SLQ with the Hessian's settings (null without `density`) */
  readonly ggnDensity: SpectrumSummary['density'];
}

/** The versioned analysis record (`hessian-lens/analysis@1`). */
export interface AnalysisReport {
  readonly schema: typeof ANALYSIS_SCHEMA;
  /** seed, budget, top, preset, statistic, ε directions, precision, kernel build; `operator` when the curvature analysed is not the Hessian */
  readonly settings: Record<string, unknown>;
  readonly data: {
    readonly name: string;
    readonly d: number;
    readonly classes: number;
    readonly n: { readonly train: number; readonly test: number; readonly val: number };
    /** how the sets came about: given whole, or split here (see {@link DataSplit}) */
    readonly split: DataSplit;
    /** the files the sets were read from (null: not from files) */
    readonly files: DataFiles | null;
    /** training inputs [n][d] and labels, kept for plots when d ≤ 2 (else null) */
    readonly points: { readonly x: readonly (readonly number[])[]; readonly y: readonly number[] } | null;
  };
  readonly model: { readonly sizes: readonly number[]; readonly activation: Activation; readonly parameters: number; readonly norm: number; readonly source: string };
  /** training phases (null when a model was given) */
  readonly training: readonly { readonly phase: string; readonly labels: string; readonly record: TrainingRecord }[] | null;
  readonly evaluation: { readonly train: SplitScore; readonly test: SplitScore | null; readonly val: SplitScore | null };
  readonly spectrum: SpectrumSummary;
  readonly alignment: {
    readonly k: number;
    readonly labels: 'predicted';
    readonly meanAbs: readonly number[];
    readonly maxAbs: readonly number[];
    readonly epsilon: GeneralizationResult['epsilon'];
    /** [k][classes]: mean signed A_i over the training samples of each true class (the paper's Fig. 4); null for a class with no samples */
    readonly perClassMean: readonly (readonly (number | null)[])[];
    /** [k][classes]: mean |A_i| per class (null for a class with no samples) */
    readonly perClassMeanAbs: readonly (readonly (number | null)[])[];
    /** [k][n_train] signed alignments */
    readonly values: readonly (readonly number[])[];
  };
  readonly generalization: { readonly topK: GeneralizationResult; readonly all: GeneralizationResult | null };
  readonly margin: MarginResult | null;
  readonly jacobianNorm: { readonly mean: number; readonly std: number; readonly quantity: string };
  readonly grid: AlignmentGrid | null;
  readonly tracking: readonly TrackingPoint[];
  /** per-layer spectra of the analysed operator (only with `perLayer`) */
  readonly layers?: LayersRecord;
  /** the Hessian's outliers split into Gauss–Newton and residual parts (only with `decompose`) */
  readonly decomposition?: DecompositionRecord;
  /** results that should not be trusted as printed, one sentence each with the way out (see docs/concepts.md, Warnings) */
  readonly warnings: readonly string[];
}

/**
 * Whether `analyze` runs the dense path: `dense: true` always (refused past the limit), `false`
 * never, `auto` (default) when p is within the dense limit and the projection path's memory
 * (2·8p² + 8·n·p bytes) fits wasm's 4 GiB — the paper's G over all p eigenvectors.
 */
export function wantsDense(options: Pick<AnalyzeOptions, 'dense' | 'denseLimit'>, p: number, n: number): boolean {
  const want = options.dense ?? 'auto';
  if (want !== 'auto') return want;
  return p <= (options.denseLimit ?? DENSE_LIMIT) && denseMemoryBytes(p, 0, n) <= WASM_MEMORY_LIMIT;
}

function perClass(values: readonly (readonly number[])[], labels: Int32Array, classes: number, abs: boolean): (number | null)[][] {
  return values.map((row) => {
    const sum = new Float64Array(classes);
    const count = new Float64Array(classes);
    row.forEach((a, i) => {
      sum[labels[i]!]! += abs ? Math.abs(a) : a;
      count[labels[i]!]! += 1;
    });
    return Array.from(sum, (s, c) => (count[c]! > 0 ? s / count[c]! : null)); // a class with no samples has no mean
  });
}

/** analyze's options with every default filled in ({@link ANALYZE_DEFAULTS}). */
type Resolved = AnalyzeOptions & typeof ANALYZE_DEFAULTS & {
  /** a stage's progress: `fraction` within `stage`, mapped onto the run's overall fraction */
  readonly report: (stage: string, fraction?: number, detail?: string) => void;
  /** the overall fraction's stage weights */
  readonly progress: OverallProgress;
  /** records a warning and hands it to `onWarning` at once */
  readonly warn: (message: string) => void;
  readonly warnings: string[];
  /** what every session of the run is opened with */
  readonly netOptions: SessionOptions;
  /** whether the caller named the data (a given model without data must fit the default's) */
  readonly dataGiven: boolean;
};

/** Checks `options` and fills in the defaults: the one place they are applied. */
export function resolveAnalyzeOptions(options: AnalyzeOptions): Resolved {
  checkAnalyzeOptions(options);
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const { onProgress, onWarning, precision, cacheBytes } = options;
  const progress = new OverallProgress();
  const warnings: string[] = [];
  return {
    ...ANALYZE_DEFAULTS,
    ...defined,
    progress,
    report: (stage, fraction, detail) => onProgress?.({ stage, ...(fraction !== undefined ? { fraction } : {}), overall: progress.at(stage, fraction), ...(detail ? { detail } : {}) }),
    warnings,
    warn: (message) => {
      warnings.push(message);
      onWarning?.(message);
    },
    netOptions: { ...(precision ? { precision } : {}), ...(cacheBytes !== undefined ? { cacheBytes } : {}) },
    dataGiven: options.data !== undefined,
  } as Resolved;
}

/**
 * The overall fraction of a run: each stage's share is its expected cost over the total; a stage's
 * own fraction moves within its share. The stages run in the planned order, except "side" stages
 * (the density, on a worker lane beside the stages after it): a stage that reports completes the
 * main stages before it, never a side stage, which completes by its own reports. Never decreases
 * (a stage's fraction may: Lanczos's converged count can drop). A stage not in the plan (the
 * tracking checkpoints inside training) leaves it where it is.
 */
export class OverallProgress {
  private shares = new Map<string, { readonly width: number; readonly side: boolean }>();
  private fractions = new Map<string, number>();
  private last = 0;

  /** Sets the stages and their costs, in running order (a stage of cost 0 takes no share), and which of them run beside the others. */
  plan(stages: readonly (readonly [string, number])[], side: ReadonlySet<string> = new Set()): void {
    const total = stages.reduce((sum, [, cost]) => sum + cost, 0) || 1;
    this.shares = new Map(stages.map(([stage, cost]) => [stage, { width: cost / total, side: side.has(stage) }]));
    this.fractions = new Map();
  }

  at(stage: string, fraction?: number): number {
    const share = this.shares.get(stage);
    if (!share) return this.last;
    if (!share.side) {
      for (const [earlier, s] of this.shares) {
        if (earlier === stage) break;
        if (!s.side) this.fractions.set(earlier, 1);
      }
    }
    const f = Math.min(1, Math.max(0, fraction ?? 0));
    this.fractions.set(stage, Math.max(this.fractions.get(stage) ?? 0, f));
    let sum = 0;
    for (const [s, done] of this.fractions) sum += this.shares.get(s)!.width * done;
    this.last = Math.max(this.last, stage === 'done' && f === 1 ? 1 : Math.min(1, sum));
    return this.last;
  }
}

/** Seconds one Hessian-vector product takes, roughly: n·p multiply-adds at ≈ 1 GFLOP/s-equivalent plus call overhead. */
function hvSeconds(n: number, p: number): number {
  return 1e-9 * n * p + 2e-5;
}

/**
 * The dense path's predicted wall-clock seconds at p: measured 140 s for the paper's
 * p = 10,703 (all eigenvalues and G over all eigenvectors, 2 cores; README, dense eigensolver),
 * scaled as p³ — the reduction's cost. A prediction for the warning and the progress weights,
 * not a promise: other machines and loads differ.
 */
export function predictDenseSeconds(p: number): number {
  return 140 * (p / 10_703) ** 3;
}

/** Above this predicted time (seconds) the dense path warns before it starts. */
export const DENSE_WARN_SECONDS = 30;

/** What {@link analyzeStageCosts} needs to know about a run. */
export interface AnalyzeCostInputs {
  readonly p: number;
  /** training samples */
  readonly n: number;
  /** input features */
  readonly d: number;
  /** epochs of training here (0: a given model) */
  readonly epochs: number;
  readonly batchSize: number;
  /** top-k (≤ p) */
  readonly k: number;
  readonly density: boolean;
  /** whether the dense path runs, and whether it gives the top-k itself (k > p/2) */
  readonly dense: boolean;
  readonly denseTopK: boolean;
  readonly margin: boolean;
  readonly gridRes: number;
  readonly epsilonDirections: number;
  /** tracking checkpoints during training */
  readonly checkpoints: number;
  /** Linear layers, when the per-layer spectra run (0: they do not) */
  readonly perLayers?: number;
  /** whether the outlier decomposition runs */
  readonly decompose?: boolean;
}

/**
 * Rough expected seconds of each stage of `analyze`, in running order: the weights of the overall
 * progress fraction. From stage timings of the default gauss run, a 2-30-30-3 net with the dense
 * path, Iris and a tiny moons net (2026-12-02): one Hv ≈ 1e-9·n·p s, an epoch ≈ 2.5 of them plus
 * 50 µs a step, Lanczos ≈ 25·k Hv, SLQ 5·80 Hv, a grid map ≈ 20·res²·p ns, the dense path
 * {@link predictDenseSeconds} plus its p Hv. Off by 2× is fine here; only the shares matter.
 */
export function analyzeStageCosts(c: AnalyzeCostInputs): [string, number][] {
  const hv = hvSeconds(c.n, c.p);
  const lanczos = Math.max(40, 25 * c.k) * hv;
  const alignment = 3 * (c.k + c.epsilonDirections) * hv;
  const margin = c.margin ? 0.2 + 20 * hv : 0;
  const dense = c.dense ? predictDenseSeconds(c.p) + c.p * hv + 0.05 : 0;
  const train = c.epochs * (2.5 * c.n * c.p * 1e-9 + Math.ceil(c.n / c.batchSize) * 5e-5) + c.checkpoints * (lanczos + alignment + margin);
  const stages: [string, number][] = [
    ['train', train],
    ['evaluate', 3 * hv + 0.01],
    ...(c.denseTopK ? [['dense', dense] as [string, number]] : [['lanczos', lanczos] as [string, number]]),
    ['power', 50 * hv],
    ['trace', 3 * Math.min(30, c.p) * hv],
    ['density', c.density ? 5 * Math.min(80, c.p) * hv : 0],
    ...(c.dense && !c.denseTopK ? [['dense', dense] as [string, number]] : []),
    ['alignment', alignment],
    ['margin', margin],
    ['jacobian', 5 * hv],
    ['grid', c.d === 2 && c.gridRes > 0 ? 20 * c.gridRes * c.gridRes * c.p * 1e-9 : 0],
    // each layer's Lanczos, trace and density on a block costs about what the whole operator's does
    ['per-layer', c.perLayers ? (c.dense ? c.p : 30) * hv + c.perLayers * (lanczos + 90 * hv + (c.density ? 400 * hv : 0)) : 0],
    // the GGN product costs about 0.8 of an Hv
    ['decompose', c.decompose ? 2 * c.k * hv + 0.8 * (lanczos + (c.density ? 400 * hv : 0)) : 0],
    ['done', 0],
  ];
  return stages.filter(([stage, cost]) => cost > 0 || stage === 'done');
}

/** Plans the overall progress of a run of model `spec` on `train`. */
function planProgress(o: Resolved, spec: Pick<MlpSpec, 'sizes' | 'activation'>, train: Pick<Dataset, 'n' | 'd'>, epochs: number, analysis: boolean): void {
  const p = parameterCount(spec);
  const k = Math.min(o.top, p);
  const costs = analyzeStageCosts({
    p, n: train.n, d: train.d, epochs, batchSize: o.batchSize, k, density: o.density,
    dense: wantsDense(o, p, train.n), denseTopK: k > p / 2 && p <= (o.denseLimit ?? DENSE_LIMIT),
    margin: o.margin, gridRes: o.gridRes, epsilonDirections: o.epsilonDirections,
    checkpoints: o.trackEvery > 0 ? Math.floor(epochs / o.trackEvery) : 0,
    perLayers: o.perLayer ? spec.sizes.length - 1 : 0, decompose: o.decompose,
  });
  o.progress.plan(analysis ? costs : costs.filter(([stage]) => stage === 'train' || stage === 'done'), new Set(['density']));
}

/** "2 min 20 s", "45 s": a predicted duration for a message. */
function duration(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds - 60 * minutes);
  return minutes < 60 ? `${minutes} min${rest ? ` ${rest} s` : ''}` : `${(seconds / 3600).toFixed(1)} h`;
}

/**
 * A class with no training samples: the model gets an output that no sample trains. Labels
 * 1..K (class 0 empty) are the common cause: the file was written for 1-based labels.
 */
export function emptyClassWarning(labels: ArrayLike<number>, classes: number): string | null {
  const count = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) count[labels[i]!]! += 1;
  const empty = count.flatMap((c, i) => (c === 0 ? [i] : []));
  if (empty.length === 0) return null;
  if (empty.length === 1 && empty[0] === 0) {
    return `class 0 has no training samples while the labels run 1..${classes - 1}: the labels look 1-based, so the model has an extra output that no sample trains; subtract 1 from every label (labels are 0..K−1)`;
  }
  return `class${empty.length > 1 ? 'es' : ''} ${empty.join(', ')} of 0..${classes - 1} ${empty.length > 1 ? 'have' : 'has'} no training samples: the model has output${empty.length > 1 ? 's' : ''} that no sample trains; renumber the labels 0..K−1 without gaps`;
}

/** m_i within this many standard errors of ε counts as close to ε (see {@link epsilonCloseness}). */
export const EPSILON_CLOSE_SE = 3;

/**
 * ε is too close to the counted statistics when an ε within {@link EPSILON_CLOSE_SE} standard
 * errors of it would move G by more than this (a share: 0.05 = 5 points; with k = 10 one flip).
 */
export const EPSILON_G_SHIFT = 0.05;

/**
 * The statistics m_i of G that lie too close to its random-direction ε: within
 * {@link EPSILON_CLOSE_SE} standard errors of ε, the standard error being the sample standard
 * deviation of the R directions' statistics over √R. Another draw of R directions could put ε on
 * their other side, so G could be anything from `low` to `high`. Null when ε is fixed or R < 2.
 */
export function epsilonCloseness(g: GeneralizationResult): { close: number; low: number; high: number; stderr: number } | null {
  const per = g.epsilon.perDirection;
  if (g.epsilon.method !== 'random-directions' || per.length < 2) return null;
  const mean = g.epsilon.value;
  const sd = Math.sqrt(per.reduce((s, x) => s + (x - mean) ** 2, 0) / (per.length - 1));
  const stderr = sd / Math.sqrt(per.length);
  let above = 0;
  let below = 0;
  for (const m of g.m) {
    if (Math.abs(m - mean) > EPSILON_CLOSE_SE * stderr) continue;
    if (m > mean || (g.comparison === '>=' && m === mean)) above++;
    else below++;
  }
  return { close: above + below, low: (g.aligned - above) / g.k, high: (g.aligned + below) / g.k, stderr };
}

const num = (x: number): string => x.toPrecision(3);

/** The warnings about the analysis's results (margin, Lanczos, ε), in the record's order. */
function resultWarnings(o: Resolved, spec: SpectrumResult, topK: GeneralizationResult, all: GeneralizationResult | null, m: MarginResult | null): void {
  const s = spec.summary;
  const open = s.converged.flatMap((c, i) => (c ? [] : [i]));
  if (open.length > 0) {
    o.warn(`Lanczos: ${open.length} of ${s.converged.length} eigenpairs did not converge (${open.map((i) => `λ${i + 1} residual ${num(s.residuals[i]!)}`).join(', ')}; ` +
      `tolerance ${s.tol.toExponential(0)} × the largest |Ritz value|): those eigenvalues, their alignments and G over them are approximate; ask for fewer eigenpairs (top) or a looser tol`);
  }
  for (const g of [topK, all]) {
    const c = g ? epsilonCloseness(g) : null;
    if (!g || !c || Math.max(g.G - c.low, c.high - g.G) <= EPSILON_G_SHIFT) continue;
    o.warn(`G over ${g.over} = ${num(g.G)}: ${c.close} of its ${g.k} statistics m_i lie within ${EPSILON_CLOSE_SE} standard errors of ε = ${num(g.epsilon.value)} ± ${num(c.stderr)} ` +
      `(mean ± standard error over ${g.epsilon.directions} random directions), so other random directions could give G from ${num(c.low)} to ${num(c.high)}; more directions (epsilonDirections, CLI --epsilon-directions) narrow ε`);
  }
  if (m && !m.converged) {
    o.warn(`margin: the boundary search did not converge (best |A_1| at x_b = ${num(m.finalAbsAlignment)}${m.settings.target !== null ? `, target ${m.settings.target}` : ''}, after ${m.steps} steps): ` +
      `x_b is where the search stopped, not where v_1's alignment peaks, so the margin ${num(m.margin)} is approximate`);
  }
}

/** What the training stage hands on: the data, the model, how it was trained and where it came from. */
export interface TrainedModel {
  readonly splits: Splits;
  readonly model: Model;
  /** training phases (null when the model was given) */
  readonly training: AnalysisReport['training'];
  /** e.g. `trained here (sgd, lr 0.02, batch 64, 2000 epochs, seed 0)` */
  readonly source: string;
  /** how the sets came about (the record's `data.split`) */
  readonly split: DataSplit;
  readonly files: DataFiles | null;
  /** the warnings so far (from {@link trainForAnalysis}: an empty class) */
  readonly warnings?: readonly string[];
}

/**
 * Tracking during training: at every checkpoint, the top-k (Lanczos warm-started from the last
 * checkpoint's vectors), G, the losses and the margin — on one training session and one test
 * session opened at the first checkpoint and re-pointed (`setParameters`) at the next ones.
 */
class Tracker {
  readonly points: TrackingPoint[] = [];
  private start: Float64Array[] | undefined;
  private train: Session | null = null;
  private test: Session | null = null;

  /** the training session, when training runs on the session the analysis will use (then tracking uses it too, and does not close it) */
  private shared: Session | null = null;

  constructor(private readonly engine: Engine, private readonly o: Resolved) {}

  /** Tracks on `session` (the training split's, shared with training and the analysis) instead of a session of its own. */
  share(session: Session): void {
    this.shared = session;
  }

  async checkpoint(epoch: number, model: Model, trainData: Dataset, testData: Dataset | null): Promise<void> {
    const { o } = this;
    const train = await this.bind('train', model, trainData);
    const test = testData ? await this.bind('test', model, testData) : null;
    const eig = await lanczos(train.curvature(o.operator), { k: Math.min(o.top, train.p), seed: o.seed, start: this.start, signal: o.signal });
    this.start = eig.eigenvectors.map((v) => Float64Array.from(v));
    const g = await generalization(train, eig.eigenvectors, { statistic: o.statistic, directions: o.epsilonDirections, seed: 1000 + o.seed, signal: o.signal });
    const tr = await train.loss();
    const te = test ? await test.loss() : null;
    const mg = o.margin ? await margin(train, eig.eigenvectors[0]!, { seed: o.seed, signal: o.signal }) : null;
    this.points.push({ epoch, trainLoss: tr.loss, trainAccuracy: tr.accuracy, testAccuracy: te ? te.accuracy : null, eigenvalues: eig.eigenvalues, G: g.G, margin: mg ? mg.margin : null });
    o.report('track', undefined, `epoch ${epoch}: λ1 = ${eig.eigenvalues[0]?.toPrecision(4)}, G = ${g.G.toFixed(2)}`);
  }

  /** The split's tracking session, opened on first use and re-pointed at `model` after. */
  private async bind(which: 'train' | 'test', model: Model, data: Dataset): Promise<Session> {
    const open = which === 'train' && this.shared ? this.shared : this[which];
    if (open) {
      await open.setParameters(model.theta);
      return open;
    }
    const session = await this.engine.session(model, data, this.o.netOptions);
    this[which] = session;
    return session;
  }

  async close(): Promise<void> {
    await this.train?.close();
    await this.test?.close();
    this.train = this.test = null;
  }
}

/**
 * analyze's first stage alone (the CLI's `train`): the data and a model — a preset's run, the
 * given model, or one trained here — with analyze's options and defaults; no tracking.
 */
export async function trainForAnalysis(engine: Engine, options: AnalyzeOptions = {}): Promise<TrainedModel> {
  const o = resolveAnalyzeOptions(options);
  const trained = await obtainModel(engine, o, null, false);
  return { ...trained, warnings: o.warnings };
}

/** The held-out parts' sizes of a split made here, as counts. */
function splitCounts(splits: Splits, seed: number | null): DataSplit {
  return { train: splits.train.n, test: splits.test?.n ?? 0, val: splits.val?.n ?? 0, seed };
}

/**
 * Stage 1: the data and a model — a preset's run, the given model, or one trained here. With
 * `analysis`, the overall progress is planned for the whole run, else for training alone.
 */
async function obtainModel(engine: Engine, o: Resolved, tracker: Tracker | null, analysis: boolean): Promise<TrainedModel & { readonly session?: Session }> {
  const { report, signal, precision, budget, seed } = o;
  // an impossible top fails now, not after training
  const checkTop = (spec: Pick<MlpSpec, 'sizes' | 'activation'>): void => checkSpectrumK(o.top, parameterCount(spec), o.denseLimit ?? DENSE_LIMIT);
  if (o.preset !== undefined) {
    const preset = o.preset as PresetName;
    const def = PRESETS[preset];
    checkTop(def.model);
    const plannedSplits = presetData(def.data, o.dataSeed !== undefined ? { dataSeed: o.dataSeed } : {});
    const planned = plannedSplits.train;
    if (analysis) prepareAnalysis(engine, o, def.model, plannedSplits, true);
    const epochs = def.phases.reduce((sum, ph) => sum + budgetEpochs(ph.epochs, budget), 0);
    planProgress(o, def.model, planned, epochs, analysis);
    report('train', 0, `preset ${preset} at budget ${budget}`);
    const run = await runPreset(engine, preset, {
      budget, seed, signal, precision, dataSeed: o.dataSeed,
      onProgress: (p) => report('train', (p.phaseIndex + p.epoch / p.epochs) / p.phases, `${p.phase}: epoch ${p.epoch}/${p.epochs}, loss ${p.loss.toPrecision(4)}`),
    });
    const drawn = run.dataSeed !== null ? `, data seed ${run.dataSeed}` : '';
    const splits = { name: `${run.preset}${drawn} (${run.data.train.n} train)`, train: run.data.train, test: run.data.test, val: run.data.val };
    return {
      splits, split: splitCounts(splits, null), files: null,
      model: run.model,
      training: run.training.map((ph: PresetPhaseRecord) => ({ phase: ph.phase, labels: ph.labels, record: ph.training })),
      source: `preset ${run.preset}, budget ${budget}, seed ${seed}${drawn}`,
    };
  }
  const given = typeof o.data === 'string' ? null : o.data;
  const splits: Splits = given
    ? { name: given.name ?? 'custom', train: given.train, test: given.test ?? null, val: given.val ?? null }
    : await loadNamedData(o.data as string, seed);
  const split: DataSplit = given ? given.split ?? 'none' : splitCounts(splits, seed);
  const files = given?.files ?? null;
  const classes = Math.max(splits.train.classes, splits.test?.classes ?? 0, splits.val?.classes ?? 0);
  if (o.model) {
    checkTop(o.model.spec);
    const inputs = o.model.spec.sizes[0];
    if (!o.dataGiven && inputs !== splits.train.d) {
      throw new ShapeError(`the given ${o.model.spec.sizes.join('-')} model expects ${inputs} features, but no data was given and the default (gauss) has ${splits.train.d}: pass the model's data (CLI: --data D.csv)`);
    }
    const empty = emptyClassWarning(splits.train.y, o.model.spec.sizes[o.model.spec.sizes.length - 1]!);
    if (empty) o.warn(empty);
    if (analysis) prepareAnalysis(engine, o, o.model.spec, splits, false);
    planProgress(o, o.model.spec, splits.train, 0, analysis);
    return { splits, split, files, model: o.model, training: null, source: 'given' };
  }
  const empty = emptyClassWarning(splits.train.y, classes);
  if (empty) o.warn(empty);
  const spec = mlpSpec([splits.train.d, ...o.hidden, classes], o.activation);
  checkTop(spec);
  if (analysis) prepareAnalysis(engine, o, spec, splits, true);
  const init = { spec, theta: initParameters(spec, seed) };
  const epochs = budgetEpochs(o.epochs, budget);
  planProgress(o, spec, splits.train, epochs, analysis);
  report('train', 0, `training ${spec.sizes.join('-')} ${spec.activation} for ${epochs} epochs`);
  // The analysis's session, when it runs in this thread, is opened now and trained on: training,
  // tracking and the analysis then share one copy of the training set (a sharded analysis keeps
  // its copies in the workers; training then runs on a session of its own, closed at its end).
  const session = analysis && engine.plan(splits.train.n, parameterCount(spec)) !== 'sharded' ? await engine.session(init, splits.train, o.netOptions) : undefined;
  if (session) {
    tracker?.share(session);
    session.prepareLanes();
  }
  let result;
  try {
    result = await train(engine, init, splits.train, {
      epochs, optimizer: o.optimizer, lr: o.lr, momentum: o.momentum, batchSize: o.batchSize, seed, signal, precision,
      ...(o.targetLoss !== undefined ? { stopAtLoss: o.targetLoss } : {}),
      onProgress: (p) => report('train', p.epoch / p.epochs, `epoch ${p.epoch}/${p.epochs}, loss ${p.loss.toPrecision(4)}`),
      ...(tracker && o.trackEvery > 0 ? { checkpointEvery: o.trackEvery, onCheckpoint: (c) => tracker.checkpoint(c.epoch, c.model, splits.train, splits.test) } : {}),
      ...(session ? { session } : {}),
    });
  } catch (error) {
    await session?.close();
    throw error;
  }
  if (o.targetLoss !== undefined && !result.stoppedEarly) {
    const reached = await finalTrainingLoss(engine, result.model, splits.train, session, o.netOptions);
    if (reached > o.targetLoss) {
      o.warn(`training did not reach the target loss ${o.targetLoss} in ${epochs} epochs (the training loss is ${reached.toPrecision(4)}): this minimum is not comparable with runs trained to the target; give more epochs or a larger learning rate`);
    }
  }
  return {
    ...(session ? { session } : {}),
    splits, split, files,
    model: result.model,
    training: [{ phase: 'train', labels: 'true', record: trainingRecord(result) }],
    source: `trained here (${o.optimizer}, lr ${o.lr}, batch ${o.batchSize}, ${o.targetLoss !== undefined ? `to loss ${o.targetLoss} within ${epochs} epochs (${result.epochs} run)` : `${epochs} epochs`}, seed ${seed})`,
  };
}

/** The mean training loss at the trained θ (on the analysis's session when there is one). */
async function finalTrainingLoss(engine: Engine, model: Model, train: Dataset, session: Session | undefined, netOptions: SessionOptions): Promise<number> {
  const s = session ?? await engine.session(model, train, netOptions);
  try {
    return (await s.loss()).loss;
  } finally {
    if (!session) await s.close();
  }
}

/** Loss and accuracy of a split, on a session of its own (opened and closed here). */
async function scoreSplit(train: Session, data: Dataset | null): Promise<SplitScore | null> {
  if (!data) return null;
  const session = data === train.data ? train : await train.withData(data);
  try {
    const { loss, accuracy } = await session.loss();
    return { n: data.n, loss, accuracy };
  } finally {
    if (session !== train) await session.close();
  }
}

/**
 * Stage 3: the spectrum (Lanczos top-k, λ_max, trace, density, outliers), and — when the dense
 * path runs — all p eigenvalues with the normalised per-sample gradients projected onto every
 * eigenvector inside the eigensolver, (Ĝ·Q)·S, never forming the p × p V: the paper's G.
 * When the session has an idle worker lane, the density (the longest estimator, independent of the
 * rest) runs there, beside this stage and the ones after it: `density` resolves to it, and
 * {@link withDensity} puts it in the result. Same bits either way.
 */
async function spectrumStage(engine: Engine, session: Session, o: Resolved, signal: AbortSignal): Promise<{ spec: SpectrumResult; density: (() => Promise<SpectralDensity>) | null }> {
  const { p, n } = session;
  const k = Math.min(o.top, p);
  const runDense = wantsDense(o, p, n);
  const predicted = predictDenseSeconds(p);
  if (runDense && predicted >= DENSE_WARN_SECONDS) {
    o.warn(`the dense path (all p = ${p.toLocaleString('en-US')} eigenvalues, G over every eigenvector) will take ≈ ${duration(predicted)} ` +
      `(measured 140 s at p = 10,703 on 2 cores, scaled as p³)${o.dense === 'auto' ? ', on by default for p ≤ 12,000' : ''}; ` +
      'dense: false (CLI --no-dense) skips it: G then counts over the top-k eigenvectors only');
  }
  const ops = spectrumOps(engine, p, k, o.density);
  // a lane's density is of the Hessian
  const onLane = o.density && o.operator === 'hessian' ? session.densityOnLane(ops.vectorOps) : undefined;
  const settings = { ...spectrumDensitySettings(p, o.seed), memoryBudget: resolveMemoryBudget(o.memoryBudget, 'analyze').bytes };
  const onProgress = ({ fraction, detail }: { fraction: number; detail?: string }): void => o.report('density', fraction, detail);
  const there = onLane ? onLane(settings, { signal, onProgress }) : null;
  // observed at once (the caller awaits it later, or abandons it when a stage fails)
  there?.catch(() => {});
  // the lane's density, or (when no lane was free after all) the same computed here
  const density = there
    ? async (): Promise<SpectralDensity> => (await there) ?? spectralDensity(session.hessian(), {
      ...settings, signal, ...(ops.vectorOps ? { vectorOps: ops.vectorOps } : {}),
      onProgress: (pr) => onProgress({ fraction: densityFraction(pr) }),
    })
    : null;
  const project = runDense ? normalizedRows(await session.perSampleGradients('predicted'), n, p) : undefined;
  const spec = await hessianSpectrum(session.curvature(o.operator), {
    project, k, seed: o.seed, tol: o.tol, density: o.density && !density, dense: runDense,
    ...ops, ...backtransformOn(engine),
    ...(o.denseLimit !== undefined ? { denseLimit: o.denseLimit } : {}),
    ...(o.memoryBudget !== undefined ? { memoryBudget: o.memoryBudget } : {}),
    signal,
    onProgress: (progress) => o.report(progress.stage, progress.fraction, progress.detail),
  });
  return { spec, density };
}

/** The engine's worker for half of a dense back-transformation, as an option (none with one thread). */
export function backtransformOn(engine: Engine): { backtransformElsewhere?: ReflectorsElsewhere } {
  const elsewhere = engine.reflectorsElsewhere();
  return elsewhere ? { backtransformElsewhere: elsewhere } : {};
}

/** Stage 4: the top-k eigenvectors' alignments, G over them and (with the dense path) over all p. */
async function alignmentStage(session: Session, spec: SpectrumResult, o: Resolved) {
  const eig = spec.eigen;
  o.report('alignment');
  const align = await alignment(session, eig.eigenvectors, { signal: o.signal });
  const g = { statistic: o.statistic, directions: o.epsilonDirections, seed: 1000 + o.seed, signal: o.signal };
  const topK = await generalization(session, eig.eigenvectors, { ...g, over: 'top-k' });
  const all = spec.dense && spec.projections ? await generalizationFromProjections(session, spec.projections, g) : null;
  return { align, topK, all };
}

/** Stage 5: the margin along v_1 (null when switched off). */
async function marginStage(session: Session, v1: ArrayLike<number>, o: Resolved): Promise<MarginResult | null> {
  if (!o.margin) return null;
  o.report('margin', 0, 'gradient ascent on A_1(x)² to the boundary');
  try {
    return await margin(session, v1, {
      seed: o.seed, signal: o.signal,
      onProgress: (pr) => o.report('margin', pr.fraction, `${pr.run}/${pr.runs} starts done, step ${pr.step}, best |A| ${pr.absAlignment.toPrecision(3)}`),
    });
  } catch (error) {
    // e.g. a model that predicts one class everywhere (its Hessian exactly zero): there is no
    // boundary to reach. The rest of the analysis stands; the margin is omitted and said so.
    if (!(error instanceof NumericalError && error.message.startsWith(NO_BOUNDARY))) throw error;
    o.warn(`margin omitted (null): ${NO_BOUNDARY} — the model may predict one class everywhere (then its Hessian can be exactly zero), so there is no boundary to measure`);
    return null;
  }
}

/** Stage 6: alignment maps over a grid of the input plane (2-D inputs only; null otherwise). */
async function gridStage(session: Session, spec: SpectrumResult, o: Resolved): Promise<AlignmentGrid | null> {
  if (session.data.d !== 2 || o.gridRes <= 0) return null;
  const shown = Math.min(spec.eigen.eigenvectors.length, 6);
  o.report('grid', 0, `${o.gridRes}×${o.gridRes} alignment maps`);
  return alignmentGrid(session, spec.eigen.eigenvectors.slice(0, shown), { res: o.gridRes, eigenvalues: spec.eigen.eigenvalues.slice(0, shown) });
}

/** Stage 7 (with `perLayer`): each layer's block of the analysed operator, and its diagonal. */
async function layersStage(engine: Engine, session: Session, o: Resolved, dense: boolean): Promise<LayersRecord | null> {
  if (!o.perLayer) return null;
  o.report('per-layer', 0);
  const k = Math.min(o.top, session.p);
  const layers = await perLayerSpectrum(session.curvature(o.operator), layerBlocks(session.spec), {
    k, seed: o.seed, tol: o.tol, density: o.density, exactDiagonal: dense, signal: o.signal,
    ...spectrumOps(engine, session.p, k, o.density),
    onProgress: ({ stage, fraction }) => o.report('per-layer', fraction, stage),
  });
  const d = layers.diagonal;
  return {
    operator: o.operator,
    blocks: layers.blocks,
    diagonal: { method: d.method, probes: d.probes, values: Array.from(d.values), stderr: Array.from(d.stderr) },
  };
}

/** Stage 8 (with `decompose`): H's top eigenvalues split into GGN and residual parts, and the GGN's own spectrum. */
async function decompositionStage(engine: Engine, session: Session, spec: SpectrumResult, o: Resolved): Promise<DecompositionRecord | null> {
  if (!o.decompose) return null;
  o.report('decompose', 0, 'Rayleigh quotients of H\'s eigenvectors under the GGN and the residual; the GGN\'s top-k');
  const { eigenvalues, eigenvectors } = spec.eigen;
  const split = await outlierDecomposition(session.gaussNewton(), session.residual(), eigenvalues, eigenvectors, { seed: o.seed, tol: o.tol, signal: o.signal });
  let ggnDensity: SpectrumSummary['density'] = null;
  if (o.density) {
    o.report('decompose', 0.5, 'the GGN\'s density');
    const ops = spectrumOps(engine, session.p, Math.min(o.top, session.p), true);
    const d = await spectralDensity(session.gaussNewton(), {
      ...spectrumDensitySettings(session.p, o.seed), signal: o.signal, ...ops,
      onProgress: (pr) => o.report('decompose', 0.5 + 0.5 * densityFraction(pr)),
    });
    ggnDensity = { grid: d.grid, values: d.values, nodes: d.nodes, weights: d.weights, sigma: d.sigma };
  }
  o.report('decompose', 1);
  return { ...split, ggnDensity };
}

/**
 * Trains (or takes) a model and analyses its loss Hessian and decision boundary; see the module
 * notes for the stages. Each split is bound once, in a session that every stage on it uses (on
 * the worker pool when the engine has one and the job is large enough). Long stages report
 * through `onProgress` and stop on `signal`.
 */
export async function analyze(engine: Engine, options: AnalyzeOptions = {}): Promise<AnalysisReport> {
  const o = resolveAnalyzeOptions(options);
  const tracker = new Tracker(engine, o);
  let trained: TrainedModel & { readonly session?: Session };
  try {
    trained = await obtainModel(engine, o, tracker, true);
  } finally {
    await tracker.close();
  }
  const { splits, model } = trained;
  if (o.signal?.aborted) await trained.session?.close();
  throwIfAborted(o.signal);
  const p = parameterCount(model.spec);
  const session = trained.session ?? await engine.session(model, splits.train, o.netOptions);
  // stops a task on a worker lane when the caller aborts, or when a stage here fails
  const lanes = childSignal(o.signal);
  try {
    o.report('evaluate');
    const evaluation = { train: (await scoreSplit(session, splits.train))!, test: await scoreSplit(session, splits.test), val: await scoreSplit(session, splits.val) };
    const { spec: partial, density } = await spectrumStage(engine, session, o, lanes.signal);
    const { align, topK, all } = await alignmentStage(session, partial, o);
    const marginResult = await marginStage(session, partial.eigen.eigenvectors[0]!, o);
    o.report('jacobian');
    const jac = jacobianNorm(session, { signal: o.signal });
    const grid = await gridStage(session, partial, o);
    const layers = await layersStage(engine, session, o, partial.dense !== null);
    const decomposition = await decompositionStage(engine, session, partial, o);
    const spec = density ? withDensity(partial, await density()) : partial;
    if (density) o.report('density', 1);
    resultWarnings(o, spec, topK, all, marginResult);
    o.report('done', 1);
    return record(trained, o, p, { evaluation, spec, align, topK, all, marginResult, jac, grid, tracking: tracker.points, build: engine.build, layers, decomposition });
  } finally {
    lanes.release();
    await session.close();
  }
}

/** The versioned record from the stages' results. */
function record(
  trained: TrainedModel,
  o: Resolved,
  p: number,
  r: {
    evaluation: AnalysisReport['evaluation'];
    spec: SpectrumResult;
    align: Awaited<ReturnType<typeof alignment>>;
    topK: GeneralizationResult;
    all: GeneralizationResult | null;
    marginResult: MarginResult | null;
    jac: { mean: number; std: number; quantity: string };
    grid: AlignmentGrid | null;
    tracking: readonly TrackingPoint[];
    build: string;
    layers: LayersRecord | null;
    decomposition: DecompositionRecord | null;
  },
): AnalysisReport {
  const { splits, model } = trained;
  const trainData = splits.train;
  const k = Math.min(o.top, p);
  const classes = model.spec.sizes[model.spec.sizes.length - 1]!;
  return Object.freeze({
    schema: ANALYSIS_SCHEMA,
    settings: {
      seed: o.seed, budget: o.budget, top: k, preset: o.preset ?? null, ...(o.dataSeed !== undefined ? { dataSeed: o.dataSeed } : {}),
      ...(o.targetLoss !== undefined ? { targetLoss: o.targetLoss } : {}),
      statistic: o.statistic, epsilonDirections: o.epsilonDirections, ...(o.operator !== 'hessian' ? { operator: o.operator } : {}), precision: o.precision ?? 'f32', kernelBuild: r.build,
    },
    data: {
      name: splits.name,
      d: trainData.d,
      classes,
      n: { train: trainData.n, test: splits.test?.n ?? 0, val: splits.val?.n ?? 0 },
      split: trained.split,
      files: trained.files,
      points: trainData.d <= 2
        ? { x: Array.from({ length: trainData.n }, (_, i) => Array.from(trainData.x.subarray(i * trainData.d, (i + 1) * trainData.d))), y: Array.from(trainData.y) }
        : null,
    },
    model: { sizes: model.spec.sizes, activation: model.spec.activation, parameters: p, norm: parameterNorm(model.theta), source: trained.source },
    training: trained.training,
    evaluation: r.evaluation,
    spectrum: r.spec.summary,
    alignment: {
      k,
      labels: 'predicted' as const,
      meanAbs: r.align.meanAbs,
      maxAbs: r.align.maxAbs,
      epsilon: r.topK.epsilon,
      perClassMean: perClass(r.align.values, trainData.y, classes, false),
      perClassMeanAbs: perClass(r.align.values, trainData.y, classes, true),
      values: r.align.values,
    },
    generalization: { topK: r.topK, all: r.all },
    margin: r.marginResult,
    jacobianNorm: { mean: r.jac.mean, std: r.jac.std, quantity: r.jac.quantity },
    grid: r.grid,
    tracking: r.tracking,
    ...(r.layers ? { layers: r.layers } : {}),
    ...(r.decomposition ? { decomposition: r.decomposition } : {}),
    warnings: [...o.warnings],
  });
}
