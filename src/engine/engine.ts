/**
 * The engine: compiled kernels, an optional worker pool, and the calls people make over a model
 * and a dataset — loss, accuracy, gradient and exact Hessian-vector products (means over the whole
 * dataset). Small jobs run in the calling thread; large ones are sharded over the pool, with the
 * same bits either way.
 */
import { InputError, ResourceError, ShapeError } from '../errors.js';
import type { Dataset } from '../data/dataset.js';
import { checkParameters, mlpSpec, parameterCount, type MlpSpec, type Model } from '../model/mlp.js';
import { checkNetOptions, DenseNet, type DenseNetOptions } from './dense-net.js';
import { hardwareThreads, l2CacheBytes } from '#platform';
import { WORKER_FIX } from './platform.js';
import { WorkerPool } from './pool.js';
import { Session, type Evaluation, type GradientResult, type SessionOptions } from './session.js';
import { compileKernels, instantiateKernels, setProcessGemmConfig, type CompiledKernels, type GemmConfig, type KernelBuild, type KernelBuildOption } from './wasm.js';
import { applyGemmConfig, chooseGemmConfig, defaultGemmConfig, type GemmChoice } from './gemm-config.js';
import type { ReflectorsElsewhere } from '../hessian/eigen/solver.js';

export type { Evaluation, GradientResult } from './session.js';

export type { Model } from '../model/mlp.js';

/** Options of {@link createEngine}. */
export interface EngineOptions extends DenseNetOptions {
  /** Kernel build: `auto` (default) picks relaxed SIMD when the runtime supports it. */
  readonly build?: KernelBuildOption;
  /**
   * Worker threads for data-parallel work: a number, or `auto` (default: the machine's logical
   * cores). 1 keeps everything in the calling thread. A number above the machine's logical cores
   * (but never below 2, so a one-core machine can still run a 2-worker pool) is clamped to them,
   * with a one-line `console.warn`: more workers than cores only add memory and messaging.
   */
  readonly threads?: number | 'auto';
  /**
   * Sessions of at least this many sample·parameter products (n × p) are sharded over the pool
   * (each worker holds a run of samples; every product uses all workers). Default: n·p ≥
   * 10,000,000 and n ≥ 1,500 samples — below that the messaging of p-vectors to and from the
   * workers costs more than a second core saves (docs/engine.md, threads). Given, it alone decides.
   */
  readonly poolThreshold?: number;
  /**
   * Sessions in the calling thread with at least this many sample·parameter products hand
   * independent work (the spectral density, margin starts) to pool workers beside the calling
   * thread — "lanes", each worker with a copy of the data (`Session.lanes`). Default 1,000,000:
   * below it a worker's start costs more than the work. Results are the same either way.
   */
  readonly laneThreshold?: number;
  /**
   * The GEMM's configuration on this machine — the micro-tile shape and the cache blocking, which
   * change the speed but never the bits: `auto` (default) times the micro-tile shapes once per
   * process, at the first engine (40–65 ms measured, mostly the wasm engine's warm-up), and keeps the
   * fastest; `default` keeps the build's tuned configuration unmeasured; or a {@link GemmConfig}.
   * {@link Engine.gemm} says what was chosen (docs/engine.md, "Kernels per CPU").
   */
  readonly gemm?: 'auto' | 'default' | GemmConfig;
}

/**
 * The GEMM configuration for an engine: given (checked on a throwaway instance), the build's
 * default, or this process's measured choice (which then becomes every instance's in the process).
 */
function gemmChoice(compiled: CompiledKernels, option: 'auto' | 'default' | GemmConfig): GemmChoice {
  if (option === 'auto') {
    const choice = chooseGemmConfig(compiled, l2CacheBytes());
    setProcessGemmConfig(compiled.build, choice.config);
    return choice;
  }
  if (option === 'default') return Object.freeze({ config: defaultGemmConfig(compiled.build), how: 'default', candidates: [], milliseconds: 0, note: 'asked for (gemm: \'default\')' });
  if (option === null || typeof option !== 'object') throw new InputError(`gemm must be 'auto', 'default' or a GemmConfig, got ${String(option)}`);
  const config = Object.freeze({ ...defaultGemmConfig(compiled.build), ...option });
  applyGemmConfig(instantiateKernels({ build: compiled.build, module: compiled.module }).exports, config);
  return Object.freeze({ config, how: 'given', candidates: [], milliseconds: 0 });
}

