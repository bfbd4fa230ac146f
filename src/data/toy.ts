/**
 * Seeded 2-D toy datasets: the paper's sets (gauss, hierarchical, circles, moons, two
 * checkerboards; recipes from the paper's code, src/datasets.py) plus `xor`, `spirals` and `blobs`
 * (K classes on a circle, for sweeps over the number of classes: Sagun et al. 2017).
 * Rows come grouped by blob or curve in the order the recipe lists them; `split` shuffles.
 * see: Sabanayagam, Behrens, Adomaityte, Dawid, arXiv 2306.07104; sklearn `make_circles`, `make_moons`.
 *
 * `noise` means one of two things, recorded per set in {@link TOY_DATASETS} as `noise.meaning`:
 * - `'std'` (circles, moons, xor, spirals): std of the isotropic Gaussian noise added to every
 *   coordinate of a point on the curve or at the blob centre, as sklearn's `noise`;
 * - `'scale'` (gauss, hierarchical, checkerboards, blobs): a factor on the per-axis stds (1 = the
 *   paper's, for blobs 0.5).
 */
import { cos, sin } from '../model/detmath.js';
import { InputError } from '../errors.js';
import { Rng } from '../model/rng.js';
import { makeDataset, type Dataset } from './dataset.js';
import { checkSeed, type SplitSizes } from './transform.js';

/** Options every toy generator takes. */
export interface ToyOptions {
  /** seed of the SplitMix64 stream; the same seed gives the same points everywhere */
  readonly seed: number;
  /** total number of samples, spread as evenly as possible over the blobs or curves */
  readonly n?: number;
  /** noise level; see the module header for its meaning per set */
  readonly noise?: number;
}

/** Options of {@link hierarchical}. */
export interface HierarchicalOptions extends ToyOptions {
  /** 4 (one class per blob, default) or 2 (blobs {0,1} → 0, {2,3} → 1) */
  readonly classes?: 2 | 4;
}

/** Options of {@link blobs}. */
export interface BlobsOptions extends ToyOptions {
  /** number of classes, one blob each, 2 … 16 (default 4) */
  readonly classes?: number;
}

/** Options of {@link circles}. */
export interface CirclesOptions extends ToyOptions {
  /** inner radius / outer radius, in [0, 1); default 0.5 */
  readonly factor?: number;
}

/** Options {@link generateToy} accepts: the union of every generator's options. */
export interface AnyToyOptions extends ToyOptions {
  /** hierarchical (2 or 4) and blobs (2 … 16) only */
  readonly classes?: number;
  /** circles only */
  readonly factor?: number;
}

/** Names of the built-in toy sets. */
export type ToyName =
  | 'gauss'
  | 'hierarchical'
  | 'circles'
  | 'moons'
  | 'checkerboard-linear'
  | 'checkerboard-noisy'
  | 'xor'
  | 'spirals'
  | 'blobs';

/** A registry entry: defaults, the paper's split and the generator. */
export interface ToySpec {
  readonly name: ToyName;
  /** one line on the recipe */
  readonly description: string;
  /** default total n */
  readonly n: number;
  /** number of classes at the default options */
  readonly classes: number;
  /** default noise and what it means (module header) */
  readonly noise: { readonly default: number; readonly meaning: 'std' | 'scale' };
  /**
   * default train/test/val counts at the default n (the paper's for its sets: 50 % / 20 % / 30 %);
   * for another n pass fractions to `split`, e.g. { train: 0.5, test: 0.2, val: 0.3 }
   */
  readonly split: Required<SplitSizes>;
  /** extra option names this generator accepts besides seed, n and noise */
  readonly extraOptions: readonly string[];
  /** generates the dataset */
  readonly generate: (options: AnyToyOptions) => Dataset;
}

interface Blob {
  readonly mean: readonly [number, number];
  readonly std: readonly [number, number];
  readonly label: number;
}

