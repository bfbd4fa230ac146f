/**
 * The plain-TS float64 dense eigensolver (src/reference/dense-eigen.ts, Householder + implicit
 * QL), the reference the WebAssembly solver is checked against (test/hessian/eigen/solver.test.ts).
 * Checked here on matrices whose spectra are known in closed form: the 1-D Laplacian
 * tridiag(−1, 2, −1) of order m has eigenvalues 2 − 2cos(jπ/(m+1)) and sine eigenvectors; a
 * diagonal matrix is its own spectrum; (A + Aᵀ)/2 is what is decomposed.
 */
import { describe, expect, it } from 'vitest';
import { InputError, NumericalError, ShapeError } from '../../src/errors.js';
import { referenceSymmetricEigen } from '../../src/reference/dense-eigen.js';

describe('referenceSymmetricEigen', () => {
  it('the 1-D Laplacian of order 7: closed-form eigenvalues (descending) and sine eigenvectors', () => {
    const m = 7;
    const A = new Float64Array(m * m);
    for (let i = 0; i < m; i++) {
      A[i * m + i] = 2;
      if (i + 1 < m) A[i * m + i + 1] = A[(i + 1) * m + i] = -1;
    }
    const r = referenceSymmetricEigen(A, m);
    expect(r.n).toBe(m);
    for (let t = 0; t < m; t++) {
      const j = m - t;
      expect(Math.abs(r.eigenvalues[t]! - (2 - 2 * Math.cos((j * Math.PI) / (m + 1))))).toBeLessThan(1e-14);
      const exact = Array.from({ length: m }, (_, i) => Math.sin(((i + 1) * j * Math.PI) / (m + 1)));
      const norm = Math.hypot(...exact);
      let cos = 0;
      for (let i = 0; i < m; i++) cos += (r.eigenvectors![t * m + i]! * exact[i]!) / norm;
      expect(Math.abs(Math.abs(cos) - 1)).toBeLessThan(1e-13);
    }
  });

  it('a diagonal matrix, the symmetric part of an asymmetric input, and eigenvalues only', () => {
    expect(Array.from(referenceSymmetricEigen(Float64Array.from([1, 0, 0, 0, -3, 0, 0, 0, 2]), 3).eigenvalues)).toEqual([2, 1, -3]);
    // [[2, 1.5], [0.5, 2]] → symmetric part [[2, 1], [1, 2]]: eigenvalues 3 and 1
    const r = referenceSymmetricEigen(Float64Array.from([2, 1.5, 0.5, 2]), 2, { vectors: false });
    expect(Math.abs(r.eigenvalues[0]! - 3)).toBeLessThan(1e-15);
    expect(Math.abs(r.eigenvalues[1]! - 1)).toBeLessThan(1e-15);
    expect(r.eigenvectors).toBeNull();
  });

  it('refuses a size or a matrix that does not fit, and non-finite entries', () => {
    expect(() => referenceSymmetricEigen(new Float64Array(4), 0)).toThrow(new InputError('referenceSymmetricEigen: n must be a positive integer, got 0'));
    expect(() => referenceSymmetricEigen(new Float64Array(5), 2)).toThrow(new ShapeError('referenceSymmetricEigen: matrix has 5 entries, expected n² = 4 for n = 2'));
    expect(() => referenceSymmetricEigen(Float64Array.from([1, NaN, NaN, 1]), 2)).toThrow(new NumericalError('symmetricEigen input: entry 1 is NaN'));
  });
});
