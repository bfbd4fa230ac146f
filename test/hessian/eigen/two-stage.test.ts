/**
 * Two-stage tridiagonalisation (assembly/band.ts, src/hessian/eigen/two-stage.ts) in both kernel
 * builds.
 *
 * The references are independent of the two-stage code: Q is formed in plain TS from the stored
 * reflectors one at a time, in their defining order (Q₁ = H_0 … H_{c−1}, then every bulge-chasing
 * reflector sweep by sweep, window by window), never through compact WY blocks, the rank-2k update,
 * the reordered application of Q₂ or any GEMM; the eigenvalues come from the one-stage reduction
 * (./tridiagonalize.ts, a different algorithm) and the tridiagonal QL solver. Checked: Qᵀ A Q = T
 * for the ORIGINAL A, QᵀQ = I, T's eigenvalues = A's, and both row applications against explicit
 * products G·Q and Z·Qᵀ. Matrices: seeded random symmetric ones of awkward sizes (panel, band and
 * sweep-block edges) with a small and the default bandwidth, one mostly zero (many H = I), plus
 * bandwidth 1 (no bulge chasing) and bandwidth ≥ n−1 (no band stage).
 */
import { describe, expect, it } from 'vitest';
import { Arena } from '../../../src/engine/arena.js';
import { compileKernels, instantiateKernels, relaxedSimdSupported, type KernelBuild, type KernelExports } from '../../../src/engine/wasm.js';
import { tridiagonalize } from '../../../src/hessian/eigen/tridiagonalize.js';
import {
  applyTwoStageQToRows, applyTwoStageQTransposedToRows, applyTwoStageQToRowsSteps, TWO_STAGE_BANDWIDTH,
  tridiagonalizeTwoStage, tridiagonalizeTwoStageSteps, type TwoStageReflectors,
} from '../../../src/hessian/eigen/two-stage.js';
import { tridiagonalEigen } from '../../../src/hessian/tridiagonal.js';
import { Rng } from '../../../src/model/rng.js';

const BUILDS: KernelBuild[] = relaxedSimdSupported() ? ['simd128', 'relaxed'] : ['simd128'];

interface Case {
  readonly id: string;
  readonly n: number;
  readonly b?: number;
  readonly kind: 'random' | 'sparse';
  readonly seed: number;
  readonly stepWork?: number;
  readonly backBlock?: number;
}

const CASES: readonly Case[] = [
  ...[1, 2, 3, 5, 33, 64, 65, 200, 301].flatMap((n) => [
    { id: `random n=${n}, b=4`, n, b: 4, kind: 'random' as const, seed: 200 + n },
    { id: `random n=${n}, default b`, n, kind: 'random' as const, seed: 300 + n },
  ]),
  { id: 'random n=150, b=7, small steps, WY blocks of 16', n: 150, b: 7, kind: 'random', seed: 21, stepWork: 3e4, backBlock: 16 },
  { id: 'random n=40, b=1 (no bulge chasing)', n: 40, b: 1, kind: 'random', seed: 22 },
  { id: 'random n=40, b=60 (no band stage)', n: 40, b: 60, kind: 'random', seed: 23 },
  { id: 'mostly zeros n=90, b=6', n: 90, b: 6, kind: 'sparse', seed: 24 },
];

function randomSymmetric(rng: Rng, n: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = rng.normal();
  }
  return a;
}

/** 5% nonzeros, rows/columns 10–19 entirely zero, and a zero trailing block. */
function mostlyZeros(rng: Rng, n: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const zero = (i >= 10 && i < 20) || (j >= 10 && j < 20) || i >= n - 15 || rng.uniform() > 0.05;
      a[i * n + j] = a[j * n + i] = zero ? 0 : rng.normal();
    }
  }
  return a;
}

/** Q ← Q·H on columns lo … lo+len−1 for H = I − τ v vᵀ (v[0] = 1). */
function applyReflector(Q: Float64Array, n: number, lo: number, len: number, tau: number, v: Float64Array): void {
  if (tau === 0) return;
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let t = 0; t < len; t++) s += Q[r * n + lo + t]! * v[t]!;
    s *= tau;
    for (let t = 0; t < len; t++) Q[r * n + lo + t] -= s * v[t]!;
  }
}

/** Q = Q₁ Q₂ from the stored reflectors, one reflector at a time in their defining order (plain TS). */
function explicitQ(k: KernelExports, q: TwoStageReflectors): Float64Array {
  const { n, bandwidth: b } = q;
  const a = new Float64Array(k.memory.buffer, q.aPtr, n * n).slice();
  const tau = new Float64Array(k.memory.buffer, q.tauPtr, n).slice();
  const Q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) Q[i * n + i] = 1;
  const v = new Float64Array(n);
  for (let i = 0; i + b + 1 < n; i++) {
    const lo = i + b;
    v[0] = 1;
    for (let c = lo + 1; c < n; c++) v[c - lo] = a[i * n + c]!;
    applyReflector(Q, n, lo, n - lo, tau[i]!, v);
  }
  for (let s = 0; s < n - 2; s++) {
    const rec = (n - 1 - s) * n;
    for (let lo = s + 1; lo < n; lo += b) {
      const len = Math.min(b, n - lo);
      const at = rec + lo - s - 1;
      v[0] = 1;
      for (let t = 1; t < len; t++) v[t] = a[at + t]!;
      applyReflector(Q, n, lo, len, a[at]!, v);
    }
  }
  return Q;
}

