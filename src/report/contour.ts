/**
 * Level lines of a grid field by marching squares, and the predicted decision boundary as the
 * 0.5-level lines of each class's indicator on the grid. Segments come in data coordinates, so
 * SVG (report) and canvas (demo) draw the same lines. Saddle cells are split by the cell mean.
 * see: W. Lorensen, H. Cline, "Marching cubes", SIGGRAPH 1987 (the 2-D case).
 */

/** A segment [x1, y1, x2, y2] in data coordinates. */
export type Segment = readonly [number, number, number, number];

/** The grid geometry a field lives on (row-major, y as the row). */
export interface GridGeometry {
  readonly res: number;
  /** [res] x coordinates (columns) */
  readonly xs: readonly number[];
  /** [res] y coordinates (rows) */
  readonly ys: readonly number[];
}

/** Segments of the level line f = level over the grid. */
export function contourSegments(grid: GridGeometry, field: ArrayLike<number>, level: number): Segment[] {
  const { res, xs, ys } = grid;
  const out: Segment[] = [];
  const at = (ix: number, iy: number): number => field[iy * res + ix]! - level;
  const lerp = (a: number, b: number, fa: number, fb: number): number => (fa === fb ? (a + b) / 2 : a + ((b - a) * fa) / (fa - fb));
  for (let iy = 0; iy + 1 < res; iy++) {
    const y0 = ys[iy]!;
    const y1 = ys[iy + 1]!;
    for (let ix = 0; ix + 1 < res; ix++) {
      const x0 = xs[ix]!;
      const x1 = xs[ix + 1]!;
      const a = at(ix, iy); // (x0, y0)
      const b = at(ix + 1, iy); // (x1, y0)
      const c = at(ix + 1, iy + 1); // (x1, y1)
      const d = at(ix, iy + 1); // (x0, y1)
      const code = (a > 0 ? 1 : 0) | (b > 0 ? 2 : 0) | (c > 0 ? 4 : 0) | (d > 0 ? 8 : 0);
      if (code === 0 || code === 15) continue;
      // edge crossing points: bottom (a-b), right (b-c), top (d-c), left (a-d)
      const bottom = (): [number, number] => [lerp(x0, x1, a, b), y0];
      const right = (): [number, number] => [x1, lerp(y0, y1, b, c)];
      const top = (): [number, number] => [lerp(x0, x1, d, c), y1];
      const left = (): [number, number] => [x0, lerp(y0, y1, a, d)];
      const seg = (p: [number, number], q: [number, number]): void => {
        out.push([p[0], p[1], q[0], q[1]]);
      };
      switch (code) {
        case 1: case 14: seg(left(), bottom()); break;
        case 2: case 13: seg(bottom(), right()); break;
        case 3: case 12: seg(left(), right()); break;
        case 4: case 11: seg(right(), top()); break;
        case 6: case 9: seg(bottom(), top()); break;
        case 7: case 8: seg(left(), top()); break;
        case 5: case 10: {
          const centre = (a + b + c + d) / 4 > 0;
          // 5: a and c above; 10: b and d above
          if ((code === 5) === centre) {
            seg(left(), top());
            seg(bottom(), right());
          } else {
            seg(left(), bottom());
            seg(right(), top());
          }
          break;
        }
        default: break;
      }
    }
  }
  return out;
}

/** The boundary between predicted classes: 0.5-level lines of every class indicator, deduplicated. */
export function classBoundarySegments(grid: GridGeometry, predicted: readonly number[], classes: number): Segment[] {
  const seen = new Set<string>();
  const out: Segment[] = [];
  const indicator = new Float64Array(predicted.length);
  for (let c = 0; c < classes; c++) {
    let any = false;
    for (let i = 0; i < predicted.length; i++) {
      indicator[i] = predicted[i] === c ? 1 : 0;
      any ||= indicator[i] === 1;
    }
    if (!any) continue;
    for (const s of contourSegments(grid, indicator, 0.5)) {
      const k1 = `${s[0]},${s[1]},${s[2]},${s[3]}`;
      const k2 = `${s[2]},${s[3]},${s[0]},${s[1]}`;
      if (seen.has(k1) || seen.has(k2)) continue;
      seen.add(k1);
      out.push(s);
    }
  }
  return out;
}
