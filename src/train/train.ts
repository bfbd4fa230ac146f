/**
 * The training loop: mini-batch first-order training of a dense MLP with softmax cross-entropy,
 * with PyTorch's `DataLoader(shuffle=True, drop_last=False)` semantics and `torch.optim` updates.
 *
 * Per epoch: a fresh seeded permutation of the n samples is cut into batches of `batchSize`, the
 * last one partial (a full batch, `batchSize ≥ n`, takes the samples in order: the order of a full
 * batch changes only float rounding). Per batch B:
 *   g = (1/|B|) Σ_{i∈B} ∇θ ℓ(θ; x_i, y_i)   (the kernels' f64 sum over the batch, then ÷ |B|)
 *   θ ← optimizer.step(θ, g)                (optimizers.ts: PyTorch's SGD / Adam rules)
 * The curve logs per epoch what PyTorch scripts typically log: the mean of the batch-mean losses
 * (Σ_b loss_b / #batches) and the running accuracy Σ_b correct_b / n, both measured before each
 * step; optionally (`evaluateEvery`) the loss and accuracy of the whole training set and of a
 * validation set at the epoch's end θ.
 * see: H. Robbins, S. Monro, Ann. Math. Stat. 22 (1951) (stochastic gradient descent);
 *      PyTorch `torch.utils.data.DataLoader` and `torch.optim` documentation.
 *
 * Determinism: θ after training depends only on (model, data, options) — never on timing, yields
 * or progress callbacks — so the same seed gives the same bits on every platform and kernel build
 * that computes the same gradients. Timings live in `timing`, apart from the deterministic fields.
 */
import type { Dataset } from '../data/dataset.js';
import { checkSeed } from '../data/transform.js';
import type { DenseNet, Precision } from '../engine/dense-net.js';
import type { Engine, Model } from '../engine/engine.js';
import type { Session, TrainingNet } from '../engine/session.js';
import { InputError, NumericalError, throwIfAborted } from '../errors.js';
import { parameterCount, type Activation } from '../model/mlp.js';
import { Rng } from '../model/rng.js';
import { adam, sgd, type Optimizer, type OptimizerConfig } from './optimizers.js';

/** Where training is; passed to `onProgress` about every 100 ms (and after the first and last epoch). */
export interface TrainProgress {
  /** epochs finished (1-based number of the last finished epoch) */
  readonly epoch: number;
  /** epochs requested */
  readonly epochs: number;
  /** optimizer steps taken so far */
  readonly steps: number;
  /** mean batch loss of the last finished epoch */
  readonly loss: number;
  /** running accuracy of the last finished epoch */
  readonly accuracy: number;
  /** latest whole-training-set loss, when evaluations are on */
  readonly fullLoss?: number;
  /** latest whole-training-set accuracy, when evaluations are on */
  readonly fullAccuracy?: number;
  /** latest validation loss, when a validation set is given */
  readonly valLoss?: number;
  /** latest validation accuracy, when a validation set is given */
  readonly valAccuracy?: number;
  /** wall-clock seconds since the call started */
  readonly seconds: number;
  /** set by the recipes and presets: the name of the running phase */
  readonly phase?: string;
}

