/**
 * The worker pool keeps nothing of a call once it has settled. Each pool Hv brings back every
 * worker's partial sums (8·p bytes a worker); a pool that kept them reachable grew by that much per
 * call, for good. Measured here by Node's external memory (where buffers received from workers
 * are counted) after a forced garbage collection, before and after many calls: a byte count with
 * a generous bound, independent of timing. Before the fix this test saw 243 MB kept.
 */
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { afterAll, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/engine.js';
import { generateToy } from '../../src/data/toy.js';
import { initParameters, mlpSpec, parameterCount } from '../../src/model/mlp.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function settledBytes(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
  }
  return process.memoryUsage().external;
}

const engine = await createEngine({ threads: 2, poolThreshold: 0 });
afterAll(() => engine.close());

it('pool calls retain no results: external memory does not grow with the call count', async () => {
  const spec = mlpSpec([2, 500, 500, 3], 'tanh');
  const p = parameterCount(spec);
  const session = await engine.session({ spec, theta: initParameters(spec, 0) }, generateToy('gauss', { seed: 0, n: 600 }));
  expect(session.threads).toBe(2);
  const v = new Float64Array(p).fill(1e-3);
  await session.hvp(v); // warm up: buffers the session keeps are counted in the baseline
  const before = await settledBytes();
  const calls = 60;
  for (let i = 0; i < calls; i++) await session.hvp(v);
  const grown = (await settledBytes()) - before;
  // A leak keeps ≥ 8·p bytes per worker per call: 2 · 60 · 8 · 252,003 ≈ 242 MB here.
  const leaked = 2 * calls * 8 * p;
  expect(grown).toBeLessThan(leaked / 10);
  await session.close();
});