/** Counts of n spread over k groups: the first n mod k groups get one more. */
function spread(n: number, k: number): number[] {
  return Array.from({ length: k }, (_, i) => Math.floor(n / k) + (i < n % k ? 1 : 0));
}

/** Largest n a toy generator makes (10 M points are 80 MB of float32 features, built in this thread). */
export const MAX_TOY_SAMPLES = 10_000_000;

function checkCommon(options: ToyOptions, name: string, groups: number, defaultN: number, defaultNoise: number): { n: number; noise: number } {
  if (options === null || typeof options !== 'object') throw new InputError(`${name}: options must be an object with a seed`);
  checkSeed(options.seed, `${name}: seed`);
  const n = options.n ?? defaultN;
  if (!Number.isInteger(n) || n < groups) {
    throw new InputError(`${name}: n must be an integer ≥ ${groups} (one per ${groups === 2 ? 'class' : 'blob'}), got ${String(n)}`);
  }
  if (n > MAX_TOY_SAMPLES) {
    throw new InputError(`${name}: n = ${n} is above the ${MAX_TOY_SAMPLES.toLocaleString('en-US')}-sample limit of the toy generators (2-D points made in this thread; more adds nothing to a toy problem)`);
  }
  const noise = options.noise ?? defaultNoise;
  if (typeof noise !== 'number' || !Number.isFinite(noise) || noise < 0) {
    throw new InputError(`${name}: noise must be a finite number ≥ 0, got ${String(noise)}`);
  }
  return { n, noise };
}

/** n points over `blobs`, each mean + scale·std ⊙ N(0, I); x then y normal per point. */
function sampleBlobs(name: string, blobs: readonly Blob[], options: ToyOptions, defaultN: number, classes: number, defaultNoise = 1): Dataset {
  const { n, noise } = checkCommon(options, name, blobs.length, defaultN, defaultNoise);
  const rng = new Rng(options.seed);
  const counts = spread(n, blobs.length);
  const x = new Float32Array(n * 2);
  const y = new Int32Array(n);
  let i = 0;
  blobs.forEach((b, k) => {
    for (let t = 0; t < counts[k]!; t++, i++) {
      x[2 * i] = b.mean[0] + noise * b.std[0] * rng.normal();
      x[2 * i + 1] = b.mean[1] + noise * b.std[1] * rng.normal();
      y[i] = b.label;
    }
  });
  return makeDataset(x, y, 2, classes);
}

/** Adds isotropic N(0, noise²) to every coordinate, row by row. */
function addNoise(x: Float64Array, noise: number, rng: Rng): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! + noise * rng.normal();
  return out;
}

const GAUSS_BLOBS: readonly Blob[] = [
  { mean: [2, -1], std: [0.5, 0.5], label: 0 },
  { mean: [-2, 0], std: [0.5, 1], label: 1 },
  { mean: [0, 2], std: [0.5, 0.5], label: 2 },
];

/** The paper's 3-class Gaussian mixture: 100 per class at (2,−1), (−2,0), (0,2), stds (0.5,0.5), (0.5,1), (0.5,0.5). */
export function gauss(options: ToyOptions): Dataset {
  return sampleBlobs('gauss', GAUSS_BLOBS, options, 300, 3);
}

const HIER_MEANS: readonly (readonly [number, number])[] = [[2, -1], [2, 1], [-2, 1], [-2, -1]];

/** Most classes {@link blobs} makes: neighbouring centres on the radius-2 circle stay ≥ 0.78 apart (1.6 stds). */
export const MAX_BLOB_CLASSES = 16;

/**
 * K classes, one isotropic Gaussian blob each, centred on the circle of radius 2 at angles 2πk/K
 * (k = 0 … K−1), std 0.5·`noise`; 100 per class by default. More classes put the blobs closer
 * together, a larger `noise` makes them overlap: the data sweep of Sagun et al. 2017 (the number
 * of Hessian outliers follows the classes).
 */