/** Options of {@link train}. */
export interface TrainOptions {
  /** epochs to run (integer ≥ 0) */
  readonly epochs: number;
  /**
   * `'sgd'` (default) or `'adam'` built from the fields below, or an {@link Optimizer} object
   * (used as is, its state carried over; then lr, momentum, … must not be given).
   */
  readonly optimizer?: 'sgd' | 'adam' | Optimizer;
  /** learning rate; PyTorch's default 1e-3 */
  readonly lr?: number;
  /** SGD momentum (default 0) */
  readonly momentum?: number;
  /** SGD Nesterov momentum (default false) */
  readonly nesterov?: boolean;
  /** L2 weight decay added to the gradient (default 0) */
  readonly weightDecay?: number;
  /** Adam (β₁, β₂), default (0.9, 0.999) */
  readonly betas?: readonly [number, number];
  /** Adam ε, default 1e-8 */
  readonly eps?: number;
  /** samples per mini-batch (default: all n, full batch); a batch larger than n is the full batch */
  readonly batchSize?: number;
  /** seed of the per-epoch shuffles (default 0) */
  readonly seed?: number;
  /** stop after the first epoch whose end θ classifies every training sample correctly (default false) */
  readonly stopAtFullAccuracy?: boolean;
  /**
   * stop after the first epoch whose end θ has a mean training loss (the whole training set, at the
   * end of the epoch) at or below this: runs trained "to the same loss" (default: none)
   */
  readonly stopAtLoss?: number;
  /**
   * evaluate the whole training set (and `validation`) at the end of every this-many epochs and at
   * the last epoch run; 0 = never. Default: 1 with a validation set, else 0.
   */
  readonly evaluateEvery?: number;
  /** a held-out set (true labels) to evaluate alongside */
  readonly validation?: Dataset;
  /** progress callback; may abort the signal */
  readonly onProgress?: (progress: TrainProgress) => void;
  /**
   * Checkpoint hook: called (and awaited) after every `checkpointEvery` epochs (and after the
   * last) with a copy of θ, e.g. to track the spectrum during training. Must not change the run.
   */
  readonly onCheckpoint?: (checkpoint: { readonly epoch: number; readonly model: Model }) => void | Promise<void>;
  /** Epochs between checkpoints (default: only after the last epoch). */
  readonly checkpointEvery?: number;
  /** checked between mini-batches; an abort rejects with {@link AbortError} */
  readonly signal?: AbortSignal;
  /** kernel arithmetic (default `f32`) */
  readonly precision?: Precision;
  /**
   * Train on this session (in the calling thread, bound to `data`; its precision is used): no
   * copy of the data is made, and the session ends at the trained θ — what `analyze` does so that
   * training, tracking and the analysis share one copy of the training set. Default: a session of
   * its own (no activation cache), closed at the end.
   */
  readonly session?: Session;
}

/**
 * Training curves. `epoch`, `loss`, `accuracy` have one entry per epoch run; the evaluation arrays
 * (present only when evaluations are on) have one entry per evaluated epoch, listed in `evalEpoch`.
 */
export interface TrainingCurve {
  /** [E] epoch numbers 1..E */
  readonly epoch: readonly number[];
  /** [E] mean of the epoch's batch-mean losses (measured before each step) */
  readonly loss: readonly number[];
  /** [E] correct predictions over the epoch's batches / n (measured before each step) */
  readonly accuracy: readonly number[];
  /** [K] epochs at whose end the evaluations below were taken */
  readonly evalEpoch?: readonly number[];
  /** [K] mean loss over the whole training set */
  readonly fullLoss?: readonly number[];
  /** [K] accuracy over the whole training set */
  readonly fullAccuracy?: readonly number[];
  /** [K] mean loss over the validation set */
  readonly valLoss?: readonly number[];
  /** [K] accuracy over the validation set */
  readonly valAccuracy?: readonly number[];
}

/** Wall-clock cost of a run: not deterministic, kept apart from the rest of the result. */
export interface TrainTiming {
  readonly seconds: number;
  readonly stepsPerSecond: number;
}

/**
 * What {@link train} returns. Everything but `timing` is a deterministic function of the inputs;
 * everything but `model.theta` (a typed array) is plain JSON — {@link trainingRecord} gives a
 * JSON-ready copy.
 */
export interface TrainResult {
  /** record type and version */
  readonly schema: 'hessian-lens/training@1';
  /** the trained model: the input spec and a new θ [p] */
  readonly model: Model;
  /** the optimizer's hyper-parameters */
  readonly optimizer: OptimizerConfig;
  /** samples per batch actually used (≤ n) */
  readonly batchSize: number;
  /** samples in the training set */
  readonly n: number;
  /** shuffle seed */
  readonly seed: number;
  /** epochs requested */
  readonly epochsRequested: number;
  /** epochs run */
  readonly epochs: number;
  /** true when `stopAtFullAccuracy` or `stopAtLoss` ended training before `epochsRequested` */
  readonly stoppedEarly: boolean;
  /** optimizer steps taken */
  readonly steps: number;
  readonly curve: TrainingCurve;
  readonly timing: TrainTiming;
}

const YIELD_MS = 50;
const PROGRESS_MS = 100;
/** Tag xor-ed into the seed so the shuffle stream differs from `initParameters(spec, seed)`'s. */
const SHUFFLE_TAG = 0x5348554646n;

const now = (): number => performance.now();

/** Lets other tasks (timers, rendering, progress consumers) run: resolves in a later macrotask. */
function macrotask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function checkCount(value: unknown, name: string, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new InputError(`train: ${name} must be an integer ≥ ${min}, got ${String(value)}`);
  }
  return value;
}

