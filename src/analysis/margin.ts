/**
 * The Hessian margin estimator: how far the training points that the top eigenvector "sees" most
 * lie from the input where a per-sample gradient is most aligned with it (a decision-boundary point).
 *
 * Estimator (default `method: 'adam-ascent'`):
 * - x_t^max, x_t^min = the training points with the largest / smallest signed A_1(x)
 *   (A_1 = cos(g(x), v_1) with the predicted label, {@link alignment});
 * - x_b = argmax |A_1(x)| found by gradient ascent on A_1(x)² with Adam on the input x, using the
 *   exact input gradient of {@link AlignmentGradient} (R-operator, no finite differences). Starts:
 *   x_t^max and x_t^min (`fromTrainingPoints`, default true) plus `starts` (default 5) random
 *   points μ + σ ⊙ N(0, I) with μ, σ the per-feature mean and std of the training set. Each run
 *   stops when |A_1| ≥ `target` (default 0.99) or after `maxSteps` (default 2000) steps and keeps
 *   its best iterate; x_b is the best iterate of the best run (largest |A_1|, first on ties).
 *   Adam: β = (0.9, 0.999), ε_Adam = 1e-12, learning rate = `stepScale` (default 0.01) × the data
 *   scale s = √(mean over features of the per-feature variance), so a run moves at most about
 *   `stepScale`·s per coordinate and step whatever the units of the data;
 * - margin = min(‖x_t^max − x_b‖, ‖x_t^min − x_b‖) (Euclidean, in input units).
 * On-boundary check: `logitGap` = top-two logit difference at x_b, next to `logitScale` = mean over
 * the training set of |top logit|; `logitGapRelative` = their ratio.
 *
 * `method: 'paper-sgd'` does what the paper's code does instead: from `starts` random N(0, I)
 * inputs (not scaled to the data, no training-point starts), minimise (A_1(x)² − 1)² by plain SGD
 * with learning rate 0.01 and weight decay 1e-3 on x, the rate × 0.1 after 5,000 steps, 20,000
 * steps and no early stop; x_t and the margin as above.
 *
 * see: S. Sabanayagam, F. Behrens, U. Adomaityte, A. Dawid, "Unveiling the Hessian's connection to
 * the decision boundary", arXiv 2306.07104 (2023); D. Kingma, J. Ba, "Adam", arXiv 1412.6980.
 */
import { InputError, ShapeError, throwIfAborted } from '../errors.js';
import type { Dataset } from '../data/dataset.js';
import type { LabelChoice, Precision } from '../engine/dense-net.js';
import type { Engine, Model } from '../engine/engine.js';
import { parameterCount } from '../model/mlp.js';
import { Rng } from '../model/rng.js';
import { alignmentMatrix, checkDirections } from './alignment.js';
import { AlignmentGradient } from './input-gradient.js';

/** Schema tag of {@link MarginResult}. */
export const MARGIN_SCHEMA = 'hessian-lens/margin@1';

/** `adam-ascent` (default: Adam ascent on A², data-scaled steps) or `paper-sgd` (the paper's code). */
export type MarginMethod = 'adam-ascent' | 'paper-sgd';

/** Where a run started: a training point with extreme A_1, or a random point. */
export type MarginStartOrigin = 'train-max' | 'train-min' | 'random';

/** Random starts: `data-scaled` μ + σ ⊙ N(0, I) (adam-ascent default) or `standard-normal` N(0, I) (the paper's). */
export type StartDistribution = 'data-scaled' | 'standard-normal';

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

/** Progress of a margin search. */
export interface MarginProgress {
  /** run index (0-based) */
  readonly run: number;
  /** number of runs */
  readonly runs: number;
  /** steps done in this run */
  readonly step: number;
  /** best |A| of this run so far */
  readonly absAlignment: number;
}