export function blobs(options: BlobsOptions): Dataset {
  const classes = options?.classes ?? 4;
  if (!Number.isInteger(classes) || classes < 2 || classes > MAX_BLOB_CLASSES) {
    throw new InputError(`blobs: classes must be an integer from 2 to ${MAX_BLOB_CLASSES}, got ${String(classes)}`);
  }
  const centres: Blob[] = Array.from({ length: classes }, (_, k) => {
    const angle = (2 * Math.PI * k) / classes;
    return { mean: [2 * cos(angle), 2 * sin(angle)] as const, std: [0.5, 0.5] as const, label: k };
  });
  return sampleBlobs('blobs', centres, options, 100 * classes, classes);
}

/** The paper's hierarchical mixture: 4 blobs × 75 at (2,−1), (2,1), (−2,1), (−2,−1), std (0.5,0.55); `classes: 2` merges {0,1}, {2,3}. */
export function hierarchical(options: HierarchicalOptions): Dataset {
  const classes = options?.classes ?? 4;
  if (classes !== 2 && classes !== 4) throw new InputError(`hierarchical: classes must be 2 or 4, got ${String(classes)}`);
  const blobs = HIER_MEANS.map((mean, k) => ({ mean, std: [0.5, 0.55] as const, label: classes === 4 ? k : k >> 1 }));
  return sampleBlobs('hierarchical', blobs, options, 300, classes);
}

function checkerboard(name: string, dx: number, options: ToyOptions): Dataset {
  const std = [0.3, 0.1] as const;
  const blobs: Blob[] = [
    { mean: [dx, -3], std, label: 0 },
    { mean: [dx, 1], std, label: 0 },
    { mean: [-dx, -1], std, label: 1 },
    { mean: [-dx, 3], std, label: 1 },
  ];
  return sampleBlobs(name, blobs, options, 400, 2);
}

/** The paper's linearly separable checkerboard: 4 blobs × 100, std (0.3,0.1), x-means ±0.8; blobs 0,1 → class 0, 2,3 → class 1. */
export function checkerboardLinear(options: ToyOptions): Dataset {
  return checkerboard('checkerboard-linear', 0.8, options);
}

/** The paper's "noisy" checkerboard: as {@link checkerboardLinear} with x-means ±0.5 (the blobs' tails overlap). */
export function checkerboardNoisy(options: ToyOptions): Dataset {
  return checkerboard('checkerboard-noisy', 0.5, options);
}

/** XOR: 4 blobs at (±1,±1) with isotropic std `noise` (default 0.3); class 0 where x·y > 0 at the centre, else 1. */
export function xor(options: ToyOptions): Dataset {
  const { noise } = checkCommon(options, 'xor', 4, 400, 0.3);
  const std = [noise, noise] as const;
  const blobs: Blob[] = [
    { mean: [1, 1], std, label: 0 },
    { mean: [-1, -1], std, label: 0 },
    { mean: [1, -1], std, label: 1 },
    { mean: [-1, 1], std, label: 1 },
  ];
  return sampleBlobs('xor', blobs, { ...options, noise: 1 }, 400, 2);
}

/**
 * sklearn's `make_circles` without its final shuffle: n_out = ⌊n/2⌋ points at angles 2πk/n_out
 * on the unit circle (class 0), then n − n_out on the circle of radius `factor` (class 1), then
 * N(0, noise²) added to every coordinate. Defaults n 200, noise 0.1, factor 0.5 (the paper's).
 */
