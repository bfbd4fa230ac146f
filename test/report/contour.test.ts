/**
 * Level lines and class boundaries (src/report/contour.ts) on fields whose level sets are known in
 * closed form: a circle of radius 1 for x² + y² = 1, and a vertical line between two half-planes.
 */
import { describe, expect, it } from 'vitest';
import { classBoundarySegments, contourSegments } from '../../src/report/contour.js';

describe('report building blocks', () => {
  it('traces level lines where the field crosses the level', () => {
    const res = 41;
    const xs = Array.from({ length: res }, (_, i) => -2 + (4 * i) / (res - 1));
    const grid = { res, xs, ys: xs };
    const field = xs.flatMap((y) => xs.map((x) => x * x + y * y));
    const segments = contourSegments(grid, field, 1);
    expect(segments.length).toBeGreaterThan(40);
    const h = 4 / (res - 1);
    for (const s of segments) for (const [x, y] of [[s[0], s[1]], [s[2], s[3]]] as const) expect(Math.abs(Math.hypot(x, y) - 1)).toBeLessThan(h * h);
    // two half-planes: the class boundary is the vertical line halfway between the grid columns
    const predicted = xs.flatMap(() => xs.map((x) => (x < 0.01 ? 0 : 1)));
    const boundary = classBoundarySegments(grid, predicted, 2);
    expect(boundary.length).toBe(res - 1);
    const mid = (xs[20]! + xs[21]!) / 2;
    for (const s of boundary) expect([s[0], s[2]]).toEqual([mid, mid]);
  });
});
