/**
 * A model bound to a dataset for many calls — in the calling thread or sharded over a worker
 * pool, with the same results to the bit either way (pairwise-tree sums over fixed blocks).
 */
import { InputError, ResourceError, ShapeError } from '../errors.js';
import type { Dataset } from '../data/dataset.js';
import { parameterCount, type MlpSpec, type Model } from '../model/mlp.js';
import { combineBlockNodes, type BlockNode, type DenseNetOptions, type ForwardSums, type LabelChoice, type PerSampleProducts } from './dense-net.js';
import type { CountingOperator } from '../hessian/operator.js';
import type { WorkerPool } from './pool.js';
import { ShardService, type ShardInit } from './shard-service.js';
import { checkFinite, countingOperator, finishMeanProduct, needsData, type Task, type TaskHooks, type TaskResult } from './tasks.js';
import type { VectorOps } from '../hessian/vector.js';
import type { DensityElsewhere } from '../hessian/spectrum.js';
import type { CompiledKernels } from './wasm.js';

/** Loss, accuracy and gradient norm over a dataset (the CLI's `evaluate --json` record). */
export interface Evaluation {
  /** p */
  readonly parameters: number;
  /** samples */
  readonly n: number;
  /** output classes of the model */
  readonly classes: number;
  /** mean cross-entropy (natural log) */
  readonly loss: number;
  /** share of samples whose arg-max logit is the label */
  readonly accuracy: number;
  /** ‖∇θ loss‖₂ */
  readonly gradNorm: number;
}

/** Loss, accuracy and the mean gradient. */
export interface GradientResult {
  readonly loss: number;
  readonly accuracy: number;
  /** [p] mean gradient, PyTorch order */
  readonly gradient: Float64Array;
}

/** The shard calls a session makes, on a local service or on pool workers. */
interface Backend {
  readonly threads: number;
  /** samples each shard holds, as its worker (or this thread) reported when opening it */
  readonly shards: readonly number[];
  /** Calls run in this thread, synchronously up to their first await. */
  readonly local: boolean;
  /** `fn` on every shard (its index: shards hold contiguous runs of samples, in order). */
  each<T>(fn: (service: ShardServiceLike, shard: number) => Promise<T> | T): Promise<T[]>;
  setParameters(theta: Float32Array): Promise<void>;
  close(): Promise<void>;
  /** In this thread only: Σ over samples of H_x·v straight from the net's buffers (no per-node copies). */
  hvpSums?(v: Float64Array, out: Float64Array): void;
  /** In this thread only: the same for the Gauss–Newton products. */
  ggnSums?(v: Float64Array, out: Float64Array): void;
  /** In this thread only: Σ w_i·g_i at the true labels. */
  weightedGradientSums?(weights: Float64Array, out: Float64Array): void;
  /** In this thread only: the net itself, for training. */
  training?(): TrainingNet;
}

/**
 * @internal What training does with a session in this thread (`train`): sums of the loss and
 * gradient over the whole set or a mini-batch, and θ updates with no copy or check (the trainer
 * checks θ itself, every step). {@link Session.setParameters} brings the session's own θ up to date.
 */
export interface TrainingNet {
  gradientSums(out: Float64Array): ForwardSums;
  gradientSumsOn(indices: ArrayLike<number>, out: Float64Array): ForwardSums;
  forwardSums(): ForwardSums;
  setParameters(theta: Float32Array): void;
}

/** One shard's calls, bound to its id (on a local service or a pool worker). */
interface ShardServiceLike {
  forwardNodes(): BlockNode[] | Promise<BlockNode[]>;
  gradientNodes(): BlockNode[] | Promise<BlockNode[]>;
  hvpNodes(v: Float64Array): BlockNode[] | Promise<BlockNode[]>;
  ggnNodes(v: Float64Array): BlockNode[] | Promise<BlockNode[]>;
  weightedGradientNodes(weights: Float64Array): BlockNode[] | Promise<BlockNode[]>;
  perSampleProducts(vectors: Float64Array[], labels: LabelChoice): PerSampleProducts | Promise<PerSampleProducts>;
  perSampleGradients(labels: LabelChoice): Float64Array | Promise<Float64Array>;
  predictions(): Int32Array | Promise<Int32Array>;
}

