/**
 * The exact input gradient ∇ₓA (R-operator, src/analysis/input-gradient.ts) against central finite
 * differences of A(x) computed by src/reference (a separate scalar per-sample gradient code: only
 * function values, no derivative code shared).
 */
import { describe, expect, it } from 'vitest';
import { AlignmentGradient, alignment, alignmentInputGradient, topTwoGap } from '../../src/analysis/index.js';
import type { Model } from '../../src/engine/engine.js';
import { initParameters, mlpSpec, parameterCount, type Activation } from '../../src/model/mlp.js';
import { gaussianVector, Rng } from '../../src/model/rng.js';
import { referenceLogits } from '../../src/reference/mlp.js';
import { relL2 } from '../helpers/fixtures.js';
import {
  argmax,
  expectJsonRecord,
  minHiddenPreactivation,
  referenceAlignment,
} from '../helpers/analysis.js';

describe('exact input gradient ∇ₓA (R-operator) vs central finite differences of the reference', () => {
  const cases: { activation: Activation; sizes: number[] }[] = [
    { activation: 'tanh', sizes: [3, 8, 6, 3] },
    { activation: 'gelu', sizes: [4, 7, 5, 4] },
    { activation: 'relu', sizes: [3, 9, 7, 3] },
    { activation: 'sigmoid', sizes: [2, 6, 2] },
  ];
  it.each(cases)('$activation $sizes', ({ activation, sizes }) => {
    const spec = mlpSpec(sizes, activation);
    const theta = initParameters(spec, 21);
    for (let i = 0; i < theta.length; i++) theta[i]! *= 2;
    const model: Model = { spec, theta };
    const v = gaussianVector(9, parameterCount(spec));
    const ev = AlignmentGradient.forModel(model, v);
    const d = sizes[0]!;
    const rng = new Rng(4);
    const h = 1e-5;
    let checked = 0;
    for (let trial = 0; trial < 40 && checked < 6; trial++) {
      const x = Float64Array.from({ length: d }, () => rng.normal());
      // away from kinks (ReLU) and from label flips within the stencil
      if (topTwoGap(referenceLogits(spec, theta, x)) < 1e-2) continue;
      if (activation === 'relu' && minHiddenPreactivation(model, x) < 1e-3) continue;
      const grad = new Float64Array(d);
      const A = ev.evaluate(x, grad);
      expect(Math.abs(A - referenceAlignment(model, v, x))).toBeLessThan(1e-12);
      const fd = new Float64Array(d);
      for (let j = 0; j < d; j++) {
        const xp = Float64Array.from(x);
        const xm = Float64Array.from(x);
        xp[j]! += h;
        xm[j]! -= h;
        fd[j] = (referenceAlignment(model, v, xp) - referenceAlignment(model, v, xm)) / (2 * h);
      }
      expect(relL2(grad, fd)).toBeLessThan(1e-6);
      // the logit-gap gradient used by the boundary projection
      const gg = new Float64Array(d);
      ev.logitGap(x, gg);
      const fg = Float64Array.from({ length: d }, (_, j) => {
        const xp = Float64Array.from(x);
        const xm = Float64Array.from(x);
        xp[j]! += h;
        xm[j]! -= h;
        const a = argmax(referenceLogits(spec, theta, x));
        const b = ev.runnerUp;
        const gap = (y: Float64Array): number => {
          const z = referenceLogits(spec, theta, y);
          return z[a]! - z[b]!;
        };
        return (gap(xp) - gap(xm)) / (2 * h);
      });
      expect(relL2(gg, fg)).toBeLessThan(1e-6);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(4);
    // the JSON convenience agrees with the evaluator
    const x0 = Float64Array.from({ length: d }, (_, j) => 0.3 * (j + 1));
    const rec = alignmentInputGradient(model, v, x0);
    const g0 = new Float64Array(d);
    expect(rec.alignment).toBe(ev.evaluate(x0, g0));
    expect(rec.gradient).toEqual(Array.from(g0));
    expectJsonRecord(rec);
  });
});
