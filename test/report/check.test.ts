/**
 * The check of a result read from a file before the report draws it (src/report/check.ts), on
 * small hand-made comparison and reproduction records: a valid one passes, and each defect is an
 * InputError naming the field, what it must be and what it is. Messages are literals.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { checkReportInput } from '../../src/report/check.js';

const COMPARE = {
  gOver: null,
  rows: [],
  groups: null,
  spearman: { G: 0.5, margin: null, lambdaMax: -1, trace: 0, outliers: null },
  reports: [],
};

const REPRODUCTION = {
  settings: { budget: 1, seeds: [0], dataSeeds: null, top: 3, gridRes: 0, density: false, margin: false, statistic: 'meanAbs', precision: 'f32', kernelBuild: 'simd128', boundaryAlignmentFactor: 10 },
  seconds: 1,
  experiments: [],
  claims: [],
  reports: [],
};

const refusal = (value: unknown, kind: 'analysis' | 'compare' | 'reproduction'): string => {
  try {
    checkReportInput(value, kind);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('accepted');
};

describe('checkReportInput', () => {
  it('accepts well-formed records (null where a number is missing: JSON writes NaN as null)', () => {
    expect(() => checkReportInput(COMPARE, 'compare')).not.toThrow();
    expect(() => checkReportInput({ ...COMPARE, spearman: { ...COMPARE.spearman, trace: null } }, 'compare')).not.toThrow();
    expect(() => checkReportInput(REPRODUCTION, 'reproduction')).not.toThrow();
  });

  it('names the field, what it must be and what it is', () => {
    expect(refusal({ ...COMPARE, rows: 'x' }, 'compare')).toBe('report: rows must be an array of objects, got a string ("x")');
    expect(refusal({ ...COMPARE, spearman: { ...COMPARE.spearman, G: '0.5' } }, 'compare')).toBe('report: spearman.G must be a number, got a string ("0.5")');
    expect(refusal({ ...COMPARE, reports: [{}] }, 'compare')).toBe('report: reports has 1 entries but rows has 0');
    expect(refusal({ ...REPRODUCTION, settings: { ...REPRODUCTION.settings, top: 2.5 } }, 'reproduction')).toBe('report: settings.top must be an integer ≥ 0, got 2.5');
    expect(refusal({ ...REPRODUCTION, settings: { ...REPRODUCTION.settings, seeds: new Array(10_001).fill(0) } }, 'reproduction')).toBe('report: settings.seeds has 10001 entries, at most 10000 allowed');
    expect(refusal({}, 'analysis')).toBe('report: data must be an object, got undefined');
  });

  it('a run\'s report index must point into the reports', () => {
    const stat = { median: null, min: null, max: null, n: 0 };
    const quantities = ['outliers', 'G', 'GTopK', 'GAll', 'epsilon', 'margin', 'boundaryAlignment', 'trainLoss', 'trainAccuracy', 'testAccuracy', 'seconds'];
    const run = { seed: 0, dataSeed: null, report: 0, seconds: 1, eigenvalues: [], outliers: 0, G: 0, GTopK: 0, GAll: null, epsilon: 0, margin: null, boundaryAlignment: null, trainLoss: 0, trainAccuracy: 1, testAccuracy: null };
    const experiment = { id: 'iris', description: '', parameters: 1, sizes: [4, 3], gOver: 'top-k', paper: { eigenvalues: null, outliers: null }, runs: [run], stats: Object.fromEntries(quantities.map((q) => [q, stat])), eigenvalues: [] };
    expect(refusal({ ...REPRODUCTION, experiments: [experiment] }, 'reproduction')).toBe('report: experiments[0].runs[0].report is 0, but there are 0 reports');
  });
});
