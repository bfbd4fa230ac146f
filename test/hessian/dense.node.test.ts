/**
 * Regression: the dense path on a ReLU net whose Hessian has a large block of numerically zero
 * eigenvalues (dead units) — implicit QL used to stall there ("did not converge for eigenvalue 0
 * of 1971"). Checked against Lanczos on the same operator (an independent solver) and the trace.
 */
import { expect, it } from 'vitest';
import { createEngine } from '../../src/engine/engine.js';
import { denseHessianSpectrum } from '../../src/hessian/dense.js';
import { lanczos } from '../../src/hessian/lanczos.js';
import { initParameters, mlpSpec } from '../../src/model/mlp.js';
import { PRESETS, presetData } from '../../src/train/recipes.js';

it('dense path on 2-41-41-3 ReLU (p = 1971) converges and agrees with Lanczos at both ends', async () => {
  const engine = await createEngine({ threads: 1 });
  const spec = mlpSpec([2, 41, 41, 3], 'relu');
  // the draw the stall was found on: SplitMix64 gauss, seed 42 (the presets' data before they shipped the paper's points)
  const data = presetData(PRESETS['gauss-normal'].data, { dataSeed: 42 }).train;
  const session = await engine.session({ spec, theta: initParameters(spec, 1) }, data);
  const dense = await denseHessianSpectrum(session.hessian(), { vectors: 3 });
  expect(dense.eigenvalues).toHaveLength(1971);
  const top = await lanczos(session.hessian(), { k: 3, which: 'LA', tol: 1e-9 });
  const bottom = await lanczos(session.hessian(), { k: 3, which: 'SA', tol: 1e-9 });
  const scale = Math.abs(dense.eigenvalues[0]!);
  top.eigenvalues.forEach((l, i) => expect(Math.abs(l - dense.eigenvalues[i]!)).toBeLessThan(1e-6 * scale));
  bottom.eigenvalues.forEach((l, i) => expect(Math.abs(l - dense.eigenvalues[1970 - i]!)).toBeLessThan(1e-6 * scale));
  dense.residuals.forEach((r) => expect(r).toBeLessThan(1e-6 * scale));
  await session.close();
});
