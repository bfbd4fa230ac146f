/**
 * Datasets and transforms (src/data/), in Node and Chromium.
 *
 * The references are independent of the code under test: the toy generators are checked against
 * the recipes' own numbers (blob means and stds within sampling error, exact curve points at zero
 * noise); Iris against its published column sums and the PyTorch fixture's standardised copy
 * (test/fixtures/iris_4-16-3_relu/data.csv, made with numpy from sklearn's load_iris); the
 * scaler against a hand computation; MNIST against synthetic digits in the `mnist` package's format.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { InputError, ResourceError, ShapeError } from '../src/errors.js';
import {
  DEFAULT_TOY_SEED,
  IRIS_SPLIT,
  MNIST_PIXELS,
  TOY_DATASETS,
  TOY_NAMES,
  circles,
  fitScaler,
  gauss,
  generateToy,
  hierarchical,
  loadIris,
  loadMnistModule,
  makeDataset,
  mnistSubset,
  moons,
  randomLabels,
  split,
  spirals,
  standardize,
  subset,
  xor,
  type Dataset,
  type SplitResult,
  type ToyName,
} from '../src/data/index.js';
import { readTestText } from './helpers/fixtures.js';

/** Mean and population std of feature j over rows [from, to). */
function stats(d: Dataset, j: number, from = 0, to = d.n): { mean: number; std: number } {
  let s = 0;
  for (let i = from; i < to; i++) s += d.x[i * d.d + j]!;
  const mean = s / (to - from);
  let ss = 0;
  for (let i = from; i < to; i++) ss += (d.x[i * d.d + j]! - mean) ** 2;
  return { mean, std: Math.sqrt(ss / (to - from)) };
}

function classCounts(d: Dataset): number[] {
  const c = new Array<number>(d.classes).fill(0);
  d.y.forEach((v) => c[v]!++);
  return c;
}

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

describe('Iris', () => {
  it('has the published checksums and class counts', () => {
    const d = loadIris();
    expect([d.n, d.d, d.classes]).toEqual([150, 4, 3]);
    const sums = [876.5, 458.6, 563.7, 179.9];
    sums.forEach((s, j) => expect(stats(d, j).mean * 150).toBeCloseTo(s, 4));
    expect(classCounts(d)).toEqual([50, 50, 50]);
    expect(Array.from(d.x.subarray(0, 4), (v) => Math.round(v * 10) / 10)).toEqual([5.1, 3.5, 1.4, 0.2]);
    // sklearn's corrections of the UCI file (rows 35 and 38, 1-based)
    expect(Array.from(d.x.subarray(34 * 4, 35 * 4), (v) => Math.round(v * 10) / 10)).toEqual([4.9, 3.1, 1.5, 0.2]);
    expect(Array.from(d.x.subarray(37 * 4, 38 * 4), (v) => Math.round(v * 10) / 10)).toEqual([4.9, 3.6, 1.4, 0.1]);
    expect(Array.from(d.x.subarray(149 * 4), (v) => Math.round(v * 10) / 10)).toEqual([5.9, 3.0, 5.1, 1.8]);
    expect(d.featureNames).toEqual(['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)']);
  });

  it('standardised with population std, reproduces the fixture row by row', async () => {
    const csv = (await readTestText('fixtures/iris_4-16-3_relu/data.csv')).trim().split('\n').slice(1);
    expect(csv.length).toBe(150);
    const { train: z, scaler } = standardize(loadIris());
    let worst = 0;
    csv.forEach((line, i) => {
      const cells = line.split(',').map(Number);
      for (let j = 0; j < 4; j++) worst = Math.max(worst, Math.abs(z.x[i * 4 + j]! - cells[j]!));
      expect(z.y[i]).toBe(cells[4]);
    });
    expect(worst).toBeLessThan(1e-6);
    expect(scaler.mean[0]).toBeCloseTo(876.5 / 150, 6);
  });
});

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

describe('MNIST subsets', () => {
  /** Digit d's image i, pixel p: a byte stored as the package does (k/255, 3 decimals). */
  const byte = (d: number, i: number, p: number): number => (d * 31 + i * 7 + p) % 256;
  const digit = (d: number, count: number): number[] =>
    Array.from({ length: count * MNIST_PIXELS }, (_, k) => Math.round((byte(d, Math.floor(k / MNIST_PIXELS), k % MNIST_PIXELS) / 255) * 1000) / 1000);
  const source = { 0: { raw: digit(0, 6) }, 1: { data: digit(1, 5) }, 7: digit(7, 4) };

  it('first N per class, raw bytes recovered exactly, labels in class order', () => {
    const d = mnistSubset(source, { classes: [0, 1, 7], perClass: 3 });
    expect([d.n, d.d, d.classes]).toEqual([9, 784, 3]);
    expect(Array.from(d.y)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    for (let row = 0; row < 9; row++) {
      const dg = [0, 1, 7][Math.floor(row / 3)]!;
      for (let p = 0; p < MNIST_PIXELS; p += 97) expect(d.x[row * MNIST_PIXELS + p]).toBe(byte(dg, row % 3, p));
    }
    const u = mnistSubset(source, { classes: [7, 0], perClass: 2, scale: 'unit' });
    expect(Array.from(u.y)).toEqual([0, 0, 1, 1]);
    expect(u.x[5]).toBe(Math.fround(byte(7, 0, 5) / 255));
  });

  it('random pick: seeded, distinct, in source order', () => {
    const a = mnistSubset(source, { classes: [0, 1], perClass: 4, pick: 'random', seed: 12 });
    const b = mnistSubset(source, { classes: [0, 1], perClass: 4, pick: 'random', seed: 12 });
    expect(b.x).toEqual(a.x);
    const firstPixels = Array.from({ length: 4 }, (_, r) => a.x[r * MNIST_PIXELS]!);
    const images = firstPixels.map((v) => (((v - byte(0, 0, 0)) % 256) + 256) % 256 / 7);
    expect(images.every((i) => Number.isInteger(i) && i < 6)).toBe(true);
    expect([...images].sort((p, q) => p - q)).toEqual(images);
    expect(new Set(images).size).toBe(4);
  });

  it('rejects bad options and data', () => {
    expect(() => mnistSubset(source, { classes: [0, 2], perClass: 1 })).toThrow(/no images of digit 2/);
    expect(() => mnistSubset(source, { classes: [0, 7], perClass: 5 })).toThrow(/digit 7 has 4 images/);
    expect(() => mnistSubset(source, { classes: [0, 0], perClass: 1 })).toThrow(InputError);
    expect(() => mnistSubset(source, { classes: [0, 10], perClass: 1 })).toThrow(InputError);
    expect(() => mnistSubset(source, { classes: [0, 1], perClass: 0 })).toThrow(InputError);
    expect(() => mnistSubset(source, { classes: [0, 1], perClass: 1, pick: 'random' })).toThrow(/seed/);
    expect(() => mnistSubset({ 0: [0.5], 1: digit(1, 1) }, { classes: [0, 1], perClass: 1 })).toThrow(/multiple of 784/);
    expect(() => mnistSubset({ 0: new Array(784).fill(255), 1: digit(1, 1) }, { classes: [0, 1], perClass: 1 })).toThrow(/\[0, 1\]/);
  });

  it('loadMnistModule returns the package or a ResourceError when it is absent', async () => {
    try {
      const m = await loadMnistModule();
      expect(m[0]).toBeDefined();
    } catch (err) {
      expect(err).toBeInstanceOf(ResourceError);
    }
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
