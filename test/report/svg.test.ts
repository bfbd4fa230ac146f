/**
 * The report's SVG building blocks (src/report/svg.ts): round axis ticks and the symmetric-log
 * transform (worked out by hand) and label placement (checked by the layout's own boxes, pairwise apart).
 */
import { describe, expect, it } from 'vitest';
import { logTicks, niceTicks, placeLabels, symlog } from '../../src/report/svg.js';

describe('report building blocks', () => {
  it('picks round ticks', () => {
    expect(niceTicks(-3.8, 3.9, 4)).toEqual([-2, 0, 2]);
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(logTicks(1e-7, 20)).toEqual([1e-7, 1e-5, 1e-3, 1e-1, 10]);
    expect(logTicks(0.15, 0.9)).toEqual([0.2, 0.5]);
  });

  it('maps signed values symmetrically: linear within ±c, a decade per unit beyond', () => {
    const s = symlog(0.01);
    expect(s.to(0)).toBe(0);
    expect(s.to(0.01)).toBeCloseTo(Math.log10(2), 12); // log10(1 + 0.01/0.01)
    expect(s.to(-0.09)).toBeCloseTo(-1, 12); // −log10(1 + 9)
    expect(s.to(0.99)).toBeCloseTo(2, 12);
    expect(s.to(-0.5)).toBe(-s.to(0.5));
    expect(s.from(s.to(-0.37))).toBeCloseTo(-0.37, 12);
    // 0 and ±powers of ten from 10c; none inside the linear range, where they would crowd 0
    expect(s.ticks(-0.5, 20)).toEqual([-0.1, 0, 0.1, 1, 10]);
    expect(s.ticks(-0.05, 0.05)).toEqual([0]);
    // nine decades thinned to every third
    expect(symlog(1e-3).ticks(0, 1e6)).toEqual([0, 1e-2, 10, 1e4]);
    // a c that is no positive number is taken as 1
    expect(symlog(0).c).toBe(1);
    expect(symlog(Number.NaN).c).toBe(1);
  });

  it('places labels of coinciding points apart (by the layout\'s own boxes)', () => {
    const bounds = { x: 0, y: 0, w: 300, h: 200 };
    const boxes = placeLabels(Array.from({ length: 6 }, () => ({ X: 150, Y: 100, w: 8, h: 13 })), bounds, 4.5);
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i]!, boxes[j]!];
        expect(a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y, `${i} and ${j}`).toBe(true);
      }
    }
  });
});
