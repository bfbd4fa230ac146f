/**
 * Stochastic Lanczos quadrature density (src/hessian/density.ts; the outlier rule: outliers.test.ts).
 *
 * References are independent of the code under test: spectra chosen in
 * test/cases/hessian-spectra.ts (matrices Q·diag(λ)·Qᵀ); the density's defining properties
 * (unit mass, weights summing to 1, mean = vᵀHv = trace/p in expectation, exact nodes when the
 * Krylov space is the whole space) are checked directly.
 */
import { describe, expect, it } from 'vitest';
import { AbortError } from '../../src/errors.js';
import { denseOperator, spectralDensity } from '../../src/hessian/index.js';
import { buildCase, SPECTRUM_CASES, spectrumCase } from '../cases/hessian-spectra.js';

function trapezoid(x: readonly number[], y: readonly number[]): number {
  let s = 0;
  for (let i = 1; i < x.length; i++) s += 0.5 * (x[i]! - x[i - 1]!) * (y[i]! + y[i - 1]!);
  return s;
}

describe('spectralDensity', () => {
  for (const c of SPECTRUM_CASES.filter((x) => x.eigenvalues.length > 2)) {
    it(`integrates to 1, weights sum to 1 and the mean tracks trace/p: ${c.id}`, async () => {
      const k = buildCase(c);
      const d = await spectralDensity(denseOperator(k.A, k.n), { probes: 8, steps: 30, seed: 2 });
      expect(d.schema).toBe('hessian-lens/density@1');
      expect(d.grid).toHaveLength(1000);
      expect(d.values).toHaveLength(1000);
      expect(Math.abs(trapezoid(d.grid, d.values) - 1)).toBeLessThanOrEqual(1e-3);
      expect(d.nodes).toHaveLength(8);
      const means: number[] = [];
      let lo = Infinity;
      let hi = -Infinity;
      d.weights.forEach((w, p) => {
        expect(w.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
        expect(w.every((x) => x >= 0)).toBe(true);
        expect(w).toHaveLength(d.nodes[p]!.length);
        means.push(w.reduce((s, x, j) => s + x * d.nodes[p]![j]!, 0));
        for (const x of d.nodes[p]!) {
          lo = Math.min(lo, x);
          hi = Math.max(hi, x);
        }
      });
      // The grid extends several σ past the extreme nodes.
      expect(d.grid[0]).toBeLessThanOrEqual(lo - 5 * d.sigma);
      expect(d.grid[d.grid.length - 1]).toBeGreaterThanOrEqual(hi + 5 * d.sigma);
      // Each probe's mean is vᵀHv = zᵀHz/p for its Rademacher z: unbiased for trace/p.
      const mean = means.reduce((s, x) => s + x, 0) / means.length;
      const sd = Math.sqrt(means.reduce((s, x) => s + (x - mean) ** 2, 0) / (means.length - 1));
      expect(Math.abs(mean - k.trace / k.n)).toBeLessThanOrEqual(4 * (sd / Math.sqrt(means.length)) + 1e-12);
    });
  }

  it('recovers the exact eigenvalues as nodes when the Krylov space fills the space', async () => {
    const k = buildCase(spectrumCase('indefinite'));
    const d = await spectralDensity(denseOperator(k.A, k.n), { probes: 2, steps: 500 });
    expect(d.steps).toBe(k.n);
    for (const nodes of d.nodes) {
      expect(nodes).toHaveLength(k.n);
      nodes.forEach((x, i) => expect(x).toBeCloseTo(k.eigenvalues[i]!, 10));
    }
  });

  it('ends a probe early at breakdown with an exact, shorter quadrature', async () => {
    const k = buildCase(spectrumCase('repeated')); // 8 distinct eigenvalues
    const d = await spectralDensity(denseOperator(k.A, k.n), { probes: 3, steps: 30 });
    for (const nodes of d.nodes) expect(nodes.length).toBe(8);
    expect(d.matvecs).toBe(24);
  });

  it('is deterministic, takes σ and a range, refuses an undersampled grid, and aborts', async () => {
    const k = buildCase(spectrumCase('wishart-like'));
    const op = denseOperator(k.A, k.n);
    expect(await spectralDensity(op, { probes: 2, steps: 10, seed: 9 })).toEqual(await spectralDensity(op, { probes: 2, steps: 10, seed: 9 }));
    const d = await spectralDensity(op, { probes: 2, steps: 10, sigma: 0.05, range: [-1, 4], gridPoints: 501 });
    expect(d.sigma).toBe(0.05);
    expect(d.grid[0]).toBe(-1);
    expect(d.grid[500]).toBe(4);
    await expect(spectralDensity(op, { probes: 1, steps: 10, sigma: 1e-5 })).rejects.toThrow(/gridPoints ≥/);
    const ctrl = new AbortController();
    const run = spectralDensity(op, { signal: ctrl.signal, onProgress: (p) => { if (p.step === 3) ctrl.abort(); } });
    await expect(run).rejects.toBeInstanceOf(AbortError);
  });
});
