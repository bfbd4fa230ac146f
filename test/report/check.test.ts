/**
 * The check of a result read from a file before the report draws it (src/report/check.ts), on
 * small hand-made comparison and reproduction records, and on a real small analysis with the
 * per-layer spectra and the outlier decomposition (test/report/records.ts), each changed in one
 * field: a valid one passes, and each defect is an InputError naming the field, what it must be
 * and what it is. Messages are literals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { createEngine, type AnalysisReport, type Engine } from '../../src/index.js';
import { checkReportInput } from '../../src/report/check.js';
import { layeredAnalysis } from './records.js';

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

describe('checkReportInput: the per-layer spectra and the outlier decomposition', () => {
  let engine: Engine;
  let analysis: AnalysisReport;

  beforeAll(async () => {
    engine = await createEngine({ threads: 1 });
    analysis = await layeredAnalysis(engine);
  }, 60_000);
  afterAll(async () => {
    await engine?.close();
  });

  /** a result as parsed JSON, to be changed field by field */
  type Json = Record<string, any>;
  /** The analysis (as JSON) changed by `edit`. */
  const changed = (edit: (x: Json) => void): Json => {
    const x = JSON.parse(JSON.stringify(analysis)) as Json;
    edit(x);
    return x;
  };

  it('accepts them, and a result without them or with null densities', () => {
    // the sizes the messages below name: p = 74, top 4 everywhere
    expect(analysis.model.parameters).toBe(74);
    expect([analysis.spectrum.eigenvalues.length, analysis.decomposition!.ggnEigenvalues.length, ...analysis.layers!.blocks.map((b) => b.eigenvalues.length)]).toEqual([4, 4, 4, 4, 4]);
    expect(() => checkReportInput(analysis, 'analysis')).not.toThrow();
    expect(() => checkReportInput(changed((x) => { delete x.layers; delete x.decomposition; }), 'analysis')).not.toThrow();
    expect(() => checkReportInput(changed((x) => { x.layers.blocks[0].density = null; x.decomposition.ggnDensity = null; }), 'analysis')).not.toThrow();
    // JSON writes NaN as null: a number that is missing is shown as a dash
    expect(() => checkReportInput(changed((x) => { x.decomposition.shares[0].residual = null; x.layers.blocks[2].trace.stderr = null; }), 'analysis')).not.toThrow();
  });

  it('refuses a field that is not an object', () => {
    expect(refusal(changed((x) => { x.layers = 'x'; }), 'analysis')).toBe('report: layers must be an object, got a string ("x")');
    expect(refusal(changed((x) => { x.decomposition = []; }), 'analysis')).toBe('report: decomposition must be an object, got an array');
    expect(refusal(changed((x) => { x.layers.blocks[1].diagonal = null; }), 'analysis')).toBe('report: layers.blocks[1].diagonal must be an object, got null');
  });

  it('refuses a string where a number belongs (the markup never reaches the page)', () => {
    expect(refusal(changed((x) => { x.layers.blocks[0].eigenvalues[2] = '<img src=x onerror=alert(1)>'; }), 'analysis'))
      .toBe('report: layers.blocks[0].eigenvalues[2] must be a number, got a string ("<img src=x onerror=alert(1)>")');
    expect(refusal(changed((x) => { x.layers.blocks[1].trace.estimate = '1'; }), 'analysis')).toBe('report: layers.blocks[1].trace.estimate must be a number, got a string ("1")');
    expect(refusal(changed((x) => { x.layers.diagonal.values[73] = '0'; }), 'analysis')).toBe('report: layers.diagonal.values[73] must be a number, got a string ("0")');
    expect(refusal(changed((x) => { x.decomposition.shares[3].ggn = '</script>'; }), 'analysis')).toBe('report: decomposition.shares[3].ggn must be a number, got a string ("</script>")');
    expect(refusal(changed((x) => { x.decomposition.ggnEigenvalues[0] = true; }), 'analysis')).toBe('report: decomposition.ggnEigenvalues[0] must be a number, got boolean');
  });

  it('refuses a density grid point that is not a finite number (a curve is drawn at it)', () => {
    expect(refusal(changed((x) => { x.decomposition.ggnDensity.grid[5] = null; }), 'analysis')).toBe('report: decomposition.ggnDensity.grid[5] must be a finite number, got null');
    expect(refusal(changed((x) => { x.layers.blocks[2].density.grid[0] = 'x'; }), 'analysis')).toBe('report: layers.blocks[2].density.grid[0] must be a finite number, got a string ("x")');
  });

  it('refuses a count that is not an integer ≥ 0', () => {
    expect(refusal(changed((x) => { x.layers.blocks[0].size = 2.5; }), 'analysis')).toBe('report: layers.blocks[0].size must be an integer ≥ 0, got 2.5');
    expect(refusal(changed((x) => { x.layers.diagonal.probes = '30'; }), 'analysis')).toBe('report: layers.diagonal.probes must be an integer ≥ 0, got a string ("30")');
    expect(refusal(changed((x) => { x.decomposition.outliers.ggn = -1; }), 'analysis')).toBe('report: decomposition.outliers.ggn must be an integer ≥ 0, got -1');
  });

  it('refuses arrays whose lengths do not match', () => {
    expect(refusal(changed((x) => { x.layers.blocks[0].residuals.pop(); }), 'analysis')).toBe('report: layers.blocks[0].residuals has 3 entries but layers.blocks[0].eigenvalues has 4');
    expect(refusal(changed((x) => { x.layers.blocks[1].converged.push(true); }), 'analysis')).toBe('report: layers.blocks[1].converged has 5 entries but layers.blocks[1].eigenvalues has 4');
    expect(refusal(changed((x) => { x.layers.blocks[2].density.values.pop(); }), 'analysis')).toBe('report: layers.blocks[2].density.values has 999 entries but layers.blocks[2].density.grid has 1000');
    expect(refusal(changed((x) => { x.layers.diagonal.values.pop(); }), 'analysis')).toBe('report: layers.diagonal.values has 73 entries, expected model.parameters = 74');
    expect(refusal(changed((x) => { x.layers.diagonal.stderr.pop(); }), 'analysis')).toBe('report: layers.diagonal.stderr has 73 entries but layers.diagonal.values has 74');
    expect(refusal(changed((x) => { x.decomposition.shares.pop(); }), 'analysis')).toBe('report: decomposition.shares has 3 entries but spectrum.eigenvalues has 4');
    expect(refusal(changed((x) => { x.decomposition.ggnDensity.values.push(0); }), 'analysis')).toBe('report: decomposition.ggnDensity.values has 1001 entries but decomposition.ggnDensity.grid has 1000');
  });

  it('refuses more outliers than eigenvalues, and a diagonal method that is not text', () => {
    expect(refusal(changed((x) => { x.decomposition.outliers.hessian = 5; }), 'analysis')).toBe('report: decomposition.outliers.hessian is 5, more than the 4 shares');
    expect(refusal(changed((x) => { x.decomposition.outliers.ggn = 5; }), 'analysis')).toBe('report: decomposition.outliers.ggn is 5, more than the 4 ggnEigenvalues');
    // any text is drawn escaped (as every other method field); only 'exact' reads as exact
    expect(() => checkReportInput(changed((x) => { x.layers.diagonal.method = 'guess'; }), 'analysis')).not.toThrow();
    expect(refusal(changed((x) => { x.layers.diagonal.method = 3; }), 'analysis')).toMatch(/^report: layers\.diagonal\.method must be a string, got/);
  });

  it('names the field inside a comparison\'s reports', () => {
    const row = { label: 'a', testAccuracy: null, trainAccuracy: 1, G: 0, margin: null, lambdaMax: 1, trace: 1, outliers: 1 };
    const bad = changed((x) => { x.decomposition.shares[0].eigenvalue = 'x'; });
    expect(refusal({ ...COMPARE, rows: [row], reports: [bad] }, 'compare')).toBe('report: reports[0].decomposition.shares[0].eigenvalue must be a number, got a string ("x")');
    expect(refusal({ ...COMPARE, rows: [row], reports: [changed((x) => { x.layers.diagonal.values.pop(); })] }, 'compare')).toBe('report: reports[0].layers.diagonal.values has 73 entries, expected model.parameters = 74');
  });
});
