/**
 * Checks a result read from a file before the report draws it. A report is a file people share
 * and its JSON can come from anyone, so every field the renderer reads is checked for its type
 * (numbers are numbers, counts are integers, arrays are arrays of what they should hold) and the
 * arrays that must agree in length do; anything else is an {@link InputError} naming the field.
 * Fields the renderer does not read are not checked (settings are shown as escaped text).
 */
import { InputError } from '../errors.js';

/** A field's expected shape. */
type Shape =
  | 'number' // a number, or null (JSON writes NaN and ±∞ as null)
  | 'finite' // a finite number (not null): a coordinate a curve is drawn at
  | 'count' // an integer ≥ 0
  | 'string'
  | 'boolean'
  | { readonly array: Shape; readonly max?: number }
  | { readonly nullable: Shape }
  | { readonly [field: string]: Shape };

const number: Shape = 'number';
const finite: Shape = 'finite';
const count: Shape = 'count';
const string: Shape = 'string';
const boolean: Shape = 'boolean';
const array = (of: Shape, max?: number): Shape => (max === undefined ? { array: of } : { array: of, max });
const nullable = (of: Shape): Shape => ({ nullable: of });
const numbers = array(number);

/** Limits that keep a hostile file from asking the renderer for unbounded work. */
const MAX_GRID_RES = 2048;
const MAX_CLASSES = 10_000;
const MAX_SEEDS = 10_000;

const EPSILON: Shape = { value: number, method: string, directions: nullable(count), seed: nullable(number), statistic: nullable(string) };
const GENERALIZATION: Shape = {
  G: number, 'G_at_1e-6': nullable(number), variant: string, comparison: string, over: string, k: count, aligned: count, m: numbers,
  labels: string, epsilon: EPSILON,
};
const SCORE: Shape = { n: count, loss: number, accuracy: number };
const POINT: Shape = { x: numbers };
const DENSITY_CURVE = { grid: array(finite), values: numbers, sigma: number };

// arrived with `perLayer` and `decompose`; results without them lack the fields
const LAYERS: Shape = {
  operator: string,
  blocks: array({
    block: string, tensors: array(string), size: count, eigenvalues: numbers, residuals: numbers, converged: array(boolean),
    trace: { estimate: number, stderr: number, probes: count }, density: nullable(DENSITY_CURVE), diagonal: { mean: number, min: number, max: number },
  }),
  diagonal: { method: string, probes: count, values: numbers, stderr: numbers },
};
const DECOMPOSITION: Shape = {
  shares: array({ eigenvalue: number, ggn: number, residual: number }),
  ggnEigenvalues: numbers,
  outliers: { hessian: count, ggn: count },
  ggnDensity: nullable(DENSITY_CURVE),
};

const ANALYSIS: Shape = {
  data: {
    name: string, d: count, classes: count, n: { train: count, test: count, val: count },
    points: nullable({ x: array(numbers), y: array(count) }),
  },
  model: { sizes: array(count), activation: string, parameters: count, norm: number, source: string },
  training: nullable(array({
    phase: string, labels: string,
    record: {
      batchSize: count, epochs: count, steps: count, optimizer: {},
      curve: { epoch: numbers, loss: numbers, accuracy: numbers, evalEpoch: nullable(numbers), fullLoss: nullable(numbers), fullAccuracy: nullable(numbers), valLoss: nullable(numbers), valAccuracy: nullable(numbers) },
    },
  })),
  evaluation: { train: SCORE, test: nullable(SCORE), val: nullable(SCORE) },
  spectrum: {
    eigenvalues: numbers, residuals: numbers, converged: array(boolean), matvecs: count, iterations: count, tol: number,
    lambdaMax: { value: number, residual: number, converged: boolean, method: string },
    trace: { estimate: number, stderr: number, method: string, probes: count },
    outliers: { count: count, rule: string, threshold: nullable(number) },
    density: nullable({ grid: numbers, values: numbers }),
    dense: nullable({ eigenvalues: numbers, asymmetry: number }),
  },
  alignment: { meanAbs: numbers, maxAbs: numbers, perClassMean: array(numbers), perClassMeanAbs: array(numbers) },
  generalization: { topK: GENERALIZATION, all: nullable(GENERALIZATION) },
  margin: nullable({
    method: string, eigenvector: count, margin: number, finalAbsAlignment: number, logitGapRelative: number,
    distanceToMax: number, distanceToMin: number, xb: numbers, xtMax: POINT, xtMin: POINT,
  }),
  jacobianNorm: { mean: number, std: number, quantity: string },
  grid: nullable({
    res: count, bounds: { xMin: number, xMax: number, yMin: number, yMax: number }, xs: numbers, ys: numbers,
    alignment: array(numbers), predicted: array(count), boundary: nullable(numbers), eigenvalues: nullable(numbers), reconstruction: string,
  }),
  tracking: array({ epoch: number, eigenvalues: numbers, G: number }),
  layers: nullable(LAYERS),
  decomposition: nullable(DECOMPOSITION),
  // arrived with the CLI's split checks; older files lack it
  warnings: nullable(array(string)),
  // shown as escaped text, field by field: only its being an object is checked (found by test/integration/report-fuzz.node.test.ts)
  settings: {},
};

