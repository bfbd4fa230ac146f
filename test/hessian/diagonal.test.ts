/**
 * src/hessian/diagonal.ts: the exact diagonal from unit vectors; Hutchinson's estimator exact on
 * a diagonal matrix (every cross term is zero), within 4 standard errors of the truth on a dense
 * one for every entry (fixed seed), its errors shrinking as 1/√probes; the session Hessian's
 * diagonal equal to the float64 reference Hessian's.
 */
import { describe, expect, it } from 'vitest';
import { makeDataset } from '../../src/data/dataset.js';
import { createEngine } from '../../src/engine/engine.js';
import { InputError } from '../../src/errors.js';
import { exactDiagonal, hutchinsonDiagonal } from '../../src/hessian/diagonal.js';
import { denseOperator } from '../../src/hessian/operator.js';
import { initParameters, mlpSpec } from '../../src/model/mlp.js';
import { Rng } from '../../src/model/rng.js';
import { referenceHessian } from '../../src/reference/mlp.js';

function symmetric(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) A[i * n + j] = A[j * n + i] = rng.normal();
  return A;
}

describe('the diagonal of an operator', () => {
  it('exact: the unit vectors\' products', async () => {
    const n = 12;
    const A = symmetric(n, 1);
    const d = await exactDiagonal(denseOperator(A, n));
    expect(Array.from(d.values)).toEqual(Array.from({ length: n }, (_, i) => A[i * n + i]!));
    expect(d.matvecs).toBe(n);
  });

  it('Hutchinson: exact for a diagonal matrix; within 4 standard errors on a dense one, shrinking as 1/√probes', async () => {
    const n = 40;
    const D = new Float64Array(n * n);
    for (let i = 0; i < n; i++) D[i * n + i] = i - 7.5;
    const onDiagonal = await hutchinsonDiagonal(denseOperator(D, n), { probes: 3 });
    expect(Array.from(onDiagonal.values)).toEqual(Array.from({ length: n }, (_, i) => i - 7.5));
    expect(Math.max(...onDiagonal.stderr)).toBe(0);
    const A = symmetric(n, 2);
    const few = await hutchinsonDiagonal(denseOperator(A, n), { probes: 100, seed: 3 });
    const many = await hutchinsonDiagonal(denseOperator(A, n), { probes: 1600, seed: 3 });
    for (let i = 0; i < n; i++) expect(Math.abs(many.values[i]! - A[i * n + i]!)).toBeLessThan(4 * many.stderr[i]!);
    const mean = (a: Float64Array): number => a.reduce((s, x) => s + x, 0) / a.length;
    const ratio = mean(few.stderr) / mean(many.stderr);
    expect(ratio).toBeGreaterThan(3);
    expect(ratio).toBeLessThan(5.5); // √16 = 4
    await expect(hutchinsonDiagonal(denseOperator(A, n), { probes: 1 })).rejects.toThrow(InputError);
  });

  it('the session Hessian\'s exact diagonal is the float64 reference Hessian\'s', async () => {
    const spec = mlpSpec([2, 5, 3], 'gelu');
    const theta = initParameters(spec, 2);
    const rng = new Rng(4);
    const data = makeDataset(Float32Array.from({ length: 40 }, () => rng.normal()), Int32Array.from({ length: 20 }, (_, i) => i % 3), 2, 3);
    const engine = await createEngine({ threads: 1 });
    const session = await engine.session({ spec, theta }, data, { precision: 'f64' });
    const d = await exactDiagonal(session.hessian());
    const H = referenceHessian(spec, theta, data);
    const p = session.p;
    for (let j = 0; j < p; j++) expect(Math.abs(d.values[j]! - H[j * p + j]!)).toBeLessThan(1e-10 * (1 + Math.abs(H[j * p + j]!)));
    await session.close();
    await engine.close();
  });
});
