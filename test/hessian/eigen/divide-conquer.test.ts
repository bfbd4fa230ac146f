/**
 * The divide-and-conquer tridiagonal eigensolver (src/hessian/eigen/divide-conquer.ts).
 *
 * References, independent of the code under test:
 * - eigenvalues: implicit QL (`tridiagonalEigen` in src/hessian/dense.ts), a different algorithm
 *   (shifted QL sweeps, no secular equation, no deflation logic);
 * - known spectra: tridiagonals built from a prescribed spectrum (Hessian-like: most eigenvalues
 *   exactly zero or at rounding level, a bulk near zero and a few outliers; exactly repeated
 *   eigenvalues) by orthogonal Givens insertions with bulge chasing (Gragg & Harrod 1984), so the
 *   eigenvalues are known to a few ulps·n without solving anything;
 * - eigenvectors: checked by definition — residual ‖T zₜ − λₜ zₜ‖ and orthonormality ‖ZZᵀ − I‖,
 *   both within 1e-13·n (relative to ‖T‖ for the residual).
 * Every case runs on both kernel builds; determinism (same bits twice), the generator's pieces,
 * progress and the arena release are checked too.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Arena } from '../../../src/engine/arena.js';
import { loadKernels, relaxedSimdSupported, type KernelBuild, type Kernels } from '../../../src/engine/wasm.js';
import { tridiagonalEigen } from '../../../src/hessian/tridiagonal.js';
import {
  tridiagonalEigenDC,
  tridiagonalEigenDCSteps,
  type DCStats,
  type TridiagonalDCResult,
} from '../../../src/hessian/eigen/divide-conquer.js';
import { hypot } from '../../../src/model/detmath.js';
import { Rng } from '../../../src/model/rng.js';

const BUILDS: KernelBuild[] = relaxedSimdSupported() ? ['simd128', 'relaxed'] : ['simd128'];

interface Tri {
  d: Float64Array;
  e: Float64Array;
}

/**
 * T = Qᵀ diag(λ) Q tridiagonal with Q's first row ∝ a random vector (what Lanczos on diag(λ)
 * gives): λ inserted one at a time, each by a rotation into the leading position and a bulge
 * chase down the band (Gragg & Harrod 1984). O(n²), orthogonal, so T's spectrum is λ to rounding.
 */
function tridiagonalWithSpectrum(lambda: ArrayLike<number>, rng: Rng): Tri {
  const n = lambda.length;
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  let start = n - 1;
  a[start] = lambda[0]!;
  let nu = Math.abs(rng.normal()) + 1e-3;
  for (let q = 1; q < n; q++) {
    const omega = rng.normal();
    start--;
    a[start] = lambda[q]!;
    b[start] = 0;
    const h = hypot(omega, nu);
    let c = omega / h;
    let s = nu / h;
    nu = h;
    for (let i = start; ; i++) {
      const ai = a[i]!;
      const aj = a[i + 1]!;
      const bi = b[i]!;
      a[i] = c * c * ai + 2 * c * s * bi + s * s * aj;
      a[i + 1] = s * s * ai - 2 * c * s * bi + c * c * aj;
      b[i] = c * s * (aj - ai) + (c * c - s * s) * bi;
      if (i + 2 >= n) break;
      const bulge = s * b[i + 1]!;
      b[i + 1] = c * b[i + 1]!;
      if (bulge === 0) break;
      const r = hypot(b[i]!, bulge);
      c = b[i]! / r;
      s = bulge / r;
      b[i] = r;
    }
  }
  return { d: a, e: b.slice(0, n - 1) };
}

function randomTri(n: number, rng: Rng): Tri {
  return { d: new Float64Array(n).map(() => rng.normal()), e: new Float64Array(Math.max(0, n - 1)).map(() => rng.normal()) };
}

/** Wilkinson's W_m⁺: d = |i − (m−1)/2|, e = 1 (pairs of eigenvalues equal to many digits). */
function wilkinson(m: number): Tri {
  return { d: new Float64Array(m).map((_, i) => Math.abs(i - (m - 1) / 2)), e: new Float64Array(m - 1).fill(1) };
}

