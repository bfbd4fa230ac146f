/**
 * The Hessian margin estimator: the distance from the training points that the top eigenvector
 * "sees" most to the decision-boundary point where a per-sample gradient is most aligned with it.
 *
 * Common to every method: x_t^max, x_t^min = the training points with the largest / smallest signed
 * A_1(x) (A_1 = cos(g(x), v_1), g with the predicted label, {@link alignment}); x_b = the best
 * iterate (largest |A_1|, first on ties) of the best of several runs; margin =
 * min(‖x_t^max − x_b‖, ‖x_t^min − x_b‖) (Euclidean, input units). Every |A_1| and ∇ₓA_1 is exact
 * ({@link AlignmentGradient}: R-operator, no finite differences). On-boundary check: `logitGap` =
 * top-two logit difference at x_b, `logitScale` = mean over the training set of |top logit|,
 * `logitGapRelative` = their ratio. On the boundary the predicted label is a tie at rounding
 * level; A_1 uses the arg-max as computed (first index on exact ties). With two classes |A_1| does
 * not depend on that choice; with C ≥ 3 the two candidate labels give |A_1| values that differ by
 * O(the probability of the other classes).
 *
 * Methods (option `method`):
 * - `boundary-ascent` (default): maximise A_1(x)² over the decision boundary. Every iterate is
 *   projected onto the boundary h(x) = z_top(x) − z_second(x) = 0 by Newton steps
 *   x ← x − h ∇h/‖∇h‖² (each step at most one data scale long) until h ≤ `boundaryTolerance`
 *   (default 1e-4) × logitScale; the ascent direction is −2A∇A with its ∇h component removed
 *   (the tangent plane), fed to Adam. Why this is the default: the unconstrained maximiser of
 *   |A_1| is in general NOT on the boundary — for two classes g(x) ∝ ∇θ(z_b − z_a)(x) whatever the
 *   softmax probabilities, so nothing pins max |A_1| to z_a = z_b — and on trained toy nets the
 *   free ascent ends at top-two logit gaps of 5–60 % of the logit scale, while training points
 *   often already have |A_1| ≥ 0.99 (margin 0). Constraining the search keeps x_b a boundary
 *   point, which is what the margin is meant to measure.
 * - `free-ascent`: unconstrained gradient ascent on A_1(x)² with Adam, stopping at |A_1| ≥ `target`
 *   (stop at the target alignment; x_b need not lie on the boundary).
 * - `paper-sgd`: what the paper's code does: from random N(0, I) inputs (not scaled to the data,
 *   no training-point starts) minimise (A_1(x)² − 1)² by plain SGD, learning rate 0.01, weight
 *   decay 1e-3 on x, the rate × 0.1 after 5,000 steps, 20,000 steps, no early stop.
 * Starts of the two Adam methods: x_t^max and x_t^min (`fromTrainingPoints`, default true) plus
 * `starts` (default 5) random points μ + σ ⊙ N(0, I), μ and σ the training set's per-feature mean
 * and std. Adam: β = (0.9, 0.999), ε_Adam = 1e-12, learning rate = `stepScale` (default 0.01) ×
 * the data scale s = √(mean per-feature variance), so a step moves about `stepScale`·s per
 * coordinate whatever the units. A run stops at |A_1| ≥ `target` (default 0.99), after `maxSteps`
 * (default 2000), or when its best |A_1| gained less than 1e-6 over the last `patience` (default
 * 300) steps. The runs advance together, one batched evaluation per step for every start still
 * running (src/analysis/margin-batch.ts), with each start's arithmetic exactly that of a run on
 * its own (src/reference/margin.ts, which the tests compare with bit for bit).
 *
 * see: S. Sabanayagam, F. Behrens, U. Adomaityte, A. Dawid, "Unveiling the Hessian's connection to
 * the decision boundary", arXiv 2306.07104 (2023); D. Kingma, J. Ba, "Adam", arXiv 1412.6980.
 */
import { InputError, NumericalError, ShapeError, throwIfAborted } from '../errors.js';
import type { Dataset } from '../data/dataset.js';
import type { LabelChoice } from '../engine/dense-net.js';
import type { Session } from '../engine/session.js';
import type { CompiledKernels } from '../engine/wasm.js';
import type { Model } from '../model/mlp.js';
import { Rng } from '../model/rng.js';
import { alignmentMatrix, checkDirections } from './alignment.js';
import { AlignmentGradient } from './input-gradient.js';
import {
  batchedRuns, type MarginMethod, type MarginProgress, type MarginStartOrigin, type MarginStopReason, type SearchSetup, type StartDistribution,
  type SearchStart, type StartRunner,
} from './margin-batch.js';