function resolveOptimizer(options: TrainOptions): Optimizer {
  const o = options.optimizer ?? 'sgd';
  if (typeof o === 'object' && o !== null) {
    if (typeof o.step !== 'function' || !o.config) throw new InputError('train: optimizer must be \'sgd\', \'adam\' or an Optimizer object');
    const given = (['lr', 'momentum', 'nesterov', 'weightDecay', 'betas', 'eps'] as const).filter((k) => options[k] !== undefined);
    if (given.length > 0) {
      throw new InputError(`train: ${given.join(', ')} cannot be combined with an optimizer object (set them when building the optimizer)`);
    }
    return o;
  }
  if (o === 'sgd') {
    if (options.betas !== undefined || options.eps !== undefined) throw new InputError('train: betas and eps are Adam options, but the optimizer is sgd');
    return sgd({ lr: options.lr, momentum: options.momentum, weightDecay: options.weightDecay, nesterov: options.nesterov });
  }
  if (o === 'adam') {
    if (options.momentum !== undefined || options.nesterov !== undefined) {
      throw new InputError('train: momentum and nesterov are SGD options, but the optimizer is adam (use betas)');
    }
    return adam({ lr: options.lr, betas: options.betas, eps: options.eps, weightDecay: options.weightDecay });
  }
  throw new InputError(`train: unknown optimizer '${String(o)}' (expected sgd, adam or an Optimizer object)`);
}

/**
 * A final mean cross-entropy above this has exploded: it starts near ln C (≤ 7 for up to 1,000
 * classes), and 1,000 means logit gaps of a thousand against the true class. Training then ends
 * in a NumericalError rather than returning a model that looks trained (Adam at lr 1e6 ended at
 * losses of 1e5–1e20, all finite).
 */
export const EXPLODED_LOSS = 1e3;

function diverged(what: string, epoch: number, step: number, config: { readonly lr: number; readonly momentum?: number }): NumericalError {
  // heavy-ball momentum ≥ 1 lets the velocity grow without bound whatever the step size
  const hint = config.momentum !== undefined && config.momentum >= 1
    ? `SGD momentum ≥ 1 (momentum = ${config.momentum}) lets the steps grow without bound: use momentum < 1`
    : `Try a smaller learning rate (lr = ${config.lr})`;
  return new NumericalError(`training diverged at epoch ${epoch} (step ${step}): ${what}. ${hint}.`);
}

/**
 * Trains a copy of `model` on `data` and returns the trained model with its curves (see the module
 * header for the algorithm). Yields to the event loop about every 50 ms so progress callbacks,
 * timers and a page stay responsive. Throws {@link InputError} for bad options,
 * {@link NumericalError} when a loss or parameter becomes non-finite (naming the epoch), and
 * {@link AbortError} when `signal` fires; the engine stays usable afterwards.
 */
export async function train(engine: Engine, model: Model, data: Dataset, options: TrainOptions): Promise<TrainResult> {
  if (options === null || typeof options !== 'object') throw new InputError('train: options must be an object with at least epochs');
  const start = now();
  const { signal, onProgress, validation, precision } = options;
  throwIfAborted(signal);
  const epochs = checkCount(options.epochs, 'epochs', 0);
  const seed = options.seed ?? 0;
  checkSeed(seed, 'train: seed');
  const batchSize = Math.min(checkCount(options.batchSize ?? data.n, 'batchSize', 1), data.n);
  const evaluateEvery = checkCount(options.evaluateEvery ?? (validation ? 1 : 0), 'evaluateEvery', 0);
  const stopAtFull = options.stopAtFullAccuracy ?? false;
  const stopAtLoss = options.stopAtLoss;
  if (stopAtLoss !== undefined && !(typeof stopAtLoss === 'number' && Number.isFinite(stopAtLoss) && stopAtLoss >= 0)) {
    throw new InputError(`train: stopAtLoss must be a finite number ≥ 0 (a mean cross-entropy), got ${String(stopAtLoss)}`);
  }
  const checkpointEvery = checkCount(options.checkpointEvery ?? 0, 'checkpointEvery', 0);
  const optimizer = resolveOptimizer(options);

  const theta = Float32Array.from(model.theta);
  const spec = model.spec;
  // Training alone never asks for Hv: its own session keeps no per-sample curvature cache (memory O(batch × width)).
  const netOptions = { cacheBytes: 0, ...(precision ? { precision } : {}) };
  const given = options.session;
  if (given && given.data !== data) throw new InputError('train: the session given is bound to another dataset than the one to train on');
  const name = (m: Model['spec']): string => `${m.sizes.join('-')} ${m.activation}`;
  if (given && name(given.spec) !== name(spec)) throw new InputError(`train: the session given is bound to a ${name(given.spec)} model, not ${name(spec)}`);
  const session = given ?? await engine.session({ spec, theta }, data, { ...netOptions, inThread: true });
  try {
    const net = session.trainingNet();
    net.setParameters(theta);
    const valNet = validation && evaluateEvery > 0 ? engine.net({ spec, theta }, validation, netOptions) : null;
    const result = await trainLoop(net, valNet, theta, data, options, { start, epochs, batchSize, evaluateEvery, stopAtFull, stopAtLoss, checkpointEvery, optimizer, seed, spec });
    if (given) await given.setParameters(theta);
    return result;
  } finally {
    if (!given) await session.close();
  }
}