function bind(service: Pick<ShardService, 'forwardNodes' | 'gradientNodes' | 'hvpNodes' | 'ggnNodes' | 'weightedGradientNodes' | 'perSampleProducts' | 'perSampleGradients' | 'predictions'>, id: number): ShardServiceLike {
  return {
    forwardNodes: () => service.forwardNodes(id),
    gradientNodes: () => service.gradientNodes(id),
    hvpNodes: (v) => service.hvpNodes(id, v),
    ggnNodes: (v) => service.ggnNodes(id, v),
    weightedGradientNodes: (weights) => service.weightedGradientNodes(id, weights),
    perSampleProducts: (vectors, labels) => service.perSampleProducts(id, vectors, labels),
    perSampleGradients: (labels) => service.perSampleGradients(id, labels),
    predictions: () => service.predictions(id),
  };
}

let nextShardId = 1;

function shardInits(kernels: CompiledKernels, spec: MlpSpec, theta: Float32Array, data: Dataset, options: DenseNetOptions, parts: number): ShardInit[] {
  const block = options.chunkSize ?? 256;
  const blocks = Math.ceil(data.n / block);
  const count = Math.max(1, Math.min(parts, blocks));
  const inits: ShardInit[] = [];
  let first = 0;
  for (let w = 0; w < count; w++) {
    const take = Math.floor(blocks / count) + (w < blocks % count ? 1 : 0);
    const s0 = first * block;
    const s1 = Math.min(data.n, (first + take) * block);
    inits.push({
      module: kernels.module,
      build: kernels.build,
      ...(kernels.gemm ? { gemm: kernels.gemm } : {}),
      spec,
      theta,
      x: data.x.slice(s0 * data.d, s1 * data.d),
      y: data.y.slice(s0, s1),
      d: data.d,
      classes: spec.sizes[spec.sizes.length - 1]!,
      options: { ...options, chunkSize: block, firstBlock: first },
    });
    first += take;
  }
  return inits;
}

function localBackend(init: ShardInit): Backend {
  const service = new ShardService();
  const { samples } = service.open(0, init);
  const bound = bind(service, 0);
  return {
    threads: 1,
    shards: [samples],
    local: true,
    each: async (fn) => [await fn(bound, 0)],
    setParameters: async (theta) => service.setParameters(0, theta),
    close: async () => service.close(0),
    hvpSums: (v, out) => service.hvpSums(0, v, out),
    ggnSums: (v, out) => service.ggnSums(0, v, out),
    weightedGradientSums: (weights, out) => service.weightedGradientSums(0, weights, out),
    training: () => {
      const net = service.net(0);
      return {
        gradientSums: (out) => net.gradientSums(out),
        gradientSumsOn: (indices, out) => net.gradientSumsOn(indices, out),
        forwardSums: () => net.forwardSums(),
        setParameters: (theta) => net.setParameters(theta),
      };
    },
  };
}

async function poolBackend(pool: WorkerPool, inits: ShardInit[]): Promise<Backend> {
  const id = nextShardId++;
  const workers = inits.map((_, w) => w);
  let opened;
  try {
    opened = await Promise.all(inits.map((init, w) => pool.open(w, id, init)));
  } catch (error) {
    await pool.close(id).catch(() => {});
    throw error;
  }
  return {
    threads: workers.length,
    shards: opened.map((o) => o.samples),
    local: false,
    each: (fn) => pool.onEach(workers, async (remote, w) => fn(bind(remote as unknown as ShardService, id), w)),
    setParameters: (theta) => pool.setParameters(workers, id, theta),
    close: () => pool.close(id),
  };
}

