/**
 * The margin search (src/analysis/margin.ts) on models trained in the test by a tiny full-batch
 * Adam loop, with v_1 from the dense Hessian path: x_b on the boundary (top-two logit gap ≤ 1e-3 of
 * the logit scale), and the named methods and options.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { alignment, margin, margins, topTwoGap, type MarginResult } from '../../src/analysis/index.js';
import { InputError } from '../../src/errors.js';
import { denseHessianSpectrum } from '../../src/hessian/dense.js';
import { referenceLogits } from '../../src/reference/mlp.js';
import {
  bound,
  closeSessions,
  expectJsonRecord,
  getEngine,
  referenceAlignment,
  topEigenvector,
  trainToy,
} from '../helpers/analysis.js';

afterEach(closeSessions);

describe('margin', () => {
  it('x_b lands on the decision boundary in ≥ 9 of 10 seeded toy runs (boundary-ascent, the default)', async () => {
    const engine = await getEngine();
    let onBoundary = 0;
    const results: MarginResult[] = [];
    for (let seed = 0; seed < 10; seed++) {
      const { model, data } = await trainToy(engine, seed, [2, 16, 16, 3], seed % 2 === 0 ? 'tanh' : 'relu');
      const v1 = await topEigenvector(engine, model, data);
      const res = await margin(await bound(model, data), v1, { seed });
      results.push(res);
      if (res.logitGap <= 1e-3 * res.logitScale) onBoundary++;
      // the reported gap is the reference's at x_b
      expect(Math.abs(topTwoGap(referenceLogits(model.spec, model.theta, res.xb)) - res.logitGap)).toBeLessThan(1e-9 * res.logitScale);
      expect(res.margin).toBe(Math.min(res.distanceToMax, res.distanceToMin));
      expect(res.xtMax.alignment).toBeGreaterThanOrEqual(res.xtMin.alignment);
      expect(res.finalAbsAlignment).toBe(Math.max(...res.starts.map((r) => r.absAlignment)));
      // on the boundary the arg-max is a tie at rounding level: compare with the label the search used
      expect(Math.abs(Math.abs(referenceAlignment(model, v1, res.xb, res.predicted)) - res.finalAbsAlignment)).toBeLessThan(1e-9);
      expect(res.starts).toHaveLength(7);
    }
    expect(onBoundary).toBeGreaterThanOrEqual(9);
    expectJsonRecord(results[0]!);
    expect(results[0]!.method).toBe('boundary-ascent');
  });

  it('free-ascent and paper-sgd are named options with their own settings; margins() runs per eigenvector', async () => {
    const engine = await getEngine();
    const { model, data } = await trainToy(engine, 3, [2, 12, 3], 'tanh', 200);
    const spectrum = await denseHessianSpectrum((await bound(model, data)).hessian(), { vectors: 2 });
    const free = await margin(await bound(model, data), spectrum.eigenvectors[0]!, { method: 'free-ascent', maxSteps: 300 });
    expect(free.method).toBe('free-ascent');
    expect(free.settings.boundaryTolerance).toBeNull();
    expect(free.starts.every((r) => r.steps <= 300)).toBe(true);
    const paper = await margin(await bound(model, data), spectrum.eigenvectors[0]!, { method: 'paper-sgd', maxSteps: 200, starts: 2 });
    expect(paper.settings).toMatchObject({ fromTrainingPoints: false, startDistribution: 'standard-normal', learningRate: 0.01, weightDecay: 1e-3, target: null, patience: null });
    expect(paper.starts).toHaveLength(2);
    expect(paper.starts.every((r) => r.steps === 200 && r.origin === 'random')).toBe(true);
    const both = await margins(await bound(model, data), spectrum.eigenvectors, { indices: [0, 1], maxSteps: 200, starts: 1 });
    expect(both.map((r) => r.eigenvector)).toEqual([0, 1]);
    await expect(margin(await bound(model, data), spectrum.eigenvectors[0]!, { starts: 0, fromTrainingPoints: false })).rejects.toThrow(InputError);
    const aborted = new AbortController();
    aborted.abort();
    await expect(margin(await bound(model, data), spectrum.eigenvectors[0]!, { signal: aborted.signal })).rejects.toThrow('aborted');
  });
});
