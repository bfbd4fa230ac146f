/**
 * The paper's main claim on its main experiment, on its own points (gauss-normal: 2-100-100-3 ReLU, SGD lr 0.02,
 * batch 64), at a quarter of the budget: a few outliers stand well above the bulk, and the top
 * eigenvectors align with the per-sample gradients of boundary points far above the random-
 * direction level ε. Full-budget numbers next to the paper's are in docs/paper-results.md.
 */
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/engine.js';
import { analyze } from '../../src/analysis/analyze.js';
import { spearman } from '../../src/analysis/compare.js';
import { referenceLogits } from '../../src/reference/mlp.js';
import { runPreset } from '../../src/train/recipes.js';

describe('gauss-normal at budget 0.25', () => {
  it('has outliers above the bulk and boundary-aligned top eigenvectors', async () => {
    const engine = await createEngine({ threads: 1 });
    const run = await runPreset(engine, 'gauss-normal', { budget: 0.25, seed: 0 });
    const r = await analyze(engine, { model: run.model, data: { train: run.data.train, test: run.data.test, val: run.data.val }, gridRes: 0, density: false, margin: false, dense: false });
    const { eigenvalues, outliers } = r.spectrum;
    // the paper marks 2; the last outlier stands ≥ 5% of λ1 above the bulk (the outlier rule's edge)
    expect(outliers.count).toBe(2);
    expect(eigenvalues[1]! - eigenvalues[2]!).toBeGreaterThan(0.05 * eigenvalues[0]!);
    const eps = r.alignment.epsilon.value;
    expect(r.alignment.meanAbs[0]!).toBeGreaterThan(10 * eps);
    expect(r.alignment.maxAbs[0]!).toBeGreaterThan(0.9);
    // boundary points are the ones the top eigenvectors align with ("each eigenvector covers one
    // section of the boundary"): rank training points by their top-two logit gap and compare the
    // best alignment with any of the top-3 eigenvectors for the nearest and farthest tenth
    const train = run.data.train;
    const gaps = Array.from({ length: train.n }, (_, i) => {
      const z = Array.from(referenceLogits(run.model.spec, run.model.theta, train.x.subarray(i * 2, i * 2 + 2))).sort((x, y) => y - x);
      return z[0]! - z[1]!;
    });
    const maxA = gaps.map((_, i) => Math.max(...r.alignment.values.slice(0, 3).map((row) => Math.abs(row[i]!))));
    const order = gaps.map((g, i) => [g, i] as const).sort((x, y) => x[0] - y[0]).map(([, i]) => i);
    const tenth = Math.floor(gaps.length / 10);
    const mean = (idx: number[]): number => idx.reduce((s, i) => s + maxA[i]!, 0) / idx.length;
    const near = mean(order.slice(0, tenth));
    const far = mean(order.slice(-tenth));
    expect(near).toBeGreaterThan(0.85);
    expect(near - far).toBeGreaterThan(0.2);
    expect(spearman(maxA, gaps)!).toBeLessThan(-0.3);
    await engine.close();
  });
});

describe('gauss-normal at the full budget, on the paper\'s points (seed 0)', () => {
  it('lands where PyTorch lands on the same recipe and points: λ1–λ3, training loss and test accuracy in the paper issue\'s ranges', async () => {
    // G over all 10,703 eigenvectors (the dense path) is left out here: it takes minutes; its
    // full-budget run is in docs/paper-results.md, and the projection path is tested on small models
    const engine = await createEngine({ threads: 1 });
    const r = await analyze(engine, { preset: 'gauss-normal', seed: 0, dense: false, density: false, margin: false, gridRes: 0, top: 3 });
    const [l1, l2, l3] = r.spectrum.eigenvalues;
    expect(l1).toBeGreaterThanOrEqual(0.09);
    expect(l1).toBeLessThanOrEqual(0.14);
    expect(l2).toBeGreaterThanOrEqual(0.015);
    expect(l2).toBeLessThanOrEqual(0.05);
    expect(l3).toBeGreaterThanOrEqual(0.0075);
    expect(l3).toBeLessThanOrEqual(0.0105);
    expect(r.evaluation.train.loss).toBeGreaterThanOrEqual(4e-4);
    expect(r.evaluation.train.loss).toBeLessThanOrEqual(8e-4);
    expect(r.evaluation.test!.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(r.settings.budget).toBe(1);
    await engine.close();
  });
});
