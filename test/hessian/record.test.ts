/**
 * The helpers that make result records (src/hessian/record.ts): frozen plain arrays (never typed
 * arrays, so JSON keeps every value), the eigenvector sign convention and the progress stride,
 * each against values written out here.
 */
import { describe, expect, it } from 'vitest';
import { doubleRow, fixSign, frozenArray, frozenRows, progressStride } from '../../src/hessian/record.js';

describe('records', () => {
  it('frozenArray and frozenRows copy into plain arrays; the outer array is frozen, the rows are plain', () => {
    const source = Float64Array.from([1.5, -2, 3]);
    const a = frozenArray(source);
    expect(Array.isArray(a)).toBe(true);
    expect(a).toEqual([1.5, -2, 3]);
    expect(Object.isFrozen(a)).toBe(true);
    source[0] = 9;
    expect(a[0]).toBe(1.5);
    const rows = frozenRows([Float32Array.from([1, 2]), [3, 4]]);
    expect(rows).toEqual([[1, 2], [3, 4]]);
    expect(Object.isFrozen(rows)).toBe(true);
    expect(Array.isArray(rows[0])).toBe(true);
    expect(JSON.parse(JSON.stringify(rows))).toEqual([[1, 2], [3, 4]]);
    expect(doubleRow(3)).toEqual([0, 0, 0]);
    expect(doubleRow(0)).toEqual([]);
  });

  it('fixSign makes the largest-|component| entry positive, the first one on ties', () => {
    const v = [0.5, -3, 2];
    fixSign(v);
    expect(v).toEqual([-0.5, 3, -2]);
    const tie = [-2, 2, 1];
    fixSign(tie);
    expect(tie).toEqual([2, -2, -1]);
    const positive = Float64Array.from([1, -0.5]);
    fixSign(positive);
    expect(Array.from(positive)).toEqual([1, -0.5]);
  });

  it('progressStride gives about `calls` reports over `total` steps, at least every step', () => {
    expect(progressStride(1000)).toBe(10);
    expect(progressStride(1050, 100)).toBe(10);
    expect(progressStride(50)).toBe(1);
    expect(progressStride(60, 7)).toBe(8);
  });
});