/** `copies` W21⁺ glued by off-diagonal `glue`: clusters of `copies` nearly equal eigenvalues. */
function gluedWilkinson(copies: number, glue: number): Tri {
  const w = wilkinson(21);
  const n = 21 * copies;
  const d = new Float64Array(n);
  const e = new Float64Array(n - 1);
  for (let b = 0; b < copies; b++) {
    d.set(w.d, 21 * b);
    e.set(w.e, 21 * b);
    if (b < copies - 1) e[21 * b + 20] = glue;
  }
  return { d, e };
}

/** A Hessian-like spectrum: 50% exact zeros, 20% at rounding level, a bulk ~1e-3, 3% outliers up to 10. */
function hessianSpectrum(n: number, rng: Rng): Float64Array {
  return new Float64Array(n).map(() => {
    const u = rng.uniform();
    if (u < 0.5) return 0;
    if (u < 0.7) return 1e-15 * rng.normal();
    if (u < 0.97) return 1e-3 * rng.normal();
    return 10 * rng.uniform();
  });
}

function normInf(t: Tri): number {
  const n = t.d.length;
  let norm = 0;
  for (let i = 0; i < n; i++) {
    norm = Math.max(norm, Math.abs(t.d[i]!) + (i > 0 ? Math.abs(t.e[i - 1]!) : 0) + (i < n - 1 ? Math.abs(t.e[i]!) : 0));
  }
  return norm;
}

interface Solved {
  result: TridiagonalDCResult;
  Z: Float64Array; // [n, n] copy, row t = eigenvector t
  orthogonality: number; // max |ZZᵀ − I|
}

/** Solves with vectors into arena memory, measures ‖ZZᵀ − I‖ with the wasm GEMM, releases everything. */
function solve(kernels: Kernels, t: Tri, leafSize?: number): Solved {
  const n = t.d.length;
  const k = kernels.exports;
  const arena = new Arena(k);
  const zPtr = arena.f64(Math.max(1, n * n));
  const mark = arena.mark();
  const result = tridiagonalEigenDC(k, arena, t.d, t.e, zPtr, leafSize === undefined ? {} : { leafSize });
  expect(arena.mark()).toBe(mark);
  const Z = arena.viewF64(zPtr, n * n).slice();
  let orthogonality = 0;
  if (n > 0) {
    const gPtr = arena.f64(n * n);
    const work = arena.alloc(k.gemmWorkspaceBytes());
    k.gemm_f64(0, 1, n, n, n, zPtr, n, zPtr, n, gPtr, n, 0, work, 0, 0, 0, 0);
    const G = arena.viewF64(gPtr, n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) orthogonality = Math.max(orthogonality, Math.abs(G[i * n + j]! - (i === j ? 1 : 0)));
    }
  }
  return { result, Z, orthogonality };
}

/** max_t ‖T zₜ − λₜ zₜ‖∞. */
function residual(t: Tri, values: Float64Array, Z: Float64Array): number {
  const n = t.d.length;
  let worst = 0;
  for (let r = 0; r < n; r++) {
    const o = r * n;
    const lam = values[r]!;
    for (let i = 0; i < n; i++) {
      let y = (t.d[i]! - lam) * Z[o + i]!;
      if (i > 0) y += t.e[i - 1]! * Z[o + i - 1]!;
      if (i < n - 1) y += t.e[i]! * Z[o + i + 1]!;
      worst = Math.max(worst, Math.abs(y));
    }
  }
  return worst;
}

