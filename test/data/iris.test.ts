/**
 * Iris (src/data/iris.ts), in Node and Chromium.
 *
 * The references are independent of the code under test: Iris against its published column
 * sums and sklearn's corrections of the UCI file, and the PyTorch fixture's standardised copy
 * (test/fixtures/iris_4-16-3_relu/data.csv, made with numpy from sklearn's load_iris).
 */
import { describe, expect, it } from 'vitest';
import { loadIris, standardize } from '../../src/data/index.js';
import { classCounts, stats } from '../helpers/datasets.js';
import { readTestText } from '../helpers/fixtures.js';

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
