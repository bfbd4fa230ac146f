/**
 * The dense symmetric eigensolver (WebAssembly: blocked reduction, divide and conquer, WY
 * back-transformation), the tridiagonal QL that Lanczos and SLQ use, and the dense Hessian path.
 *
 * References are independent of the code under test: matrices are Q·diag(λ)·Qᵀ with λ chosen in
 * test/cases/hessian-spectra.ts; the 1-D Laplacian tridiagonal has the closed-form spectrum
 * 2 − 2cos(jπ/(m+1)) with sine eigenvectors; the Wishart matrix is checked against a cyclic
 * Jacobi routine (a different algorithm).
 */
import { describe, expect, it } from 'vitest';
import { AbortError, InputError, ResourceError, ShapeError } from '../src/errors.js';
import { denseHessianSpectrum, denseOperator, hessianSpectrum, symmetricEigen, tridiagonalEigen, tridiagonalEigenRows, type LinearOperator } from '../src/hessian/index.js';
import { absCos, buildCase, jacobiEigenvalues, residual, SPECTRUM_CASES, wishart } from './cases/hessian-spectra.js';

function maxAbs(xs: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < xs.length; i++) m = Math.max(m, Math.abs(xs[i]!));
  return m;
}

describe('tridiagonalEigen', () => {
  it('matches the closed-form spectrum and sine eigenvectors of the 1-D Laplacian', () => {
    const m = 40;
    const { values, vectors } = tridiagonalEigen(new Array(m).fill(2), new Array(m - 1).fill(-1), true);
    for (let t = 0; t < m; t++) {
      const j = m - t; // descending order
      expect(values[t]).toBeCloseTo(2 - 2 * Math.cos((j * Math.PI) / (m + 1)), 13);
      const exact = Array.from({ length: m }, (_, i) => Math.sin(((i + 1) * j * Math.PI) / (m + 1)));
      expect(absCos(vectors!.subarray(t * m, (t + 1) * m), exact)).toBeGreaterThan(1 - 1e-12);
    }
  });

  it('gives the requested eigenvector components only, consistent with the full vectors', () => {
    const d = [1, 4, -2, 3, 0.5, 7];
    const e = [0.3, -1, 2, 0.1, 1.5];
    const full = tridiagonalEigen(d, e, true);
    const rows = tridiagonalEigenRows(d, e, [0, 5]);
    expect(Array.from(rows.values)).toEqual(Array.from(full.values));
    for (let t = 0; t < 6; t++) {
      expect(Math.abs(rows.rows[t]!)).toBeCloseTo(Math.abs(full.vectors![t * 6]!), 14);
      expect(Math.abs(rows.rows[6 + t]!)).toBeCloseTo(Math.abs(full.vectors![t * 6 + 5]!), 14);
    }
    // First components squared sum to 1 (they are a row of an orthogonal matrix).
    let s = 0;
    for (let t = 0; t < 6; t++) s += rows.rows[t]! ** 2;
    expect(s).toBeCloseTo(1, 14);
  });

  it('handles a split (zero off-diagonal), size 1 and rejects a wrong off-diagonal length', () => {
    const r = tridiagonalEigen([3, 1, 2], [0, 0], true);
    expect(Array.from(r.values)).toEqual([3, 2, 1]);
    expect(Array.from(tridiagonalEigen([5], [], true).values)).toEqual([5]);
    expect(() => tridiagonalEigen([1, 2], [], false)).toThrow(ShapeError);
  });
});