const STAT: Shape = { median: number, min: number, max: number, n: count };
const stats = (names: readonly string[]): Shape => Object.fromEntries(names.map((q) => [q, STAT]));
const seedList = (of: Shape): Shape => array(of, MAX_SEEDS);

const COMPARE: Shape = {
  // gOver, the rows' seeds and the groups arrived with seed statistics; older files lack them
  gOver: nullable(string),
  rows: array({
    label: string, testAccuracy: nullable(number), trainAccuracy: number, G: number, margin: nullable(number), lambdaMax: number, trace: number, outliers: count,
    group: nullable(string), seed: nullable(number), dataSeed: nullable(number), GTopK: nullable(number), GAll: nullable(number), seconds: nullable(number),
  }),
  groups: nullable(array({
    label: string, runs: array(count), seeds: seedList(number), dataSeeds: seedList(nullable(number)),
    stats: stats(['testAccuracy', 'trainAccuracy', 'trainLoss', 'G', 'GTopK', 'GAll', 'margin', 'lambdaMax', 'trace', 'outliers']),
    eigenvalues: array(STAT),
  })),
  spearman: { G: nullable(number), margin: nullable(number), lambdaMax: nullable(number), trace: nullable(number), outliers: nullable(number) },
  reports: array({}),
};

// a study's comparison (compare --study) carries these; other comparisons lack the field
const STUDY: Shape = {
  name: string, title: string, source: string, budget: number, seeds: seedList(number), factors: array(string),
  measures: array({
    group: string, p: count, classes: count, outliers: number, lambdaMax: number, trace: number,
    bulkShare: number, bulkTrace: number, classGap: number, reachedTarget: nullable(count), runs: count,
  }),
  findings: array({ id: string, claim: string, source: string, holds: nullable(boolean), evidence: string }),
};

const REPRODUCTION: Shape = {
  settings: {
    budget: number, seeds: seedList(number), dataSeeds: nullable(seedList(number)), top: count, gridRes: count, density: boolean, margin: boolean,
    statistic: string, precision: string, kernelBuild: string, boundaryAlignmentFactor: number,
  },
  seconds: number,
  experiments: array({
    id: string, description: string, parameters: count, sizes: array(count), gOver: string,
    paper: { eigenvalues: nullable(numbers), outliers: nullable(count) },
    runs: array({
      seed: number, dataSeed: nullable(number), report: count, seconds: number, eigenvalues: numbers, outliers: count, G: number, GTopK: number,
      GAll: nullable(number), epsilon: number, margin: nullable(number), boundaryAlignment: nullable(number), trainLoss: number, trainAccuracy: number, testAccuracy: nullable(number),
    }),
    stats: stats(['outliers', 'G', 'GTopK', 'GAll', 'epsilon', 'margin', 'boundaryAlignment', 'trainLoss', 'trainAccuracy', 'testAccuracy', 'seconds']),
    eigenvalues: array(STAT),
  }, 64),
  claims: array({ id: string, statement: string, check: string, verdict: string, numbers: array({ label: string, stat: STAT }), agree: count, of: count }, 64),
  reports: array({}),
};

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
  if (typeof value === 'number') return String(value);
  return typeof value === 'object' ? 'an object' : typeof value;
}

