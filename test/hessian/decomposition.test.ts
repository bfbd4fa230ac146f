/**
 * src/hessian/decomposition.ts: with explicit G (positive semi-definite) and R, the Rayleigh
 * quotients of H = G + R's top eigenvectors split each eigenvalue exactly into the two parts, G's
 * top eigenvalues are G's own, and the outlier counts come from the same rule on both spectra;
 * on a session, the split of the Hessian's top eigenvalues sums back to them.
 */
import { describe, expect, it } from 'vitest';
import { makeDataset } from '../../src/data/dataset.js';
import { createEngine } from '../../src/engine/engine.js';
import { outlierDecomposition } from '../../src/hessian/decomposition.js';
import { symmetricEigen } from '../../src/hessian/dense.js';
import { lanczos } from '../../src/hessian/lanczos.js';
import { denseOperator } from '../../src/hessian/operator.js';
import { initParameters, mlpSpec } from '../../src/model/mlp.js';
import { Rng } from '../../src/model/rng.js';

describe('outlierDecomposition', () => {
  it('splits each top eigenvalue of G + R into its two Rayleigh quotients; G\'s own top eigenvalues and outliers beside', async () => {
    const n = 30;
    const rng = new Rng(3);
    // G = BBᵀ with three strong directions (positive semi-definite, three outliers); R small and indefinite
    const G = new Float64Array(n * n);
    const R = new Float64Array(n * n);
    for (let c = 0; c < 3; c++) {
      const b = Array.from({ length: n }, () => rng.normal());
      const w = [30, 20, 12][c]! / n;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) G[i * n + j]! += w * b[i]! * b[j]!;
    }
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) R[i * n + j] = R[j * n + i] = 0.05 * rng.normal();
    const H = G.map((g, i) => g + R[i]!);
    const h = await symmetricEigen(H, n, { vectors: 5 });
    const eigenvalues = Array.from(h.eigenvalues.subarray(0, 5));
    const eigenvectors = Array.from({ length: 5 }, (_, i) => Array.from(h.eigenvectors!.subarray(i * n, (i + 1) * n)));
    const d = await outlierDecomposition(denseOperator(G, n), denseOperator(R, n), eigenvalues, eigenvectors);
    d.shares.forEach((s, i) => {
      expect(Math.abs(s.ggn + s.residual - eigenvalues[i]!)).toBeLessThan(1e-12 * eigenvalues[0]!);
      if (i < 3) expect(s.ggn / s.eigenvalue).toBeGreaterThan(0.9); // the outliers are G's
    });
    const g = await symmetricEigen(G, n, { vectors: false });
    d.ggnEigenvalues.forEach((x, i) => expect(Math.abs(x - g.eigenvalues[i]!)).toBeLessThan(1e-6 * g.eigenvalues[0]!));
    expect(d.outliers).toEqual({ hessian: 3, ggn: 3 });
    await expect(outlierDecomposition(denseOperator(G, n), denseOperator(R, n), [1], [])).rejects.toThrow(/1 eigenvalues with 0 eigenvectors/);
  });

  it('on a session: the Hessian\'s top eigenvalues are the sums of their Gauss–Newton and residual parts', async () => {
    const spec = mlpSpec([2, 16, 3], 'tanh');
    const rng = new Rng(8);
    const data = makeDataset(Float32Array.from({ length: 120 }, () => rng.normal()), Int32Array.from({ length: 60 }, (_, i) => i % 3), 2, 3);
    const engine = await createEngine({ threads: 1 });
    const session = await engine.session({ spec, theta: initParameters(spec, 1) }, data, { precision: 'f64' });
    const eig = await lanczos(session.hessian(), { k: 3, tol: 1e-10 });
    const d = await outlierDecomposition(session.gaussNewton(), session.residual(), eig.eigenvalues, eig.eigenvectors);
    d.shares.forEach((s, i) => expect(Math.abs(s.ggn + s.residual - eig.eigenvalues[i]!)).toBeLessThan(1e-8 * Math.abs(eig.eigenvalues[0]!)));
    d.shares.forEach((s) => expect(s.ggn).toBeGreaterThanOrEqual(0));
    await session.close();
    await engine.close();
  });
});