describe('symmetricEigen', () => {
  for (const c of SPECTRUM_CASES) {
    it(`recovers the known spectrum and reconstructs A: ${c.id}`, async () => {
      const k = buildCase(c);
      const n = k.n;
      const before = k.A.slice();
      const r = await symmetricEigen(k.A, n);
      expect(Array.from(k.A)).toEqual(Array.from(before)); // input untouched
      const scale = maxAbs(k.eigenvalues);
      for (let i = 0; i < n; i++) expect(Math.abs(r.eigenvalues[i]! - k.eigenvalues[i]!)).toBeLessThanOrEqual(1e-10 * scale);
      const V = r.eigenvectors!;
      // A = V diag(λ) Vᵀ and VᵀV = I
      let worst = 0;
      let worstOrth = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          let o = 0;
          for (let t = 0; t < n; t++) {
            s += V[t * n + i]! * r.eigenvalues[t]! * V[t * n + j]!;
            o += V[i * n + t]! * V[j * n + t]!;
          }
          worst = Math.max(worst, Math.abs(s - k.A[i * n + j]!));
          worstOrth = Math.max(worstOrth, Math.abs(o - (i === j ? 1 : 0)));
        }
      }
      expect(worst).toBeLessThanOrEqual(1e-12 * scale * n);
      expect(worstOrth).toBeLessThanOrEqual(1e-12 * n);
      // Well-separated eigenvectors match the construction.
      for (let t = 0; t < n; t++) {
        const gap = Math.min(t > 0 ? k.eigenvalues[t - 1]! - k.eigenvalues[t]! : Infinity, t < n - 1 ? k.eigenvalues[t]! - k.eigenvalues[t + 1]! : Infinity);
        if (gap > 1e-3 * scale) expect(absCos(V.subarray(t * n, (t + 1) * n), k.eigenvectors[t]!)).toBeGreaterThan(1 - 1e-10);
      }
      const valuesOnly = await symmetricEigen(k.A, n, { vectors: false });
      expect(valuesOnly.eigenvectors).toBeNull();
      for (let i = 0; i < n; i++) expect(valuesOnly.eigenvalues[i]).toBeCloseTo(r.eigenvalues[i]!, 12);
    });
  }

  for (const c of SPECTRUM_CASES) {
    it(`computes only the leading eigenvectors on request: ${c.id}`, async () => {
      const k = buildCase(c);
      const n = k.n;
      const count = Math.max(1, Math.floor(n / 4));
      const r = await symmetricEigen(k.A, n, { vectors: count });
      const full = await symmetricEigen(k.A, n, { vectors: false });
      const scale = maxAbs(k.eigenvalues);
      expect(r.eigenvectors).toHaveLength(count * n);
      for (let t = 0; t < n; t++) expect(r.eigenvalues[t]).toBe(full.eigenvalues[t]);
      for (let t = 0; t < count; t++) {
        const u = r.eigenvectors!.subarray(t * n, (t + 1) * n);
        expect(residual(k.A, n, u, r.eigenvalues[t]!)).toBeLessThanOrEqual(1e-12 * scale * n);
        for (let s = 0; s < t; s++) expect(absCos(u, r.eigenvectors!.subarray(s * n, (s + 1) * n))).toBeLessThan(1e-10);
        const gap = Math.min(t > 0 ? k.eigenvalues[t - 1]! - k.eigenvalues[t]! : Infinity, k.eigenvalues[t]! - (k.eigenvalues[t + 1] ?? -Infinity));
        if (gap > 1e-3 * scale) expect(absCos(u, k.eigenvectors[t]!)).toBeGreaterThan(1 - 1e-10);
      }
    });
  }

  it('agrees with cyclic Jacobi on a Wishart matrix GᵀG/m', async () => {
    const n = 40;
    const A = wishart(n, 80, 21);
    const ref = jacobiEigenvalues(A, n);
    const r = await symmetricEigen(A, n);
    for (let i = 0; i < n; i++) expect(Math.abs(r.eigenvalues[i]! - ref[i]!)).toBeLessThanOrEqual(1e-12 * ref[0]!);
  });

  it('uses (A + Aᵀ)/2 for a slightly asymmetric input', async () => {
    const A = Float64Array.from([2, 1 + 1e-9, 1 - 1e-9, 2]);
    const r = await symmetricEigen(A, 2);
    expect(r.eigenvalues[0]).toBeCloseTo(3, 14);
    expect(r.eigenvalues[1]).toBeCloseTo(1, 14);
  });

  it('reports progress through its stages and aborts when the signal fires', async () => {
    const k = buildCase(SPECTRUM_CASES[0]!);
    const stages = new Set<string>();
    await symmetricEigen(k.A, k.n, { onProgress: (p) => stages.add(p.stage) });
    expect([...stages]).toEqual(['tridiagonalize', 'solve', 'backtransform']);
    const ctrl = new AbortController();
    await expect(symmetricEigen(k.A, k.n, { signal: ctrl.signal, onProgress: () => ctrl.abort() })).rejects.toThrow(AbortError);
  });

  it('rejects bad shapes and non-finite entries', async () => {
    await expect(symmetricEigen(new Float64Array(5), 2)).rejects.toThrow(ShapeError);
    await expect(symmetricEigen(new Float64Array(4), 0)).rejects.toThrow(InputError);
    await expect(symmetricEigen(new Float64Array(4), 2, { vectors: 3 })).rejects.toThrow(/vectors/);
    await expect(symmetricEigen(Float64Array.from([1, NaN, NaN, 1]), 2)).rejects.toThrow(/non-finite|NaN/);
  });
});

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