/** Options of {@link margin}. */
export interface MarginOptions {
  /** `adam-ascent` (default) or `paper-sgd`. */
  readonly method?: MarginMethod;
  /** Random starts (default 5). */
  readonly starts?: number;
  /** Also start from x_t^max and x_t^min (default true for adam-ascent, false for paper-sgd). */
  readonly fromTrainingPoints?: boolean;
  /** Distribution of the random starts (default: data-scaled for adam-ascent, standard-normal for paper-sgd). */
  readonly startDistribution?: StartDistribution;
  /** Step cap per run (default 2000 for adam-ascent, 20000 for paper-sgd). */
  readonly maxSteps?: number;
  /** Stop a run at |A| ≥ target (default 0.99 for adam-ascent; paper-sgd: no early stop unless given). */
  readonly target?: number;
  /** adam-ascent: learning rate as a fraction of the data scale (default 0.01). */
  readonly stepScale?: number;
  /** paper-sgd settings (defaults: the paper's). */
  readonly paperSgd?: PaperSgdSettings;
  /** Seed of the random starts (default 0). */
  readonly seed?: number;
  /** Label of the per-sample loss when picking x_t (default `predicted`). The ascent always uses the predicted label. */
  readonly labels?: LabelChoice;
  /** Kernel arithmetic of the training-set alignments (default: the engine's). */
  readonly precision?: Precision;
  /** Index of the eigenvector, recorded in the result (default 0). */
  readonly eigenvectorIndex?: number;
  /** Checked between steps; fires {@link AbortError}. */
  readonly signal?: AbortSignal;
  /** Called about every 100 steps and at the end of each run. */
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
  /** |A| at `end` */
  readonly absAlignment: number;
  /** steps taken */
  readonly steps: number;
  /** step at which `end` was reached (0 = the start) */
  readonly bestStep: number;
  /** whether |A| reached the target */
  readonly converged: boolean;
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
  /** logitGap / logitScale */
  readonly logitGapRelative: number;
  /** steps of the winning run */
  readonly steps: number;
  /** whether the winning run reached the target */
  readonly converged: boolean;
  /** index of the winning run in `starts` */
  readonly bestRun: number;
  /** every run */
  readonly starts: readonly MarginRun[];
  /** the settings as resolved (defaults filled in) */
  readonly settings: {
    readonly maxSteps: number;
    readonly target: number | null;
    readonly randomStarts: number;
    readonly fromTrainingPoints: boolean;
    readonly startDistribution: StartDistribution;
    /** adam-ascent: learning rate = stepScale × dataScale */
    readonly stepScale: number | null;
    readonly learningRate: number;
    readonly weightDecay: number;
    readonly decayAt: number | null;
    readonly decayFactor: number | null;
    /** √(mean per-feature variance) of the training set */
    readonly dataScale: number;
    readonly seed: number;
    readonly labels: LabelChoice;
  };
}

interface Resolved {
  method: MarginMethod;
  randomStarts: number;
  fromTrainingPoints: boolean;
  startDistribution: StartDistribution;
  maxSteps: number;
  target: number;
  stepScale: number;
  learningRate: number;
  weightDecay: number;
  decayAt: number;
  decayFactor: number;
  seed: number;
}

function positiveInt(v: unknown, what: string, allowZero = false): number {
  if (!(typeof v === 'number' && Number.isInteger(v) && (allowZero ? v >= 0 : v >= 1))) {
    throw new InputError(`${what} must be an integer ≥ ${allowZero ? 0 : 1}, got ${String(v)}`);
  }
  return v;
}

function positiveNumber(v: unknown, what: string, allowZero = false): number {
  if (!(typeof v === 'number' && Number.isFinite(v) && (allowZero ? v >= 0 : v > 0))) {
    throw new InputError(`${what} must be a finite number ${allowZero ? '≥' : '>'} 0, got ${String(v)}`);
  }
  return v;
}