export function circles(options: CirclesOptions): Dataset {
  const { n, noise } = checkCommon(options, 'circles', 2, 200, 0.1);
  const factor = options.factor ?? 0.5;
  if (typeof factor !== 'number' || !(factor >= 0 && factor < 1)) {
    throw new InputError(`circles: factor must be in [0, 1), got ${String(factor)}`);
  }
  const nOut = Math.floor(n / 2);
  const nIn = n - nOut;
  const x = new Float64Array(2 * n);
  const y = new Int32Array(n);
  for (let k = 0; k < nOut; k++) {
    const a = (2 * Math.PI * k) / nOut;
    x[2 * k] = cos(a);
    x[2 * k + 1] = sin(a);
  }
  for (let k = 0; k < nIn; k++) {
    const a = (2 * Math.PI * k) / nIn;
    x[2 * (nOut + k)] = factor * cos(a);
    x[2 * (nOut + k) + 1] = factor * sin(a);
    y[nOut + k] = 1;
  }
  return makeDataset(addNoise(x, noise, new Rng(options.seed)), y, 2, 2);
}

/** `linspace(lo, hi, m)` with both ends, as numpy's default. */
function linspace(lo: number, hi: number, m: number, k: number): number {
  return m === 1 ? lo : lo + ((hi - lo) * k) / (m - 1);
}

/**
 * sklearn's `make_moons` without its final shuffle: n_out = ⌊n/2⌋ points (cos t, sin t), t evenly
 * from 0 to π inclusive (class 0), then n − n_out points (1 − cos t, 1/2 − sin t) (class 1), then
 * N(0, noise²) on every coordinate. Defaults n 200, noise 0.1 (the paper's).
 */
export function moons(options: ToyOptions): Dataset {
  const { n, noise } = checkCommon(options, 'moons', 2, 200, 0.1);
  const nOut = Math.floor(n / 2);
  const nIn = n - nOut;
  const x = new Float64Array(2 * n);
  const y = new Int32Array(n);
  for (let k = 0; k < nOut; k++) {
    const t = linspace(0, Math.PI, nOut, k);
    x[2 * k] = cos(t);
    x[2 * k + 1] = sin(t);
  }
  for (let k = 0; k < nIn; k++) {
    const t = linspace(0, Math.PI, nIn, k);
    x[2 * (nOut + k)] = 1 - cos(t);
    x[2 * (nOut + k) + 1] = 0.5 - sin(t);
    y[nOut + k] = 1;
  }
  return makeDataset(addNoise(x, noise, new Rng(options.seed)), y, 2, 2);
}

const SPIRAL_START = 0.5 * Math.PI;
const SPIRAL_END = 3.5 * Math.PI;

/**
 * Two interleaved Archimedean spirals r = θ / (3.5π), θ evenly from π/2 to 3.5π (1.5 turns,
 * radius up to 1): class 0 is (r cos θ, r sin θ), class 1 the same curve turned by π; then
 * N(0, noise²) on every coordinate (default 0.05; the arms lie 2/7 ≈ 0.29 apart). Default n 200.
 */
export function spirals(options: ToyOptions): Dataset {
  const { n, noise } = checkCommon(options, 'spirals', 2, 200, 0.05);
  const counts = spread(n, 2);
  const x = new Float64Array(2 * n);
  const y = new Int32Array(n);
  let i = 0;
  for (let c = 0; c < 2; c++) {
    const m = counts[c]!;
    const sign = c === 0 ? 1 : -1;
    for (let k = 0; k < m; k++, i++) {
      const theta = linspace(SPIRAL_START, SPIRAL_END, m, k);
      const r = theta / SPIRAL_END;
      x[2 * i] = sign * r * cos(theta);
      x[2 * i + 1] = sign * r * sin(theta);
      y[i] = c;
    }
  }
  return makeDataset(addNoise(x, noise, new Rng(options.seed)), y, 2, 2);
}

function spec(
  name: ToyName,
  description: string,
  n: number,
  classes: number,
  noise: ToySpec['noise'],
  split: Required<SplitSizes>,
  generate: (o: AnyToyOptions) => Dataset,
  extraOptions: readonly string[] = [],
): ToySpec {
  return Object.freeze({ name, description, n, classes, noise: Object.freeze(noise), split: Object.freeze(split), extraOptions, generate });
}

