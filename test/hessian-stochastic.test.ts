/**
 * Hutchinson / Hutch++ trace and stochastic Lanczos quadrature density (the outlier rule: hessian-outliers.test.ts).
 *
 * References are independent of the code under test: the exact trace is Σλ of spectra chosen in
 * test/cases/hessian-spectra.ts (matrices Q·diag(λ)·Qᵀ); the density's defining properties
 * (unit mass, weights summing to 1, mean = vᵀHv = trace/p in expectation, exact nodes when the
 * Krylov space is the whole space) are checked directly.
 */
import { describe, expect, it } from 'vitest';
import { AbortError, InputError } from '../src/errors.js';
import { denseOperator, spectralDensity, traceEstimate } from '../src/hessian/index.js';
import { buildCase, SPECTRUM_CASES, spectrumCase } from './cases/hessian-spectra.js';

function trapezoid(x: readonly number[], y: readonly number[]): number {
  let s = 0;
  for (let i = 1; i < x.length; i++) s += 0.5 * (x[i]! - x[i - 1]!) * (y[i]! + y[i - 1]!);
  return s;
}

describe('traceEstimate', () => {
  for (const c of SPECTRUM_CASES.filter((x) => x.eigenvalues.length > 2)) {
    it(`Hutchinson and Hutch++ land within 3 standard errors of the exact trace: ${c.id}`, async () => {
      const k = buildCase(c);
      const op = denseOperator(k.A, k.n);
      const h = await traceEstimate(op, { probes: 60, seed: 1 });
      expect(h.schema).toBe('hessian-lens/trace@1');
      expect(h.method).toBe('hutchinson');
      expect(h.matvecs).toBe(60);
      expect(h.probes).toBe(60);
      expect(h.stderr).toBeGreaterThan(0);
      expect(Math.abs(h.estimate - k.trace)).toBeLessThanOrEqual(3 * h.stderr);
      const pp = await traceEstimate(op, { probes: 60, seed: 1, method: 'hutch++' });
      expect(pp.matvecs).toBeLessThanOrEqual(60);
      expect(pp.sketchSize).toBeLessThanOrEqual(20);
      expect(pp.probes).toBe(20);
      expect(Math.abs(pp.estimate - k.trace)).toBeLessThanOrEqual(3 * pp.stderr + 1e-9 * Math.abs(k.trace));
    });
  }

  it('Hutch++ is exact on a matrix whose rank fits in the sketch, and beats Hutchinson on spikes', async () => {
    const lowRank = buildCase({ id: 'rank3', seed: 31, eigenvalues: [5, 3, -2, ...new Array(37).fill(0)] });
    const exact = await traceEstimate(denseOperator(lowRank.A, lowRank.n), { method: 'hutch++', probes: 15 });
    expect(exact.sketchSize).toBe(3); // dependent sketch columns are dropped
    expect(exact.estimate).toBeCloseTo(6, 10);
    expect(exact.stderr).toBeLessThan(1e-10);
    const spiky = buildCase(spectrumCase('clustered'));
    const a = await traceEstimate(denseOperator(spiky.A, spiky.n), { probes: 30 });
    const b = await traceEstimate(denseOperator(spiky.A, spiky.n), { probes: 30, method: 'hutch++' });
    expect(b.stderr).toBeLessThan(a.stderr);
  });

  it('is deterministic for a seed, validates options and aborts', async () => {
    const k = buildCase(spectrumCase('indefinite'));
    const op = denseOperator(k.A, k.n);
    expect(await traceEstimate(op, { seed: 4 })).toEqual(await traceEstimate(op, { seed: 4 }));
    await expect(traceEstimate(op, { probes: 1 })).rejects.toThrow(InputError);
    await expect(traceEstimate(op, { method: 'hutch++', probes: 4 })).rejects.toThrow(/probes/);
    const ctrl = new AbortController();
    const run = traceEstimate(op, { signal: ctrl.signal, onProgress: (p) => { if (p.matvecs === 2) ctrl.abort(); } });
    await expect(run).rejects.toBeInstanceOf(AbortError);
  });
});

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
