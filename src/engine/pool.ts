/**
 * A pool of workers (Node worker_threads or browser Web Workers, through comlink), each holding
 * θ and a contiguous run of blocks of every dataset opened on it. A sum is "broadcast the vector,
 * each worker sums its blocks into pairwise-tree nodes, add the nodes in block order", so the
 * bits do not depend on the number of workers or on timing.
 *
 * A worker that dies (crash, termination, out of memory) rejects the calls waiting on it with a
 * ResourceError naming the cause; the pool then starts a replacement and re-opens its shards, so
 * the next call succeeds.
 */
import { wrap, type Remote } from 'comlink';
import { AbortError, HessianLensError, InputError, NumericalError, ResourceError, ShapeError } from '../errors.js';
import { spawnWorker } from '#platform';
import { workerReady, type WorkerHandle } from './platform.js';
import type { ShardInit, ShardOpened, ShardService } from './shard-service.js';
import type { CompiledKernels } from './wasm.js';

interface Slot {
  handle: WorkerHandle;
  remote: Remote<ShardService>;
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
export class WorkerPool {
  private slots: Slot[] = [];
  private closed = false;
  private healing: Promise<void> | null = null;

  private constructor(readonly kernels: CompiledKernels) {}

  /** Starts `threads` workers (the compiled module is posted to each, compiled once here). */
  static async create(kernels: CompiledKernels, threads: number): Promise<WorkerPool> {
    if (!Number.isInteger(threads) || threads < 1) throw new ResourceError(`threads must be a positive integer, got ${threads}`);
    const pool = new WorkerPool(kernels);
    const started = await Promise.allSettled(Array.from({ length: threads }, () => pool.startSlot(new Map())));
    const failure = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failure) {
      // the workers that did start would otherwise live on (and keep a Node process running)
      await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.handle.terminate().catch(() => {}) : undefined)));
      throw failure.reason;
    }
    pool.slots = started.map((s) => (s as PromiseFulfilledResult<Slot>).value);
    return pool;
  }

  /** Number of workers. */
  get size(): number {
    return this.slots.length;
  }

  private async startSlot(shards: Map<number, ShardInit>): Promise<Slot> {
    const handle = await spawnWorker();
    const ready = workerReady(handle.endpoint);
    let fail: (error: Error) => void = () => {};
    const failed = new Promise<never>((_, reject) => {
      fail = reject;
    });
    failed.catch(() => {}); // observed through `call`
    const slot: Slot = { handle, remote: wrap<ShardService>(handle.endpoint), failed, dead: null, waiting: new Set(), shards };
    handle.onFailure((error) => {
      if (slot.dead) return;
      slot.dead = error;
      const died = new ResourceError(`a worker died: ${error.message}`);
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
    if (slot.dead) return Promise.reject(new ResourceError(`a worker died: ${slot.dead.message}`));
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
      const slot = this.slots[i]!;
      if (slot.dead) {
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
    if (this.closed) throw new ResourceError('the worker pool was terminated');
    await this.heal();
    try {
      return await Promise.all(workers.map((w) => this.race(this.slots[w]!, () => fn(this.slots[w]!.remote, w))));
    } catch (error) {
      if (this.slots.some((s) => s.dead)) await this.heal().catch(() => {});
      throw error;
    }
  }

  /** Opens shard `id` on worker `w` (kept for replay if the worker is replaced); returns what the worker reports. */
  async open(w: number, id: number, init: ShardInit): Promise<ShardOpened> {
    if (this.closed) throw new ResourceError('the worker pool was terminated');
    await this.heal();
    const slot = this.slots[w]!;
    slot.shards.set(id, init);
    try {
      return await this.race(slot, () => slot.remote.open(id, init));
    } catch (error) {
      slot.shards.delete(id); // a shard that failed to open must not be replayed on a replacement
      throw error;
    }
  }

  /** Closes shard `id` everywhere. */
  async close(id: number): Promise<void> {
    await Promise.all(this.slots.map(async (slot) => {
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

  /** Test hook for fault handling: crashes worker `w` (the call rejects, the worker exits). */
  async crashWorker(w: number): Promise<void> {
    const slot = this.slots[w]!;
    await slot.handle.terminate();
  }

  /** Stops every worker. */
  async terminate(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.handle.terminate().catch(() => {})));
  }
}