/** Checks that a model's θ is finite and sized for its spec. */
export function checkModel(model: Model): void {
  if (model === null || typeof model !== 'object' || model.spec === null || typeof model.spec !== 'object') {
    throw new InputError('a model is { spec, theta }: spec from mlpSpec(sizes, activation) (or loadMlp), theta its p parameters');
  }
  // a spec written by hand gets mlpSpec's checks (an unknown activation ran as no activation at all)
  mlpSpec(model.spec.sizes, model.spec.activation);
  checkParameters(model.spec, model.theta);
  for (let i = 0; i < model.theta.length; i++) {
    if (!Number.isFinite(model.theta[i]!)) throw new InputError(`parameter ${i} of the model is ${model.theta[i]} (parameters must be finite)`);
  }
}

/** Checks that `data` fits `model`: features, labels within the model's classes, not empty. */
export function checkData(model: Model, data: Dataset): void {
  if (data.n === 0) throw new InputError('the dataset is empty (no samples)');
  if (data.d !== model.spec.sizes[0]) {
    throw new ShapeError(`the data has ${data.d} features but the ${model.spec.sizes.join('-')} model expects ${model.spec.sizes[0]}`);
  }
  if (data.x.length !== data.n * data.d) {
    throw new ShapeError(`features have ${data.x.length} values, expected n·d = ${data.n}·${data.d} = ${data.n * data.d}`);
  }
  if (data.y.length !== data.n) throw new ShapeError(`labels have ${data.y.length} entries, expected n = ${data.n}`);
  for (let i = 0; i < data.x.length; i++) {
    if (!Number.isFinite(data.x[i]!)) {
      throw new InputError(`feature ${i % data.d} of sample ${Math.floor(i / data.d)} is ${data.x[i]} (features must be finite)`);
    }
  }
  const classes = model.spec.sizes[model.spec.sizes.length - 1]!;
  for (let i = 0; i < data.n; i++) {
    const y = data.y[i]!;
    if (!Number.isInteger(y)) throw new InputError(`label of sample ${i} is ${y} (labels must be integers)`);
    if (y < 0 || y >= classes) throw new InputError(`label of sample ${i} is ${y}, out of range for the model's ${classes} classes (0..${classes - 1})`);
  }
}

const DEFAULT_POOL_THRESHOLD = 10_000_000;
const DEFAULT_POOL_SAMPLES = 1500;
const DEFAULT_LANE_THRESHOLD = 1_000_000;

/** Computes over models and datasets with the wasm kernels. Create with {@link createEngine}. */
export class Engine {
  /** The kernel build in use. */
  readonly build: KernelBuild;
  private readonly requestedThreads: number;
  private pool: Promise<WorkerPool> | null = null;
  /** Why the pool could not start, once it failed (then everything runs in this thread). */
  private poolUnavailable: string | null = null;

  /** The GEMM configuration this engine's kernels run (measured, default or given) and what was timed. */
  readonly gemm: GemmChoice;

  private constructor(private readonly compiled: CompiledKernels, threads: number, private readonly options: EngineOptions, gemm: GemmChoice) {
    this.build = compiled.build;
    this.gemm = gemm;
    this.requestedThreads = threads;
  }

  /**
   * Worker threads available to large jobs (1 = calling thread only): the requested number until
   * the pool is first needed, and 1 from the moment it could not start (see {@link Engine.session}).
   */
  get threads(): number {
    return this.poolUnavailable ? 1 : this.requestedThreads;
  }

