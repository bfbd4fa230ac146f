/**
 * Hutchinson / Hutch++ trace estimation (src/hessian/trace.ts).
 *
 * References are independent of the code under test: the exact trace is Σλ of spectra chosen in
 * test/cases/hessian-spectra.ts (matrices Q·diag(λ)·Qᵀ); on the real loss Hessians of the PyTorch
 * fixtures, PyTorch's float64 trace of the full autograd Hessian (test/helpers/hessian-fixtures.ts).
 */
import { describe, expect, it } from 'vitest';
import { AbortError, InputError } from '../../src/errors.js';
import { denseOperator, spectralDensity, traceEstimate } from '../../src/hessian/index.js';
import { FIXTURE_CASES } from '../helpers/fixtures.js';
import { fixtureOperator } from '../helpers/hessian-fixtures.js';
import { buildCase, SPECTRUM_CASES, spectrumCase } from '../cases/hessian-spectra.js';

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

describe.each(FIXTURE_CASES)('Hessian spectrum of %s', (name) => {
  it('trace within 3 standard errors (Hutchinson and Hutch++); density integrates to 1', async () => {
    const { op, ref } = await fixtureOperator(name);
    for (const method of ['hutchinson', 'hutch++'] as const) {
      const t = await traceEstimate(op, { probes: 60, method, seed: 3 });
      expect(Math.abs(t.estimate - ref.hessian_trace)).toBeLessThanOrEqual(3 * t.stderr + 1e-6 * Math.abs(ref.hessian_trace));
    }
    const d = await spectralDensity(op, { probes: 4, steps: 40 });
    let mass = 0;
    for (let i = 1; i < d.grid.length; i++) mass += 0.5 * (d.grid[i]! - d.grid[i - 1]!) * (d.values[i]! + d.values[i - 1]!);
    expect(Math.abs(mass - 1)).toBeLessThanOrEqual(1e-3);
  });
});
