/**
 * The report's SVG building blocks (src/report/svg.ts): round axis ticks (worked out by hand) and
 * label placement (checked by the layout's own boxes, pairwise apart).
 */
import { describe, expect, it } from 'vitest';
import { logTicks, niceTicks, placeLabels } from '../../src/report/svg.js';

describe('report building blocks', () => {
  it('picks round ticks', () => {
    expect(niceTicks(-3.8, 3.9, 4)).toEqual([-2, 0, 2]);
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(logTicks(1e-7, 20)).toEqual([1e-7, 1e-5, 1e-3, 1e-1, 10]);
    expect(logTicks(0.15, 0.9)).toEqual([0.2, 0.5]);
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
