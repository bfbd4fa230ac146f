/**
 * The spectrum pipeline with its Krylov bases resident in wasm memory (wasm SIMD vector ops)
 * against the same pipeline on plain-TS float64 vector ops and against the PyTorch fixture: the
 * vector kernels change only rounding. A top-k of more than half the spectrum is checked against
 * matrices Q·diag(λ)·Qᵀ of known spectrum (test/cases/hessian-spectra.ts).
 */
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/engine.js';
import { wasmVectorOps } from '../../src/engine/vector-ops.js';
import { denseOperator } from '../../src/hessian/operator.js';
import { checkSpectrumK, hessianSpectrum, spectrumVectorBytes } from '../../src/hessian/spectrum.js';
import { ResourceError } from '../../src/errors.js';
import { parseCsv } from '../../src/io/csv.js';
import { loadMlp } from '../../src/io/safetensors.js';
import { loadFixture } from '../helpers/fixtures.js';
import { buildCase, residual, SPECTRUM_CASES } from '../cases/hessian-spectra.js';

it('Lanczos and SLQ on wasm-resident bases agree with the TS path and PyTorch', async () => {
  const { model: bytes, csv, ref } = await loadFixture('moons_2-16-16-2_tanh');
  const engine = await createEngine({ threads: 1 });
  const session = await engine.session(loadMlp(bytes), parseCsv(csv), { precision: 'f64' });
  const ops = wasmVectorOps(engine, { capacityBytes: spectrumVectorBytes(session.p, 10, true) });
  const wasm = await hessianSpectrum(session.hessian(), { k: 10, density: true, dense: false, vectorOps: ops });
  const ts = await hessianSpectrum(session.hessian(), { k: 10, density: true, dense: false });
  const l1 = Math.abs(ref.hessian_eigenvalues_desc[0]!);
  wasm.summary.eigenvalues.forEach((l, i) => {
    expect(Math.abs(l - ts.summary.eigenvalues[i]!)).toBeLessThan(1e-9 * l1);
    expect(Math.abs(l - ref.hessian_eigenvalues_desc[i]!)).toBeLessThan(1e-6 * l1);
  });
  expect(ops.usedBytes).toBeGreaterThan(0); // the bases really lived in wasm memory
  const integral = (d: NonNullable<typeof wasm.summary.density>): number => {
    let s = 0;
    for (let i = 1; i < d.grid.length; i++) s += 0.5 * (d.values[i]! + d.values[i - 1]!) * (d.grid[i]! - d.grid[i - 1]!);
    return s;
  };
  expect(Math.abs(integral(wasm.summary.density!) - 1)).toBeLessThan(1e-3);
  await session.close();
});

it('hessianSpectrum refuses over half the spectrum beyond the dense limit before any product, and allows it within', async () => {
  let products = 0;
  const diag = (p: number) => ({ size: p, matvec(v: Float64Array, out: Float64Array): void { products++; for (let i = 0; i < p; i++) out[i] = (i + 1) * v[i]!; } });
  await expect(hessianSpectrum(diag(12_001), { k: 6001, density: false, dense: false })).rejects.toThrow(ResourceError);
  await expect(hessianSpectrum(diag(12_001), { k: 99999, density: false, dense: false })).rejects.toThrow(/^top 99999 \(more than p, so all p = 12001\) asks for more than half the spectrum/);
  expect(products).toBe(0);
  // a raised denseLimit, or p within the default one, lets the same share through
  expect(() => checkSpectrumK(6001, 12_001, 13_000)).not.toThrow();
  expect(() => checkSpectrumK(6000, 12_001)).not.toThrow();
  expect(() => checkSpectrumK(4000, 4001)).not.toThrow();
  const all = await hessianSpectrum(diag(40), { k: 1000, density: false, dense: false });
  expect(all.summary.eigenvalues).toHaveLength(40);
  expect(all.summary.eigenvalues[0]).toBeCloseTo(40, 8);
});

it('hessianSpectrum runs on the smallest operators (p < 5: a logistic regression on one feature has p = 4)', async () => {
  for (const p of [1, 2, 4]) {
    const op = { size: p, matvec(v: Float64Array, out: Float64Array): void { for (let i = 0; i < p; i++) out[i] = (i + 1) * v[i]!; } };
    const r = await hessianSpectrum(op, { k: 2 });
    expect(r.summary.eigenvalues[0]).toBeCloseTo(p, 10);
    // Hutch++ needs 5 products even here (p used to be passed as the budget and rejected for p < 5)
    const { estimate, stderr } = r.summary.trace;
    expect(Math.abs(estimate - (p * (p + 1)) / 2)).toBeLessThanOrEqual(5 * stderr + 1e-9 * p * p);
  }
});

describe('hessianSpectrum with a top-k of more than half the spectrum', () => {
  it('takes the exact eigenpairs from the dense path (no Lanczos basis), for LA, SA and LM', async () => {
    const k = buildCase(SPECTRUM_CASES.find((c) => c.id === 'indefinite')!);
    const byWhich = {
      LA: [...k.eigenvalues].sort((a, b) => b - a),
      SA: [...k.eigenvalues].sort((a, b) => a - b),
      LM: [...k.eigenvalues].sort((a, b) => Math.abs(b) - Math.abs(a)),
    };
    for (const which of ['LA', 'SA', 'LM'] as const) {
      const r = await hessianSpectrum(denseOperator(k.A, k.n), { k: 40, which, density: false, dense: false });
      expect(r.eigen.iterations).toBe(0);
      expect(r.eigen.eigenvalues).toHaveLength(40);
      // (LM: equal |λ| may come in either order)
      const value = (x: number): number => (which === 'LM' ? Math.abs(x) : x);
      r.eigen.eigenvalues.forEach((v, i) => expect(Math.abs(value(v) - value(byWhich[which][i]!))).toBeLessThan(1e-12 * 8));
      expect(r.eigen.converged.every(Boolean)).toBe(true);
      r.eigen.eigenvectors.forEach((u, i) => expect(residual(k.A, k.n, u, r.eigen.eigenvalues[i]!)).toBeLessThan(1e-12));
      expect(r.summary.dense?.eigenvalues).toHaveLength(k.n); // the same assembly serves the summary
    }
  });
});
