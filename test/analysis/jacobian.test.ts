/**
 * The Jacobian norm of the logits (src/analysis/jacobian.ts) against central finite differences of
 * the float64 reference logits, in both modes.
 */
import { describe, expect, it } from 'vitest';
import { jacobianNorm } from '../../src/analysis/index.js';
import type { Model } from '../../src/engine/engine.js';
import { initParameters, mlpSpec } from '../../src/model/mlp.js';
import { referenceLogits } from '../../src/reference/mlp.js';
import { relL2 } from '../helpers/fixtures.js';
import { expectJsonRecord, norm, randomData } from '../helpers/analysis.js';

describe('Jacobian norm of the logits', () => {
  it.each(['reverse', 'forward'] as const)('%s mode equals central differences of the reference logits', (mode) => {
    const spec = mlpSpec([3, 7, 5, 4], 'tanh');
    const theta = initParameters(spec, 2);
    const model: Model = { spec, theta };
    const data = randomData(12, 3, 4, 3);
    const res = jacobianNorm({ model, data }, { mode });
    expect(res.mode).toBe(mode);
    expect(res.passesPerSample).toBe(mode === 'reverse' ? 4 : 3);
    const h = 1e-6;
    const fd = Array.from({ length: data.n }, (_, i) => {
      const x = Float64Array.from(data.x.subarray(3 * i, 3 * i + 3));
      let s = 0;
      for (let j = 0; j < 3; j++) {
        const xp = Float64Array.from(x);
        const xm = Float64Array.from(x);
        xp[j]! += h;
        xm[j]! -= h;
        const zp = referenceLogits(spec, theta, xp);
        const zm = referenceLogits(spec, theta, xm);
        for (let c = 0; c < 4; c++) s += ((zp[c]! - zm[c]!) / (2 * h)) ** 2;
      }
      return Math.sqrt(s);
    });
    expect(relL2(res.values, fd)).toBeLessThan(1e-7);
    expect(Math.abs(res.mean - fd.reduce((a, b) => a + b, 0) / fd.length)).toBeLessThan(1e-6 * res.mean);
    expectJsonRecord(res);
  });

  it('auto picks min(C, d) passes; both modes agree on a relu net', () => {
    const spec = mlpSpec([5, 8, 2], 'relu');
    const model: Model = { spec, theta: initParameters(spec, 1) };
    const data = randomData(20, 5, 2, 1);
    const auto = jacobianNorm({ model, data });
    expect(auto.mode).toBe('reverse');
    const fwd = jacobianNorm({ model, data }, { mode: 'forward' });
    expect(relL2(fwd.values, auto.values)).toBeLessThan(1e-13);
    const wide = mlpSpec([2, 6, 5], 'gelu');
    expect(jacobianNorm({ model: { spec: wide, theta: initParameters(wide, 1) }, data: randomData(5, 2, 5, 2) }).mode).toBe('forward');
  });
});