  /** Compiles the kernels; see {@link createEngine}. */
  static async create(options: EngineOptions = {}): Promise<Engine> {
    let threads = options.threads ?? 'auto';
    const hardware = await hardwareThreads();
    if (threads === 'auto') threads = hardware;
    if (!Number.isInteger(threads) || threads < 1) throw new ResourceError(`threads must be a positive integer or 'auto', got ${String(options.threads)}`);
    const cap = Math.max(2, hardware);
    if (threads > cap) {
      console.warn(`hessian-lens: threads = ${threads} is more than this machine's ${hardware} hardware thread${hardware === 1 ? '' : 's'}; using ${cap}.`);
      threads = cap;
    }
    const threshold = options.poolThreshold;
    if (threshold !== undefined && !(threshold >= 0)) {
      throw new InputError(`poolThreshold must be a number ≥ 0 (n·p from which a session uses the worker pool), got ${String(threshold)}`);
    }
    const lanes = options.laneThreshold;
    if (lanes !== undefined && !(lanes >= 0)) {
      throw new InputError(`laneThreshold must be a number ≥ 0 (n·p from which a session in this thread hands tasks to workers), got ${String(lanes)}`);
    }
    const compiled = await compileKernels(options.build ?? 'auto');
    const gemm = gemmChoice(compiled, options.gemm ?? 'auto');
    return new Engine({ ...compiled, gemm: gemm.config }, threads, options, gemm);
  }

  /** The compiled module (posted to workers). */
  get kernels(): CompiledKernels {
    return this.compiled;
  }

  private netOptions(options: DenseNetOptions): DenseNetOptions {
    const { build: _b, threads: _t, poolThreshold: _p, laneThreshold: _l, gemm: _g, ...rest } = this.options;
    return { ...rest, ...options };
  }

  /**
   * @internal
   * A {@link DenseNet} bound to `model` and `data` in a kernel instance of its own, in this thread:
   * the low-level handle (sums, mini-batch gradients) that training keeps across many steps.
   */
  net(model: Model, data: Dataset, options: DenseNetOptions = {}): DenseNet {
    checkModel(model);
    checkData(model, data);
    const net = new DenseNet(instantiateKernels(this.compiled), model.spec, data, this.netOptions(options));
    net.setParameters(model.theta);
    return net;
  }

  /**
   * Binds `model` and `data` for repeated calls (Hv in Lanczos, alignment, …): sharded over the
   * worker pool when the job is large enough and the engine has threads > 1, else in this thread.
   */
  async session(model: Model, data: Dataset, options: SessionOptions = {}): Promise<Session> {
    checkModel(model);
    checkData(model, data);
    checkNetOptions(options);
    const { inThread, ...netOptions } = options;
    const plan = inThread ? 'here' : this.plan(data.n, parameterCount(model.spec));
    const pool = plan === 'sharded' ? await this.poolOrNull() : null;
    const lanes = plan === 'lanes' ? { workers: this.threads - 1, pool: () => this.poolOrNull() } : null;
    return Session.open(this.compiled, pool, model.spec, model.theta, data, this.netOptions(netOptions), (m, d) => this.session(m, d, options), lanes);
  }

  /**
   * How a session of n samples and p parameters would run: `sharded` over the pool, `lanes` (in
   * this thread, with workers for independent tasks) or `here` alone; see {@link EngineOptions.poolThreshold}.
   */
  plan(n: number, p: number): 'sharded' | 'lanes' | 'here' {
    if (this.threads <= 1 || this.poolUnavailable) return 'here';
    const size = n * p;
    const threshold = this.options.poolThreshold;
    if (threshold !== undefined ? size >= threshold : size >= DEFAULT_POOL_THRESHOLD && n >= DEFAULT_POOL_SAMPLES) return 'sharded';
    return size >= (this.options.laneThreshold ?? DEFAULT_LANE_THRESHOLD) ? 'lanes' : 'here';
  }

