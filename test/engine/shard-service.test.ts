/**
 * src/engine/shard-service.ts and worker-service.ts in this thread (what a worker exposes): a shard's H·v as
 * in-place sums equals its pairwise nodes combined; runTask on a shard gives the density of its
 * net's Hessian and stops with an AbortError on cancelTask; unknown shards are refused by id.
 */
import { describe, expect, it } from 'vitest';
import { ShardService } from '../../src/engine/shard-service.js';
import { WorkerService } from '../../src/engine/worker-service.js';
import { combineBlockNodes } from '../../src/engine/dense-net.js';
import { compileKernels } from '../../src/engine/wasm.js';
import { AbortError } from '../../src/errors.js';
import { initParameters, mlpSpec, parameterCount } from '../../src/model/mlp.js';
import { gaussianVector, Rng } from '../../src/model/rng.js';

const spec = mlpSpec([2, 8, 3], 'relu');
const p = parameterCount(spec);

async function opened(n: number): Promise<WorkerService> {
  const kernels = await compileKernels('auto');
  const rng = new Rng(9);
  const service = new WorkerService();
  service.open(7, {
    module: kernels.module, build: kernels.build, spec, theta: initParameters(spec, 1),
    x: Float32Array.from({ length: 2 * n }, () => rng.normal()), y: Int32Array.from({ length: n }, (_, i) => i % 3),
    d: 2, classes: 3, options: { chunkSize: 16, firstBlock: 0 },
  });
  return service;
}

describe('ShardService and WorkerService', () => {
  it('a ShardService alone has no task methods (the worker\'s service adds them)', () => {
    expect('runTask' in new ShardService()).toBe(false);
  });

  it('H·v as in-place sums equals the pairwise nodes combined, bit for bit', async () => {
    const service = await opened(70); // five 16-sample blocks
    const v = gaussianVector(2, p);
    const sums = new Float64Array(p);
    service.hvpSums(7, v, sums);
    expect(combineBlockNodes(service.hvpNodes(7, v)).values).toEqual(sums);
  });

  it('runs a density task on a shard and stops one on cancelTask', async () => {
    const service = await opened(40);
    const kernels = await compileKernels('auto');
    const task = { kind: 'density', probes: 2, steps: 10, seed: 1, vectorOps: 'float64-ts' } as const;
    const d = await service.runTask(1, 7, task, kernels) as { probes: number; nodes: unknown[] };
    expect(d.probes).toBe(2);
    expect(d.nodes).toHaveLength(2);
    const long = service.runTask(2, 7, { ...task, probes: 1000, steps: 10 }, kernels, () => service.cancelTask(2));
    await expect(long).rejects.toBeInstanceOf(AbortError);
  });

  it('refuses an unknown shard by its id', async () => {
    const service = await opened(10);
    expect(() => service.net(3)).toThrow(/no shard 3/);
    service.close(7);
    expect(() => service.hvpSums(7, new Float64Array(p), new Float64Array(p))).toThrow(/no shard 7/);
  });
});
