/**
 * Spearman's rank correlation (src/analysis/compare.ts), which `compare` reports for each quantity
 * against test accuracy. The expected values are worked out by hand from the ranks (ties share the
 * mean rank), not by a second implementation. `compare` itself end to end:
 * test/integration/cli-analyze.node.test.ts and cli-researcher.node.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { spearman } from '../../src/analysis/compare.js';
import { InputError } from '../../src/errors.js';

describe('spearman', () => {
  it('is ±1 for monotone series whatever the spacing, and a hand-computed value otherwise', () => {
    expect(spearman([1, 2, 3, 4], [10, 100, 1000, 1e6])).toBe(1);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, -50])).toBe(-1);
    // ranks (1, 2, 3, 4) against (2, 1, 4, 3): Σd² = 4, ρ = 1 − 6·4 / (4·15) = 0.6
    expect(spearman([0.1, 0.2, 0.3, 0.4], [5, 1, 9, 7])).toBeCloseTo(0.6, 15);
  });

  it('gives ties their mean rank', () => {
    // b's ranks (1.5, 1.5, 3): centred (−0.5, −0.5, 1) against (−1, 0, 1): 1.5 / √(2 · 1.5) = √3/2
    expect(spearman([1, 2, 3], [7, 7, 9])).toBeCloseTo(Math.sqrt(3) / 2, 15);
  });

  it('is undefined (null) below three points or when a series is constant; unequal lengths are an InputError', () => {
    expect(spearman([1, 2], [2, 1])).toBeNull();
    expect(spearman([1, 2, 3], [5, 5, 5])).toBeNull();
    expect(() => spearman([1, 2, 3], [1, 2])).toThrow(new InputError('spearman needs equal lengths, got 3 and 2'));
  });
});
