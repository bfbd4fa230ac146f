/**
 * Dataset transforms: standardisation fitted on the training split, seeded train/test/validation
 * splits, row subsets and the paper's random-label recipe. Every function returns new datasets;
 * none mutates its input.
 */
import { InputError, ShapeError } from '../errors.js';
import { Rng } from '../model/rng.js';
import { makeDataset, type Dataset } from './dataset.js';

/** Per-feature affine scaling `z = (x − mean) / std` (float64, one entry per feature). */
export interface Scaler {
  /** [d] feature means of the data the scaler was fitted on */
  readonly mean: Float64Array;
  /** [d] population standard deviations (divisor n); 1 for a constant feature */
  readonly std: Float64Array;
}

/**
 * Fits a {@link Scaler}: the mean and the population standard deviation (divisor n, as numpy's
 * `np.std` and sklearn's `StandardScaler`) of every feature, accumulated in float64. A constant
 * feature gets std 1, so it maps to 0 instead of NaN.
 */
export function fitScaler(data: Dataset): Scaler {
  const { n, d, x } = data;
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = x[i * d + j]!;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const m = sum / n;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const e = x[i * d + j]! - m;
      ss += e * e;
    }
    mean[j] = m;
    // min === max is the exact test for a constant column; a variance threshold would misfire on
    // features that are legitimately tiny.
    std[j] = min === max ? 1 : Math.sqrt(ss / n);
  }
  return Object.freeze({ mean, std });
}

/** Applies a fitted scaler; the result is computed in float64 and stored as float32. */
export function applyScaler(data: Dataset, scaler: Scaler): Dataset {
  const { n, d, x } = data;
  if (scaler.mean.length !== d || scaler.std.length !== d) {
    throw new ShapeError(`scaler has ${scaler.mean.length} means and ${scaler.std.length} stds, the dataset has ${d} features`);
  }
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) out[i * d + j] = (x[i * d + j]! - scaler.mean[j]!) / scaler.std[j]!;
  }
  return makeDataset(out, data.y, d, data.classes, data.featureNames);
}

/** What {@link standardize} returns. */
export interface Standardized {
  /** the training set, scaled */
  readonly train: Dataset;
  /** the other datasets, scaled with the training set's scaler, in argument order */
  readonly others: Dataset[];
  /** the scaler fitted on the training set */
  readonly scaler: Scaler;
}

/**
 * Standardises features with mean and population std fitted on `train` only, and applies the same
 * scaler to `others` (test, validation), so no statistic leaks from held-out data.
 * @example const { train, others: [test, val], scaler } = standardize(parts.train, parts.test, parts.val);
 */
export function standardize(train: Dataset, ...others: Dataset[]): Standardized {
  others.forEach((o, k) => {
    if (o.d !== train.d) throw new ShapeError(`dataset ${k + 1} after train has ${o.d} features, train has ${train.d}`);
  });
  const scaler = fitScaler(train);
  return { train: applyScaler(train, scaler), others: others.map((o) => applyScaler(o, scaler)), scaler };
}

/**
 * Sizes of a split: all counts (integers), or all fractions of n (values in [0, 1] summing to at
 * most 1). If every value is an integer they are read as counts; otherwise as fractions.
 */
export interface SplitSizes {
  readonly train: number;
  readonly test: number;
  /** validation; 0 or absent for none */
  readonly val?: number;
}

/** Options of {@link split}. */
export interface SplitOptions {
  /**
   * Keep every class's share in every part (default true). Each part's per-class counts are its
   * size times the class share, rounded by largest remainder, so the part sizes stay exact.
   */
  readonly stratify?: boolean;
}

/** The parts of a split and the source-row indices behind each. */
export interface SplitResult {
  readonly train: Dataset;
  readonly test: Dataset;
  /** null when the validation size is 0 */
  readonly val: Dataset | null;
  /** rows of the source dataset in each part, in the part's (shuffled) order */
  readonly indices: { readonly train: Int32Array; readonly test: Int32Array; readonly val: Int32Array };
}

