/**
 * The Session as the one bound handle (src/engine/session.ts): its model follows setParameters,
 * siblings on other data share θ, predictions and the Hessian operator give the same bits in this
 * thread and on a 2-worker pool, and a closed session refuses work with a clear error.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { makeDataset } from '../src/data/dataset.js';
import { createEngine, type Engine } from '../src/engine/engine.js';
import { ResourceError } from '../src/errors.js';
import { initParameters, mlpSpec } from '../src/model/mlp.js';
import { gaussianVector, Rng } from '../src/model/rng.js';

const spec = mlpSpec([3, 12, 4], 'tanh');
const theta = initParameters(spec, 5);

function data(n: number, seed: number) {
  const rng = new Rng(seed);
  return makeDataset(Float32Array.from({ length: 3 * n }, () => rng.normal()), Int32Array.from({ length: n }, (_, i) => i % 4), 3, 4);
}

let local: Engine;
let pooled: Engine;
afterAll(async () => {
  await local?.close();
  await pooled?.close();
});

describe('Session', () => {
  it('predictions, gradients and Hv are the same bits in this thread and on two workers', async () => {
    local = await createEngine({ threads: 1 });
    pooled = await createEngine({ threads: 2, poolThreshold: 0 });
    const d = data(600, 1); // three 256-sample blocks: both workers hold some
    const a = await local.session({ spec, theta }, d);
    const b = await pooled.session({ spec, theta }, d);
    expect(a.threads).toBe(1);
    expect(b.threads).toBe(2);
    const pa = await a.predictions();
    expect(pa).toHaveLength(600);
    expect(await b.predictions()).toEqual(pa);
    // the arg-max the per-sample products report is the same
    expect((await a.perSampleProducts([], 'predicted')).predicted).toEqual(pa);
    const v = gaussianVector(3, a.p);
    const ha = a.hessian();
    const hb = b.hessian();
    const outA = new Float64Array(a.p);
    const outB = new Float64Array(a.p);
    await ha.matvec(v, outA);
    await hb.matvec(v, outB);
    expect(outB).toEqual(outA);
    expect(ha.matvecs).toBe(1);
    expect(ha.size).toBe(a.p);
    await a.close();
    await b.close();
  });

  it('its model follows setParameters; withData binds the same θ to other data', async () => {
    local ??= await createEngine({ threads: 1 });
    const train = data(40, 2);
    const test = data(17, 3);
    const s = await local.session({ spec, theta }, train);
    expect(s.model.theta).toEqual(theta);
    expect(s.data).toBe(train);
    const moved = Float32Array.from(theta, (x, i) => x + 0.01 * Math.sin(i));
    await s.setParameters(moved);
    expect(s.model.theta).toEqual(moved);
    const sibling = await s.withData(test);
    expect(sibling.n).toBe(17);
    expect(sibling.model.theta).toEqual(moved);
    const direct = await local.session({ spec, theta: moved }, test);
    expect(await sibling.loss()).toEqual(await direct.loss());
    await sibling.close();
    await direct.close();
    await s.close();
    await expect(s.withData(test)).rejects.toThrow(ResourceError);
    await expect(s.predictions()).rejects.toThrow('this session is closed');
  });
});
