/**
 * What a pool worker exposes: a {@link ShardService} that also runs lane tasks (tasks.ts) on its
 * shards — the session's Hessian over a shard's whole dataset, the kernels the task names — and
 * stops them on request. Only the worker entry loads it (with task-runner.ts).
 */
import { releaseProxy, transfer } from 'comlink';
import { ShardService } from './shard-service.js';
import { runTask } from './task-runner.js';
import { meanHessianOperator, type Task, type TaskEnvironment, type TaskProgress } from './tasks.js';
import type { CompiledKernels } from './wasm.js';

/** Shortest interval between two progress reports of a task (each is a message). */
const TASK_PROGRESS_MS = 100;

/** A worker's service: shards and lane tasks. */
export class WorkerService extends ShardService {
  private readonly tasks = new Map<number, AbortController>();

  /**
   * Runs a lane task ({@link runTask}) here: on shard `shard`'s whole dataset when the task needs
   * data, with `kernels`' build. Progress goes to `onProgress` at most every 100 ms (and at the
   * end); {@link cancelTask} with the same `taskId` stops it with an AbortError.
   */
  async runTask(taskId: number, shard: number | null, task: Task, kernels: CompiledKernels, onProgress?: (progress: TaskProgress) => void): Promise<unknown> {
    const controller = new AbortController();
    this.tasks.set(taskId, controller);
    let last = -Infinity;
    try {
      const net = shard === null ? null : this.net(shard);
      const env: TaskEnvironment = {
        kernels,
        ...(net ? { hessian: () => meanHessianOperator(net.p, net.n, (v, out) => net.hvpSums(v, out)) } : {}),
      };
      const result = await runTask(task, env, {
        signal: controller.signal,
        onProgress: (progress) => {
          const now = performance.now();
          if (now - last < TASK_PROGRESS_MS && progress.fraction < 1) return;
          last = now;
          // through comlink the call returns a promise: a report lost on the way is not an error
          Promise.resolve(onProgress?.(progress)).catch(() => {});
        },
      });
      // large rows go back without a copy
      return result instanceof Float64Array ? transfer(result, [result.buffer as ArrayBuffer]) : result;
    } finally {
      this.tasks.delete(taskId);
      // a comlink proxy of the caller's callback holds a message port open until released
      const release = (onProgress as { [releaseProxy]?: () => void } | undefined)?.[releaseProxy];
      if (typeof release === 'function') release.call(onProgress);
    }
  }

  /** Stops task `taskId` if it is running here (at its next check of the signal). */
  cancelTask(taskId: number): void {
    this.tasks.get(taskId)?.abort();
  }
}