export type { MarginMethod, MarginProgress, MarginStartOrigin, MarginStopReason, StartDistribution } from './margin-batch.js';

/** How the margin's NumericalError begins when no start reached the decision boundary. */
export const NO_BOUNDARY = 'no start reached the decision boundary';

/** Schema tag of {@link MarginResult}. */
export const MARGIN_SCHEMA = 'hessian-lens/margin@1';

/** Settings of the paper's SGD (defaults are the paper's). */
export interface PaperSgdSettings {
  /** learning rate (default 0.01, absolute input units) */
  readonly learningRate?: number;
  /** weight decay on x (default 1e-3) */
  readonly weightDecay?: number;
  /** step after which the rate is multiplied by `decayFactor` (default 5000) */
  readonly decayAt?: number;
  /** default 0.1 */
  readonly decayFactor?: number;
}

/** Options of {@link margin}. */
export interface MarginOptions {
  /** `boundary-ascent` (default), `free-ascent` or `paper-sgd`. */
  readonly method?: MarginMethod;
  /** Random starts (default 5). */
  readonly starts?: number;
  /** Also start from x_t^max and x_t^min (default true, except false for paper-sgd). */
  readonly fromTrainingPoints?: boolean;
  /** Distribution of the random starts (default data-scaled, except standard-normal for paper-sgd). */
  readonly startDistribution?: StartDistribution;
  /** Step cap per run (default 2000, except 20000 for paper-sgd). */
  readonly maxSteps?: number;
  /** Stop a run at |A| ≥ target (default 0.99; paper-sgd: no early stop unless given). */
  readonly target?: number;
  /** Adam methods: stop a run when its best |A| gained < 1e-6 over this many steps (default 300; 0 = never). */
  readonly patience?: number;
  /** Adam methods: learning rate as a fraction of the data scale (default 0.01). */
  readonly stepScale?: number;
  /** boundary-ascent: on-boundary tolerance on the top-two logit gap, relative to the logit scale (default 1e-4). */
  readonly boundaryTolerance?: number;
  /** paper-sgd settings (defaults: the paper's). */
  readonly paperSgd?: PaperSgdSettings;
  /** Seed of the random starts (default 0). */
  readonly seed?: number;
  /** Label of the per-sample loss when picking x_t (default `predicted`). The search always uses the predicted label. */
  readonly labels?: LabelChoice;
  /** Index of the eigenvector, recorded in the result (default 0). */
  readonly eigenvectorIndex?: number;
  /** Checked every step of the batch; fires {@link AbortError}. */
  readonly signal?: AbortSignal;
  /** Called every 100 steps of the batch and whenever a run ends. */
  readonly onProgress?: (progress: MarginProgress) => void;
}

/** One run of the search. */
export interface MarginRun {
  /** where it started */
  readonly origin: MarginStartOrigin;
  /** [d] start point */
  readonly start: readonly number[];
  /** [d] best iterate (largest |A|) */
  readonly end: readonly number[];
  /** signed A at `end` */
  readonly alignment: number;
  /** |A| at `end` (−1 when boundary-ascent never reached the boundary) */
  readonly absAlignment: number;
  /** steps taken */
  readonly steps: number;
  /** step at which `end` was reached (0 = the start, or its projection onto the boundary) */
  readonly bestStep: number;
  /** whether |A| reached the target */
  readonly converged: boolean;
  /** why the run stopped */
  readonly stopReason: MarginStopReason;
  /** top-two logit difference at `end` */
  readonly logitGap: number;
  /** predicted label at `end` */
  readonly predicted: number;
}

/** A training point picked by its alignment. */
export interface TrainingPoint {
  /** index in the training set */
  readonly index: number;
  /** [d] its features */
  readonly x: readonly number[];
  /** its signed A */
  readonly alignment: number;
}

