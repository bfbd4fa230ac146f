/**
 * Runs lane tasks (tasks.ts) — in a pool worker (worker-service.ts), or in this thread in tests:
 * the density by {@link spectralDensity} on the environment's Hessian, a group of margin starts by
 * the batched search, a block of eigenvector rows times Qᵀ by the reflector application the dense
 * solver uses. Loaded by the worker entry only.
 */
import { densityFraction, spectralDensity } from '../hessian/density.js';
import { float64Ops, type VectorOps } from '../hessian/vector.js';
import { batchedRuns, type SearchSetup } from '../analysis/margin-batch.js';
import { applyQTransposedToRowsSteps, unpackReflectors } from '../hessian/eigen/tridiagonalize.js';
import { Arena } from './arena.js';
import { densityBasisBytes, type ReflectorsTask, type Task, type TaskEnvironment, type TaskHooks, type TaskResult, type VectorOpsName } from './tasks.js';
import { wasmVectorOps } from './vector-ops.js';
import { instantiateKernels, type CompiledKernels } from './wasm.js';
import { runSteps } from './yield.js';

function vectorOpsFor(name: VectorOpsName, kernels: CompiledKernels, bytes: number): VectorOps {
  return name === 'wasm-simd-f64' ? wasmVectorOps(kernels, { capacityBytes: bytes }) : float64Ops;
}

/** Runs `task` in this thread, with vector kernels of its own of the kind the task names. */
export async function runTask<T extends Task>(task: T, env: TaskEnvironment, hooks: TaskHooks = {}): Promise<TaskResult<T>> {
  const { signal, onProgress } = hooks;
  if (task.kind === 'density') {
    if (!env.hessian) throw new Error('a density task needs the session\'s Hessian');
    const op = env.hessian();
    const ops = vectorOpsFor(task.vectorOps, env.kernels, densityBasisBytes(op.size, task.steps));
    const result = await spectralDensity(op, {
      probes: task.probes, steps: task.steps, seed: task.seed, vectorOps: ops,
      ...(task.reorthogonalization ? { reorthogonalization: task.reorthogonalization } : {}),
      ...(task.memoryBudget !== undefined ? { memoryBudget: task.memoryBudget } : {}),
      ...(signal ? { signal } : {}),
      onProgress: (pr) => onProgress?.({ fraction: densityFraction(pr), detail: `probe ${pr.probe}/${pr.probes}, step ${pr.step}/${pr.steps}` }),
    });
    return result as TaskResult<T>;
  }
  if (task.kind === 'apply-reflectors') return (await applyReflectorsTask(task, hooks)) as TaskResult<T>;
  const setup: SearchSetup = {
    ...task.setup, kernels: env.kernels, signal,
    onProgress: (pr) => onProgress?.({ fraction: pr.fraction, detail: `${pr.run}/${pr.runs} starts done, step ${pr.step}, best |A| ${pr.absAlignment.toPrecision(3)}` }),
  };
  return (await batchedRuns(setup, task.starts)) as TaskResult<T>;
}

/** Z ← Z·Qᵀ for the task's rows, in a kernel instance of the task's build, yielding between pieces of work. */
async function applyReflectorsTask(task: ReflectorsTask, hooks: TaskHooks): Promise<Float64Array> {
  const { n, rows, signal } = { ...task, signal: hooks.signal };
  const kernels = instantiateKernels(task.kernels).exports;
  const arena = new Arena(kernels);
  const aPtr = arena.f64(n * n, `the ${n}×${n} reflectors`);
  const tauPtr = arena.f64(n - 1, 'τ');
  const zPtr = arena.f64(rows * n, `${rows} rows`);
  unpackReflectors(task.a, arena.viewF64(aPtr, n * n), n);
  arena.viewF64(tauPtr, n - 1).set(task.tau);
  arena.viewF64(zPtr, rows * n).set(task.z);
  await runSteps(applyQTransposedToRowsSteps(kernels, arena, { n, aPtr, tauPtr }, zPtr, rows, n, {
    onProgress: (done, of) => hooks.onProgress?.({ fraction: of > 0 ? done / of : 1 }),
  }), signal);
  return arena.viewF64(zPtr, rows * n).slice();
}

