/**
 * Alignment maps over a 2-D input grid: A_i(x) for every grid point x, the predicted class map and
 * the reconstructed decision boundary.
 *
 * Grid: res × res points (default res = 100) spanning the data's bounding box padded by `padding`
 * (default 0.1 = 10 % of its width and height on each side), or the caller's `bounds`; both ends
 * included: xs[i] = xMin + i·(xMax − xMin)/(res − 1), rounded to float32 (the kernels' input). Flat arrays are row-major with y as the row:
 * entry iy·res + ix is the point (xs[ix], ys[iy]).
 * A_i(x) = cos(g(x), v_i) with the predicted label at x (as {@link alignment}; grid points have no
 * true label), computed in wasm on a session of the same model bound to the grid points.
 * Reconstructed boundary (option `reconstruction`), given the eigenvalues λ_i:
 * - `weighted-abs` (default): R(x) = Σ_i λ_i |A_i(x)|, divided by max_x R(x) — independent of the
 *   eigenvectors' arbitrary signs, in [0, 1] when the λ_i ≥ 0;
 * - `weighted-signed` (the paper's plotting code, plotting/hessian_encode_boundary.py): R(x) =
 *   Σ_i λ_i A_i(x), divided by max_x R(x) (not the max of |R|); depends on the eigenvector signs.
 * Without eigenvalues the reconstruction is null. The paper's plots use fixed per-dataset bounds
 * (e.g. [−4, 4]² for gauss); pass them as `bounds` to match.
 *
 * see: S. Sabanayagam, F. Behrens, U. Adomaityte, A. Dawid, "Unveiling the Hessian's connection to
 * the decision boundary", arXiv 2306.07104 (2023).
 */
import { InputError, ShapeError } from '../errors.js';
import { makeDataset, type Dataset } from '../data/dataset.js';
import type { Session } from '../engine/session.js';
import { alignmentMatrix, checkDirections } from './alignment.js';

/** Schema tag of {@link AlignmentGridResult}. */
export const GRID_SCHEMA = 'hessian-lens/alignment-grid@1';

/** How the alignment maps combine into a boundary: see the module notes. */
export type BoundaryReconstruction = 'weighted-abs' | 'weighted-signed';

/** An axis-aligned box in the 2-D input plane. */
export interface GridBounds {
  readonly xMin: number;
  readonly xMax: number;
  readonly yMin: number;
  readonly yMax: number;
}

/** Options of {@link alignmentGrid}. */
export interface AlignmentGridOptions {
  /** Points per axis (default 100, at least 2). */
  readonly res?: number;
  /** Padding of the data's bounding box, as a fraction of its extent per side (default 0.1). Ignored with `bounds`. */
  readonly padding?: number;
  /** Explicit bounds (override the data's padded bounding box). */
  readonly bounds?: GridBounds;
  /** λ_i of the eigenvectors (same order), for the reconstruction; omit for none. */
  readonly eigenvalues?: ArrayLike<number>;
  /** Default `weighted-abs`. */
  readonly reconstruction?: BoundaryReconstruction;
}

/**
 * What the grid maps need: the bound model and data (the data sets the default bounds) and a way
 * to bind the same model to the grid points — a `Session` on the training set.
 */
export type GridSource = Pick<Session, 'model' | 'data' | 'withData'>;

/** Alignment maps over a grid (flat arrays, row-major with y as the row). */
export interface AlignmentGridResult {
  /** Record type and version. */
  readonly schema: typeof GRID_SCHEMA;
  /** points per axis */
  readonly res: number;
  /** the grid's box */
  readonly bounds: GridBounds;
  /** [res] x coordinates (columns) */
  readonly xs: readonly number[];
  /** [res] y coordinates (rows) */
  readonly ys: readonly number[];
  /** layout of the flat arrays */
  readonly layout: 'row-major [res (y) × res (x)]: index = iy·res + ix';
  /** [k][res·res] signed A_i over the grid */
  readonly alignment: readonly (readonly number[])[];
  /** [res·res] predicted class */
  readonly predicted: readonly number[];
  /** [k] the eigenvalues given (null without) */
  readonly eigenvalues: readonly number[] | null;
  /** how `boundary` was formed (null without eigenvalues) */
  readonly reconstruction: BoundaryReconstruction | null;
  /** [res·res] reconstructed boundary (null without eigenvalues) */
  readonly boundary: readonly number[] | null;
}

function checkBounds(b: GridBounds): GridBounds {
  const ok = [b?.xMin, b?.xMax, b?.yMin, b?.yMax].every((v) => typeof v === 'number' && Number.isFinite(v));
  if (!ok || !(b.xMax > b.xMin) || !(b.yMax > b.yMin)) {
    throw new InputError(`bounds must be finite with xMax > xMin and yMax > yMin, got ${JSON.stringify(b)}`);
  }
  return Object.freeze({ xMin: b.xMin, xMax: b.xMax, yMin: b.yMin, yMax: b.yMax });
}

