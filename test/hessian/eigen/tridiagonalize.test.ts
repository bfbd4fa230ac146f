/**
 * Blocked Householder tridiagonalisation (assembly/eigen.ts, src/hessian/eigen/tridiagonalize.ts)
 * in both kernel builds.
 *
 * The reference is independent of the blocked code: Q is formed in plain TS from the stored
 * reflectors one at a time (Q = H_0 H_1 … H_{n−2}, H_i = I − τ_i v_i v_iᵀ), never through the
 * compact WY form, W, or any GEMM. Against it: Qᵀ A Q = T (d, e) for the ORIGINAL A, QᵀQ = I, and
 * both row applications (blocked WY) against explicit products G·Q and Z·Qᵀ. Matrices: seeded
 * random symmetric ones of awkward sizes (panel and WY-block edges), one with exactly repeated
 * eigenvalues and one mostly zero (so many reflectors are H = I); plus the kernels alone.
 */
import { describe, expect, it } from 'vitest';
import { Arena } from '../../../src/engine/arena.js';
import { compileKernels, instantiateKernels, relaxedSimdSupported, type KernelBuild, type KernelExports } from '../../../src/engine/wasm.js';
import {
  applyQToRows, applyQTransposedToRows, applyQTransposedToRowsSteps, tridiagonalize, tridiagonalizeSteps,
  type HouseholderReflectors, type TridiagonalizeOptions,
} from '../../../src/hessian/eigen/tridiagonalize.js';
import { Rng } from '../../../src/model/rng.js';

const BUILDS: KernelBuild[] = relaxedSimdSupported() ? ['simd128', 'relaxed'] : ['simd128'];

interface Case {
  readonly id: string;
  readonly n: number;
  readonly kind: 'random' | 'repeated' | 'sparse';
  readonly seed: number;
  readonly options?: TridiagonalizeOptions;
  readonly backBlock?: number;
  /** Small work per step: the trailing update and the WY application run in many pieces. */
  readonly stepWork?: number;
}

const CASES: readonly Case[] = [
  ...[1, 2, 3, 5, 33, 64, 65, 200, 301].map((n) => ({ id: `random n=${n}`, n, kind: 'random' as const, seed: 100 + n })),
  { id: 'random n=65, panels of 8, WY blocks of 16', n: 65, kind: 'random', seed: 7, options: { blockSize: 8 }, backBlock: 16 },
  { id: 'random n=200, small steps', n: 200, kind: 'random', seed: 8, options: { blockSize: 16, stepWork: 1e5 }, backBlock: 24, stepWork: 1e5 },
  { id: 'repeated eigenvalues n=90', n: 90, kind: 'repeated', seed: 11 },
  { id: 'mostly zeros n=70', n: 70, kind: 'sparse', seed: 12 },
];

function randomSymmetric(rng: Rng, n: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = rng.normal();
  }
  return a;
}

/** U diag(λ) Uᵀ with λ ∈ {−1, 2, 2, …, 5, 5, 5, …} and U a product of 4 random reflectors. */
function repeatedSpectrum(rng: Rng, n: number): Float64Array {
  const u = new Float64Array(n * n);
  for (let i = 0; i < n; i++) u[i * n + i] = 1;
  for (let h = 0; h < 4; h++) {
    const v = Float64Array.from({ length: n }, () => rng.normal());
    let vv = 0;
    for (const x of v) vv += x * x;
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let c = 0; c < n; c++) s += u[r * n + c]! * v[c]!;
      for (let c = 0; c < n; c++) u[r * n + c] -= (2 * s / vv) * v[c]!;
    }
  }
  const lambda = Array.from({ length: n }, (_, i) => (i < 3 ? -1 : i < n / 2 ? 2 : 5));
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < n; t++) s += u[i * n + t]! * lambda[t]! * u[j * n + t]!;
      a[i * n + j] = s;
    }
  }
  // exactly symmetric
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[i * n + j] = a[j * n + i]!;
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

function matrixOf(c: Case): Float64Array {
  const rng = new Rng(c.seed);
  if (c.kind === 'repeated') return repeatedSpectrum(rng, c.n);
  if (c.kind === 'sparse') return mostlyZeros(rng, c.n);
  return randomSymmetric(rng, c.n);
}

