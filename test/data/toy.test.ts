/**
 * The toy generators (src/data/toy.ts), in Node and Chromium.
 *
 * The references are independent of the code under test: the generators are checked against the
 * recipes' own numbers (blob means and stds within sampling error, exact curve points at zero
 * noise, the paper's split sizes written out here).
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import {
  DEFAULT_TOY_SEED,
  IRIS_SPLIT,
  TOY_DATASETS,
  blobs,
  TOY_NAMES,
  circles,
  gauss,
  generateToy,
  hierarchical,
  moons,
  spirals,
  standardize,
  xor,
  type Dataset,
  type SplitResult,
  type ToyName,
} from '../../src/data/index.js';
import { classCounts, stats } from '../helpers/datasets.js';

describe('toy generators', () => {
  it.each(TOY_NAMES.map((n) => [n]))('%s: shape, defaults, determinism per seed', (name) => {
    const spec = TOY_DATASETS[name as ToyName];
    const a = generateToy(name, { seed: 7 });
    const b = generateToy(name, { seed: 7 });
    const c = generateToy(name, { seed: 8 });
    expect(a.n).toBe(spec.n);
    expect(a.d).toBe(2);
    expect(a.classes).toBe(spec.classes);
    expect(classCounts(a).every((k) => k === spec.n / spec.classes)).toBe(true);
    expect(b.x).toEqual(a.x);
    expect(b.y).toEqual(a.y);
    expect(c.x).not.toEqual(a.x);
    expect(spec.split.train + spec.split.test + spec.split.val).toBe(spec.n);
  });

  it("records the paper's split sizes", () => {
    expect(TOY_DATASETS.gauss.split).toEqual({ train: 150, test: 60, val: 90 });
    expect(TOY_DATASETS.hierarchical.split).toEqual({ train: 150, test: 60, val: 90 });
    expect(TOY_DATASETS.circles.split).toEqual({ train: 100, test: 40, val: 60 });
    expect(TOY_DATASETS.moons.split).toEqual({ train: 100, test: 40, val: 60 });
    expect(TOY_DATASETS['checkerboard-linear'].split).toEqual({ train: 200, test: 80, val: 120 });
    expect(TOY_DATASETS['checkerboard-noisy'].split).toEqual({ train: 200, test: 80, val: 120 });
    expect(IRIS_SPLIT).toEqual({ train: 120, test: 30, val: 0 });
  });

  it('gauss: blob means and per-axis stds match the recipe (10,000 per blob, ≥ 4σ tolerance)', () => {
    const d = gauss({ seed: 1, n: 30000 });
    const blobs = [
      { mean: [2, -1], std: [0.5, 0.5] },
      { mean: [-2, 0], std: [0.5, 1] },
      { mean: [0, 2], std: [0.5, 0.5] },
    ];
    blobs.forEach((b, k) => {
      for (let j = 0; j < 2; j++) {
        const s = stats(d, j, k * 10000, (k + 1) * 10000);
        expect(Math.abs(s.mean - b.mean[j]!)).toBeLessThan((4 * b.std[j]!) / 100);
        expect(Math.abs(s.std / b.std[j]! - 1)).toBeLessThan(0.03);
      }
      for (let i = k * 10000; i < (k + 1) * 10000; i++) expect(d.y[i]).toBe(k);
    });
  });

  it('gauss at the default n: 100 per class, means within sampling error', () => {
    const d = gauss({ seed: 3 });
    expect(classCounts(d)).toEqual([100, 100, 100]);
    const s = stats(d, 1, 100, 200);
    expect(Math.abs(s.mean - 0)).toBeLessThan(0.4);
    expect(s.std).toBeGreaterThan(0.75);
  });

  it('noise scales the blob stds', () => {
    const d = gauss({ seed: 1, n: 3000, noise: 0.1 });
    expect(stats(d, 0, 0, 1000).std).toBeCloseTo(0.05, 2);
    const z = gauss({ seed: 1, noise: 0 });
    expect(Array.from(z.x.subarray(0, 2))).toEqual([2, -1]);
  });

  it('hierarchical: 4 × 75 at (±2, ±1), and the 2-class merge {0,1}, {2,3}', () => {
    const d4 = hierarchical({ seed: 5 });
    expect(classCounts(d4)).toEqual([75, 75, 75, 75]);
    const means = [[2, -1], [2, 1], [-2, 1], [-2, -1]];
    means.forEach((m, k) => {
      expect(Math.abs(stats(d4, 0, 75 * k, 75 * (k + 1)).mean - m[0]!)).toBeLessThan((4 * 0.5) / Math.sqrt(75));
      expect(Math.abs(stats(d4, 1, 75 * k, 75 * (k + 1)).mean - m[1]!)).toBeLessThan((4 * 0.55) / Math.sqrt(75));
    });
    const d2 = hierarchical({ seed: 5, classes: 2 });
    expect(d2.classes).toBe(2);
    expect(d2.x).toEqual(d4.x);
    d4.y.forEach((v, i) => expect(d2.y[i]).toBe(v < 2 ? 0 : 1));
    expect(generateToy('hierarchical', { seed: 5, classes: 2 }).y).toEqual(d2.y);
  });

  it('blobs: K classes × 100 centred on the radius-2 circle at angles 2πk/K, std 0.5·noise', () => {
    for (const K of [2, 3, 6, 16]) {
      const d = blobs({ seed: 2, classes: K });
      expect([d.n, d.classes]).toEqual([100 * K, K]);
      expect(classCounts(d)).toEqual(new Array(K).fill(100));
      for (let k = 0; k < K; k++) {
        const angle = (2 * Math.PI * k) / K;
        expect(Math.abs(stats(d, 0, 100 * k, 100 * (k + 1)).mean - 2 * Math.cos(angle))).toBeLessThan((4 * 0.5) / Math.sqrt(100));
        expect(Math.abs(stats(d, 1, 100 * k, 100 * (k + 1)).mean - 2 * Math.sin(angle))).toBeLessThan((4 * 0.5) / Math.sqrt(100));
      }
    }
    // noise scales the std: the spread of blob 0 doubles with noise 2
    const wide = blobs({ seed: 2, classes: 4, noise: 2 });
    const sd = stats(wide, 0, 0, 100).std;
    expect(Math.abs(sd - 1)).toBeLessThan(4 * (1 / Math.sqrt(2 * 100)));
    expect(generateToy('blobs', { seed: 2, classes: 3 }).x).toEqual(blobs({ seed: 2, classes: 3 }).x);
    for (const bad of [1, 17, 2.5]) expect(() => blobs({ seed: 1, classes: bad })).toThrow(/blobs: classes must be an integer from 2 to 16/);
  });

  it.each([
    ['checkerboard-linear', 0.8],
    ['checkerboard-noisy', 0.5],
  ] as const)('%s: blobs 0,1 → class 0, 2,3 → class 1, x-means ±%s', (name, dx) => {
    const d = generateToy(name, { seed: 11 });
    const blobs = [[dx, -3, 0], [dx, 1, 0], [-dx, -1, 1], [-dx, 3, 1]];
    blobs.forEach(([mx, my, label], k) => {
      const sx = stats(d, 0, 100 * k, 100 * (k + 1));
      const sy = stats(d, 1, 100 * k, 100 * (k + 1));
      expect(Math.abs(sx.mean - mx!)).toBeLessThan(0.12);
      expect(Math.abs(sy.mean - my!)).toBeLessThan(0.04);
      expect(sx.std).toBeGreaterThan(0.2);
      expect(sx.std).toBeLessThan(0.4);
      expect(sy.std).toBeGreaterThan(0.07);
      expect(sy.std).toBeLessThan(0.13);
      for (let i = 100 * k; i < 100 * (k + 1); i++) expect(d.y[i]).toBe(label);
    });
    expect(classCounts(d)).toEqual([200, 200]);
  });

  it('circles: make_circles points at zero noise, radii at noise 0.1, odd n', () => {
    const z = circles({ seed: 1, noise: 0 });
    for (const k of [0, 13, 99]) {
      const a = (2 * Math.PI * k) / 100;
      expect(z.x[2 * k]).toBeCloseTo(Math.cos(a), 6);
      expect(z.x[2 * k + 1]).toBeCloseTo(Math.sin(a), 6);
      expect(z.x[2 * (100 + k)]).toBeCloseTo(0.5 * Math.cos(a), 6);
      expect(z.y[k]).toBe(0);
      expect(z.y[100 + k]).toBe(1);
    }
    const d = circles({ seed: 2 });
    const radius = (i: number): number => Math.hypot(d.x[2 * i]!, d.x[2 * i + 1]!);
    let r0 = 0;
    let r1 = 0;
    for (let i = 0; i < 100; i++) {
      r0 += radius(i) / 100;
      r1 += radius(100 + i) / 100;
    }
    expect(Math.abs(r0 - 1)).toBeLessThan(0.05);
    expect(Math.abs(r1 - 0.5)).toBeLessThan(0.05);
    expect(classCounts(circles({ seed: 1, n: 201 }))).toEqual([100, 101]);
    expect(circles({ seed: 1, noise: 0, factor: 0.3 }).x[200]).toBeCloseTo(0.3, 6);
  });

  it('moons: make_moons end points at zero noise', () => {
    const z = moons({ seed: 1, noise: 0 });
    const pt = (i: number): number[] => [z.x[2 * i]!, z.x[2 * i + 1]!];
    expect(pt(0)[0]).toBeCloseTo(1, 6);
    expect(pt(0)[1]).toBeCloseTo(0, 6);
    expect(pt(99)[0]).toBeCloseTo(-1, 6);
    expect(pt(100)[0]).toBeCloseTo(0, 6);
    expect(pt(100)[1]).toBeCloseTo(0.5, 6);
    expect(pt(199)[0]).toBeCloseTo(2, 6);
    expect(pt(199)[1]).toBeCloseTo(0.5, 6);
    expect(classCounts(z)).toEqual([100, 100]);
  });

  it('xor: class = sign of the centre product; spirals: the two arms are point reflections', () => {
    const z = xor({ seed: 1, noise: 0 });
    for (let i = 0; i < z.n; i++) {
      const p = z.x[2 * i]! * z.x[2 * i + 1]!;
      expect(Math.abs(p)).toBe(1);
      expect(z.y[i]).toBe(p > 0 ? 0 : 1);
    }
    const s = spirals({ seed: 1, noise: 0 });
    for (let i = 0; i < 100; i++) {
      expect(s.x[2 * (100 + i)]).toBeCloseTo(-s.x[2 * i]!, 6);
      expect(s.x[2 * (100 + i) + 1]).toBeCloseTo(-s.x[2 * i + 1]!, 6);
    }
    expect(Math.hypot(s.x[198]!, s.x[199]!)).toBeCloseTo(1, 6);
  });

  it('generateToy matches the direct generators, and draws with seed 0 when given none', () => {
    expect(generateToy('gauss', { seed: 4, n: 30 }).x).toEqual(gauss({ seed: 4, n: 30 }).x);
    expect(generateToy('moons').x).toEqual(moons({ seed: DEFAULT_TOY_SEED }).x);
    expect(generateToy('moons', { n: 40 }).x).toEqual(moons({ seed: 0, n: 40 }).x);
    expectTypeOf(generateToy).parameter(0).toEqualTypeOf<ToyName>();
    expect(generateToy('circles', { seed: 4, factor: 0.2 }).x).toEqual(circles({ seed: 4, factor: 0.2 }).x);
  });

  it('rejects bad names and options with InputError', () => {
    // a name the ToyName type refuses, as a JavaScript caller (or a CLI argument) can pass it
    expect(() => generateToy('gaus' as ToyName, { seed: 1 })).toThrow(InputError);
    expect(() => generateToy('gaus' as ToyName, { seed: 1 })).toThrow(/gauss, hierarchical, circles, moons, checkerboard-linear, checkerboard-noisy, xor, spirals/);
    expect(() => generateToy('gauss', { seed: 1, factor: 0.3 })).toThrow(/unknown option 'factor'/);
    expect(() => generateToy('gauss', { seed: 1.5 })).toThrow(InputError);
    expect(() => gauss({ seed: 1, n: 2 })).toThrow(InputError);
    expect(() => gauss({ seed: 1, n: 10.5 })).toThrow(InputError);
    expect(() => moons({ seed: 1, noise: -0.1 })).toThrow(InputError);
    expect(() => moons({ seed: 1, noise: Number.NaN })).toThrow(InputError);
    expect(() => circles({ seed: 1, factor: 1 })).toThrow(InputError);
    expect(() => hierarchical({ seed: 1, classes: 3 as 2 })).toThrow(InputError);
    expect(() => generateToy('xor', null as unknown as { seed: number })).toThrow(InputError);
    expect(generateToy('xor', undefined).x).toEqual(generateToy('xor', { seed: 0 }).x); // no options: the defaults
  });
});

describe('public types', () => {
  it('has the documented shapes', () => {
    expectTypeOf(generateToy).returns.toEqualTypeOf<Dataset>();
    expectTypeOf<SplitResult['val']>().toEqualTypeOf<Dataset | null>();
    expectTypeOf(standardize).returns.toHaveProperty('scaler');
    expectTypeOf<ToyName>().toExtend<string>();
  });
});