/** The checks every case gets: values vs QL (or a known spectrum), residual, orthogonality, descending order. */
function checkCase(kernels: Kernels, t: Tri, options: { leafSize?: number; spectrum?: ArrayLike<number> } = {}): DCStats {
  const n = t.d.length;
  const norm = Math.max(normInf(t), Number.MIN_VALUE);
  const { result, Z, orthogonality } = solve(kernels, t, options.leafSize);
  const { values } = result;
  expect(values.length).toBe(n);
  for (let i = 1; i < n; i++) expect(values[i]!).toBeLessThanOrEqual(values[i - 1]!);
  const reference = options.spectrum === undefined ? tridiagonalEigen(t.d, t.e, false).values : Float64Array.from(options.spectrum).sort().reverse();
  // a known spectrum carries the construction's own O(n·ε·‖T‖) rounding
  const valueTol = options.spectrum === undefined ? 1e-12 * norm : Math.max(1e-12, 64 * n * 2 ** -52) * norm;
  for (let i = 0; i < n; i++) expect(Math.abs(values[i]! - reference[i]!)).toBeLessThanOrEqual(valueTol);
  expect(residual(t, values, Z)).toBeLessThanOrEqual(1e-13 * Math.max(1, n) * norm);
  expect(orthogonality).toBeLessThanOrEqual(1e-13 * Math.max(1, n));
  // eigenvalues-only mode agrees with the vector mode to rounding
  const only = tridiagonalEigenDC(kernels.exports, new Arena(kernels.exports), t.d, t.e, 0, { vectors: false, leafSize: options.leafSize });
  for (let i = 0; i < n; i++) expect(Math.abs(only.values[i]! - values[i]!)).toBeLessThanOrEqual(1e-12 * norm);
  return result.stats;
}

