/**
 * The dense Hessian path (src/hessian/dense.ts): H assembled from p products, all eigenvalues,
 * checked eigenvectors, the asymmetry of the products, the size limit and cancellation.
 *
 * References are independent of the code under test: matrices are Q·diag(λ)·Qᵀ with λ chosen in
 * test/cases/hessian-spectra.ts; on the real loss Hessians of the PyTorch fixtures, PyTorch's
 * float64 eigendecomposition (test/helpers/hessian-fixtures.ts). Cancellation is measured in
 * products and progress steps after the abort, not in milliseconds (test/helpers/abort.ts).
 */
import { describe, expect, it } from 'vitest';
import { makeDataset } from '../../src/data/dataset.js';
import { createEngine } from '../../src/engine/engine.js';
import { AbortError, ResourceError } from '../../src/errors.js';
import { denseHessianSpectrum, denseOperator, type LinearOperator } from '../../src/hessian/index.js';
import { initParameters, mlpSpec } from '../../src/model/mlp.js';
import { Rng } from '../../src/model/rng.js';
import { abortAfter, counting } from '../helpers/abort.js';
import { FIXTURE_CASES } from '../helpers/fixtures.js';
import { fixtureOperator } from '../helpers/hessian-fixtures.js';
import { absCos, buildCase, residual, SPECTRUM_CASES } from '../cases/hessian-spectra.js';

describe('denseHessianSpectrum', () => {
  it('assembles H from p matvecs and returns all eigenvalues with checked eigenvectors', async () => {
    const k = buildCase(SPECTRUM_CASES.find((c) => c.id === 'indefinite')!);
    const op = denseOperator(k.A, k.n);
    const r = await denseHessianSpectrum(op, { vectors: 4 });
    expect(r.schema).toBe('hessian-lens/dense-spectrum@1');
    expect(r.matvecs).toBe(k.n + 4); // p to assemble, one per returned vector for its residual
    expect(op.matvecs).toBe(k.n + 4);
    expect(r.eigenvalues).toHaveLength(k.n);
    for (let i = 0; i < k.n; i++) expect(Math.abs(r.eigenvalues[i]! - k.eigenvalues[i]!)).toBeLessThan(1e-12 * 8);
    expect(r.eigenvectors).toHaveLength(4);
    expect(r.residuals).toHaveLength(4);
    for (let t = 0; t < 4; t++) {
      const u = r.eigenvectors[t]!;
      expect(r.residuals[t]).toBeLessThan(1e-12);
      expect(residual(k.A, k.n, u, r.eigenvalues[t]!)).toBeLessThan(1e-12);
      expect(absCos(u, k.eigenvectors[t]!)).toBeGreaterThan(1 - 1e-12);
      let big = 0;
      for (let i = 1; i < u.length; i++) if (Math.abs(u[i]!) > Math.abs(u[big]!)) big = i;
      expect(u[big]).toBeGreaterThan(0);
    }
    expect(r.asymmetry).toBe(0);
    expect(Object.isFrozen(r)).toBe(true);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('reports how asymmetric the matvecs were and decomposes the symmetric part', async () => {
    const A = Float64Array.from([2, 1.1, 0.9, 2]);
    const r = await denseHessianSpectrum(denseOperator(A, 2), { vectors: 0 });
    expect(r.asymmetry).toBeCloseTo(0.2 / 2, 12);
    expect(r.eigenvalues[0]).toBeCloseTo(3, 12);
    expect(r.eigenvectors).toEqual([]);
  });

  it('refuses above the limit with a message naming p and the limit', async () => {
    const big: LinearOperator = { size: 12_001, matvec: () => { throw new Error('must not be called'); } };
    await expect(denseHessianSpectrum(big)).rejects.toThrow(ResourceError);
    await expect(denseHessianSpectrum(big)).rejects.toThrow('dense path needs p ≤ 12000, this model has p = 12001; raise `limit` or use lanczos');
    const small = buildCase(SPECTRUM_CASES[0]!);
    await expect(denseHessianSpectrum(denseOperator(small.A, small.n), { limit: 10 })).rejects.toThrow(/p ≤ 10, this model has p = 60/);
  });

  it('aborts between matvecs', async () => {
    const k = buildCase(SPECTRUM_CASES[0]!);
    const ctrl = new AbortController();
    const op = denseOperator(k.A, k.n);
    const run = denseHessianSpectrum(op, { signal: ctrl.signal, onProgress: () => { if (op.matvecs >= 5) ctrl.abort(); } });
    await expect(run).rejects.toBeInstanceOf(AbortError);
    expect(op.matvecs).toBeLessThan(k.n);
  });
});

describe.each(FIXTURE_CASES)('Hessian spectrum of %s', (name) => {
  it('dense path: all p eigenvalues within 1e-4·|λ1|', async () => {
    const { op, ref } = await fixtureOperator(name);
    const d = await denseHessianSpectrum(op, { vectors: 3 });
    const l1 = Math.abs(ref.hessian_eigenvalues_desc[0]!);
    expect(d.eigenvalues).toHaveLength(ref.p);
    d.eigenvalues.forEach((x, i) => expect(Math.abs(x - ref.hessian_eigenvalues_desc[i]!)).toBeLessThanOrEqual(1e-4 * l1));
    expect(d.asymmetry).toBeLessThan(1e-4);
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