/** The settings of a margin search as resolved (defaults filled in). */
export interface MarginSettings {
  readonly maxSteps: number;
  /** null: no early stop */
  readonly target: number | null;
  /** null: no stall stop */
  readonly patience: number | null;
  readonly randomStarts: number;
  readonly fromTrainingPoints: boolean;
  readonly startDistribution: StartDistribution;
  /** Adam methods: learning rate = stepScale × dataScale (null for paper-sgd) */
  readonly stepScale: number | null;
  /** the learning rate in input units */
  readonly learningRate: number;
  /** paper-sgd only (0 otherwise) */
  readonly weightDecay: number;
  readonly decayAt: number | null;
  readonly decayFactor: number | null;
  /** boundary-ascent: tolerance on the top-two logit gap relative to logitScale (null otherwise) */
  readonly boundaryTolerance: number | null;
  /** √(mean per-feature variance) of the training set */
  readonly dataScale: number;
  readonly seed: number;
  readonly labels: LabelChoice;
}

/** The margin estimate and everything needed to judge it. */
export interface MarginResult {
  /** Record type and version. */
  readonly schema: typeof MARGIN_SCHEMA;
  /** search method */
  readonly method: MarginMethod;
  /** index of the eigenvector (as given in the options) */
  readonly eigenvector: number;
  /** [d] x_b */
  readonly xb: readonly number[];
  /** training point with the largest signed A */
  readonly xtMax: TrainingPoint;
  /** training point with the smallest signed A */
  readonly xtMin: TrainingPoint;
  /** min(‖x_t^max − x_b‖, ‖x_t^min − x_b‖) */
  readonly margin: number;
  /** ‖x_t^max − x_b‖ */
  readonly distanceToMax: number;
  /** ‖x_t^min − x_b‖ */
  readonly distanceToMin: number;
  /** |A| at x_b */
  readonly finalAbsAlignment: number;
  /** signed A at x_b */
  readonly finalAlignment: number;
  /** predicted label at x_b */
  readonly predicted: number;
  /** top-two logit difference at x_b (0 on the boundary) */
  readonly logitGap: number;
  /** mean over the training set of |top logit| */
  readonly logitScale: number;
  /** logitGap / logitScale (logitGap itself when the scale is 0) */
  readonly logitGapRelative: number;
  /** steps of the winning run */
  readonly steps: number;
  /** whether the winning run reached the target */
  readonly converged: boolean;
  /** index of the winning run in `starts` */
  readonly bestRun: number;
  /** every run */
  readonly starts: readonly MarginRun[];
  /** the settings as resolved */
  readonly settings: MarginSettings;
}

interface Resolved {
  method: MarginMethod;
  randomStarts: number;
  fromTrainingPoints: boolean;
  startDistribution: StartDistribution;
  maxSteps: number;
  target: number;
  patience: number;
  stepScale: number;
  boundaryTolerance: number;
  learningRate: number;
  weightDecay: number;
  decayAt: number;
  decayFactor: number;
  seed: number;
}

function nonNegativeInt(v: unknown, what: string, min: number): number {
  if (!(typeof v === 'number' && Number.isInteger(v) && v >= min)) throw new InputError(`${what} must be an integer ≥ ${min}, got ${String(v)}`);
  return v;
}

function positiveNumber(v: unknown, what: string, allowZero = false): number {
  if (!(typeof v === 'number' && Number.isFinite(v) && (allowZero ? v >= 0 : v > 0))) {
    throw new InputError(`${what} must be a finite number ${allowZero ? '≥' : '>'} 0, got ${String(v)}`);
  }
  return v;
}

function resolve(options: MarginOptions): Resolved {
  const method = options.method ?? 'boundary-ascent';
  if (method !== 'boundary-ascent' && method !== 'free-ascent' && method !== 'paper-sgd') {
    throw new InputError(`method must be 'boundary-ascent', 'free-ascent' or 'paper-sgd', got '${String(method)}'`);
  }
  const paper = method === 'paper-sgd';
  const sgd = options.paperSgd ?? {};
  const dist = options.startDistribution ?? (paper ? 'standard-normal' : 'data-scaled');
  if (dist !== 'data-scaled' && dist !== 'standard-normal') throw new InputError(`startDistribution must be 'data-scaled' or 'standard-normal', got '${String(dist)}'`);
  const target = options.target ?? (paper ? Infinity : 0.99);
  if (!(typeof target === 'number' && target > 0)) throw new InputError(`target must be a number in (0, 1], got ${String(target)}`);
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new InputError(`seed must be a safe integer, got ${String(seed)}`);
  const r: Resolved = {
    method,
    randomStarts: nonNegativeInt(options.starts ?? 5, 'starts', 0),
    fromTrainingPoints: options.fromTrainingPoints ?? !paper,
    startDistribution: dist,
    maxSteps: nonNegativeInt(options.maxSteps ?? (paper ? 20000 : 2000), 'maxSteps', 1),
    target,
    patience: paper ? 0 : nonNegativeInt(options.patience ?? 300, 'patience', 0),
    stepScale: positiveNumber(options.stepScale ?? 0.01, 'stepScale'),
    boundaryTolerance: positiveNumber(options.boundaryTolerance ?? 1e-4, 'boundaryTolerance'),
    learningRate: positiveNumber(sgd.learningRate ?? 0.01, 'paperSgd.learningRate'),
    weightDecay: positiveNumber(sgd.weightDecay ?? 1e-3, 'paperSgd.weightDecay', true),
    decayAt: nonNegativeInt(sgd.decayAt ?? 5000, 'paperSgd.decayAt', 1),
    decayFactor: positiveNumber(sgd.decayFactor ?? 0.1, 'paperSgd.decayFactor'),
    seed,
  };
  if (r.randomStarts === 0 && !r.fromTrainingPoints) throw new InputError('no starts: give starts ≥ 1 or fromTrainingPoints: true');
  return r;
}