const SCALE = { default: 1, meaning: 'scale' } as const;

/** Every built-in toy set by name, with its defaults and the paper's split sizes. */
export const TOY_DATASETS: Readonly<Record<ToyName, ToySpec>> = Object.freeze({
  gauss: spec('gauss', '3 Gaussian blobs × 100 (paper)', 300, 3, SCALE, { train: 150, test: 60, val: 90 }, gauss),
  hierarchical: spec('hierarchical', '4 Gaussian blobs × 75, optionally merged into 2 classes (paper)', 300, 4, SCALE,
    // the generator checks classes is 2 or 4
    { train: 150, test: 60, val: 90 }, (o) => hierarchical(o as HierarchicalOptions), ['classes']),
  circles: spec('circles', 'make_circles(200, noise 0.1, factor 0.5) (paper)', 200, 2, { default: 0.1, meaning: 'std' },
    { train: 100, test: 40, val: 60 }, circles, ['factor']),
  moons: spec('moons', 'make_moons(200, noise 0.1) (paper)', 200, 2, { default: 0.1, meaning: 'std' },
    { train: 100, test: 40, val: 60 }, moons),
  'checkerboard-linear': spec('checkerboard-linear', '4 blobs × 100, x-means ±0.8, linearly separable (paper)', 400, 2, SCALE,
    { train: 200, test: 80, val: 120 }, checkerboardLinear),
  'checkerboard-noisy': spec('checkerboard-noisy', '4 blobs × 100, x-means ±0.5 (paper)', 400, 2, SCALE,
    { train: 200, test: 80, val: 120 }, checkerboardNoisy),
  xor: spec('xor', '4 Gaussian blobs × 100 at (±1,±1), class = sign of x·y', 400, 2, { default: 0.3, meaning: 'std' },
    { train: 200, test: 80, val: 120 }, xor),
  spirals: spec('spirals', '2 interleaved Archimedean spirals × 100', 200, 2, { default: 0.05, meaning: 'std' },
    { train: 100, test: 40, val: 60 }, spirals),
  blobs: spec('blobs', 'K Gaussian blobs × 100 on a circle (default K = 4; option classes)', 400, 4, SCALE,
    { train: 200, test: 80, val: 120 }, blobs, ['classes']),
});

/** The names of {@link TOY_DATASETS}, in registry order. */
export const TOY_NAMES: readonly ToyName[] = Object.freeze(Object.keys(TOY_DATASETS) as ToyName[]);

/** True when `name` is a built-in toy set. */
export function isToyName(name: string): name is ToyName {
  return Object.prototype.hasOwnProperty.call(TOY_DATASETS, name);
}

/** The seed {@link generateToy} draws with when none is given. */
export const DEFAULT_TOY_SEED = 0;

/**
 * Generates a toy set by name: `generateToy('moons')` draws with seed {@link DEFAULT_TOY_SEED} (0)
 * and the set's default n and noise. Throws {@link InputError} for an unknown name (listing the
 * valid ones), an option that set does not take, or an out-of-range value.
 */
export function generateToy(name: ToyName, options: Partial<AnyToyOptions> = {}): Dataset {
  if (!isToyName(name)) throw new InputError(`unknown toy dataset '${String(name)}' (expected one of ${TOY_NAMES.join(', ')})`);
  const s = TOY_DATASETS[name];
  if (options === null || typeof options !== 'object') throw new InputError(`${name}: options must be an object such as { seed: 0 }`);
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined && key !== 'seed' && key !== 'n' && key !== 'noise' && !s.extraOptions.includes(key)) {
      const extra = s.extraOptions.length > 0 ? `, ${s.extraOptions.join(', ')}` : '';
      throw new InputError(`${name}: unknown option '${key}' (expected seed, n, noise${extra})`);
    }
  }
  return s.generate({ ...options, seed: options.seed === undefined ? DEFAULT_TOY_SEED : options.seed });
}
