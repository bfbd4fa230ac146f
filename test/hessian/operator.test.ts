/**
 * The seam between the Hessian algorithms and the math (src/hessian/operator.ts): a dense matrix
 * as a counting operator, checked on a small matrix whose products are exact small integers
 * (odd and even sizes run the two-accumulator loop and its tail), and the size checks.
 */
import { describe, expect, it } from 'vitest';
import { InputError, ShapeError } from '../../src/errors.js';
import { denseOperator, operatorSize } from '../../src/hessian/operator.js';

describe('denseOperator', () => {
  it('multiplies by the row-major matrix as given and counts its products', () => {
    // not symmetric on purpose: the operator uses A as given (row i · v)
    const op = denseOperator(Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), 3);
    expect(op.size).toBe(3);
    expect(op.matvecs).toBe(0);
    const out = new Float64Array(3);
    op.matvec(Float64Array.from([1, 0, -1]), out);
    expect(Array.from(out)).toEqual([-2, -2, -2]);
    op.matvec(Float64Array.from([1, 1, 1]), out);
    expect(Array.from(out)).toEqual([6, 15, 24]);
    expect(op.matvecs).toBe(2);
    const two = denseOperator(Float64Array.from([2, 1, 1, 3]), 2);
    two.matvec(Float64Array.from([1, 2]), out.subarray(0, 2));
    expect(Array.from(out.subarray(0, 2))).toEqual([4, 7]);
  });

  it('refuses a size or a vector that does not fit, without counting a product', () => {
    expect(() => denseOperator(new Float64Array(4), 0)).toThrow(new InputError('dense operator size n must be a positive integer, got 0'));
    expect(() => denseOperator(new Float64Array(5), 2)).toThrow(new ShapeError('dense operator: matrix has 5 entries, expected n² = 4 for n = 2'));
    const op = denseOperator(new Float64Array(4), 2);
    expect(() => op.matvec(new Float64Array(3), new Float64Array(2))).toThrow(new ShapeError('dense operator of size 2: got v of length 3 and out of length 2'));
    expect(op.matvecs).toBe(0);
  });
});

describe('operatorSize', () => {
  it('returns a positive integer size and refuses anything else', () => {
    expect(operatorSize({ size: 7, matvec: () => {} })).toBe(7);
    for (const size of [0, -1, 2.5, NaN]) {
      expect(() => operatorSize({ size, matvec: () => {} })).toThrow(new InputError(`operator size must be a positive integer, got ${String(size)}`));
    }
  });
});