/** Per-feature mean and std of the data, and the scale √(mean variance) (1 for constant data). */
function featureStats(data: Dataset): { mean: Float64Array; std: Float64Array; scale: number } {
  const { n, d, x } = data;
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] = mean[j]! + x[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j] = mean[j]! / n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const t = x[i * d + j]! - mean[j]!;
      std[j] = std[j]! + t * t;
    }
  }
  let varSum = 0;
  for (let j = 0; j < d; j++) {
    varSum += std[j]! / n;
    std[j] = Math.sqrt(std[j]! / n);
  }
  const scale = Math.sqrt(varSum / d);
  return { mean, std, scale: scale > 0 ? scale : 1 };
}

/** Top-two logit difference of a logit vector (0 for a tie). */
export function topTwoGap(logits: ArrayLike<number>): number {
  let a = -Infinity;
  let b = -Infinity;
  for (let j = 0; j < logits.length; j++) {
    const z = logits[j]!;
    if (z > a) {
      b = a;
      a = z;
    } else if (z > b) b = z;
  }
  return a - b;
}

function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const t = a[i]! - b[i]!;
    s += t * t;
  }
  return Math.sqrt(s);
}

/**
 * What the margin needs: a `Session` on the training set (its model, data, kernels and per-sample
 * products; and its worker lanes, when it has them, to run groups of starts beside this thread).
 */
export type MarginSource = Pick<Session, 'p' | 'n' | 'model' | 'data' | 'kernels' | 'perSampleProducts'> & Partial<Pick<Session, 'idleLanes' | 'runTask'>>;

/**
 * The starts split into contiguous groups, one in this thread and one on each idle worker lane of
 * `lanes`, each group advanced together: the same runs as one batch (a start's arithmetic does not
 * depend on the others in its batch), in the same order. Progress: the groups' fractions weighted
 * by their sizes; runs ended and best |A| count the lanes' groups once they are back.
 */
export function laneRunner(lanes: Pick<Session, 'idleLanes' | 'runTask'>): StartRunner {
  return async (setup, starts) => {
    const groups = Math.min(starts.length, 1 + lanes.idleLanes);
    if (groups <= 1) return batchedRuns(setup, starts);
    const B = starts.length;
    const parts = Array.from({ length: groups }, (_, g) => starts.slice(Math.floor((g * B) / groups), Math.floor(((g + 1) * B) / groups)));
    const { kernels: _kernels, signal, onProgress, ...plain } = setup;
    const fractions = new Array<number>(groups).fill(0);
    let here: MarginProgress = { run: 0, runs: parts[0]!.length, step: 0, absAlignment: -1, fraction: 0 };
    let endedThere = 0;
    let bestThere = -1;
    const report = (): void => {
      const fraction = parts.reduce((sum, part, g) => sum + fractions[g]! * part.length, 0) / B;
      onProgress?.({ run: here.run + endedThere, runs: B, step: here.step, absAlignment: Math.max(here.absAlignment, bestThere), fraction });
    };
    const outcomes = await Promise.all(parts.map(async (part, g) => {
      if (g === 0) {
        return batchedRuns({ ...setup, onProgress: (pr) => {
          here = pr;
          fractions[0] = pr.fraction;
          report();
        } }, part);
      }
      const onProgress = ({ fraction }: { fraction: number }): void => {
        fractions[g] = Math.max(fractions[g]!, fraction);
        report();
      };
      // on a lane, or here when none is free any more
      const runs = await lanes.runTask({ kind: 'margin-starts', setup: plain, starts: part }, { ...(signal ? { signal } : {}), onProgress },
        () => batchedRuns({ ...setup, onProgress: (pr) => onProgress(pr) }, part));
      endedThere += part.length;
      for (const r of runs) bestThere = Math.max(bestThere, r.absAlignment);
      fractions[g] = 1;
      report();
      return runs;
    }));
    return outcomes.flat();
  };
}