/** Q = H_0 H_1 … H_{n−2} from the stored reflectors, one reflector at a time (plain TS). */
function explicitQ(k: KernelExports, q: HouseholderReflectors): Float64Array {
  const { n } = q;
  const a = new Float64Array(k.memory.buffer, q.aPtr, n * n).slice();
  const tau = new Float64Array(k.memory.buffer, q.tauPtr, Math.max(n - 1, 1)).slice();
  const Q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) Q[i * n + i] = 1;
  // Q ← Q·H_i for i = 0, 1, …: row r: r ← r − τ (r·v) vᵀ
  const v = new Float64Array(n);
  for (let i = 0; i < n - 1; i++) {
    v.fill(0);
    v[i + 1] = 1;
    for (let c = i + 2; c < n; c++) v[c] = a[i * n + c]!;
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let c = i + 1; c < n; c++) s += Q[r * n + c]! * v[c]!;
      s *= tau[i]!;
      for (let c = i + 1; c < n; c++) Q[r * n + c] -= s * v[c]!;
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

async function kernelsOf(build: KernelBuild): Promise<KernelExports> {
  return instantiateKernels(await compileKernels(build)).exports;
}

describe.each(BUILDS)('tridiagonalize (%s build)', (build) => {
  it.each(CASES)('$id: QᵀAQ = T, QᵀQ = I, G·Q and Z·Qᵀ', async (c) => {
    const k = await kernelsOf(build);
    const arena = new Arena(k);
    const { n } = c;
    const A = matrixOf(c);
    const aPtr = arena.f64(n * n);
    arena.viewF64(aPtr, n * n).set(A);
    const progress: number[] = [];
    const t = tridiagonalize(k, arena, aPtr, n, { ...c.options, onProgress: (done, total) => progress.push(done / total) });
    expect(t.d.length).toBe(n);
    expect(t.e.length).toBe(n - 1);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1]!);
    if (n > 1) expect(progress.at(-1)).toBe(1);

    const Q = explicitQ(k, t.reflectors);
    const norm = Math.max(frobenius(A), 1e-300);
    // QᵀAQ = T
    const QtAQ = multiply(multiply(Q, A, n, true, false), Q, n, false, false);
    const T = new Float64Array(n * n);
    for (let i = 0; i < n; i++) T[i * n + i] = t.d[i]!;
    for (let i = 0; i < n - 1; i++) T[i * n + i + 1] = T[(i + 1) * n + i] = t.e[i]!;
    expect(maxAbsDiff(QtAQ, T)).toBeLessThanOrEqual(1e-13 * n * norm);
    // QᵀQ = I
    const QtQ = multiply(Q, Q, n, true, false);
    const I = new Float64Array(n * n);
    for (let i = 0; i < n; i++) I[i * n + i] = 1;
    expect(maxAbsDiff(QtQ, I)).toBeLessThanOrEqual(1e-13 * n);

    // row applications (blocked WY) against the explicit products, rows padded (ld = n + 3)
    const rows = Math.max(1, Math.min(n, 37) + (n % 3));
    const ld = n + 3;
    const rng = new Rng(c.seed + 1);
    const G = Float64Array.from({ length: rows * ld }, () => rng.normal());
    const gPtr = arena.f64(rows * ld);
    const zPtr = arena.f64(rows * ld);
    arena.viewF64(gPtr, rows * ld).set(G);
    arena.viewF64(zPtr, rows * ld).set(G);
    const back = { blockSize: c.backBlock, stepWork: c.stepWork };
    applyQToRows(k, arena, t.reflectors, gPtr, rows, ld, back);
    applyQTransposedToRows(k, arena, t.reflectors, zPtr, rows, ld, back);
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
      // the padding columns are not touched
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
    const n = 120;
    const aPtr = arena.f64(n * n);
    arena.viewF64(aPtr, n * n).set(randomSymmetric(new Rng(9), n));
    const seen: [number, number][] = [];
    const onProgress = (done: number, total: number): void => void seen.push([done, total]);
    const steps = tridiagonalizeSteps(k, arena, aPtr, n, { blockSize: 16, stepWork: 2e5, onProgress });
    let yields = 0;
    let r = steps.next();
    for (; !r.done; r = steps.next()) yields++;
    expect(yields).toBeGreaterThan(5);
    const zPtr = arena.f64(n * n);
    const back = applyQTransposedToRowsSteps(k, arena, r.value.reflectors, zPtr, n, n, { blockSize: 16, stepWork: 2e5, onProgress });
    let backYields = 0;
    while (!back.next().done) backYields++;
    expect(backYields).toBeGreaterThan(5);
    const reduction = seen.filter(([, total]) => total === seen[0]![1]);
    for (let i = 1; i < seen.length; i++) {
      if (seen[i]![1] === seen[i - 1]![1]) expect(seen[i]![0]).toBeGreaterThanOrEqual(seen[i - 1]![0]);
    }
    expect(reduction.at(-1)![0]).toBe(reduction[0]![1]);
    expect(seen.at(-1)![0]).toBe(seen.at(-1)![1]);
  });

  it('is bitwise reproducible', async () => {
    const k = await kernelsOf(build);
    const arena = new Arena(k);
    const n = 150;
    const A = randomSymmetric(new Rng(5), n);
    const runs = [0, 1].map(() => {
      const mark = arena.mark();
      const aPtr = arena.f64(n * n);
      arena.viewF64(aPtr, n * n).set(A);
      const t = tridiagonalize(k, arena, aPtr, n);
      const out = [...t.d, ...t.e, ...arena.viewF64(aPtr, n * n)];
      arena.reset(mark);
      return out;
    });
    expect(runs[1]).toEqual(runs[0]);
  });

  it('symv_upper_f64 and syr2k_upper_f64 match plain loops on the upper triangle', async () => {
    const k = await kernelsOf(build);
    const arena = new Arena(k);
    const rng = new Rng(3);
    for (const m of [1, 4, 7, 13]) {
      const lda = m + 2;
      const A = Float64Array.from({ length: m * lda }, () => rng.normal());
      const x = Float64Array.from({ length: m }, () => rng.normal());
      const aPtr = arena.f64(m * lda);
      const xPtr = arena.f64(m);
      const yPtr = arena.f64(m);
      arena.viewF64(aPtr, m * lda).set(A);
      arena.viewF64(xPtr, m).set(x);
      k.symv_upper_f64(m, aPtr, lda, xPtr, yPtr);
      const y = arena.viewF64(yPtr, m);
      for (let r = 0; r < m; r++) {
        let s = 0;
        for (let c = 0; c < m; c++) s += (c >= r ? A[r * lda + c]! : A[c * lda + r]!) * x[c]!;
        expect(y[r]).toBeCloseTo(s, 12);
      }
    }
    // rows 37…99 of a 100×100 upper triangle += Σ_p P[p][r] Q[p][c]
    const m = 100;
    const kk = 6;
    const C = Float64Array.from({ length: m * m }, () => rng.normal());
    const P = Float64Array.from({ length: kk * m }, () => rng.normal());
    const Qm = Float64Array.from({ length: kk * m }, () => rng.normal());
    const cPtr = arena.f64(m * m);
    const pPtr = arena.f64(kk * m);
    const qPtr = arena.f64(kk * m);
    const work = arena.alloc(k.gemmWorkspaceBytes());
    arena.viewF64(cPtr, m * m).set(C);
    arena.viewF64(pPtr, kk * m).set(P);
    arena.viewF64(qPtr, kk * m).set(Qm);
    k.syr2k_upper_f64(m, kk, pPtr, m, qPtr, m, cPtr, m, 37, 99, work);
    const out = arena.viewF64(cPtr, m * m);
    for (let r = 0; r < m; r++) {
      for (let c = r; c < m; c++) {
        let s = C[r * m + c]!;
        if (r >= 37 && r < 99) for (let p = 0; p < kk; p++) s += P[p * m + r]! * Qm[p * m + c]!;
        expect(Math.abs(out[r * m + c]! - s)).toBeLessThan(1e-12);
      }
    }
  });
});
