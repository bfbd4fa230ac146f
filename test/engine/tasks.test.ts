/**
 * src/engine/tasks.ts and task-runner.ts in this thread: a density task is spectralDensity on the environment's
 * Hessian with the vector kernels it names; a margin-starts task is the batched search on the
 * environment's kernels; meanHessianOperator is the session's H·v (sums, ×1/n, the finite check),
 * counting its products; finishMeanProduct refuses a non-finite product with a NumericalError.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { makeDataset } from '../../src/data/dataset.js';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import { densityBasisBytes, finishMeanProduct, meanHessianOperator, needsData } from '../../src/engine/tasks.js';
import { runTask } from '../../src/engine/task-runner.js';
import { wasmVectorOps } from '../../src/engine/vector-ops.js';
import { NumericalError } from '../../src/errors.js';
import { spectralDensity } from '../../src/hessian/density.js';
import { float64Ops } from '../../src/hessian/vector.js';
import { batchedRuns } from '../../src/analysis/margin-batch.js';
import { initParameters, mlpSpec } from '../../src/model/mlp.js';
import { gaussianVector, Rng } from '../../src/model/rng.js';

const spec = mlpSpec([3, 10, 3], 'tanh');
const model = { spec, theta: initParameters(spec, 2) };
const rng = new Rng(4);
const data = makeDataset(Float32Array.from({ length: 3 * 80 }, () => rng.normal()), Int32Array.from({ length: 80 }, (_, i) => i % 3), 3, 3);

let engine: Engine;
afterAll(async () => {
  await engine?.close();
});

describe('lane tasks in this thread', () => {
  it('a density task is spectralDensity on the Hessian with the kernels it names', async () => {
    engine = await createEngine({ threads: 1 });
    const session = await engine.session(model, data);
    const env = { kernels: session.kernels, hessian: () => session.hessian() };
    for (const name of ['float64-ts', 'wasm-simd-f64'] as const) {
      const task = { kind: 'density', probes: 2, steps: 12, seed: 3, vectorOps: name } as const;
      const fractions: number[] = [];
      const got = await runTask(task, env, { onProgress: (p) => fractions.push(p.fraction) });
      const ops = name === 'float64-ts' ? float64Ops : wasmVectorOps(session.kernels, { capacityBytes: densityBasisBytes(session.p, 12) });
      const want = await spectralDensity(session.hessian(), { probes: 2, steps: 12, seed: 3, vectorOps: ops });
      expect(got.values).toEqual(want.values);
      expect(got.nodes).toEqual(want.nodes);
      expect(fractions.at(-1)).toBe(1);
    }
    expect(needsData({ kind: 'density', probes: 1, steps: 1, seed: 0, vectorOps: 'float64-ts' })).toBe(true);
    await session.close();
  });

  it('a margin-starts task is the batched search on the environment\'s kernels', async () => {
    engine ??= await createEngine({ threads: 1 });
    const setup = {
      spec, theta: model.theta, direction: gaussianVector(1, 73), method: 'free-ascent' as const, maxSteps: 40, target: 0.99, patience: 0,
      lr: 0.05, weightDecay: 0, decayAt: 0, decayFactor: 1, gapTolerance: 1e-3, maxMove: 1,
    };
    const starts = [0, 1, 2].map((i) => ({ origin: 'random' as const, x: Float64Array.from([i, -i, 0.5]) }));
    const task = { kind: 'margin-starts', setup, starts } as const;
    expect(needsData(task)).toBe(false);
    const got = await runTask(task, { kernels: engine.kernels });
    expect(got).toEqual(await batchedRuns({ ...setup, kernels: engine.kernels }, starts));
  });

  it('meanHessianOperator divides the sums by n, checks them and counts its products', async () => {
    const op = meanHessianOperator(3, 4, (v, out) => {
      for (let i = 0; i < 3; i++) out[i] = 2 * v[i]!;
    });
    const out = new Float64Array(3);
    await op.matvec(Float64Array.from([1, 2, 4]), out);
    expect(Array.from(out)).toEqual([0.5, 1, 2]);
    expect(op.matvecs).toBe(1);
    expect(op.size).toBe(3);
    const bad = Float64Array.from([1, Infinity]);
    expect(() => finishMeanProduct(bad, 2)).toThrow(NumericalError);
    expect(() => finishMeanProduct(Float64Array.from([1, NaN]), 2)).toThrow(/H·v entry 1 is NaN/);
  });
});
