/**
 * Cancellation: aborting from a timer in the middle of Lanczos (in this thread and, in Node, on a
 * 2-worker pool), of the dense eigen-decomposition and of training rejects with AbortError, and the
 * next call on the same engine succeeds. "Promptly" is measured in work, not in milliseconds (a
 * test must not depend on how busy the machine is): after the timer fires, at most one more unit
 * of work starts — one Hessian-vector product, one progress step of the dense solver, one
 * progress report of training. The lag in milliseconds is printed for the record; `npm run bench
 * -- dense` measures it at p = 3897 on an otherwise idle machine.
 */
import { describe, expect, it } from 'vitest';
import { makeDataset } from '../src/data/dataset.js';
import { createEngine } from '../src/engine/engine.js';
import { AbortError } from '../src/errors.js';
import { lanczos } from '../src/hessian/lanczos.js';
import { denseHessianSpectrum } from '../src/hessian/dense.js';
import { initParameters, mlpSpec } from '../src/model/mlp.js';
import { Rng } from '../src/model/rng.js';
import { train } from '../src/train/train.js';
import { inBrowser } from './helpers/fixtures.js';

function bigProblem() {
  const spec = mlpSpec([64, 128, 128, 10], 'tanh');
  const rng = new Rng(1);
  const n = 2000;
  const data = makeDataset(new Float32Array(n * 64).map(() => rng.normal()), Int32Array.from({ length: n }, (_, i) => i % 10), 64, 10);
  return { model: { spec, theta: initParameters(spec, 1) }, data };
}

/** Aborts from a timer after `ms`; `fired()` tells whether it has fired. */
async function abortAfter<T>(ms: number, run: (signal: AbortSignal, fired: () => boolean) => Promise<T>): Promise<{ error: unknown; lag: number }> {
  const controller = new AbortController();
  let firedAt = 0;
  setTimeout(() => {
    firedAt = performance.now();
    controller.abort();
  }, ms);
  try {
    await run(controller.signal, () => firedAt > 0);
    return { error: null, lag: NaN };
  } catch (error) {
    return { error, lag: performance.now() - firedAt };
  }
}

/** An operator that counts the products started after `fired()`. */
function counting(op: { size: number; matvec(v: Float64Array, out: Float64Array): Promise<void> }, fired: () => boolean) {
  const counts = { after: 0 };
  return { counts, op: { size: op.size, matvec: (v: Float64Array, out: Float64Array) => { if (fired()) counts.after++; return op.matvec(v, out); } } };
}

const threadCounts = inBrowser ? [1] : [1, 2];

describe.each(threadCounts)('abort with %i thread(s)', (threads) => {
  it('Lanczos rejects promptly and the engine keeps working', async () => {
    const engine = await createEngine({ threads, poolThreshold: 0 });
    const { model, data } = bigProblem();
    const session = await engine.session(model, data);
    let after = { after: 0 };
    const { error, lag } = await abortAfter(150, (signal, fired) => {
      const c = counting(session.hessian(), fired);
      after = c.counts;
      return lanczos(c.op, { k: 10, tol: 1e-14, maxIterations: 400, signal });
    });
    expect(error).toBeInstanceOf(AbortError);
    expect(after.after, 'Hessian-vector products started after the abort').toBeLessThanOrEqual(1);
    console.log(`Lanczos (${threads} thread(s)) rejected ${lag.toFixed(0)} ms after the abort`);
    const eig = await lanczos(session.hessian(), { k: 2, tol: 1e-4 });
    expect(eig.eigenvalues).toHaveLength(2);
    await session.close();
    await engine.close();
  });
});

it('the dense eigendecomposition rejects promptly and the next call succeeds', async () => {
  const engine = await createEngine({ threads: 1 });
  const spec = mlpSpec([2, 40, 40, 3], 'tanh'); // p = 1883
  const rng = new Rng(4);
  const data = makeDataset(new Float32Array(300).map(() => rng.normal()), Int32Array.from({ length: 150 }, (_, i) => i % 3), 2, 3);
  const session = await engine.session({ spec, theta: initParameters(spec, 2) }, data);
  let products = { after: 0 };
  let reportsAfter = 0;
  const { error, lag } = await abortAfter(400, (signal, fired) => {
    const c = counting(session.hessian(), fired);
    products = c.counts;
    return denseHessianSpectrum(c.op, { vectors: 1883, signal, onProgress: () => { if (fired()) reportsAfter++; } });
  });
  expect(error).toBeInstanceOf(AbortError);
  expect(products.after, 'products started after the abort').toBeLessThanOrEqual(1);
  expect(reportsAfter, 'pieces of work reported after the abort').toBeLessThanOrEqual(1);
  console.log(`dense p = 1883 rejected ${lag.toFixed(0)} ms after the abort`);
  const small = await createEngine({ threads: 1 });
  const s2 = await small.session({ spec: mlpSpec([2, 6, 3], 'tanh'), theta: initParameters(mlpSpec([2, 6, 3], 'tanh'), 1) }, data);
  const ok = await denseHessianSpectrum(s2.hessian(), { vectors: 2 });
  expect(ok.eigenvalues).toHaveLength(39);
});

it('training rejects promptly and the next training call succeeds', async () => {
  const engine = await createEngine({ threads: 1 });
  const { model, data } = bigProblem();
  let reportsAfter = 0;
  const { error, lag } = await abortAfter(150, (signal, fired) => train(engine, model, data, {
    epochs: 10_000, batchSize: 32, lr: 0.01, signal, onProgress: () => { if (fired()) reportsAfter++; },
  }));
  expect(error).toBeInstanceOf(AbortError);
  // training checks the signal before every mini-batch: no epoch completes after the abort
  expect(reportsAfter, 'progress reports after the abort').toBeLessThanOrEqual(1);
  console.log(`training rejected ${lag.toFixed(0)} ms after the abort`);
  const ok = await train(engine, model, data, { epochs: 1, batchSize: 500, lr: 0.01 });
  expect(ok.epochs).toBe(1);
});
