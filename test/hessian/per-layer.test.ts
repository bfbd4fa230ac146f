/**
 * src/hessian/per-layer.ts on an explicit matrix: each block's top eigenvalues are those of the
 * submatrix M_BB (Jacobi-free: a block-diagonal M with known blocks), its trace within 3 standard
 * errors, the diagonal exact when asked, summarised per block; progress monotone to 1.
 */
import { describe, expect, it } from 'vitest';
import { perLayerSpectrum } from '../../src/hessian/per-layer.js';
import { denseOperator } from '../../src/hessian/operator.js';

describe('perLayerSpectrum', () => {
  it('gives each block the spectrum of its submatrix and the diagonal summarised per block', async () => {
    // M = diag(A, B) + a coupling between the blocks, which the blocks' own spectra do not see
    const half = 40;
    const n = 2 * half;
    const M = new Float64Array(n * n);
    const a = Array.from({ length: half }, (_, i) => (i === 0 ? 9 : i === 1 ? 5 : i === 2 ? 2 : 1 - i / half));
    const b = Array.from({ length: half }, (_, i) => (i === 0 ? 4 : i === 1 ? 3 : i === 2 ? 2.5 : -2 + i / half));
    for (let i = 0; i < half; i++) {
      M[i * n + i] = a[i]!;
      M[(half + i) * n + half + i] = b[i]!;
      M[i * n + half + i] = M[(half + i) * n + i] = 0.3; // coupling
    }
    const blocks = [
      { name: 'layer:0', tensors: ['0.weight'], indices: Int32Array.from({ length: half }, (_, i) => i) },
      { name: 'layer:1', tensors: ['2.weight'], indices: Int32Array.from({ length: half }, (_, i) => half + i) },
    ];
    const fractions: number[] = [];
    const r = await perLayerSpectrum(denseOperator(M, n), blocks, { k: 3, exactDiagonal: true, onProgress: (p) => fractions.push(p.fraction) });
    expect(r.blocks[0]!.eigenvalues.map((x) => Number(x.toFixed(10)))).toEqual([9, 5, 2]);
    expect(r.blocks[1]!.eigenvalues.map((x) => Number(x.toFixed(10)))).toEqual([4, 3, 2.5]);
    expect(Math.abs(r.blocks[0]!.trace.estimate - a.reduce((s, x) => s + x, 0))).toBeLessThanOrEqual(3 * r.blocks[0]!.trace.stderr + 1e-9);
    expect(r.blocks[1]!.diagonal.min).toBe(Math.min(...b));
    expect(r.blocks[1]!.diagonal.max).toBe(4);
    expect(r.blocks[1]!.diagonal.mean).toBeCloseTo(b.reduce((s, x) => s + x, 0) / half, 12);
    expect(Math.abs(r.blocks[1]!.trace.estimate - b.reduce((s, x) => s + x, 0))).toBeLessThanOrEqual(3 * r.blocks[1]!.trace.stderr + 1e-9);
    expect(r.blocks[0]!.size).toBe(half);
    expect(r.diagonal.method).toBe('exact');
    expect(r.blocks[0]!.density).toBeNull();
    expect(fractions.at(-1)).toBe(1);
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]!).toBeGreaterThanOrEqual(fractions[i - 1]!);
  });
});
