/**
 * The tridiagonal QL (src/hessian/tridiagonal.ts) that Lanczos and SLQ use.
 *
 * The reference is independent of the code under test: the 1-D Laplacian tridiagonal has the
 * closed-form spectrum 2 − 2cos(jπ/(m+1)) with sine eigenvectors; the requested-rows variant is
 * checked against the full vectors and against orthogonality (first components squared sum to 1).
 */
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/errors.js';
import { tridiagonalEigen, tridiagonalEigenRows } from '../../src/hessian/index.js';
import { absCos } from '../cases/hessian-spectra.js';

describe('tridiagonalEigen', () => {
  it('matches the closed-form spectrum and sine eigenvectors of the 1-D Laplacian', () => {
    const m = 40;
    const { values, vectors } = tridiagonalEigen(new Array(m).fill(2), new Array(m - 1).fill(-1), true);
    for (let t = 0; t < m; t++) {
      const j = m - t; // descending order
      expect(values[t]).toBeCloseTo(2 - 2 * Math.cos((j * Math.PI) / (m + 1)), 13);
      const exact = Array.from({ length: m }, (_, i) => Math.sin(((i + 1) * j * Math.PI) / (m + 1)));
      expect(absCos(vectors!.subarray(t * m, (t + 1) * m), exact)).toBeGreaterThan(1 - 1e-12);
    }
  });

  it('gives the requested eigenvector components only, consistent with the full vectors', () => {
    const d = [1, 4, -2, 3, 0.5, 7];
    const e = [0.3, -1, 2, 0.1, 1.5];
    const full = tridiagonalEigen(d, e, true);
    const rows = tridiagonalEigenRows(d, e, [0, 5]);
    expect(Array.from(rows.values)).toEqual(Array.from(full.values));
    for (let t = 0; t < 6; t++) {
      expect(Math.abs(rows.rows[t]!)).toBeCloseTo(Math.abs(full.vectors![t * 6]!), 14);
      expect(Math.abs(rows.rows[6 + t]!)).toBeCloseTo(Math.abs(full.vectors![t * 6 + 5]!), 14);
    }
    // First components squared sum to 1 (they are a row of an orthogonal matrix).
    let s = 0;
    for (let t = 0; t < 6; t++) s += rows.rows[t]! ** 2;
    expect(s).toBeCloseTo(1, 14);
  });

  it('handles a split (zero off-diagonal), size 1 and rejects a wrong off-diagonal length', () => {
    const r = tridiagonalEigen([3, 1, 2], [0, 0], true);
    expect(Array.from(r.values)).toEqual([3, 2, 1]);
    expect(Array.from(tridiagonalEigen([5], [], true).values)).toEqual([5]);
    expect(() => tridiagonalEigen([1, 2], [], false)).toThrow(ShapeError);
  });
});
