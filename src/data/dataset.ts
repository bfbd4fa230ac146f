/**
 * The in-memory dataset every layer shares: features row-major float32, integer labels.
 */
import { InputError, ShapeError } from '../errors.js';

/** Labels are stored as int32. */
const MAX_LABEL = 0x7fffffff;

/** n samples of d features (row-major [n, d]) with labels in 0..classes−1. */
export interface Dataset {
  /** [n, d] row-major */
  readonly x: Float32Array;
  /** [n] integer labels */
  readonly y: Int32Array;
  readonly n: number;
  readonly d: number;
  readonly classes: number;
  /** optional feature names (CSV header) */
  readonly featureNames?: readonly string[];
}

/** Builds a checked dataset. Throws {@link ShapeError} or {@link InputError} naming the problem. */
export function makeDataset(x: ArrayLike<number>, y: ArrayLike<number>, d: number, classes?: number, featureNames?: readonly string[]): Dataset {
  const n = y.length;
  if (n === 0) throw new InputError('the dataset is empty (no samples)');
  if (!Number.isInteger(d) || d < 1) throw new ShapeError(`feature count must be a positive integer, got ${d}`);
  if (x.length !== n * d) throw new ShapeError(`features have ${x.length} values, expected n·d = ${n}·${d} = ${n * d}`);
  const xf = x instanceof Float32Array ? x : Float32Array.from(x);
  for (let i = 0; i < xf.length; i++) {
    if (!Number.isFinite(xf[i]!)) {
      throw new InputError(`feature ${i % d} of sample ${Math.floor(i / d)} is ${xf[i]} (features must be finite)`);
    }
  }
  if (classes !== undefined && !(Number.isInteger(classes) && classes >= 1 && classes <= MAX_LABEL + 1)) {
    throw new InputError(`the number of classes must be an integer in 1..${MAX_LABEL + 1}, got ${classes}`);
  }
  if (featureNames !== undefined && featureNames.length !== d) {
    throw new ShapeError(`${featureNames.length} feature names given for ${d} features`);
  }
  const yi = new Int32Array(n);
  let maxLabel = 0;
  for (let i = 0; i < n; i++) {
    const v = y[i]!;
    if (!Number.isInteger(v) || v < 0 || v > MAX_LABEL) throw new InputError(`label of sample ${i} is ${v} (labels must be integers in 0..${MAX_LABEL})`);
    yi[i] = v;
    if (v > maxLabel) maxLabel = v;
  }
  const c = classes ?? maxLabel + 1;
  if (maxLabel >= c) throw new InputError(`label ${maxLabel} is out of range for ${c} classes (labels must be 0..${c - 1})`);
  return Object.freeze({ x: xf, y: yi, n, d, classes: c, ...(featureNames ? { featureNames } : {}) });
}
