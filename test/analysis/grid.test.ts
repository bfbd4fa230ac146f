/**
 * Alignment maps over a 2-D grid (src/analysis/grid.ts) against the float64 reference arg-max and
 * the single-input evaluator.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  AlignmentGradient,
  alignment,
  alignmentGrid,
  paddedBounds,
  topTwoGap,
} from '../../src/analysis/index.js';
import type { Model } from '../../src/engine/engine.js';
import { ShapeError } from '../../src/errors.js';
import { initParameters, mlpSpec, parameterCount } from '../../src/model/mlp.js';
import { gaussianVector } from '../../src/model/rng.js';
import { referenceLogits } from '../../src/reference/mlp.js';
import { argmax, bound, closeSessions, expectJsonRecord, getEngine, randomData } from '../helpers/analysis.js';

afterEach(closeSessions);

describe('grid maps', () => {
  it('shapes, bounds, class map vs reference arg-max, alignment vs the evaluator, reconstruction', async () => {
    const engine = await getEngine();
    const spec = mlpSpec([2, 10, 3], 'tanh');
    const model: Model = { spec, theta: initParameters(spec, 8) };
    for (let i = 0; i < model.theta.length; i++) model.theta[i]! *= 3;
    const data = randomData(30, 2, 3, 4);
    const p = parameterCount(spec);
    const vs = [gaussianVector(1, p), gaussianVector(2, p)];
    const res = await alignmentGrid(await bound(model, data), vs, { res: 24, eigenvalues: [2, 0.5] });
    const m = 24 * 24;
    expect(res.xs).toHaveLength(24);
    expect(res.ys).toHaveLength(24);
    expect(res.alignment).toHaveLength(2);
    expect(res.alignment[0]).toHaveLength(m);
    expect(res.predicted).toHaveLength(m);
    expect(res.boundary).toHaveLength(m);
    expect(res.bounds).toEqual(paddedBounds(data, 0.1));
    expect(Math.max(...res.boundary!)).toBeCloseTo(1, 12);
    expect(Math.min(...res.boundary!)).toBeGreaterThanOrEqual(0);
    const ev = AlignmentGradient.forModel(model, vs[1]!);
    let checked = 0;
    for (const [ix, iy] of [[0, 0], [5, 17], [23, 23], [12, 3], [20, 9], [1, 22]] as const) {
      const idx = iy * 24 + ix;
      const pt = [res.xs[ix]!, res.ys[iy]!];
      const z = referenceLogits(spec, model.theta, pt);
      if (topTwoGap(z) < 1e-3) continue;
      checked++;
      expect(res.predicted[idx]).toBe(argmax(z));
      expect(Math.abs(res.alignment[1]![idx]! - ev.evaluate(pt))).toBeLessThan(1e-4);
      const want = (2 * Math.abs(res.alignment[0]![idx]!) + 0.5 * Math.abs(res.alignment[1]![idx]!));
      const max = Math.max(...Array.from({ length: m }, (_, i) => 2 * Math.abs(res.alignment[0]![i]!) + 0.5 * Math.abs(res.alignment[1]![i]!)));
      expect(res.boundary![idx]).toBeCloseTo(want / max, 12);
    }
    expect(checked).toBeGreaterThanOrEqual(4);
    expectJsonRecord(res);
    const signed = await alignmentGrid(await bound(model, data), vs, { res: 8, eigenvalues: [2, 0.5], reconstruction: 'weighted-signed', bounds: { xMin: -1, xMax: 1, yMin: -2, yMax: 2 } });
    expect(signed.reconstruction).toBe('weighted-signed');
    expect(signed.xs[0]).toBe(-1);
    expect(signed.ys[7]).toBe(2);
    expect(Math.max(...signed.boundary!)).toBeCloseTo(1, 12);
    const none = await alignmentGrid(await bound(model, data), vs.slice(0, 1), { res: 4 });
    expect(none.boundary).toBeNull();
    await expect(alignmentGrid(await bound(model, data), vs, { res: 4, eigenvalues: [1] })).rejects.toThrow(ShapeError);
  });
});
