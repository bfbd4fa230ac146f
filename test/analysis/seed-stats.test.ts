/**
 * Seed statistics (src/analysis/seed-stats.ts) on hand-made numbers.
 * Why the reference is independent: every median and range below is worked out by hand from the
 * listed values (no second implementation), including the even-count median, missing values and
 * unequal list lengths.
 */
import { describe, expect, it } from 'vitest';
import { median, seedStat, seedStats } from '../../src/analysis/seed-stats.js';

describe('median and range over seeds', () => {
  it('odd and even counts, order-free', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([0.5])).toBe(0.5);
    expect(() => median([])).toThrow(RangeError);
    expect(seedStat([0.3, 0.1, 0.2, 0.9])).toEqual({ median: 0.25, min: 0.1, max: 0.9, n: 4 });
  });

  it('leaves out missing values and says how many were summarised', () => {
    expect(seedStat([null, 2, undefined, NaN, 4])).toEqual({ median: 3, min: 2, max: 4, n: 2 });
    expect(seedStat([null, null])).toEqual({ median: null, min: null, max: null, n: 0 });
    expect(seedStat([])).toEqual({ median: null, min: null, max: null, n: 0 });
  });

  it('index-wise over lists of unequal length (top-k eigenvalues of several runs)', () => {
    const s = seedStats([[0.15, 0.02, 0.009], [0.11, 0.03], [0.6, 0.025, 0.008]]);
    expect(s).toEqual([
      { median: 0.15, min: 0.11, max: 0.6, n: 3 },
      { median: 0.025, min: 0.02, max: 0.03, n: 3 },
      { median: 0.0085, min: 0.008, max: 0.009, n: 2 },
    ]);
    expect(seedStats([])).toEqual([]);
  });
});
