/**
 * Dataset transforms (src/data/transform.ts): standardisation, splits, subsets, random labels.
 *
 * The references are independent of the code under test: the scaler against a hand computation;
 * splits against plain bookkeeping of the indices (sizes, disjointness, per-class shares, the
 * rows they pick); random labels against the class counts they must keep.
 */
import { describe, expect, it } from 'vitest';
import { InputError, ShapeError } from '../../src/errors.js';
import {
  IRIS_SPLIT,
  TOY_DATASETS,
  fitScaler,
  gauss,
  hierarchical,
  loadIris,
  makeDataset,
  randomLabels,
  split,
  standardize,
  subset,
  type SplitResult,
} from '../../src/data/index.js';
import { classCounts, stats } from '../helpers/datasets.js';

describe('standardize', () => {
  it('matches a hand computation; constant features get std 1', () => {
    const train = makeDataset([1, 10, 3, 10, 5, 10], [0, 1, 0], 2);
    const test = makeDataset([7, 11], [1], 2);
    const { train: zt, others, scaler } = standardize(train, test);
    const sd = Math.sqrt(8 / 3);
    expect(Array.from(scaler.mean)).toEqual([3, 10]);
    expect(scaler.std[0]).toBeCloseTo(sd, 12);
    expect(scaler.std[1]).toBe(1);
    expect(Array.from(zt.x)).toEqual(Array.from(Float32Array.from([-2 / sd, 0, 0, 0, 2 / sd, 0])));
    expect(others).toHaveLength(1);
    expect(Array.from(others[0]!.x)).toEqual(Array.from(Float32Array.from([4 / sd, 1])));
    expect(Array.from(zt.y)).toEqual([0, 1, 0]);
    expect(Array.from(train.x)).toEqual([1, 10, 3, 10, 5, 10]);
  });

  it('fits on train only and checks feature counts', () => {
    const parts = split(gauss({ seed: 2 }), TOY_DATASETS.gauss.split, 0);
    const { train, others } = standardize(parts.train, parts.test, parts.val!);
    for (let j = 0; j < 2; j++) {
      expect(Math.abs(stats(train, j).mean)).toBeLessThan(1e-6);
      expect(stats(train, j).std).toBeCloseTo(1, 5);
    }
    expect(others.map((o) => o.n)).toEqual([60, 90]);
    expect(fitScaler(parts.train).mean[0]).toBeCloseTo(stats(parts.train, 0).mean, 6);
    expect(() => standardize(parts.train, loadIris())).toThrow(ShapeError);
  });
});

describe('split, subset, randomLabels', () => {
  const data = gauss({ seed: 9 });

  function checkPartition(r: SplitResult, n: number, sizes: number[]): void {
    const all = [...r.indices.train, ...r.indices.test, ...r.indices.val];
    expect([r.indices.train.length, r.indices.test.length, r.indices.val.length]).toEqual(sizes);
    expect(new Set(all).size).toBe(all.length);
    expect(all.every((i) => i >= 0 && i < n)).toBe(true);
    r.indices.train.forEach((i, k) => {
      expect(r.train.y[k]).toBe(data.y[i]);
      expect(r.train.x[2 * k]).toBe(data.x[2 * i]);
    });
  }

  it('stratified by default: exact sizes, disjoint, per-class shares kept, deterministic', () => {
    const r = split(data, { train: 150, test: 60, val: 90 }, 42);
    checkPartition(r, 300, [150, 60, 90]);
    expect(classCounts(r.train)).toEqual([50, 50, 50]);
    expect(classCounts(r.test)).toEqual([20, 20, 20]);
    expect(classCounts(r.val!)).toEqual([30, 30, 30]);
    const again = split(data, { train: 150, test: 60, val: 90 }, 42);
    expect(again.indices.train).toEqual(r.indices.train);
    expect(split(data, { train: 150, test: 60, val: 90 }, 43).indices.train).not.toEqual(r.indices.train);
  });

  it('unstratified: a permutation cut into parts', () => {
    const r = split(data, { train: 150, test: 60, val: 90 }, 42, { stratify: false });
    checkPartition(r, 300, [150, 60, 90]);
    expect(r.train.n + r.test.n + r.val!.n).toBe(300);
  });

  it('fractions, leftovers, no validation part', () => {
    checkPartition(split(data, { train: 0.5, test: 0.2, val: 0.3 }, 1), 300, [150, 60, 90]);
    checkPartition(split(data, { train: 0.35, test: 0.35, val: 0.3 }, 1), 300, [105, 105, 90]);
    checkPartition(split(data, { train: 100, test: 50 }, 1), 300, [100, 50, 0]);
    const iris = split(loadIris(), IRIS_SPLIT, 3);
    expect([iris.train.n, iris.test.n, iris.val]).toEqual([120, 30, null]);
    expect(classCounts(iris.test)).toEqual([10, 10, 10]);
    const odd = split(makeDataset(new Float32Array(7), [0, 0, 0, 0, 0, 1, 1], 1), { train: 3, test: 2, val: 2 }, 5);
    expect(odd.train.n + odd.test.n + odd.val!.n).toBe(7);
    expect(classCounts(odd.train).reduce((a, b) => a + b)).toBe(3);
  });

  it('rejects sizes that do not fit', () => {
    expect(() => split(data, { train: 200, test: 60, val: 90 }, 1)).toThrow(/exceed the 300 samples/);
    expect(() => split(data, { train: 0.6, test: 0.3, val: 0.3 }, 1)).toThrow(InputError);
    expect(() => split(data, { train: 150, test: 0.5 }, 1)).toThrow(/mixes counts and fractions/);
    expect(() => split(data, { train: 0, test: 10 }, 1)).toThrow(InputError);
    expect(() => split(data, { train: 10, test: 0 }, 1)).toThrow(InputError);
    expect(() => split(data, { train: -1, test: 10 }, 1)).toThrow(InputError);
    expect(() => split(data, { train: 10, test: 10 }, 0.5)).toThrow(InputError);
  });

  it('subset keeps the order and metadata and checks indices', () => {
    const iris = loadIris();
    const s = subset(iris, [149, 0, 0]);
    expect(s.n).toBe(3);
    expect(Array.from(s.y)).toEqual([2, 0, 0]);
    expect(Array.from(s.x.subarray(4, 8))).toEqual(Array.from(iris.x.subarray(0, 4)));
    expect(s.classes).toBe(3);
    expect(s.featureNames).toEqual(iris.featureNames);
    expect(() => subset(iris, [150])).toThrow(InputError);
    expect(() => subset(iris, [])).toThrow(InputError);
  });

  it('randomLabels permutes the labels: counts kept, features shared, seeded', () => {
    const r = randomLabels(data, 28);
    expect(classCounts(r)).toEqual(classCounts(data));
    expect(r.x).toBe(data.x);
    expect(randomLabels(data, 28).y).toEqual(r.y);
    let same = 0;
    r.y.forEach((v, i) => (same += v === data.y[i] ? 1 : 0));
    expect(same).toBeLessThan(150);
    const h = hierarchical({ seed: 1 });
    const w = randomLabels(h, 3, { within: [[0, 1], [2, 3]] });
    h.y.forEach((v, i) => expect(w.y[i]! >> 1).toBe(v >> 1));
    expect(w.y).not.toEqual(h.y);
    expect(() => randomLabels(h, 3, { within: [[0, 1], [1, 2]] })).toThrow(InputError);
    expect(() => randomLabels(h, 3, { within: [[0, 4]] })).toThrow(InputError);
  });
});