/** The settings {@link train} resolved. */
interface Resolved {
  readonly start: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly evaluateEvery: number;
  readonly stopAtFull: boolean;
  readonly stopAtLoss: number | undefined;
  readonly checkpointEvery: number;
  readonly optimizer: Optimizer;
  readonly seed: number;
  readonly spec: Model['spec'];
}

/** The epochs of {@link train}: mini-batch steps on `net`, evaluations, progress and checkpoints. */
async function trainLoop(net: TrainingNet, valNet: DenseNet | null, theta: Float32Array, data: Dataset, options: TrainOptions, r: Resolved): Promise<TrainResult> {
  const { start, epochs, batchSize, evaluateEvery, stopAtFull, stopAtLoss, checkpointEvery, optimizer, seed, spec } = r;
  const { signal, onProgress } = options;
  const p = parameterCount(spec);
  const n = data.n;
  const grad = new Float64Array(p);
  const order = new Int32Array(n);
  const rng = new Rng(BigInt(seed) ^ SHUFFLE_TAG);

  const curve = { epoch: [] as number[], loss: [] as number[], accuracy: [] as number[] };
  const evals = { evalEpoch: [] as number[], fullLoss: [] as number[], fullAccuracy: [] as number[] };
  const vals = { valLoss: [] as number[], valAccuracy: [] as number[] };
  let steps = 0;
  let run = 0;
  let stoppedEarly = false;
  let lastYield = now();
  let lastReport = -Infinity;

  for (let epoch = 1; epoch <= epochs; epoch++) {
    if (batchSize < n) {
      for (let i = 0; i < n; i++) order[i] = i;
      rng.shuffle(order);
    }
    let lossOfBatches = 0;
    let batches = 0;
    let correct = 0;
    for (let b0 = 0; b0 < n; b0 += batchSize) {
      throwIfAborted(signal);
      const m = Math.min(batchSize, n - b0);
      const sums = batchSize === n ? net.gradientSums(grad) : net.gradientSumsOn(order.subarray(b0, b0 + m), grad);
      const batchLoss = sums.lossSum / m;
      if (!Number.isFinite(batchLoss)) throw diverged(`the mini-batch loss is ${batchLoss}`, epoch, steps + 1, optimizer.config);
      for (let i = 0; i < p; i++) grad[i]! /= m;
      optimizer.step(theta, grad);
      for (let i = 0; i < p; i++) {
        if (!Number.isFinite(theta[i]!)) throw diverged(`parameter ${i} became ${theta[i]}`, epoch, steps + 1, optimizer.config);
      }
      net.setParameters(theta);
      steps++;
      lossOfBatches += batchLoss;
      correct += sums.correct;
      batches++;
      if (now() - lastYield >= YIELD_MS) {
        await macrotask();
        lastYield = now();
      }
    }
    run = epoch;
    curve.epoch.push(epoch);
    curve.loss.push(lossOfBatches / batches);
    curve.accuracy.push(correct / n);
    // Checked once, at the end: a loss that only passes through large values on its way to NaN is
    // reported by the non-finite checks above, with their step.
    const meanLoss = lossOfBatches / batches;
    if (epoch === epochs && meanLoss > EXPLODED_LOSS) {
      throw diverged(`the last epoch's mean mini-batch loss is ${meanLoss.toPrecision(3)}, above ${EXPLODED_LOSS.toExponential()} (the loss exploded)`, epoch, steps, optimizer.config);
    }

    const evalDue = evaluateEvery > 0 && (epoch % evaluateEvery === 0 || epoch === epochs);
    const full = evalDue || stopAtFull || stopAtLoss !== undefined ? net.forwardSums() : null;
    const stop = full !== null && ((stopAtFull && full.correct === full.n) || (stopAtLoss !== undefined && full.lossSum / full.n <= stopAtLoss));
    if (evaluateEvery > 0 && full && (evalDue || stop)) {
      evals.evalEpoch.push(epoch);
      evals.fullLoss.push(full.lossSum / full.n);
      evals.fullAccuracy.push(full.correct / full.n);
      if (valNet) {
        valNet.setParameters(theta);
        const v = valNet.forwardSums();
        vals.valLoss.push(v.lossSum / v.n);
        vals.valAccuracy.push(v.correct / v.n);
      }
    }
    if (stop && epoch < epochs) stoppedEarly = true;

    const t = now();
    if (onProgress && (epoch === 1 || epoch === epochs || stop || t - lastReport >= PROGRESS_MS)) {
      lastReport = t;
      const k = evals.evalEpoch.length - 1;
      onProgress({
        epoch,
        epochs,
        steps,
        loss: curve.loss[epoch - 1]!,
        accuracy: curve.accuracy[epoch - 1]!,
        ...(k >= 0 ? { fullLoss: evals.fullLoss[k]!, fullAccuracy: evals.fullAccuracy[k]! } : {}),
        ...(k >= 0 && valNet ? { valLoss: vals.valLoss[k]!, valAccuracy: vals.valAccuracy[k]! } : {}),
        seconds: (t - start) / 1000,
      });
    }
    if (options.onCheckpoint && (stop || epoch === epochs || (checkpointEvery > 0 && epoch % checkpointEvery === 0))) {
      await options.onCheckpoint({ epoch, model: { spec, theta: theta.slice() } });
      lastYield = now();
    }
    if (stop) break;
  }

  const seconds = (now() - start) / 1000;
  const frozen = (a: number[]): readonly number[] => Object.freeze(a);
  return Object.freeze({
    schema: 'hessian-lens/training@1' as const,
    model: Object.freeze({ spec, theta }),
    optimizer: optimizer.config,
    batchSize,
    n,
    seed,
    epochsRequested: epochs,
    epochs: run,
    stoppedEarly,
    steps,
    curve: Object.freeze({
      epoch: frozen(curve.epoch),
      loss: frozen(curve.loss),
      accuracy: frozen(curve.accuracy),
      ...(evaluateEvery > 0
        ? { evalEpoch: frozen(evals.evalEpoch), fullLoss: frozen(evals.fullLoss), fullAccuracy: frozen(evals.fullAccuracy) }
        : {}),
      ...(valNet ? { valLoss: frozen(vals.valLoss), valAccuracy: frozen(vals.valAccuracy) } : {}),
    }),
    timing: Object.freeze({ seconds, stepsPerSecond: seconds > 0 ? steps / seconds : 0 }),
  });
}