function expected(shape: Shape): string {
  if (shape === 'number') return 'a number';
  if (shape === 'finite') return 'a finite number';
  if (shape === 'count') return 'an integer ≥ 0';
  if (typeof shape === 'string') return `a ${shape}`;
  if ('array' in shape) return `an array of ${expected(shape.array as Shape).replace(/^an? /, '')}s`;
  if ('nullable' in shape) return `${expected(shape.nullable as Shape)} or null`;
  return 'an object';
}

function fail(path: string, shape: Shape, value: unknown): never {
  throw new InputError(`report: ${path} must be ${expected(shape)}, got ${describe(value)}`);
}

function check(value: unknown, shape: Shape, path: string): void {
  if (shape === 'number') {
    if (value !== null && typeof value !== 'number') fail(path, shape, value);
  } else if (shape === 'finite') {
    if (!Number.isFinite(value)) fail(path, shape, value);
  } else if (shape === 'count') {
    if (!Number.isSafeInteger(value) || (value as number) < 0) fail(path, shape, value);
  } else if (shape === 'string' || shape === 'boolean') {
    if (typeof value !== shape) fail(path, shape, value);
  } else if ('array' in shape) {
    if (!Array.isArray(value)) fail(path, shape, value);
    const max = (shape as { readonly max?: number }).max;
    if (max !== undefined && value.length > max) throw new InputError(`report: ${path} has ${value.length} entries, at most ${max} allowed`);
    const of = shape.array as Shape;
    for (let i = 0; i < value.length; i++) check(value[i], of, `${path}[${i}]`);
  } else if ('nullable' in shape) {
    if (value !== null && value !== undefined) check(value, shape.nullable as Shape, path);
  } else {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(path, shape, value);
    for (const [field, inner] of Object.entries(shape)) check((value as Record<string, unknown>)[field], inner, path ? `${path}.${field}` : field);
  }
}

function sameLength(path: string, a: readonly unknown[], b: readonly unknown[], bName: string): void {
  if (a.length !== b.length) throw new InputError(`report: ${path} has ${a.length} entries but ${bName} has ${b.length}`);
}

type Curve = { grid: number[]; values: number[] } | null;

interface CheckedAnalysis {
  data: { d: number; classes: number; points: { x: number[][]; y: number[] } | null };
  model: { parameters: number };
  spectrum: { eigenvalues: number[]; residuals: number[]; converged: boolean[]; density: Curve };
  grid: { res: number; xs: number[]; ys: number[]; alignment: number[][]; predicted: number[]; boundary: number[] | null } | null;
  layers?: {
    blocks: { eigenvalues: number[]; residuals: number[]; converged: boolean[]; density: Curve }[];
    diagonal: { method: string; values: number[]; stderr: number[] };
  } | null;
  decomposition?: { shares: unknown[]; ggnEigenvalues: number[]; outliers: { hessian: number; ggn: number }; ggnDensity: Curve } | null;
}

/** The per-layer spectra and the decomposition agree with themselves and with the spectrum. */
function checkLayersAndDecomposition(r: CheckedAnalysis, at: (field: string) => string): void {
  const curve = (c: Curve, name: string): void => {
    if (c) sameLength(at(`${name}.values`), c.values, c.grid, at(`${name}.grid`));
  };
  const L = r.layers;
  if (L) {
    L.blocks.forEach((b, i) => {
      sameLength(at(`layers.blocks[${i}].residuals`), b.residuals, b.eigenvalues, at(`layers.blocks[${i}].eigenvalues`));
      sameLength(at(`layers.blocks[${i}].converged`), b.converged, b.eigenvalues, at(`layers.blocks[${i}].eigenvalues`));
      curve(b.density, `layers.blocks[${i}].density`);
    });
    const d = L.diagonal;
    if (d.values.length !== r.model.parameters) throw new InputError(`report: ${at('layers.diagonal.values')} has ${d.values.length} entries, expected model.parameters = ${r.model.parameters}`);
    sameLength(at('layers.diagonal.stderr'), d.stderr, d.values, at('layers.diagonal.values'));
  }
  const D = r.decomposition;
  if (D) {
    sameLength(at('decomposition.shares'), D.shares, r.spectrum.eigenvalues, at('spectrum.eigenvalues'));
    if (D.outliers.hessian > D.shares.length) throw new InputError(`report: ${at('decomposition.outliers.hessian')} is ${D.outliers.hessian}, more than the ${D.shares.length} shares`);
    if (D.outliers.ggn > D.ggnEigenvalues.length) throw new InputError(`report: ${at('decomposition.outliers.ggn')} is ${D.outliers.ggn}, more than the ${D.ggnEigenvalues.length} ggnEigenvalues`);
    curve(D.ggnDensity, 'decomposition.ggnDensity');
  }
}