/**
 * The margin of direction `v` (p values, normalised here; usually the top eigenvector v_1) over
 * the training set bound to `session`: x_t^max, x_t^min, the boundary point x_b and the min distance, with
 * per-run summaries. See the module notes for the methods and defaults. Throws
 * {@link NumericalError} when no boundary-ascent start could be projected onto the boundary.
 */
export async function margin(session: MarginSource, v: ArrayLike<number>, options: MarginOptions = {}): Promise<MarginResult> {
  const { model, data: train } = session;
  checkDirections([v], session.p, 'direction');
  resolve(options);
  const labels = options.labels ?? 'predicted';
  nonNegativeInt(options.eigenvectorIndex ?? 0, 'eigenvectorIndex', 0);
  throwIfAborted(options.signal);
  // x_t^max, x_t^min from the training-set alignments (wasm, on the session)
  const { cos } = await alignmentMatrix(session, [v], labels, options.signal);
  const lanes = session.runTask && session.idleLanes !== undefined ? { runTask: session.runTask.bind(session), get idleLanes() { return session.idleLanes!; } } : null;
  return marginSearch({ kernels: session.kernels, model, train, v, alignments: cos }, options, lanes ? laneRunner(lanes) : batchedRuns);
}

/** What {@link marginSearch} searches over: the model, its training set, v and the training-set alignments. */
export interface MarginProblem {
  /** the compiled kernels (the batched search instantiates its own) */
  readonly kernels: CompiledKernels;
  readonly model: Model;
  readonly train: Dataset;
  /** [p] the direction (normalised here) */
  readonly v: ArrayLike<number>;
  /** [n] signed A_1 of every training point with `options.labels` (picks x_t^max and x_t^min) */
  readonly alignments: ArrayLike<number>;
}

/**
 * The search behind {@link margin}, from the training-set alignments on: x_t^max, x_t^min, the
 * starts, the runs (all advanced together by default; `runStarts` lets tests run the per-start
 * reference instead) and the result.
 */
