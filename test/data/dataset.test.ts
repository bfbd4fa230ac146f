/**
 * The checked dataset (src/data/dataset.ts): its shape, its float32/int32 storage, the class count
 * from the labels or the caller, and an error naming the sample and the field for each defect.
 * Expected values and messages are literals.
 */
import { describe, expect, it } from 'vitest';
import { makeDataset } from '../../src/data/dataset.js';
import { InputError, ShapeError } from '../../src/errors.js';

describe('makeDataset', () => {
  it('stores features as float32 and labels as int32, counts classes from the labels, and freezes the record', () => {
    const d = makeDataset([0.1, 2, 3, 4, 5, 6], [0, 2, 1], 2, undefined, ['a', 'b']);
    expect([d.n, d.d, d.classes]).toEqual([3, 2, 3]);
    expect(d.x).toBeInstanceOf(Float32Array);
    expect(d.x[0]).toBe(Math.fround(0.1));
    expect(d.y).toEqual(Int32Array.from([0, 2, 1]));
    expect(d.featureNames).toEqual(['a', 'b']);
    expect(Object.isFrozen(d)).toBe(true);
    // a class count above the largest label: classes with no samples are allowed
    expect(makeDataset([1, 2], [0, 1], 1, 5).classes).toBe(5);
    // a Float32Array is kept, not copied
    const x = Float32Array.from([1, 2]);
    expect(makeDataset(x, [0, 1], 1).x).toBe(x);
    expect('featureNames' in makeDataset(x, [0, 1], 1)).toBe(false);
  });

  it('names the sample and the field of each defect', () => {
    expect(() => makeDataset([], [], 2)).toThrow(new InputError('the dataset is empty (no samples)'));
    expect(() => makeDataset([1, 2, 3], [0, 1], 2)).toThrow(new ShapeError('features have 3 values, expected n·d = 2·2 = 4'));
    expect(() => makeDataset([1, 2], [0, 1], 0)).toThrow(new ShapeError('feature count must be a positive integer, got 0'));
    expect(() => makeDataset([1, 2, 3, NaN], [0, 1], 2)).toThrow(new InputError('feature 1 of sample 1 is NaN (features must be finite)'));
    expect(() => makeDataset([1, 2], [0, 1.5], 1)).toThrow(new InputError('label of sample 1 is 1.5 (labels must be integers in 0..2147483647)'));
    expect(() => makeDataset([1, 2], [0, -1], 1)).toThrow(InputError);
    expect(() => makeDataset([1, 2], [0, 3], 1, 3)).toThrow(new InputError('label 3 is out of range for 3 classes (labels must be 0..2)'));
    expect(() => makeDataset([1, 2], [0, 1], 1, 0)).toThrow(new InputError('the number of classes must be an integer in 1..2147483648, got 0'));
    expect(() => makeDataset([1, 2], [0, 1], 1, undefined, ['a', 'b'])).toThrow(new ShapeError('2 feature names given for 1 features'));
  });
});