/** C = op(A)·op(B) for n×n row-major matrices. */
function multiply(A: Float64Array, B: Float64Array, n: number, transA: boolean, transB: boolean): Float64Array {
  const C = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < n; p++) {
      const x = transA ? A[p * n + i]! : A[i * n + p]!;
      if (x === 0) continue;
      for (let j = 0; j < n; j++) C[i * n + j] += x * (transB ? B[j * n + p]! : B[p * n + j]!);
    }
  }
  return C;
}

function frobenius(a: Float64Array): number {
  let s = 0;
  for (const x of a) s += x * x;
  return Math.sqrt(s);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function sorted(x: ArrayLike<number>): Float64Array {
  return Float64Array.from(x).sort();
}

async function kernelsOf(build: KernelBuild): Promise<KernelExports> {
  return instantiateKernels(await compileKernels(build)).exports;
}

describe.each(BUILDS)('two-stage tridiagonalisation (%s build)', (build) => {
  it.each(CASES)('$id: QᵀAQ = T, QᵀQ = I, eigenvalues, G·Q and Z·Qᵀ', async (c) => {
    const k = await kernelsOf(build);
    const arena = new Arena(k);
    const { n } = c;
    const rng = new Rng(c.seed);
    const A = c.kind === 'sparse' ? mostlyZeros(rng, n) : randomSymmetric(rng, n);
    const aPtr = arena.f64(n * n);
    arena.viewF64(aPtr, n * n).set(A);
    const progress: number[] = [];
    const used = arena.used;
    const t = tridiagonalizeTwoStage(k, arena, aPtr, n, {
      bandwidth: c.b, stepWork: c.stepWork, onProgress: (done, total) => progress.push(done / total),
    });
    // only τ (n f64, 16-byte aligned) stays allocated
    expect(arena.used - used).toBeLessThanOrEqual(8 * n + 16);
    expect(t.reflectors.bandwidth).toBe(Math.max(1, Math.min(c.b ?? TWO_STAGE_BANDWIDTH, n - 1)));
    expect(t.d.length).toBe(n);
    expect(t.e.length).toBe(n - 1);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1]!);
    if (n > 2) expect(progress.at(-1)).toBe(1);

    const norm = Math.max(frobenius(A), 1e-300);
    // eigenvalues of T against the one-stage reduction's
    const bPtr = arena.f64(n * n);
    arena.viewF64(bPtr, n * n).set(A);
    const one = tridiagonalize(k, arena, bPtr, n);
    const ref = sorted(tridiagonalEigen(one.d, one.e, false).values);
    const got = sorted(tridiagonalEigen(t.d, t.e, false).values);
    expect(maxAbsDiff(got, ref)).toBeLessThanOrEqual(1e-12 * n * norm);

    const Q = explicitQ(k, t.reflectors);
    // QᵀAQ = T
    const QtAQ = multiply(multiply(Q, A, n, true, false), Q, n, false, false);
    const T = new Float64Array(n * n);
    for (let i = 0; i < n; i++) T[i * n + i] = t.d[i]!;
    for (let i = 0; i < n - 1; i++) T[i * n + i + 1] = T[(i + 1) * n + i] = t.e[i]!;
    expect(maxAbsDiff(QtAQ, T)).toBeLessThanOrEqual(1e-13 * n * norm);
    // QᵀQ = I
    const I = new Float64Array(n * n);
    for (let i = 0; i < n; i++) I[i * n + i] = 1;
    expect(maxAbsDiff(multiply(Q, Q, n, true, false), I)).toBeLessThanOrEqual(1e-13 * n);

    // row applications against the explicit products, rows padded (ld = n + 3)
    const rows = Math.max(1, Math.min(n, 37) + (n % 3));
    const ld = n + 3;
    const rg = new Rng(c.seed + 1);
    const G = Float64Array.from({ length: rows * ld }, () => rg.normal());
    const gPtr = arena.f64(rows * ld);
    const zPtr = arena.f64(rows * ld);
    arena.viewF64(gPtr, rows * ld).set(G);
    arena.viewF64(zPtr, rows * ld).set(G);
    const back = { blockSize: c.backBlock, stepWork: c.stepWork };
    const before = arena.used;
    applyTwoStageQToRows(k, arena, t.reflectors, gPtr, rows, ld, back);
    applyTwoStageQTransposedToRows(k, arena, t.reflectors, zPtr, rows, ld, back);
    expect(arena.used).toBe(before);
    const GQ = arena.viewF64(gPtr, rows * ld);
    const ZQt = arena.viewF64(zPtr, rows * ld);
    let errQ = 0;
    let errQt = 0;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < n; j++) {
        let sQ = 0;
        let sQt = 0;
        for (let p = 0; p < n; p++) {
          sQ += G[r * ld + p]! * Q[p * n + j]!;
          sQt += G[r * ld + p]! * Q[j * n + p]!;
        }
        errQ = Math.max(errQ, Math.abs(GQ[r * ld + j]! - sQ));
        errQt = Math.max(errQt, Math.abs(ZQt[r * ld + j]! - sQt));
      }
      for (let j = n; j < ld; j++) {
        expect(GQ[r * ld + j]).toBe(G[r * ld + j]);
        expect(ZQt[r * ld + j]).toBe(G[r * ld + j]);
      }
    }
    expect(errQ).toBeLessThanOrEqual(1e-13 * n * Math.sqrt(n));
    expect(errQt).toBeLessThanOrEqual(1e-13 * n * Math.sqrt(n));
  });

  it('yields between pieces and reports monotone progress', async () => {
    const k = await kernelsOf(build);
    const arena = new Arena(k);
    const n = 160;
    const aPtr = arena.f64(n * n);
    arena.viewF64(aPtr, n * n).set(randomSymmetric(new Rng(9), n));
    const seen: [number, number][] = [];
    const onProgress = (done: number, total: number): void => void seen.push([done, total]);
    const steps = tridiagonalizeTwoStageSteps(k, arena, aPtr, n, { bandwidth: 8, stepWork: 2e5, onProgress });
    let yields = 0;
    let r = steps.next();
    for (; !r.done; r = steps.next()) yields++;
    expect(yields).toBeGreaterThan(5);
    const reduction = seen.slice();
    const gPtr = arena.f64(20 * n);
    seen.length = 0;
    const back = applyTwoStageQToRowsSteps(k, arena, r.value.reflectors, gPtr, 20, n, { blockSize: 16, stepWork: 2e5, onProgress });
    let backYields = 0;
    while (!back.next().done) backYields++;
    expect(backYields).toBeGreaterThan(5);
    for (const list of [reduction, seen]) {
      for (let i = 1; i < list.length; i++) {
        expect(list[i]![1]).toBe(list[0]![1]);
        expect(list[i]![0]).toBeGreaterThanOrEqual(list[i - 1]![0]);
      }
      expect(list.at(-1)![0]).toBe(list.at(-1)![1]);
    }
  });

  it('is bitwise reproducible', async () => {
    const k = await kernelsOf(build);
    const arena = new Arena(k);
    const n = 170;
    const A = randomSymmetric(new Rng(5), n);
    const G = Float64Array.from({ length: 7 * n }, (_, i) => Math.sin(i));
    const runs = [0, 1].map(() => {
      const mark = arena.mark();
      const aPtr = arena.f64(n * n);
      arena.viewF64(aPtr, n * n).set(A);
      const t = tridiagonalizeTwoStage(k, arena, aPtr, n, { bandwidth: 16 });
      const gPtr = arena.f64(7 * n);
      arena.viewF64(gPtr, 7 * n).set(G);
      applyTwoStageQToRows(k, arena, t.reflectors, gPtr, 7, n);
      const out = [...t.d, ...t.e, ...arena.viewF64(aPtr, n * n), ...arena.viewF64(gPtr, 7 * n)];
      arena.reset(mark);
      return out;
    });
    expect(runs[1]).toEqual(runs[0]);
  });

  it('gives each row the same bits alone as in a batch', async () => {
    const k = await kernelsOf(build);
    const arena = new Arena(k);
    const n = 130;
    const aPtr = arena.f64(n * n);
    arena.viewF64(aPtr, n * n).set(randomSymmetric(new Rng(6), n));
    const t = tridiagonalizeTwoStage(k, arena, aPtr, n, { bandwidth: 8 });
    const rows = 5;
    const G = Float64Array.from({ length: rows * n }, (_, i) => Math.cos(i));
    const gPtr = arena.f64(rows * n);
    const hPtr = arena.f64(n);
    arena.viewF64(gPtr, rows * n).set(G);
    applyTwoStageQToRows(k, arena, t.reflectors, gPtr, rows, n);
    for (const r of [0, 3, 4]) {
      arena.viewF64(hPtr, n).set(G.subarray(r * n, (r + 1) * n));
      applyTwoStageQToRows(k, arena, t.reflectors, hPtr, 1, n);
      expect(Array.from(arena.viewF64(hPtr, n))).toEqual(Array.from(arena.viewF64(gPtr + r * n * 8, n)));
    }
  });
});
