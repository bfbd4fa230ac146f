/**
 * MNIST subsets (src/data/mnist.ts), in Node and Chromium.
 *
 * The references are independent of the code under test: synthetic digits in the `mnist`
 * package's format (k/255 to 3 decimals), whose raw bytes are known, so the subset must recover
 * them exactly.
 */
import { describe, expect, it } from 'vitest';
import { InputError, ResourceError } from '../../src/errors.js';
import { MNIST_PIXELS, loadMnistModule, mnistSubset } from '../../src/data/index.js';

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