/** The data's bounding box padded by `padding` × extent per side (a zero extent is widened to ±0.5). */
export function paddedBounds(data: Dataset, padding = 0.1): GridBounds {
  if (data.d !== 2) throw new ShapeError(`grid maps need 2-D inputs, the data has ${data.d} features`);
  if (!(Number.isFinite(padding) && padding >= 0)) throw new InputError(`padding must be a finite number ≥ 0, got ${padding}`);
  let xMin = Infinity;
  let xMax = -Infinity;
  let yMin = Infinity;
  let yMax = -Infinity;
  for (let i = 0; i < data.n; i++) {
    const x = data.x[2 * i]!;
    const y = data.x[2 * i + 1]!;
    if (x < xMin) xMin = x;
    if (x > xMax) xMax = x;
    if (y < yMin) yMin = y;
    if (y > yMax) yMax = y;
  }
  if (xMax === xMin) {
    xMin -= 0.5;
    xMax += 0.5;
  }
  if (yMax === yMin) {
    yMin -= 0.5;
    yMax += 0.5;
  }
  const wx = xMax - xMin;
  const wy = yMax - yMin;
  return checkBounds({ xMin: xMin - padding * wx, xMax: xMax + padding * wx, yMin: yMin - padding * wy, yMax: yMax + padding * wy });
}

/**
 * A_i over a res × res grid of the 2-D input plane for each eigenvector, the predicted class map
 * and (given eigenvalues) the reconstructed boundary. The session's data (usually the training
 * set) sets the default bounds; the grid points get a session of their own, closed here.
 */
export async function alignmentGrid(
  session: GridSource,
  eigenvectors: readonly ArrayLike<number>[],
  options: AlignmentGridOptions = {},
): Promise<AlignmentGridResult> {
  const { model, data } = session;
  if (model.spec.sizes[0] !== 2) throw new ShapeError(`grid maps need a model with 2 inputs, the ${model.spec.sizes.join('-')} model has ${model.spec.sizes[0]}`);
  checkDirections(eigenvectors, model.theta.length);
  const res = options.res ?? 100;
  if (!(Number.isInteger(res) && res >= 2 && res <= 4096)) throw new InputError(`res must be an integer in 2..4096, got ${String(res)}`);
  const bounds = options.bounds ? checkBounds(options.bounds) : paddedBounds(data, options.padding ?? 0.1);
  const method = options.reconstruction ?? 'weighted-abs';
  if (method !== 'weighted-abs' && method !== 'weighted-signed') {
    throw new InputError(`reconstruction must be 'weighted-abs' or 'weighted-signed', got '${String(method)}'`);
  }
  const k = eigenvectors.length;
  let lambdas: number[] | null = null;
  if (options.eigenvalues !== undefined) {
    lambdas = Array.from(options.eigenvalues);
    if (lambdas.length !== k) throw new ShapeError(`${lambdas.length} eigenvalues given for ${k} eigenvectors`);
    lambdas.forEach((l, i) => {
      if (!Number.isFinite(l)) throw new InputError(`eigenvalue ${i} is ${l} (must be finite)`);
    });
  }

  // coordinates rounded to float32: the values the kernels actually evaluate
  const xs = Array.from({ length: res }, (_, i) => Math.fround(bounds.xMin + ((bounds.xMax - bounds.xMin) * i) / (res - 1)));
  const ys = Array.from({ length: res }, (_, i) => Math.fround(bounds.yMin + ((bounds.yMax - bounds.yMin) * i) / (res - 1)));
  const m = res * res;
  const pts = new Float32Array(2 * m);
  for (let iy = 0; iy < res; iy++) {
    for (let ix = 0; ix < res; ix++) {
      pts[2 * (iy * res + ix)] = xs[ix]!;
      pts[2 * (iy * res + ix) + 1] = ys[iy]!;
    }
  }
  const classes = model.spec.sizes[model.spec.sizes.length - 1]!;
  const grid = makeDataset(pts, new Int32Array(m), 2, classes);
  const gridSession = await session.withData(grid);
  let matrix;
  try {
    matrix = await alignmentMatrix(gridSession, eigenvectors, 'predicted');
  } finally {
    await gridSession.close();
  }
  const { cos, predicted } = matrix;

  let boundary: number[] | null = null;
  if (lambdas) {
    const r = new Float64Array(m);
    for (let j = 0; j < k; j++) {
      const lam = lambdas[j]!;
      for (let i = 0; i < m; i++) {
        const a = cos[j * m + i]!;
        r[i] = r[i]! + lam * (method === 'weighted-abs' ? Math.abs(a) : a);
      }
    }
    let max = -Infinity;
    for (let i = 0; i < m; i++) if (r[i]! > max) max = r[i]!;
    // a non-positive max (e.g. all λ ≤ 0) leaves R unscaled rather than flipping or blowing it up
    const scale = max > 0 ? 1 / max : 1;
    boundary = Array.from(r, (v) => v * scale);
  }
  return Object.freeze({
    schema: GRID_SCHEMA,
    res,
    bounds,
    xs: Object.freeze(xs),
    ys: Object.freeze(ys),
    layout: 'row-major [res (y) × res (x)]: index = iy·res + ix' as const,
    alignment: Object.freeze(Array.from({ length: k }, (_, j) => Object.freeze(Array.from(cos.subarray(j * m, (j + 1) * m))))),
    predicted: Object.freeze(Array.from(predicted)),
    eigenvalues: lambdas ? Object.freeze(lambdas) : null,
    reconstruction: lambdas ? method : null,
    boundary: boundary ? Object.freeze(boundary) : null,
  });
}