/** Options of {@link trainingRecord}. */
export interface TrainingRecordOptions {
  /** include θ as a plain number array (default false: large) */
  readonly theta?: boolean;
  /** include the wall-clock timing (default false: keeps the record deterministic) */
  readonly timing?: boolean;
}

/** The JSON-ready form of a {@link TrainResult}. */
export interface TrainingRecord extends Omit<TrainResult, 'model' | 'timing'> {
  readonly model: {
    readonly sizes: readonly number[];
    readonly activation: Activation;
    /** p */
    readonly parameters: number;
    /** ‖θ‖₂ of the trained parameters */
    readonly norm: number;
    /** [p] PyTorch order; only with `theta: true` */
    readonly theta?: readonly number[];
  };
  readonly timing?: TrainTiming;
}

/**
 * A plain-JSON copy of a training result: the model reduced to its spec, size and norm (θ itself
 * only on request) and, unless asked for, no timing — so two runs with the same seed give equal records.
 */
export function trainingRecord(result: TrainResult, options: TrainingRecordOptions = {}): TrainingRecord {
  const { model, timing, ...rest } = result;
  let sq = 0;
  for (let i = 0; i < model.theta.length; i++) sq += model.theta[i]! * model.theta[i]!;
  return {
    ...rest,
    model: {
      sizes: model.spec.sizes,
      activation: model.spec.activation,
      parameters: model.theta.length,
      norm: Math.sqrt(sq),
      ...(options.theta ? { theta: Array.from(model.theta) } : {}),
    },
    ...(options.timing ? { timing } : {}),
  };
}