function resolve(options: MarginOptions): Resolved {
  const method = options.method ?? 'adam-ascent';
  if (method !== 'adam-ascent' && method !== 'paper-sgd') throw new InputError(`method must be 'adam-ascent' or 'paper-sgd', got '${String(method)}'`);
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
    randomStarts: positiveInt(options.starts ?? 5, 'starts', true),
    fromTrainingPoints: options.fromTrainingPoints ?? !paper,
    startDistribution: dist,
    maxSteps: positiveInt(options.maxSteps ?? (paper ? 20000 : 2000), 'maxSteps'),
    target,
    stepScale: positiveNumber(options.stepScale ?? 0.01, 'stepScale'),
    learningRate: positiveNumber(sgd.learningRate ?? 0.01, 'paperSgd.learningRate'),
    weightDecay: positiveNumber(sgd.weightDecay ?? 1e-3, 'paperSgd.weightDecay', true),
    decayAt: positiveInt(sgd.decayAt ?? 5000, 'paperSgd.decayAt'),
    decayFactor: positiveNumber(sgd.decayFactor ?? 0.1, 'paperSgd.decayFactor'),
    seed,
  };
  if (r.randomStarts === 0 && !r.fromTrainingPoints) throw new InputError('no starts: give starts ≥ 1 or fromTrainingPoints: true');
  return r;
}

/** Per-feature mean and std of the data, and the scale √(mean variance). */
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

/** Top-two logit difference (0 for a tie). */
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

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());
const yieldToEventLoop = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

interface RunState {
  readonly ev: AlignmentGradient;
  readonly cfg: Resolved;
  readonly lr: number;
  readonly signal: AbortSignal | undefined;
  readonly report: ((step: number, best: number) => void) | undefined;
}

/** One search run from `start`; returns its summary. */
async function run(state: RunState, origin: MarginStartOrigin, start: Float64Array): Promise<MarginRun> {
  const { ev, cfg, lr, signal, report } = state;
  const d = start.length;
  const x = Float64Array.from(start);
  const best = Float64Array.from(start);
  const grad = new Float64Array(d);
  const m1 = new Float64Array(d);
  const m2 = new Float64Array(d);
  const b1 = 0.9;
  const b2 = 0.999;
  let pow1 = 1;
  let pow2 = 1;
  let bestAbs = -1;
  let bestA = 0;
  let bestStep = 0;
  let steps = 0;
  let lastYield = now();
  const paper = cfg.method === 'paper-sgd';
  for (;;) {
    const A = ev.evaluate(x, grad);
    if (Math.abs(A) > bestAbs) {
      bestAbs = Math.abs(A);
      bestA = A;
      bestStep = steps;
      best.set(x);
    }
    if (bestAbs >= cfg.target || steps >= cfg.maxSteps) break;
    if (paper) {
      // minimise (A² − 1)²: ∇ = 4A(A² − 1)∇A; SGD with weight decay, rate × decayFactor after decayAt
      const rate = steps >= cfg.decayAt ? cfg.learningRate * cfg.decayFactor : cfg.learningRate;
      const c = 4 * A * (A * A - 1);
      for (let i = 0; i < d; i++) x[i] = x[i]! - rate * (c * grad[i]! + cfg.weightDecay * x[i]!);
    } else {
      // maximise A²: Adam on −A², gradient −2A∇A
      pow1 *= b1;
      pow2 *= b2;
      const c = -2 * A;
      for (let i = 0; i < d; i++) {
        const g = c * grad[i]!;
        m1[i] = b1 * m1[i]! + (1 - b1) * g;
        m2[i] = b2 * m2[i]! + (1 - b2) * g * g;
        const mh = m1[i]! / (1 - pow1);
        const vh = m2[i]! / (1 - pow2);
        x[i] = x[i]! - (lr * mh) / (Math.sqrt(vh) + 1e-12);
      }
    }
    steps++;
    if (steps % 100 === 0) {
      report?.(steps, bestAbs);
      if (now() - lastYield > 50) {
        await yieldToEventLoop();
        lastYield = now();
      }
      throwIfAborted(signal);
    }
  }
  ev.evaluate(best);
  const predicted = ev.predicted;
  const gap = topTwoGap(ev.logits);
  report?.(steps, bestAbs);
  return Object.freeze({
    origin,
    start: Object.freeze(Array.from(start)),
    end: Object.freeze(Array.from(best)),
    alignment: bestA,
    absAlignment: bestAbs,
    steps,
    bestStep,
    converged: bestAbs >= cfg.target,
    logitGap: gap,
    predicted,
  });
}

