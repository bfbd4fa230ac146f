/**
 * The plain-TS vector operations the Hessian algorithms run on (src/hessian/vector.ts): on
 * small-integer data every dot, axpy, projection and combination is exact in float64, so the
 * expected values are worked out by hand; Gram–Schmidt against an orthonormal basis of unit
 * vectors must leave exactly the other components; the random fills must be the documented
 * function of the seeded stream (Rademacher: one 64-bit draw gives 64 signs, lowest bit first).
 * (The wasm SIMD versions against these: test/engine/vector-ops.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { fillNormal, fillRademacher, float64Ops as ops, orthogonalize, reorthogonalize } from '../../src/hessian/vector.js';
import { Rng } from '../../src/model/rng.js';

const f64 = (...values: number[]): Float64Array => Float64Array.from(values);

describe('float64Ops', () => {
  it('dot, axpy, scale and norm on small integers (a length of 5 runs the 4-wide loop and its tail)', () => {
    const x = f64(1, 2, 3, 4, 5);
    const y = f64(2, 3, 4, 5, 6);
    expect(ops.dot(x, y)).toBe(70);
    ops.axpy(2, x, y);
    expect(Array.from(y)).toEqual([4, 7, 10, 13, 16]);
    ops.scale(-0.5, y);
    expect(Array.from(y)).toEqual([-2, -3.5, -5, -6.5, -8]);
    expect(ops.norm(f64(3, 4))).toBe(5);
    expect(ops.name).toBe('float64-ts');
  });

  it('project and combine over 5 basis rows (one 4-row sweep and a tail)', () => {
    // rows of length 3: e1, e2, e3, (1, 1, 1), (1, −1, 2)
    const basis = f64(1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1, 1, -1, 2);
    const out = new Float64Array(5);
    ops.project(basis, 5, f64(2, 3, 5), out);
    expect(Array.from(out)).toEqual([2, 3, 5, 10, 9]);
    const y = f64(1, 1, 1);
    ops.combine(basis, 5, f64(1, 2, 3, 4, 5), y);
    expect(Array.from(y)).toEqual([1 + 1 + 4 + 5, 1 + 2 + 4 - 5, 1 + 3 + 4 + 10]);
  });

  it('combineMany equals combine per output, bit for bit, for typed and plain outputs across a column block', () => {
    const rng = new Rng(4);
    const n = 1500; // past one 1024-column block
    const rows = 6;
    const basis = Float64Array.from({ length: rows * n }, () => rng.normal());
    const coeffs = [0, 1].map(() => Float64Array.from({ length: rows }, () => rng.normal()));
    const start = [0, 1].map(() => Array.from({ length: n }, () => rng.normal()));
    const typed = Float64Array.from(start[0]!);
    const plain = [...start[1]!];
    ops.combineMany!(basis, rows, coeffs, [typed, plain]);
    const one = Float64Array.from(start[0]!);
    const two = Float64Array.from(start[1]!);
    ops.combine(basis, rows, coeffs[0]!, one);
    ops.combine(basis, rows, coeffs[1]!, two);
    expect(Array.from(typed)).toEqual(Array.from(one));
    expect(plain).toEqual(Array.from(two));
  });
});

describe('Gram–Schmidt', () => {
  it('orthogonalize and reorthogonalize remove exactly the components along the basis rows', () => {
    const basis = f64(1, 0, 0, 0, 0, 1, 0, 0); // e1, e2 in R⁴
    for (const gs of [orthogonalize, reorthogonalize]) {
      const v = f64(3, -2, 4, 0);
      const coeffs = new Float64Array(2);
      const left = gs(ops, basis, 2, v, coeffs, new Float64Array(2));
      expect(Array.from(v)).toEqual([0, 0, 4, 0]);
      expect(Array.from(coeffs)).toEqual([3, -2]);
      expect(left).toBe(4);
    }
    // no rows: nothing removed, the norm returned
    const v = f64(3, 4);
    expect(orthogonalize(ops, new Float64Array(0), 0, v, new Float64Array(0), new Float64Array(0))).toBe(5);
    expect(Array.from(v)).toEqual([3, 4]);
  });
});

describe('random fills', () => {
  it('Rademacher signs are the bits of the seeded 64-bit draws, lowest first; normals are the stream\'s normals', () => {
    const signs = fillRademacher(new Rng(5), new Float64Array(70));
    const draws = new Rng(5);
    const d1 = draws.nextU64();
    const d2 = draws.nextU64();
    const expected = Array.from({ length: 70 }, (_, i) => ((i < 64 ? d1 >> BigInt(i) : d2 >> BigInt(i - 64)) & 1n ? -1 : 1));
    expect(Array.from(signs)).toEqual(expected);
    const stream = new Rng(3);
    expect(Array.from(fillNormal(new Rng(3), new Float64Array(5)))).toEqual(Array.from({ length: 5 }, () => stream.normal()));
  });
});