/** The shards' per-sample arrays (shards hold contiguous runs of samples, in order) one after another in `out`. */
function inSampleOrder<T extends Int32Array | Float64Array>(parts: readonly T[], out: T): T {
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Options of a session. */
export interface SessionOptions extends DenseNetOptions {
  /** Run in the calling thread even when the engine has a pool. */
  readonly inThread?: boolean;
}

/** The curvature operators a session offers: the Hessian, the generalized Gauss–Newton matrix, the empirical Fisher, and H − GGN. */
export const CURVATURE_NAMES = ['hessian', 'ggn', 'fisher', 'residual'] as const;

/** One of {@link CURVATURE_NAMES}. */
export type CurvatureName = (typeof CURVATURE_NAMES)[number];

/** The Hessian of a session's mean loss, p × p, symmetric: see {@link Session.hessian}. */
export interface HessianOperator extends CountingOperator {
  matvec(v: Float64Array, out: Float64Array): Promise<void>;
}

/**
 * Worker lanes for a session that runs in this thread: the engine's pool (started on first use;
 * null if it cannot start) and how many of its workers the session may hand tasks to.
 */
export interface LaneSource {
  readonly workers: number;
  pool(): Promise<WorkerPool | null>;
}

/** Opens a session of a model on a dataset with the options of the session that asks (`Engine.session`). */
export type SessionOpener = (model: Model, data: Dataset) => Promise<Session>;

/**
 * A model and a dataset bound together for repeated calls: the one handle every analysis takes
 * (alignment, G, ε, margin, Jacobian, grid maps, the Hessian operator). Create with
 * `Engine.session`; close it when done (its shards hold a copy of the data in wasm memory).
 */
export class Session {
  /** p */
  readonly p: number;
  /** samples */
  readonly n: number;
  /** workers this session runs on (1 = the calling thread) */
  readonly threads: number;
  /**
   * Samples held by each worker, one entry per worker as each worker reported it when it opened
   * its shard (`[n]` in the calling thread): `[75, 75]` shows two workers really hold the data.
   */
  readonly shards: readonly number[];
  /** The compiled kernels, for analyses that run wasm work of their own in this thread (the margin search). */
  readonly kernels: CompiledKernels;
  /** The dataset the session is bound to (the caller's object; its values are copied into the shards when the session opens). */
  readonly data: Dataset;
  private theta: Float32Array;
  private bound: Model;
  private closed = false;
  /** per worker lane: whether a task runs on it now */
  private readonly laneBusy: boolean[];
  /** the shard id of the data's copies on the lane workers, and the workers that opened one */
  private readonly replicaId = nextShardId++;
  private readonly replicas = new Map<number, Promise<void>>();

  private constructor(
    readonly spec: MlpSpec, theta: Float32Array, data: Dataset, kernels: CompiledKernels, private readonly backend: Backend, private readonly opener: SessionOpener,
    /** the whole dataset as one shard (what a lane worker opens), and where lanes come from */
    private readonly laneSource: { readonly init: ShardInit; readonly source: LaneSource } | null = null,
  ) {
    this.laneBusy = new Array<boolean>(laneSource?.source.workers ?? 0).fill(false);
    this.kernels = kernels;
    this.p = parameterCount(spec);
    this.n = data.n;
    this.data = data;
    this.threads = backend.threads;
    this.shards = backend.shards;
    this.theta = theta.slice();
    this.bound = Object.freeze({ spec, theta: this.theta });
  }

  /** @internal Opens a session in-thread or on `pool`; `opener` opens its siblings ({@link Session.withData}). */
  static async open(kernels: CompiledKernels, pool: WorkerPool | null, spec: MlpSpec, theta: Float32Array, data: Dataset, options: DenseNetOptions, opener: SessionOpener, lanes: LaneSource | null = null): Promise<Session> {
    if (pool) {
      const inits = shardInits(kernels, spec, theta, data, options, pool.size);
      return new Session(spec, theta, data, kernels, await poolBackend(pool, inits), opener);
    }
    const [init] = shardInits(kernels, spec, theta, data, options, 1);
    return new Session(spec, theta, data, kernels, localBackend(init!), opener, lanes && lanes.workers > 0 ? { init: init!, source: lanes } : null);
  }

  /**
   * Worker lanes of the session: pool workers that can each run one {@link Session.runTask} at a
   * time beside this thread, on a copy of the data of their own (made on first use). 0 when the
   * session is sharded over the pool (its products already use every worker) or the engine has
   * one thread.
   */
  get lanes(): number {
    return this.laneBusy.length;
  }

  /** Worker lanes with no task running now. */
  get idleLanes(): number {
    return this.laneBusy.filter((busy) => !busy).length;
  }

  /**
   * Runs `task` on an idle worker lane — or, when none is idle (or the pool cannot start), calls
   * `here`, the caller's own way of doing the same work in this thread (the worker computes what
   * it would: the same bits; tasks.ts). A lane worker holds a copy of the session's dataset from
   * its first task on the data until the session closes.
   */
  async runTask<T extends Task, H = TaskResult<T>>(task: T, hooks: TaskHooks, here: () => Promise<H>): Promise<TaskResult<T> | H> {
    this.live();
    const lane = this.laneBusy.indexOf(false);
    if (lane < 0) return here();
    this.laneBusy[lane] = true;
    try {
      const pool = await this.laneSource!.source.pool();
      if (!pool) return await here();
      const shard = needsData(task) ? this.replicaId : null;
      if (shard !== null) await this.replicaOn(pool, lane);
      return await pool.runTask(lane, shard, task, this.kernels, hooks.signal, hooks.onProgress);
    } finally {
      this.laneBusy[lane] = false;
    }
  }

  /**
   * For `hessianSpectrum`'s `densityElsewhere`: the density on an idle worker lane, with the
   * vector kernels `vectorOps` names (a worker makes its own of the same build) — or undefined
   * when no lane is idle or a worker cannot make those kernels (then the density runs in this thread).
   */
  densityOnLane(vectorOps?: VectorOps): DensityElsewhere | undefined {
    const name = vectorOps?.name ?? 'float64-ts';
    if (this.idleLanes === 0 || (name !== 'float64-ts' && name !== 'wasm-simd-f64')) return undefined;
    // null when the lane was taken meanwhile: the caller then runs the density here
    return (settings, hooks) => this.runTask({ kind: 'density', ...settings, vectorOps: name }, {
      ...(hooks.signal ? { signal: hooks.signal } : {}),
      onProgress: ({ fraction, detail }) => hooks.onProgress({ fraction, detail: `${detail ?? 'density'} (on a worker)` }),
    }, async () => null);
  }

  /**
   * Starts copying the dataset to every lane worker now, in the background, so that a later task's
   * start does not wait for it (analyze calls this before training). Does nothing without lanes;
   * a copy that fails to open is retried by the task that needs it.
   */
  prepareLanes(): void {
    if (!this.laneSource || this.closed) return;
    void this.laneSource.source.pool().then((pool) => {
      if (!pool || this.closed) return;
      for (let w = 0; w < this.lanes; w++) this.replicaOn(pool, w).catch(() => {});
    }, () => {});
  }

  /** Opens the dataset's copy on lane worker `w` once (θ as bound now; later setParameters reach it). */
  private replicaOn(pool: WorkerPool, w: number): Promise<void> {
    let opened = this.replicas.get(w);
    if (!opened) {
      opened = pool.open(w, this.replicaId, { ...this.laneSource!.init, theta: this.theta }).then(() => {});
      opened.catch(() => this.replicas.delete(w));
      this.replicas.set(w, opened);
    }
    return opened;
  }

  /**
   * @internal The session's net for training (`train`), in this thread only: throws for a session
   * sharded over the pool. Between its setParameters and the next {@link Session.setParameters} the
   * session's `model` and `parameters` still show the θ set before.
   */
  trainingNet(): TrainingNet {
    const training = this.live().training;
    if (!training) throw new ResourceError('training runs in the calling thread: this session is sharded over the worker pool (open one with { inThread: true })');
    return training();
  }

  /** The model as bound now (θ as last set; do not modify its arrays). */
  get model(): Model {
    return this.bound;
  }

  /**
   * The same model (θ as bound now) on other data — a test split, grid points — with this
   * session's options, in this thread or on the pool as the engine decides for its size.
   */
  async withData(data: Dataset): Promise<Session> {
    this.live();
    return this.opener(this.bound, data);
  }

  /** The parameters the session computes with (a copy). */
  get parameters(): Float32Array {
    return this.theta.slice();
  }

  /** Replaces θ (p values, PyTorch order). */
  async setParameters(theta: ArrayLike<number>): Promise<void> {
    if (theta.length !== this.p) throw new ShapeError(`parameter vector has ${theta.length} entries, expected p = ${this.p}`);
    for (let i = 0; i < theta.length; i++) {
      if (!Number.isFinite(theta[i]!)) throw new InputError(`parameter ${i} is ${theta[i]} (parameters must be finite)`);
    }
    this.theta = Float32Array.from(theta);
    this.bound = Object.freeze({ spec: this.spec, theta: this.theta });
    await this.live().setParameters(this.theta);
    if (this.replicas.size > 0) {
      const pool = await this.laneSource!.source.pool();
      // a copy that failed to open is not there to update (the next task on its lane opens it afresh, at this θ)
      const opened = await Promise.allSettled([...this.replicas].map(async ([w, copy]) => (await copy, w)));
      const workers = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      if (pool && workers.length > 0) await pool.setParameters(workers, this.replicaId, this.theta);
    }
  }

  /** Mean loss and accuracy (forward only). */
  async loss(): Promise<{ loss: number; accuracy: number }> {
    const total = combineBlockNodes((await this.live().each((s) => s.forwardNodes())).flat());
    checkFinite([total.loss / this.n], 'the mean loss');
    return { loss: total.loss / this.n, accuracy: total.correct / this.n };
  }

  /** Mean loss, accuracy and gradient. */
  async gradient(): Promise<GradientResult> {
    const total = combineBlockNodes((await this.live().each((s) => s.gradientNodes())).flat());
    const gradient = total.values!;
    const scale = 1 / this.n;
    for (let i = 0; i < gradient.length; i++) gradient[i]! *= scale;
    checkFinite([total.loss / this.n], 'the mean loss');
    checkFinite(gradient, 'the gradient');
    return { loss: total.loss / this.n, accuracy: total.correct / this.n, gradient };
  }

  /** Loss, accuracy and gradient norm. */
  async evaluate(): Promise<Evaluation> {
    const { loss, accuracy, gradient } = await this.gradient();
    let sq = 0;
    for (let i = 0; i < gradient.length; i++) sq += gradient[i]! * gradient[i]!;
    return { parameters: this.p, n: this.n, classes: this.spec.sizes[this.spec.sizes.length - 1]!, loss, accuracy, gradNorm: Math.sqrt(sq) };
  }

  /** Exact H·v of the mean loss (v: p values, PyTorch order). */
  async hvp(v: ArrayLike<number>): Promise<Float64Array> {
    const out = new Float64Array(this.p);
    await this.hvpInto(v, out);
    return out;
  }

  /** out = H·v. */
  async hvpInto(v: ArrayLike<number>, out: Float64Array): Promise<void> {
    await this.productInto('hessian', v, out);
  }

  /** out = G·v, G the generalized Gauss–Newton matrix (1/n) Σ J_xᵀ H_ℓ J_x of the mean loss. */
  async ggnInto(v: ArrayLike<number>, out: Float64Array): Promise<void> {
    await this.productInto('ggn', v, out);
  }

  private async productInto(which: 'hessian' | 'ggn', v: ArrayLike<number>, out: Float64Array): Promise<void> {
    if (v.length !== this.p) throw new ShapeError(`vector has ${v.length} entries, but the model has p = ${this.p} parameters`);
    if (out.length !== this.p) throw new ShapeError(`output has ${out.length} entries, expected p = ${this.p}`);
    // In this thread the net copies v into wasm memory before anything awaits: no copy needed
    // (one p-vector less of garbage per Hv). Workers get a private copy.
    const vf = this.backend.local && v instanceof Float64Array ? v : Float64Array.from(v);
    for (let i = 0; i < vf.length; i++) {
      if (!Number.isFinite(vf[i]!)) throw new InputError(`vector entry ${i} is ${vf[i]} (must be finite)`);
    }
    const backend = this.live();
    const here = which === 'hessian' ? backend.hvpSums : backend.ggnSums;
    if (here) {
      here(vf, out); // the same pairwise sums, without copying each node out of wasm memory
    } else {
      out.set(combineBlockNodes((await backend.each((s) => (which === 'hessian' ? s.hvpNodes(vf) : s.ggnNodes(vf)))).flat()).values!);
    }
    finishMeanProduct(out, this.n, which === 'hessian' ? 'H·v' : 'G·v');
  }

  /**
   * The loss Hessian of the bound model and data as a linear operator: `matvec(v, out)` is the
   * exact H·v of the mean cross-entropy (Pearlmutter's R-operator in the kernels; the forward and
   * backward passes run once per θ and are reused by every product), asynchronous, counting its
   * products. What Lanczos, power iteration, the trace and density estimators and the dense path take.
   */
  hessian(): HessianOperator {
    return this.operator((v, out) => this.hvpInto(v, out));
  }

  /**
   * The generalized Gauss–Newton matrix G = (1/n) Σ_x J_xᵀ H_ℓ(x) J_x of the bound model and data
   * (J_x the Jacobian of the logits in θ, H_ℓ = diag(p) − p pᵀ the softmax cross-entropy's Hessian in
   * the logits) as a linear operator: symmetric positive semi-definite, the Hessian without the
   * terms of the network's own curvature. Its product is an R-forward pass and a backward pass
   * (Schraudolph 2002), cheaper than H·v. Every solver that takes the Hessian takes it.
   */
  gaussNewton(): HessianOperator {
    return this.operator((v, out) => this.ggnInto(v, out));
  }

  /**
   * The empirical Fisher F = (1/n) Σ g_i g_iᵀ (g_i the per-sample gradient at the true label) as a
   * linear operator, without forming any g_i: F·v = (1/n) Σ g_i ⟨g_i, v⟩ is the per-sample
   * products ⟨g_i, v⟩, then one gradient pass with each sample's output residual scaled by its
   * product. Symmetric positive semi-definite, rank ≤ n.
   */
  fisher(): HessianOperator {
    return this.operator(async (v, out) => {
      const { dots } = await this.perSampleProducts([v], 'true');
      const backend = this.live();
      if (backend.weightedGradientSums) {
        backend.weightedGradientSums(dots, out);
      } else {
        let at = 0;
        const parts = backend.shards.map((samples) => {
          const part = dots.slice(at, at + samples);
          at += samples;
          return part;
        });
        const nodes = await backend.each((s, shard) => s.weightedGradientNodes(parts[shard]!));
        out.set(combineBlockNodes(nodes.flat()).values!);
      }
      finishMeanProduct(out, this.n, 'F·v');
    });
  }

  /**
   * H − G: the part of the Hessian that comes from the network's own curvature (the
   * residuals' second derivatives), with H and G as {@link hessian} and {@link gaussNewton}
   * compute them; two products per matvec.
   */
  residual(): HessianOperator {
    const g = new Float64Array(this.p);
    return this.operator(async (v, out) => {
      await this.hvpInto(v, out);
      await this.ggnInto(v, g);
      for (let i = 0; i < out.length; i++) out[i] = out[i]! - g[i]!;
    });
  }

  /** The curvature operator named `name`: {@link hessian}, {@link gaussNewton} (`ggn`), {@link fisher} or {@link residual}. */
  curvature(name: CurvatureName): HessianOperator {
    if (name === 'hessian') return this.hessian();
    if (name === 'ggn') return this.gaussNewton();
    if (name === 'residual') return this.residual();
    if (name === 'fisher') return this.fisher();
    throw new InputError(`unknown curvature operator ${JSON.stringify(name)}: use ${CURVATURE_NAMES.map((n) => `'${n}'`).join(', ')}`);
  }

  /** A counting operator of size p over `product` ({@link countingOperator}). */
  private operator(product: (v: Float64Array, out: Float64Array) => Promise<void>): HessianOperator {
    return countingOperator(this.p, product);
  }


  /**
   * ⟨g(x_i), v_j⟩ and ‖g(x_i)‖² for every sample and direction (g at the predicted or true label),
   * in sample order.
   */
  async perSampleProducts(vectors: readonly ArrayLike<number>[], labels: LabelChoice = 'predicted'): Promise<PerSampleProducts> {
    const vs = vectors.map((v, j) => {
      if (v.length !== this.p) throw new ShapeError(`direction ${j} has ${v.length} entries, expected p = ${this.p}`);
      const f = Float64Array.from(v);
      for (let i = 0; i < f.length; i++) {
        if (!Number.isFinite(f[i]!)) throw new InputError(`direction ${j}, entry ${i} is ${f[i]} (must be finite)`);
      }
      return f;
    });
    const parts = await this.live().each((s) => s.perSampleProducts(vs, labels));
    const k = vs.length;
    const dots = new Float64Array(this.n * k);
    const gradNormSq = new Float64Array(this.n);
    const predicted = new Int32Array(this.n);
    let at = 0;
    for (const part of parts) {
      dots.set(part.dots, at * k);
      gradNormSq.set(part.gradNormSq, at);
      predicted.set(part.predicted, at);
      at += part.gradNormSq.length;
    }
    return { dots, gradNormSq, predicted };
  }

  /** The model's arg-max label of every sample (first index on ties), in sample order. */
  async predictions(): Promise<Int32Array> {
    return inSampleOrder(await this.live().each((s) => s.predictions()), new Int32Array(this.n));
  }

  /**
   * The per-sample gradients g(x_i) (at the predicted or true label), [n × p] row-major in
   * PyTorch order, in sample order: n·p doubles, for analyses that need them whole.
   */
  async perSampleGradients(labels: LabelChoice = 'predicted'): Promise<Float64Array> {
    const parts = await this.live().each((s) => s.perSampleGradients(labels));
    return parts.length === 1 ? parts[0]! : inSampleOrder(parts, new Float64Array(this.n * this.p));
  }

  /** The backend, unless the session was closed (then a clear error, not a worker's 'no shard'). */
  private live(): Backend {
    if (this.closed) throw new ResourceError('this session is closed (its shards were released); open a new one with engine.session(model, data)');
    return this.backend;
  }

  /** Releases the session's shards; later calls on it throw {@link ResourceError}. Closing twice is harmless. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.backend.close();
    if (this.replicas.size > 0) {
      await Promise.allSettled([...this.replicas.values()]);
      const pool = await this.laneSource!.source.pool().catch(() => null);
      await pool?.close(this.replicaId);
    }
  }
}