/**
 * The margin of eigenvector `v` (p values, normalised here; usually v_1) over the training set
 * `train`: x_t^max, x_t^min, the boundary point x_b and min distance, with per-run summaries.
 */
export async function margin(engine: Engine, model: Model, train: Dataset, v: ArrayLike<number>, options: MarginOptions = {}): Promise<MarginResult> {
  const p = parameterCount(model.spec);
  checkDirections([v], p, 'direction');
  if (train.d !== model.spec.sizes[0]) {
    throw new ShapeError(`the training set has ${train.d} features but the ${model.spec.sizes.join('-')} model expects ${model.spec.sizes[0]}`);
  }
  const cfg = resolve(options);
  const labels = options.labels ?? 'predicted';
  const eigenvector = positiveInt(options.eigenvectorIndex ?? 0, 'eigenvectorIndex', true);
  throwIfAborted(options.signal);

  // x_t^max, x_t^min from the training-set alignments (wasm)
  const net = engine.net(model, train, options.precision ? { precision: options.precision } : {});
  const { cos } = alignmentMatrix(net, [v], labels);
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
  // logit scale: mean |top logit| over the training set
  let scaleSum = 0;
  for (let i = 0; i < train.n; i++) {
    ev.forward(train.x.subarray(i * d, (i + 1) * d));
    const z = ev.logits;
    scaleSum += Math.abs(z[ev.predicted]!);
  }
  const logitScale = scaleSum / train.n;

  const stats = featureStats(train);
  const starts: { origin: MarginStartOrigin; x: Float64Array }[] = [];
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

  const lr = cfg.method === 'adam-ascent' ? cfg.stepScale * stats.scale : cfg.learningRate;
  const runs: MarginRun[] = [];
  for (let r = 0; r < starts.length; r++) {
    const onProgress = options.onProgress;
    const report = onProgress
      ? (step: number, best: number) => onProgress({ run: r, runs: starts.length, step, absAlignment: best })
      : undefined;
    runs.push(await run({ ev, cfg, lr, signal: options.signal, report }, starts[r]!.origin, starts[r]!.x));
  }
  let bestRun = 0;
  for (let r = 1; r < runs.length; r++) if (runs[r]!.absAlignment > runs[bestRun]!.absAlignment) bestRun = r;
  const win = runs[bestRun]!;
  const xtMax = point(iMax);
  const xtMin = point(iMin);
  const distanceToMax = distance(xtMax.x, win.end);
  const distanceToMin = distance(xtMin.x, win.end);
  const paper = cfg.method === 'paper-sgd';
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
    logitGapRelative: logitScale > 0 ? win.logitGap / logitScale : Infinity,
    steps: win.steps,
    converged: win.converged,
    bestRun,
    starts: Object.freeze(runs),
    settings: Object.freeze({
      maxSteps: cfg.maxSteps,
      target: Number.isFinite(cfg.target) ? cfg.target : null,
      randomStarts: cfg.randomStarts,
      fromTrainingPoints: cfg.fromTrainingPoints,
      startDistribution: cfg.startDistribution,
      stepScale: paper ? null : cfg.stepScale,
      learningRate: lr,
      weightDecay: paper ? cfg.weightDecay : 0,
      decayAt: paper ? cfg.decayAt : null,
      decayFactor: paper ? cfg.decayFactor : null,
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
  engine: Engine,
  model: Model,
  train: Dataset,
  eigenvectors: readonly ArrayLike<number>[],
  options: MarginsOptions = {},
): Promise<MarginResult[]> {
  const { indices = [0], ...rest } = options;
  const out: MarginResult[] = [];
  for (const i of indices) {
    if (!(Number.isInteger(i) && i >= 0 && i < eigenvectors.length)) {
      throw new InputError(`eigenvector index ${i} is out of range 0..${eigenvectors.length - 1}`);
    }
    out.push(await margin(engine, model, train, eigenvectors[i]!, { ...rest, eigenvectorIndex: i }));
  }
  return out;
}
