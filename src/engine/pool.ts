/**
 * A pool of workers (Node worker_threads or browser Web Workers, through comlink), each holding
 * θ and a contiguous run of blocks of every dataset opened on it. A sum is "broadcast the vector,
 * each worker sums its blocks into pairwise-tree nodes, add the nodes in block order", so the
 * bits do not depend on the number of workers or on timing.
 *
 * A worker that dies (crash, termination, out of memory) rejects the calls waiting on it with a
 * ResourceError naming the cause; the pool then starts a replacement and re-opens its shards, so
 * the next call succeeds. Workers start lazily: one when the pool is created (so a worker entry
 * that cannot load is found at once), the others when a session first opens a shard on them, so a
 * session of 2 shards never starts more than 2 workers whatever `threads` is.
 */
import { proxy, transfer, wrap, type Remote } from 'comlink';
import { AbortError, HessianLensError, InputError, NumericalError, ResourceError, ShapeError } from '../errors.js';
import { spawnWorker } from '#platform';
import { workerReady, type WorkerHandle } from './platform.js';
import type { ShardInit, ShardOpened, ShardService } from './shard-service.js';
import type { WorkerService } from './worker-service.js';
import type { Task, TaskProgress, TaskResult } from './tasks.js';
import type { CompiledKernels } from './wasm.js';

interface Slot {
  handle: WorkerHandle;
  remote: Remote<WorkerService>;
  /** rejects when the worker fails (awaited once, while the worker starts) */
  failed: Promise<never>;
  dead: Error | null;
  /**
   * Rejecters of the calls now running on this worker, removed when each call settles. A call
   * must not race `failed` itself: `failed` never settles while the worker lives, so each race
   * would leave a reaction on it holding that call's result (8·p bytes per call, for good).
   */
  waiting: Set<(error: Error) => void>;
  /** shard inits to replay on a replacement */
  shards: Map<number, ShardInit>;
}

const TYPED: Readonly<Record<string, new (message: string) => HessianLensError>> = { InputError, ShapeError, NumericalError, ResourceError, AbortError };

/** comlink re-creates a worker's error as a plain Error (name and message kept): restore our class. */
function retype(error: unknown): unknown {
  if (error instanceof HessianLensError || !(error instanceof Error)) return error;
  const Class = Object.prototype.hasOwnProperty.call(TYPED, error.name) ? TYPED[error.name] : undefined;
  return Class ? new Class(error.message) : error;
}

/** Workers that compute over shards. Create with {@link WorkerPool.create}. */
/** Ids of lane tasks, unique in this thread. */
let nextTaskId = 1;

export class WorkerPool {
  /** started workers by index (undefined: not started yet) */
  private slots: (Slot | undefined)[] = [];
  /** workers being started, by index */
  private starting = new Map<number, Promise<Slot>>();
  private closed = false;
  private healing: Promise<void> | null = null;

  private constructor(readonly kernels: CompiledKernels, private readonly capacity: number) {}

  /**
   * A pool of up to `threads` workers (the compiled module is posted to each, compiled once here).
   * Starts the first worker now; the others start when a shard is first opened on them.
   */
  static async create(kernels: CompiledKernels, threads: number): Promise<WorkerPool> {
    if (!Number.isInteger(threads) || threads < 1) throw new ResourceError(`threads must be a positive integer, got ${threads}`);
    const pool = new WorkerPool(kernels, threads);
    pool.slots[0] = await pool.startSlot(new Map());
    return pool;
  }

  /** Number of workers the pool may run (sessions split their data into at most this many shards). */
  get size(): number {
    return this.capacity;
  }

  /** Number of workers started so far (at most {@link WorkerPool.size}). */
  get started(): number {
    return this.slots.filter((s) => s !== undefined).length;
  }

  /**
   * Starts every worker now rather than on first use: for a page that must keep working offline
   * once loaded (a worker's script is fetched when it starts).
   */
  async startAll(): Promise<void> {
    if (this.closed) throw this.closedError();
    await Promise.all(Array.from({ length: this.capacity }, (_, w) => this.slotAt(w)));
  }

  /** The started workers. */
  private live(): Slot[] {
    return this.slots.filter((s): s is Slot => s !== undefined);
  }

  /** Worker `w`, started on first use. */
  private async slotAt(w: number): Promise<Slot> {
    if (!Number.isInteger(w) || w < 0 || w >= this.capacity) throw new ResourceError(`no worker ${w} in a pool of ${this.capacity}`);
    const slot = this.slots[w];
    if (slot) return slot;
    let pending = this.starting.get(w);
    if (!pending) {
      pending = this.startSlot(new Map()).then(async (started) => {
        if (this.closed) {
          await started.handle.terminate().catch(() => {});
          throw this.closedError();
        }
        this.slots[w] = started;
        return started;
      }).finally(() => this.starting.delete(w));
      this.starting.set(w, pending);
    }
    return pending;
  }

  private closedError(): ResourceError {
    return new ResourceError('the engine was closed (engine.close() stopped its worker pool) while this call was running; open a new session to continue');
  }

  private async startSlot(shards: Map<number, ShardInit>): Promise<Slot> {
    const handle = await spawnWorker();
    const ready = workerReady(handle.endpoint);
    let fail: (error: Error) => void = () => {};
    const failed = new Promise<never>((_, reject) => {
      fail = reject;
    });
    failed.catch(() => {}); // observed through `call`
    const slot: Slot = { handle, remote: wrap<WorkerService>(handle.endpoint), failed, dead: null, waiting: new Set(), shards };
    handle.onFailure((error) => {
      if (slot.dead) return;
      slot.dead = error;
      const died = this.closed ? this.closedError() : new ResourceError(`a worker died: ${error.message}`);
      fail(died);
      for (const reject of slot.waiting) reject(died);
      slot.waiting.clear();
    });
    try {
      await Promise.race([ready, failed]);
      for (const [id, init] of shards) await this.race(slot, () => slot.remote.open(id, init));
    } catch (error) {
      const cause = slot.dead;
      await handle.terminate().catch(() => {});
      throw cause ? new ResourceError(`a worker could not start: ${cause.message}`) : error;
    }
    return slot;
  }

