/**
 * Tests of src/io/csv.ts: CSV datasets. The inputs are literal texts written here, and every
 * defect's expected message is a literal string.
 */
import { describe, expect, it } from 'vitest';
import { InputError, ShapeError } from '../../src/errors.js';
import { formatCsv, parseCsv } from '../../src/io/csv.js';
import { expectThrow } from '../helpers/throws.js';

describe('parseCsv', () => {
  it('reads a header-less file with spaces, CRLF and blank trailing lines', () => {
    const data = parseCsv(' 1.5, -2 ,0\r\n3e-1,4, 1\r\n\r\n  \n', { source: 'a.csv' });
    expect(data.n).toBe(2);
    expect(data.d).toBe(2);
    expect(data.classes).toBe(2);
    expect(Array.from(data.x)).toEqual([1.5, -2, Math.fround(0.3), 4]);
    expect(Array.from(data.y)).toEqual([0, 1]);
    expect(data.featureNames).toBeUndefined();
  });

  it('detects a header and honours options.classes', () => {
    const data = parseCsv('"sepal",width,label\n1,2,0\n3,4,0\n', { classes: 3 });
    expect(data.featureNames).toEqual(['sepal', 'width']);
    expect(data.classes).toBe(3);
  });

  it('formatCsv writes f0..f{d−1},label', () => {
    expect(formatCsv(parseCsv('a,b,c\n0.5,1,0\n2,3,1\n'))).toBe('f0,f1,label\n0.5,1,0\n2,3,1\n');
  });

  const cases: [string, string, Record<string, number>, typeof InputError | typeof ShapeError, string | RegExp][] = [
    ['empty file', '', {}, InputError, 'd.csv: the file is empty'],
    ['whitespace only', ' \n\r\n', {}, InputError, 'the file is empty'],
    ['header without rows', 'f0,label\n', {}, InputError, 'has a header but no data rows'],
    ['ragged rows', 'f0,f1,label\n1,2,0\n1,2\n', {}, ShapeError, 'd.csv: line 3 has 2 columns, but line 1 has 3'],
    ['single column', '1\n2\n', {}, ShapeError, 'line 1 has 1 column'],
    ['non-numeric cell', 'f0,f1,label\n1,2,0\n1,abc,1\n', {}, InputError, "d.csv: line 3, column 2 ('f1'): value 'abc' is not a number"],
    ['empty cell', '1,,0\n1,2,1\n', {}, InputError, 'line 1, column 2 is empty'],
    ['NaN', 'f0,label\n1,0\nNaN,1\n', {}, InputError, "line 3, column 1 ('f0'): value 'NaN' is not finite"],
    ['Inf', '1,0\n-inf,1\n', {}, InputError, "line 2, column 1: value '-inf' is not finite"],
    ['beyond float32', '1,0\n1e39,1\n', {}, InputError, "value '1e39' is beyond float32 range"],
    ['non-integer label', 'f0,label\n1,0\n2,1.5\n', {}, InputError, "line 3, column 2 ('label'): label '1.5' is not an integer"],
    ['negative label', '1,0\n2,-1\n', {}, InputError, "label '-1' is negative"],
    ['label out of range', '1,0\n2,3\n', { classes: 3 }, InputError, "line 2, column 2: label '3' is out of range for 3 classes"],
    ['single class', 'f0,label\n1,1\n2,1\n', {}, InputError, 'a classifier needs ≥ 2 classes'],
    ['bad classes option', '1,0\n2,1\n', { classes: 1 }, InputError, 'option classes must be an integer ≥ 2'],
    ['feature count ≠ expectFeatures', 'f0,f1,label\n1,2,0\n3,4,1\n', { expectFeatures: 4 }, ShapeError, 'd.csv: 2 feature columns'],
    ['blank line inside', '1,0\n\n2,1\n', {}, InputError, 'line 2 is blank'],
  ];
  it.each(cases)('%s', (_name, text, opts, kind, fragment) => {
    expectThrow(() => parseCsv(text, { source: 'd.csv', ...opts }), kind, fragment);
  });
});
