/**
 * The Hessian solvers on the real loss Hessians of the PyTorch fixtures (issue 3's acceptance),
 * driven through the same `{ size, matvec }` seam by a session's Hessian operator (f32 kernels).
 *
 * Why the reference is independent: the fixtures' eigenvalues, eigenvectors and trace were
 * computed by PyTorch in float64 from the full autograd Hessian (torch.linalg.eigh), sharing no
 * code with the wasm R-operator HVP, the Lanczos/QL code or the stochastic estimators here.
 */
import { describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../src/engine/engine.js';
import type { HessianOperator } from '../src/engine/session.js';
import { countOutliers, denseHessianSpectrum, lanczos, spectralDensity, traceEstimate } from '../src/hessian/index.js';
import { parseCsv } from '../src/io/csv.js';
import { loadMlp } from '../src/io/safetensors.js';
import { FIXTURE_CASES, loadFixture } from './helpers/fixtures.js';
import { absCos } from './cases/hessian-spectra.js';

let enginePromise: Promise<Engine> | undefined;
const getEngine = (): Promise<Engine> => (enginePromise ??= createEngine());

async function fixtureOperator(name: string): Promise<{ op: HessianOperator; ref: Awaited<ReturnType<typeof loadFixture>>['ref'] }> {
  const { model, csv, ref } = await loadFixture(name);
  const engine = await getEngine();
  // in this thread; the sessions are left open: each test's is dropped with its operator
  const session = await engine.session(loadMlp(model), parseCsv(csv), { inThread: true });
  return { op: session.hessian(), ref };
}


describe.each(FIXTURE_CASES)('Hessian spectrum of %s', (name) => {
  it('Lanczos top-10: eigenvalues within 1e-4·|λ1|, separated eigenvectors |cos| ≥ 0.999, every pair with its residual', async () => {
    const { op, ref } = await fixtureOperator(name);
    const r = await lanczos(op, { k: 10 });
    const l1 = Math.abs(ref.hessian_eigenvalues_desc[0]!);
    for (let i = 0; i < 10; i++) {
      expect(Math.abs(r.eigenvalues[i]! - ref.hessian_eigenvalues_desc[i]!)).toBeLessThanOrEqual(1e-4 * l1);
      if (ref.top10_relative_gaps[i]! >= 1e-2) expect(absCos(r.eigenvectors[i]!, ref.top10_eigenvectors[i]!)).toBeGreaterThanOrEqual(0.999);
      expect(Number.isFinite(r.residuals[i])).toBe(true);
      if (r.converged[i]) expect(r.residuals[i]).toBeLessThanOrEqual(r.tol * r.residualScale);
    }
    expect(r.matvecs).toBe(op.matvecs);
  });

  it('dense path: all p eigenvalues within 1e-4·|λ1|', async () => {
    const { op, ref } = await fixtureOperator(name);
    const d = await denseHessianSpectrum(op, { vectors: 3 });
    const l1 = Math.abs(ref.hessian_eigenvalues_desc[0]!);
    expect(d.eigenvalues).toHaveLength(ref.p);
    d.eigenvalues.forEach((x, i) => expect(Math.abs(x - ref.hessian_eigenvalues_desc[i]!)).toBeLessThanOrEqual(1e-4 * l1));
    expect(d.asymmetry).toBeLessThan(1e-4);
  });

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

describe('outlier rule on the fixtures\' exact spectra', () => {
  it('counts 3 for moons and 2 for iris, the same from the top 10 as from all p', async () => {
    const moons = (await loadFixture('moons_2-16-16-2_tanh')).ref.hessian_eigenvalues_desc;
    const iris = (await loadFixture('iris_4-16-3_relu')).ref.hessian_eigenvalues_desc;
    // moons 4.86, 1.80, 0.370 | 0.109, …: the edge step is 5.4% of λ1 (a near call), the next below 1.8%
    expect(countOutliers(moons.slice(0, 10)).count).toBe(3);
    expect(countOutliers(moons).count).toBe(3);
    // iris 1.81, 0.233 | 0.0819, 0.0301, …: the edge step is 8.3% of λ1, the next below 2.9%
    expect(countOutliers(iris.slice(0, 10)).count).toBe(2);
    expect(countOutliers(iris).count).toBe(2);
  });
});