function checkAnalysis(value: unknown, path: string): void {
  check(value, ANALYSIS, path);
  const r = value as CheckedAnalysis;
  const at = (field: string): string => (path ? `${path}.${field}` : field);
  if (r.data.classes < 1 || r.data.classes > MAX_CLASSES) throw new InputError(`report: ${at('data.classes')} must be in 1..${MAX_CLASSES}, got ${r.data.classes}`);
  const s = r.spectrum;
  sameLength(at('spectrum.residuals'), s.residuals, s.eigenvalues, at('spectrum.eigenvalues'));
  sameLength(at('spectrum.converged'), s.converged, s.eigenvalues, at('spectrum.eigenvalues'));
  if (s.density) sameLength(at('spectrum.density.values'), s.density.values, s.density.grid, at('spectrum.density.grid'));
  const pts = r.data.points;
  if (pts) {
    sameLength(at('data.points.y'), pts.y, pts.x, at('data.points.x'));
    pts.x.forEach((row, i) => {
      if (row.length !== r.data.d) throw new InputError(`report: ${at(`data.points.x[${i}]`)} has ${row.length} features, expected data.d = ${r.data.d}`);
    });
    pts.y.forEach((y, i) => {
      if (y >= r.data.classes) throw new InputError(`report: ${at(`data.points.y[${i}]`)} is ${y}, out of range for ${r.data.classes} classes`);
    });
  }
  const g = r.grid;
  if (g) {
    if (g.res < 2 || g.res > MAX_GRID_RES) throw new InputError(`report: ${at('grid.res')} must be in 2..${MAX_GRID_RES}, got ${g.res}`);
    const cells = g.res * g.res;
    const cellsOk = (a: readonly unknown[], name: string): void => {
      if (a.length !== cells) throw new InputError(`report: ${at(name)} has ${a.length} entries, expected res² = ${cells}`);
    };
    if (g.xs.length !== g.res || g.ys.length !== g.res) throw new InputError(`report: ${at('grid.xs')} and ${at('grid.ys')} must have res = ${g.res} entries`);
    if (g.alignment.length === 0) throw new InputError(`report: ${at('grid.alignment')} is empty, expected one map per eigenvector`);
    g.alignment.forEach((row, i) => cellsOk(row, `grid.alignment[${i}]`));
    cellsOk(g.predicted, 'grid.predicted');
    if (g.boundary) cellsOk(g.boundary, 'grid.boundary');
  }
  checkLayersAndDecomposition(r, at);
}

/**
 * Throws {@link InputError} naming the first field of `result` (an analysis, a comparison or a
 * reproduction, by its `schema`) that the report could not draw as it is.
 */
export function checkReportInput(result: unknown, kind: 'analysis' | 'compare' | 'reproduction'): void {
  if (kind === 'analysis') {
    checkAnalysis(result, '');
    return;
  }
  if (kind === 'reproduction') {
    check(result, REPRODUCTION, '');
    const r = result as { experiments: { runs: { report: number }[] }[]; reports: unknown[] };
    r.experiments.forEach((e, i) => e.runs.forEach((run, j) => {
      if (run.report >= r.reports.length) throw new InputError(`report: experiments[${i}].runs[${j}].report is ${run.report}, but there are ${r.reports.length} reports`);
    }));
    r.reports.forEach((a, i) => checkAnalysis(a, `reports[${i}]`));
    return;
  }
  check(result, COMPARE, '');
  const c = result as { rows: unknown[]; reports: unknown[]; study?: unknown };
  if (c.study !== undefined) check(c.study, STUDY, 'study');
  sameLength('reports', c.reports, c.rows, 'rows');
  c.reports.forEach((r, i) => checkAnalysis(r, `reports[${i}]`));
}
