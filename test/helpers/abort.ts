/**
 * What the cancellation tests share (Lanczos, the dense path, training): a problem big enough to
 * abort in the middle of, an abort fired from a timer, and an operator that counts the products
 * started after it fired. "Promptly" is measured in work, not in milliseconds (a test must not
 * depend on how busy the machine is): after the timer fires, at most one more unit of work starts
 * — one Hessian-vector product, one progress step of the dense solver, one progress report of
 * training. The lag in milliseconds is printed for the record; `npm run bench -- dense` measures
 * it at p = 3897 on an otherwise idle machine.
 */
import { makeDataset } from '../../src/data/dataset.js';
import { initParameters, mlpSpec } from '../../src/model/mlp.js';
import { Rng } from '../../src/model/rng.js';

/** A 64-128-128-10 tanh net over 2000 Gaussian samples. */
export function bigProblem() {
  const spec = mlpSpec([64, 128, 128, 10], 'tanh');
  const rng = new Rng(1);
  const n = 2000;
  const data = makeDataset(new Float32Array(n * 64).map(() => rng.normal()), Int32Array.from({ length: n }, (_, i) => i % 10), 64, 10);
  return { model: { spec, theta: initParameters(spec, 1) }, data };
}

/** Aborts from a timer after `ms`; `fired()` tells whether it has fired. */
export async function abortAfter<T>(ms: number, run: (signal: AbortSignal, fired: () => boolean) => Promise<T>): Promise<{ error: unknown; lag: number }> {
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
export function counting(op: { size: number; matvec(v: Float64Array, out: Float64Array): Promise<void> }, fired: () => boolean) {
  const counts = { after: 0 };
  return { counts, op: { size: op.size, matvec: (v: Float64Array, out: Float64Array) => { if (fired()) counts.after++; return op.matvec(v, out); } } };
}