  /**
   * For `symmetricEigen`'s and the dense path's `backtransformElsewhere`: half of a
   * back-transformation on a pool worker, beside the half in this thread (same bits) — or
   * undefined with one thread. The worker gets copies of the reflectors and of its rows (about
   * 8·(n² + n²/2) bytes, transferred without a further copy).
   */
  reflectorsElsewhere(): ReflectorsElsewhere | undefined {
    if (this.threads <= 1 || this.poolUnavailable) return undefined;
    return async (job, hooks) => {
      const pool = await this.poolOrNull();
      // null: no worker after all (the pool could not start); the solver does these rows itself
      return pool ? pool.runTask(0, null, { kind: 'apply-reflectors', ...job }, job.kernels, hooks.signal, hooks.onProgress) : null;
    };
  }

  /**
   * Starts the worker pool now, when a session of `n` samples and `p` parameters would use it,
   * rather than on that session's first call, so the start overlaps other work (analyze calls
   * it before training). Never throws: a pool that cannot start is reported as on first use.
   */
  async startWorkers(n: number, p: number): Promise<void> {
    if (this.plan(n, p) !== 'here') await this.poolOrNull();
  }

  /**
   * The pool, or null when it cannot start: then say so once, with the URL and the fix, and keep
   * computing in this thread (engine.threads becomes 1), with the same results.
   */
  private async poolOrNull(): Promise<WorkerPool | null> {
    if (this.poolUnavailable) return null;
    try {
      return await this.workerPool();
    } catch (error) {
      // e.g. a bundler that did not emit worker.js
      if (this.poolUnavailable) return null;
      this.poolUnavailable = error instanceof Error ? error.message : String(error);
      this.pool = null;
      const fix = this.poolUnavailable.includes(WORKER_FIX) ? '' : `; ${WORKER_FIX}`;
      console.warn(`hessian-lens: the worker pool could not start (${this.poolUnavailable})${fix}. ` +
        `Computing in the calling thread: engine.threads is now 1 instead of ${this.requestedThreads}.`);
      return null;
    }
  }

  /** @internal The engine's worker pool (started on first use). */
  workerPool(): Promise<WorkerPool> {
    this.pool ??= WorkerPool.create(this.compiled, this.threads);
    return this.pool;
  }

  private async withSession<T>(model: Model, data: Dataset, options: SessionOptions, fn: (s: Session) => Promise<T>): Promise<T> {
    const session = await this.session(model, data, options);
    try {
      return await fn(session);
    } finally {
      await session.close();
    }
  }

  /** Loss, accuracy and gradient norm over the dataset. */
  evaluate(model: Model, data: Dataset, options: SessionOptions = {}): Promise<Evaluation> {
    return this.withSession(model, data, options, (s) => s.evaluate());
  }

  /** Mean loss and accuracy (forward only). */
  loss(model: Model, data: Dataset, options: SessionOptions = {}): Promise<{ loss: number; accuracy: number }> {
    return this.withSession(model, data, options, (s) => s.loss());
  }

  /** Mean loss, accuracy and gradient over the dataset. */
  gradient(model: Model, data: Dataset, options: SessionOptions = {}): Promise<GradientResult> {
    return this.withSession(model, data, options, (s) => s.gradient());
  }

  /** Exact H·v of the mean loss over the dataset (Pearlmutter R-operator); v in PyTorch order. */
  hvp(model: Model, data: Dataset, v: ArrayLike<number>, options: SessionOptions = {}): Promise<Float64Array> {
    const p = parameterCount(model.spec);
    if (v.length !== p) return Promise.reject(new ShapeError(`vector has ${v.length} entries, but the model has p = ${p} parameters`));
    return this.withSession(model, data, options, (s) => s.hvp(v));
  }

  /** Stops the worker pool, if one was started. The engine stays usable (a new pool starts on demand). */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    if (pool) await (await pool).terminate();
  }
}

/** Compiles the kernels (once per build) and returns an {@link Engine}. */
export function createEngine(options: EngineOptions = {}): Promise<Engine> {
  return Engine.create(options);
}
