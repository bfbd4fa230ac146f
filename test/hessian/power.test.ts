/**
 * Power iteration (src/hessian/power.ts) through the `{ size, matvec }` seam.
 *
 * The reference is independent of the code under test: every matrix is Q·diag(λ)·Qᵀ with λ and
 * a seeded random orthogonal Q chosen in test/cases/hessian-spectra.ts (or a 2×2 diagonal), so
 * the dominant eigenpair is known by construction; residuals are recomputed with a plain product.
 */
import { describe, expect, it } from 'vitest';
import { AbortError } from '../../src/errors.js';
import { denseOperator, powerIteration } from '../../src/hessian/index.js';
import { absCos, buildCase, residual, spectrumCase } from '../cases/hessian-spectra.js';

describe('powerIteration', () => {
  it('finds the dominant eigenvalue by magnitude, with its sign and residual', async () => {
    // indefinite: λ_min = −8 dominates λ_max = 6.
    const k = buildCase(spectrumCase('indefinite'));
    const r = await powerIteration(denseOperator(k.A, k.n), { tol: 1e-10, maxIterations: 2000 });
    expect(r.converged).toBe(true);
    expect(r.eigenvalue).toBeCloseTo(-8, 8);
    expect(r.magnitude).toBeCloseTo(8, 8);
    expect(r.residual).toBeLessThanOrEqual(1e-10 * 8);
    expect(residual(k.A, k.n, r.eigenvector, r.eigenvalue)).toBeCloseTo(r.residual, 12);
    expect(absCos(r.eigenvector, k.eigenvectors[k.n - 1]!)).toBeGreaterThan(1 - 1e-8);
    expect(r.matvecs).toBe(r.iterations);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('is deterministic for a seed and starts from a random vector, not a fixed one', async () => {
    const k = buildCase(spectrumCase('wishart-like'));
    const a = await powerIteration(denseOperator(k.A, k.n), { seed: 3 });
    const b = await powerIteration(denseOperator(k.A, k.n), { seed: 3 });
    expect(b).toEqual(a);
    expect(a.eigenvalue).toBeCloseTo(k.eigenvalues[0]!, 5);
    // A start orthogonal to the top eigenvector would be a fixed-start bug; e.g. e_1 on diag(1, 2).
    const diag = await powerIteration(denseOperator(Float64Array.from([1, 0, 0, 2]), 2), { tol: 1e-12 });
    expect(diag.eigenvalue).toBeCloseTo(2, 10);
  });

  it('does not claim convergence when λ and −λ tie for dominance', async () => {
    const r = await powerIteration(denseOperator(Float64Array.from([1, 0, 0, -1]), 2), { maxIterations: 50 });
    expect(r.converged).toBe(false);
    expect(r.iterations).toBe(50);
    expect(r.residual).toBeGreaterThan(1e-3);
  });

  it('aborts and reports progress', async () => {
    const k = buildCase(spectrumCase('wishart-like'));
    const ctrl = new AbortController();
    let calls = 0;
    const run = powerIteration(denseOperator(k.A, k.n), { tol: 0, signal: ctrl.signal, onProgress: () => { if (++calls === 4) ctrl.abort(); } });
    await expect(run).rejects.toBeInstanceOf(AbortError);
    expect(calls).toBe(4);
  });
});