/** Resolves counts-or-fractions to counts for n samples; throws {@link InputError} when they do not fit. */
export function resolveSplitSizes(sizes: SplitSizes, n: number): { train: number; test: number; val: number } {
  const values = { train: sizes.train, test: sizes.test, val: sizes.val ?? 0 };
  for (const [key, v] of Object.entries(values)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new InputError(`split size '${key}' must be a finite number ≥ 0, got ${String(v)}`);
    }
  }
  let counts: { train: number; test: number; val: number };
  if (Number.isInteger(values.train) && Number.isInteger(values.test) && Number.isInteger(values.val)) {
    counts = values;
  } else {
    const total = values.train + values.test + values.val;
    for (const [key, v] of Object.entries(values)) {
      if (v > 1) throw new InputError(`split size '${key}' = ${v} mixes counts and fractions (fractions must lie in [0, 1])`);
    }
    if (total > 1 + 1e-9) throw new InputError(`split fractions sum to ${total}, more than 1`);
    const train = Math.round(values.train * n);
    const test = Math.round(values.test * n);
    // Fractions that sum to 1 use every sample: validation takes what rounding left over.
    const val = Math.abs(total - 1) <= 1e-9 ? Math.max(0, n - train - test) : Math.round(values.val * n);
    counts = { train, test, val };
  }
  if (counts.train < 1) throw new InputError(`the training split would be empty (train = ${sizes.train} of n = ${n})`);
  if (counts.test < 1) throw new InputError(`the test split would be empty (test = ${sizes.test} of n = ${n})`);
  const sum = counts.train + counts.test + counts.val;
  if (sum > n) {
    throw new InputError(`split sizes ${counts.train} + ${counts.test} + ${counts.val} = ${sum} exceed the ${n} samples`);
  }
  return counts;
}

/**
 * Seeded train/test/validation split. Sizes are counts or fractions ({@link SplitSizes}); samples
 * beyond their sum are left out. With `stratify` (the default) each part keeps the class shares of
 * the whole; without it the rows are one seeded permutation cut into consecutive parts. Each part's
 * rows come in a seeded random order. The same seed and data give the same split on every platform.
 */
export function split(data: Dataset, sizes: SplitSizes, seed: number, options: SplitOptions = {}): SplitResult {
  checkSeed(seed);
  const counts = resolveSplitSizes(sizes, data.n);
  const rng = new Rng(seed);
  const stratify = options.stratify ?? true;
  const parts = stratify ? stratifiedParts(data, counts, rng) : plainParts(data.n, counts, rng);
  return {
    train: subset(data, parts.train),
    test: subset(data, parts.test),
    val: parts.val.length > 0 ? subset(data, parts.val) : null,
    indices: parts,
  };
}

type Parts = { train: Int32Array; test: Int32Array; val: Int32Array };

function plainParts(n: number, counts: { train: number; test: number; val: number }, rng: Rng): Parts {
  const perm = rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
  const a = counts.train;
  const b = a + counts.test;
  return { train: perm.slice(0, a), test: perm.slice(a, b), val: perm.slice(b, b + counts.val) };
}

function stratifiedParts(data: Dataset, counts: { train: number; test: number; val: number }, rng: Rng): Parts {
  const byClass: number[][] = Array.from({ length: data.classes }, () => []);
  for (let i = 0; i < data.n; i++) byClass[data.y[i]!]!.push(i);
  const pools = byClass.map((rows) => rng.shuffle(Int32Array.from(rows)));
  const remaining = pools.map((p) => p.length);
  const taken = pools.map(() => 0);
  const take = (size: number): Int32Array => {
    const alloc = allocate(size, pools.map((p) => p.length), remaining, data.n);
    const out = new Int32Array(size);
    let k = 0;
    alloc.forEach((m, c) => {
      for (let t = 0; t < m; t++) out[k++] = pools[c]![taken[c]! + t]!;
      taken[c]! += m;
      remaining[c]! -= m;
    });
    return rng.shuffle(out);
  };
  return { train: take(counts.train), test: take(counts.test), val: take(counts.val) };
}