  /** Runs `fn` on a slot, rejecting if the worker dies first; nothing of the call outlives it. */
  private race<T>(slot: Slot, fn: () => Promise<T>): Promise<T> {
    if (slot.dead) return Promise.reject(this.closed ? this.closedError() : new ResourceError(`a worker died: ${slot.dead.message}`));
    return new Promise<T>((resolve, reject) => {
      slot.waiting.add(reject);
      const settled = (): void => {
        slot.waiting.delete(reject);
      };
      let call: Promise<T>;
      try {
        call = fn();
      } catch (error) {
        settled();
        throw retype(error);
      }
      call.then(resolve, (error: unknown) => reject(retype(error))).finally(settled);
    });
  }

  /** Replaces dead workers (their shards are re-opened from the kept inits), one replacement run at a time. */
  private heal(): Promise<void> {
    this.healing ??= this.replaceDead().finally(() => {
      this.healing = null;
    });
    return this.healing;
  }

  private async replaceDead(): Promise<void> {
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[i];
      if (slot?.dead) {
        void slot.handle.terminate().catch(() => {});
        this.slots[i] = await this.startSlot(slot.shards);
      }
    }
  }

  /**
   * @internal (its comlink types stay out of the published declarations)
   * Calls `fn` on every worker that holds part of shard set `id` (in worker order) and returns
   * their results; heals the pool first, and after a failure so the next call works.
   */
  async onEach<T>(workers: readonly number[], fn: (remote: Remote<ShardService>, worker: number) => Promise<T>): Promise<T[]> {
    if (this.closed) throw this.closedError();
    await this.heal();
    try {
      return await Promise.all(workers.map((w) => this.race(this.slots[w]!, () => fn(this.slots[w]!.remote, w))));
    } catch (error) {
      if (this.live().some((s) => s.dead)) await this.heal().catch(() => {});
      throw error;
    }
  }

  /** Opens shard `id` on worker `w` (kept for replay if the worker is replaced); returns what the worker reports. */
  async open(w: number, id: number, init: ShardInit): Promise<ShardOpened> {
    if (this.closed) throw this.closedError();
    await this.heal();
    const slot = await this.slotAt(w);
    slot.shards.set(id, init);
    try {
      return await this.race(slot, () => slot.remote.open(id, init));
    } catch (error) {
      slot.shards.delete(id); // a shard that failed to open must not be replayed on a replacement
      throw error;
    }
  }

  /**
   * Runs lane task `task` on worker `w` (on its shard `shard` when the task needs data), with the
   * kernels build `kernels`; `signal` cancels it there (the call then rejects with AbortError).
   */
  async runTask<T extends Task>(w: number, shard: number | null, task: T, kernels: CompiledKernels, signal?: AbortSignal, onProgress?: (progress: TaskProgress) => void): Promise<TaskResult<T>> {
    if (this.closed) throw this.closedError();
    await this.heal();
    const slot = await this.slotAt(w);
    const taskId = nextTaskId++;
    const cancel = (): void => {
      void slot.remote.cancelTask(taskId).catch(() => {});
    };
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      const progress = onProgress ? proxy((p: TaskProgress) => onProgress(p)) : undefined;
      // a back-transformation's arrays are the caller's fresh copies: sent without another
      const sent = task.kind === 'apply-reflectors' ? transfer(task, [task.a.buffer, task.tau.buffer, task.z.buffer] as ArrayBuffer[]) : task;
      return (await this.race(slot, () => slot.remote.runTask(taskId, shard, sent, { build: kernels.build, module: kernels.module, ...(kernels.gemm ? { gemm: kernels.gemm } : {}) }, progress))) as TaskResult<T>;
    } finally {
      signal?.removeEventListener('abort', cancel);
    }
  }

  /** Closes shard `id` everywhere. */
  async close(id: number): Promise<void> {
    await Promise.all(this.live().map(async (slot) => {
      if (slot.shards.delete(id) && !slot.dead) await this.race(slot, () => slot.remote.close(id)).catch(() => {});
    }));
  }

  /** Updates θ of shard set `id` on the given workers. */
  async setParameters(workers: readonly number[], id: number, theta: Float32Array): Promise<void> {
    await this.onEach(workers, async (remote, w) => {
      const init = this.slots[w]!.shards.get(id);
      if (init) this.slots[w]!.shards.set(id, { ...init, theta: theta.slice() });
      await remote.setParameters(id, theta);
    });
  }

  /**
   * Stops worker `w` abruptly, as a crash would (e.g. one stuck in a call that will not finish):
   * the calls waiting on it reject with {@link ResourceError}, and the pool starts a replacement,
   * with its shards, on the next call. A worker not started yet is left as it is.
   */
  async terminateWorker(w: number): Promise<void> {
    if (!Number.isInteger(w) || w < 0 || w >= this.capacity) throw new ResourceError(`no worker ${w} in a pool of ${this.capacity}`);
    await this.slots[w]?.handle.terminate();
  }

  /** Stops every worker. */
  async terminate(): Promise<void> {
    this.closed = true;
    await Promise.all(this.live().map((s) => s.handle.terminate().catch(() => {})));
    // workers still starting are stopped by slotAt once they are up
    await Promise.allSettled([...this.starting.values()]);
  }
}

