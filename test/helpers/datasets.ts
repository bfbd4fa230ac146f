/** Dataset checks the data and training tests share: bitwise comparison, feature statistics, class counts. */
import { expect } from 'vitest';
import type { Dataset } from '../../src/data/dataset.js';

/** The float32 bit patterns of a dataset's features. */
export const bits = (d: Dataset): number[] => Array.from(new Uint32Array(d.x.buffer, d.x.byteOffset, d.x.length));

/** Expects two datasets with the same feature bits, labels and shape. */
export const same = (a: Dataset, b: Dataset): void => {
  expect(bits(a)).toEqual(bits(b));
  expect(Array.from(a.y)).toEqual(Array.from(b.y));
  expect([a.n, a.d, a.classes]).toEqual([b.n, b.d, b.classes]);
};

/** Mean and population std of feature j over rows [from, to). */
export function stats(d: Dataset, j: number, from = 0, to = d.n): { mean: number; std: number } {
  let s = 0;
  for (let i = from; i < to; i++) s += d.x[i * d.d + j]!;
  const mean = s / (to - from);
  let ss = 0;
  for (let i = from; i < to; i++) ss += (d.x[i * d.d + j]! - mean) ** 2;
  return { mean, std: Math.sqrt(ss / (to - from)) };
}

/** Samples per class. */
export function classCounts(d: Dataset): number[] {
  const c = new Array<number>(d.classes).fill(0);
  d.y.forEach((v) => c[v]!++);
  return c;
}