/** Largest-remainder share of `size` in proportion to `classSizes`, never above `capacity`. */
function allocate(size: number, classSizes: number[], capacity: number[], n: number): number[] {
  const ideal = classSizes.map((s) => (size * s) / n);
  const alloc = ideal.map((v, c) => Math.min(Math.floor(v), capacity[c]!));
  let left = size - alloc.reduce((a, b) => a + b, 0);
  const frac = (c: number): number => ideal[c]! - Math.floor(ideal[c]!);
  const order = classSizes.map((_, c) => c).sort((p, q) => frac(q) - frac(p) || p - q);
  for (const c of order) {
    if (left > 0 && alloc[c]! < capacity[c]!) {
      alloc[c]!++;
      left--;
    }
  }
  // Only reached when capacities bind (earlier parts used up a class): fill from any class left.
  for (const c of order) {
    while (left > 0 && alloc[c]! < capacity[c]!) {
      alloc[c]!++;
      left--;
    }
  }
  return alloc;
}

/** The rows `indices` of `data`, in that order (repeats allowed); classes and names are kept. */
export function subset(data: Dataset, indices: ArrayLike<number>): Dataset {
  const { d } = data;
  const m = indices.length;
  if (m === 0) throw new InputError('subset needs at least one index');
  const x = new Float32Array(m * d);
  const y = new Int32Array(m);
  for (let k = 0; k < m; k++) {
    const i = indices[k]!;
    if (!Number.isInteger(i) || i < 0 || i >= data.n) {
      throw new InputError(`subset index ${k} is ${i}, outside 0..${data.n - 1}`);
    }
    x.set(data.x.subarray(i * d, (i + 1) * d), k * d);
    y[k] = data.y[i]!;
  }
  return makeDataset(x, y, d, data.classes, data.featureNames);
}

/** Options of {@link randomLabels}. */
export interface RandomLabelOptions {
  /**
   * Permute only within these groups of classes (the paper's hierarchical "within hierarchy"
   * variant, e.g. [[0, 1], [2, 3]]); labels outside every group stay. Default: one group of all.
   */
  readonly within?: readonly (readonly number[])[];
}

/**
 * The paper's random-label recipe: a seeded permutation of the true labels over the samples
 * (numpy's `RandomState(seed).permutation(y)` in the paper's code; our stream is SplitMix64), so
 * every class keeps its count while labels lose any relation to the inputs. Features are shared
 * with the input (same Float32Array).
 */
export function randomLabels(data: Dataset, seed: number, options: RandomLabelOptions = {}): Dataset {
  checkSeed(seed);
  const rng = new Rng(seed);
  const y = Int32Array.from(data.y);
  const groups = options.within ?? [Array.from({ length: data.classes }, (_, c) => c)];
  const seen = new Set<number>();
  for (const group of groups) {
    for (const c of group) {
      if (!Number.isInteger(c) || c < 0 || c >= data.classes) {
        throw new InputError(`randomLabels: class ${c} in 'within' is outside 0..${data.classes - 1}`);
      }
      if (seen.has(c)) throw new InputError(`randomLabels: class ${c} appears in more than one 'within' group`);
      seen.add(c);
    }
    const members = new Set(group);
    const rows: number[] = [];
    for (let i = 0; i < data.n; i++) if (members.has(data.y[i]!)) rows.push(i);
    const labels = rng.shuffle(Int32Array.from(rows, (i) => data.y[i]!));
    rows.forEach((i, k) => {
      y[i] = labels[k]!;
    });
  }
  return makeDataset(data.x, y, data.d, data.classes, data.featureNames);
}

/** Throws {@link InputError} unless `seed` is a safe integer. */
export function checkSeed(seed: unknown, what = 'seed'): asserts seed is number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw new InputError(`${what} must be a safe integer, got ${String(seed)}`);
  }
}