describe.each(BUILDS)('tridiagonalEigenDC (%s kernels)', (build) => {
  let kernels: Kernels;
  beforeAll(async () => {
    kernels = await loadKernels(build);
  });

  it.each([1, 2, 3, 10, 64, 65, 300, 1000])('random tridiagonal, n = %i', (n) => {
    checkCase(kernels, randomTri(n, new Rng(1000 + n)));
  });

  it('random tridiagonal with small leaves (deep tree, leafSize 2 and 5)', () => {
    checkCase(kernels, randomTri(97, new Rng(7)), { leafSize: 2 });
    checkCase(kernels, randomTri(130, new Rng(8)), { leafSize: 5 });
  });

  it('Wilkinson W21⁺ and W41⁺ (close pairs), leaves of 4', () => {
    checkCase(kernels, wilkinson(21), { leafSize: 4 });
    checkCase(kernels, wilkinson(41), { leafSize: 4 });
  });

  it('glued Wilkinson matrices (clusters of 20 close eigenvalues): Givens deflation', () => {
    const stats = checkCase(kernels, gluedWilkinson(20, 1e-7), { leafSize: 8 });
    expect(stats.deflatedGivens).toBeGreaterThan(0);
    checkCase(kernels, gluedWilkinson(12, 1e-14), { leafSize: 16 });
  });

  it('many exactly zero diagonal and off-diagonal entries (splitting into blocks)', () => {
    const rng = new Rng(11);
    const n = 400;
    const d = new Float64Array(n).map(() => (rng.uniform() < 0.5 ? 0 : rng.normal()));
    const e = new Float64Array(n - 1).map(() => (rng.uniform() < 0.3 ? 0 : rng.normal()));
    const stats = checkCase(kernels, { d, e }, { leafSize: 8 });
    expect(stats.blocks).toBeGreaterThan(10);
    // all zero: every eigenvalue 0, identity vectors
    checkCase(kernels, { d: new Float64Array(50), e: new Float64Array(49) });
  });

  it('all-equal diagonal with tiny off-diagonals (heavy deflation)', () => {
    const rng = new Rng(12);
    const n = 300;
    const stats = checkCase(kernels, { d: new Float64Array(n).fill(1), e: new Float64Array(n - 1).map(() => 1e-12 * rng.normal()) });
    expect(stats.deflatedSmallZ + stats.deflatedGivens).toBeGreaterThan(0);
    checkCase(kernels, { d: new Float64Array(n).fill(-3), e: new Float64Array(n - 1).fill(1e-300) });
  });

  it('exactly repeated eigenvalues: a block repeated across a zero off-diagonal, and a prescribed spectrum', () => {
    const rng = new Rng(13);
    const block = randomTri(70, rng);
    const d = new Float64Array(210);
    const e = new Float64Array(209);
    for (let b = 0; b < 3; b++) {
      d.set(block.d, 70 * b);
      e.set(block.e, 70 * b);
    }
    checkCase(kernels, { d, e }, { leafSize: 16 });
    const spectrum = new Float64Array(240).map((_, i) => [-2, 0.5, 1, 1, 3][i % 5]!);
    checkCase(kernels, tridiagonalWithSpectrum(spectrum, rng), { spectrum });
  });

  it('Hessian-like spectrum (70% zero or rounding-level, bulk near 0, outliers), n = 600', () => {
    const rng = new Rng(14);
    const spectrum = hessianSpectrum(600, rng);
    const stats = checkCase(kernels, tridiagonalWithSpectrum(spectrum, rng), { spectrum });
    expect(stats.deflatedSmallZ).toBeGreaterThan(300);
  });

  it('scaled far from 1 (entries ~1e-200 and ~1e200)', () => {
    const base = randomTri(120, new Rng(15));
    for (const s of [1e-200, 1e200]) {
      checkCase(kernels, { d: base.d.map((x) => x * s), e: base.e.map((x) => x * s) });
    }
  });

  it('is deterministic: the same input gives the same bits', () => {
    const t = tridiagonalWithSpectrum(new Float64Array(300).map((_, i) => Math.sin(i)), new Rng(16));
    const a = solve(kernels, t);
    const b = solve(kernels, t);
    expect(Array.from(b.result.values)).toEqual(Array.from(a.result.values));
    expect(b.Z.every((x, i) => Object.is(x, a.Z[i]))).toBe(true);
  });

  it('runs as steps: many yields with small pieces, monotone progress, workspace released on return()', () => {
    const t = tridiagonalWithSpectrum(new Float64Array(400).map((_, i) => i / 400 - 0.5), new Rng(17));
    const k = kernels.exports;
    const arena = new Arena(k);
    const zPtr = arena.f64(400 * 400);
    const mark = arena.mark();
    const progress: [number, number][] = [];
    const steps = tridiagonalEigenDCSteps(k, arena, t.d, t.e, zPtr, { yieldWork: 2e5, onProgress: (done, total) => progress.push([done, total]) });
    let pieces = 0;
    let r = steps.next();
    while (!r.done) {
      pieces++;
      r = steps.next();
    }
    expect(pieces).toBeGreaterThan(20);
    expect(arena.mark()).toBe(mark);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]![0]).toBeGreaterThanOrEqual(progress[i - 1]![0]);
      expect(progress[i]![1]).toBe(progress[0]![1]);
    }
    expect(progress.at(-1)![0]).toBe(progress.at(-1)![1]);
    // the same bits as the one-shot run
    const Z = arena.viewF64(zPtr, 400 * 400).slice();
    const once = solve(kernels, t);
    expect(Array.from(r.value.values)).toEqual(Array.from(once.result.values));
    expect(Z.every((x, i) => Object.is(x, once.Z[i]))).toBe(true);
    // cancelled half-way: the workspace is released
    const cancelled = tridiagonalEigenDCSteps(k, arena, t.d, t.e, zPtr, { yieldWork: 2e5 });
    for (let i = 0; i < 5; i++) cancelled.next();
    expect(arena.mark()).toBeGreaterThan(mark);
    cancelled.return(undefined as never);
    expect(arena.mark()).toBe(mark);
  });

  it('rejects bad input', () => {
    const k = kernels.exports;
    const arena = new Arena(k);
    const zPtr = arena.f64(9);
    expect(() => tridiagonalEigenDC(k, arena, [1, 2, 3], [1], zPtr)).toThrow(/off-diagonal needs 2/);
    expect(() => tridiagonalEigenDC(k, arena, [1, NaN, 3], [1, 1], zPtr)).toThrow(/entry 1 is NaN/);
    expect(() => tridiagonalEigenDC(k, arena, [1, 2, 3], [1, 1], 0)).toThrow(/zPtr/);
    expect(tridiagonalEigenDC(k, arena, [], [], 0, { vectors: false }).values.length).toBe(0);
  });
});