export async function marginSearch(problem: MarginProblem, options: MarginOptions = {}, runStarts: StartRunner = batchedRuns): Promise<MarginResult> {
  const { model, train, v } = problem;
  const cos = problem.alignments;
  if (cos.length !== train.n) throw new ShapeError(`${cos.length} training-set alignments for ${train.n} training points`);
  const cfg = resolve(options);
  const labels = options.labels ?? 'predicted';
  const eigenvector = nonNegativeInt(options.eigenvectorIndex ?? 0, 'eigenvectorIndex', 0);
  throwIfAborted(options.signal);
  let iMax = 0;
  let iMin = 0;
  for (let i = 1; i < train.n; i++) {
    if (cos[i]! > cos[iMax]!) iMax = i;
    if (cos[i]! < cos[iMin]!) iMin = i;
  }
  const d = train.d;
  const row = (i: number): Float64Array => Float64Array.from(train.x.subarray(i * d, (i + 1) * d));
  const point = (i: number): TrainingPoint => Object.freeze({ index: i, x: Object.freeze(Array.from(row(i))), alignment: cos[i]! });

  const ev = AlignmentGradient.forModel(model, v);
  let scaleSum = 0;
  for (let i = 0; i < train.n; i++) {
    ev.forward(train.x.subarray(i * d, (i + 1) * d));
    scaleSum += Math.abs(ev.logits[ev.predicted]!);
  }
  const logitScale = scaleSum / train.n;

  const stats = featureStats(train);
  const starts: SearchStart[] = [];
  if (cfg.fromTrainingPoints) {
    starts.push({ origin: 'train-max', x: row(iMax) });
    starts.push({ origin: 'train-min', x: row(iMin) });
  }
  const rng = new Rng(cfg.seed);
  for (let r = 0; r < cfg.randomStarts; r++) {
    const x = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      const z = rng.normal();
      x[j] = cfg.startDistribution === 'data-scaled' ? stats.mean[j]! + (stats.std[j]! > 0 ? stats.std[j]! : stats.scale) * z : z;
    }
    starts.push({ origin: 'random', x });
  }

  const paper = cfg.method === 'paper-sgd';
  const setup: SearchSetup = {
    kernels: problem.kernels,
    spec: model.spec,
    theta: model.theta,
    direction: v,
    method: cfg.method,
    maxSteps: cfg.maxSteps,
    target: cfg.target,
    patience: cfg.patience,
    lr: paper ? cfg.learningRate : cfg.stepScale * stats.scale,
    weightDecay: cfg.weightDecay,
    decayAt: cfg.decayAt,
    decayFactor: cfg.decayFactor,
    gapTolerance: cfg.boundaryTolerance * (logitScale > 0 ? logitScale : 1),
    maxMove: stats.scale,
    signal: options.signal,
    onProgress: options.onProgress,
  };
  const runs: MarginRun[] = (await runStarts(setup, starts)).map((o) => {
    ev.forward(o.end);
    const gap = topTwoGap(ev.logits);
    return Object.freeze({
      origin: o.origin,
      start: Object.freeze(Array.from(o.start)),
      end: Object.freeze(Array.from(o.end)),
      alignment: o.alignment,
      absAlignment: o.absAlignment,
      steps: o.steps,
      bestStep: o.bestStep,
      converged: o.absAlignment >= cfg.target,
      stopReason: o.stopReason,
      logitGap: gap,
      predicted: ev.predicted,
    });
  });
  let bestRun = 0;
  for (let r = 1; r < runs.length; r++) if (runs[r]!.absAlignment > runs[bestRun]!.absAlignment) bestRun = r;
  const win = runs[bestRun]!;
  if (win.stopReason === 'no-boundary') {
    throw new NumericalError(`${NO_BOUNDARY} (${runs.length} starts; Newton projection on the top-two logit gap failed) — add random starts or use method 'free-ascent'`);
  }
  const xtMax = point(iMax);
  const xtMin = point(iMin);
  const distanceToMax = distance(xtMax.x, win.end);
  const distanceToMin = distance(xtMin.x, win.end);
  return Object.freeze({
    schema: MARGIN_SCHEMA,
    method: cfg.method,
    eigenvector,
    xb: win.end,
    xtMax,
    xtMin,
    margin: Math.min(distanceToMax, distanceToMin),
    distanceToMax,
    distanceToMin,
    finalAbsAlignment: win.absAlignment,
    finalAlignment: win.alignment,
    predicted: win.predicted,
    logitGap: win.logitGap,
    logitScale,
    logitGapRelative: logitScale > 0 ? win.logitGap / logitScale : win.logitGap,
    steps: win.steps,
    converged: win.converged,
    bestRun,
    starts: Object.freeze(runs),
    settings: Object.freeze({
      maxSteps: cfg.maxSteps,
      target: Number.isFinite(cfg.target) ? cfg.target : null,
      patience: cfg.patience > 0 ? cfg.patience : null,
      randomStarts: cfg.randomStarts,
      fromTrainingPoints: cfg.fromTrainingPoints,
      startDistribution: cfg.startDistribution,
      stepScale: paper ? null : cfg.stepScale,
      learningRate: setup.lr,
      weightDecay: paper ? cfg.weightDecay : 0,
      decayAt: paper ? cfg.decayAt : null,
      decayFactor: paper ? cfg.decayFactor : null,
      boundaryTolerance: cfg.method === 'boundary-ascent' ? cfg.boundaryTolerance : null,
      dataScale: stats.scale,
      seed: cfg.seed,
      labels,
    }),
  });
}

/** Options of {@link margins}. */
export interface MarginsOptions extends Omit<MarginOptions, 'eigenvectorIndex'> {
  /** Which eigenvectors (indices into the list given; default [0]). */
  readonly indices?: readonly number[];
}

/** {@link margin} for eigenvector i of `eigenvectors`, for every i in `indices` (default [0]). */
export async function margins(
  session: MarginSource,
  eigenvectors: readonly ArrayLike<number>[],
  options: MarginsOptions = {},
): Promise<MarginResult[]> {
  const { indices = [0], ...rest } = options;
  const out: MarginResult[] = [];
  for (const i of indices) {
    if (!(Number.isInteger(i) && i >= 0 && i < eigenvectors.length)) {
      throw new InputError(`eigenvector index ${i} is out of range 0..${eigenvectors.length - 1}`);
    }
    out.push(await margin(session, eigenvectors[i]!, { ...rest, eigenvectorIndex: i }));
  }
  return out;
}
