/**
 * The WebAssembly dense eigensolver (src/hessian/eigen/solver.ts: blocked reduction, divide and
 * conquer, WY back-transformation) end to end, on both kernel builds, in Node and in Chromium
 * (this file is platform-neutral).
 *
 * Why the references are independent: matrices with known spectra are built as
 * A = Q·diag(λ)·Qᵀ with Q a product of seeded Householder reflections (eigenvalues known by
 * construction, no eigensolver run); the others are checked against the plain-TS Householder +
 * QL solver kept in src/reference/dense-eigen.ts (a different reduction and a different
 * tridiagonal method) — among them a real ReLU-network Hessian with dead units (exact zero rows
 * and columns, hundreds of zero eigenvalues). Orthogonality and residuals are measured directly.
 * At p = 2000 the O(p³) checks use the wasm f64 GEMM, which test/assembly/gemm.test.ts checks against a
 * plain f64 product; below that they are plain loops. The cases of test/cases/hessian-spectra.ts
 * are Q·diag(λ)·Qᵀ as well, and a Wishart matrix is checked against a cyclic Jacobi routine (a
 * different algorithm).
 */
import { describe, expect, it } from 'vitest';
import { makeDataset } from '../../../src/data/dataset.js';
import { Arena } from '../../../src/engine/arena.js';
import { createEngine } from '../../../src/engine/engine.js';
import { compileKernels, instantiateKernels, type KernelBuild } from '../../../src/engine/wasm.js';
import { AbortError, InputError, ResourceError, ShapeError } from '../../../src/errors.js';
import { denseHessianSpectrum, denseMemoryBytes, symmetricEigen } from '../../../src/hessian/dense.js';
import { initParameters, mlpSpec, parameterCount } from '../../../src/model/mlp.js';
import { Rng } from '../../../src/model/rng.js';
import { referenceSymmetricEigen } from '../../../src/reference/dense-eigen.js';
import { absCos, buildCase, jacobiEigenvalues, residual, SPECTRUM_CASES, wishart } from '../../cases/hessian-spectra.js';

const BUILDS: readonly KernelBuild[] = ['simd128', 'relaxed'];

/** A = Q diag(λ) Qᵀ with Q = H_1 ⋯ H_r, r seeded Householder reflections (O(r·n²)). */
function knownMatrix(lambda: readonly number[], seed: number, reflections = 4): Float64Array {
  const n = lambda.length;
  const rng = new Rng(seed);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) A[i * n + i] = lambda[i]!;
  const v = new Float64Array(n);
  const w = new Float64Array(n);
  for (let r = 0; r < reflections; r++) {
    let vv = 0;
    for (let i = 0; i < n; i++) {
      v[i] = rng.normal();
      vv += v[i]! ** 2;
    }
    // A ← H A H with H = I − 2vvᵀ/vᵀv: w = A v, then the symmetric rank-2 update
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += A[i * n + j]! * v[j]!;
      w[i] = s;
    }
    let vAv = 0;
    for (let i = 0; i < n; i++) vAv += v[i]! * w[i]!;
    const b = 2 / vv;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        A[i * n + j] = A[i * n + j]! - b * (v[i]! * w[j]! + w[i]! * v[j]!) + b * b * vAv * v[i]! * v[j]!;
      }
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) A[i * n + j] = A[j * n + i]!; // exactly symmetric
  return A;
}

function randomSymmetric(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) A[i * n + j] = A[j * n + i] = rng.normal();
  return A;
}

/** max |VᵀV − I| and max |A V − V Λ| (V's rows are the eigenvectors), by plain loops or the wasm GEMM. */
async function checks(A: Float64Array, n: number, values: Float64Array, V: Float64Array, useGemm: boolean): Promise<{ orth: number; residual: number }> {
  let orth = 0;
  let residual = 0;
  if (useGemm) {
    const k = instantiateKernels(await compileKernels('simd128')).exports;
    const arena = new Arena(k);
    const a = arena.f64(n * n);
    const v = arena.f64(n * n);
    const out = arena.f64(n * n);
    const work = arena.alloc(k.gemmWorkspaceBytes());
    arena.viewF64(a, n * n).set(A);
    arena.viewF64(v, n * n).set(V);
    k.gemm_f64(0, 1, n, n, n, v, n, v, n, out, n, 0, work, 0, 0, 0, 0); // V Vᵀ (rows orthonormal)
    let o = arena.viewF64(out, n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) orth = Math.max(orth, Math.abs(o[i * n + j]! - (i === j ? 1 : 0)));
    k.gemm_f64(0, 1, n, n, n, v, n, a, n, out, n, 0, work, 0, 0, 0, 0); // (A Vᵀ)ᵀ = V A
    o = arena.viewF64(out, n * n);
    for (let t = 0; t < n; t++) for (let i = 0; i < n; i++) residual = Math.max(residual, Math.abs(o[t * n + i]! - values[t]! * V[t * n + i]!));
    return { orth, residual };
  }
  for (let t = 0; t < n; t++) {
    const u = V.subarray(t * n, (t + 1) * n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += A[i * n + j]! * u[j]!;
      residual = Math.max(residual, Math.abs(s - values[t]! * u[i]!));
    }
    for (let q = 0; q <= t; q++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += u[j]! * V[q * n + j]!;
      orth = Math.max(orth, Math.abs(s - (q === t ? 1 : 0)));
    }
  }
  return { orth, residual };
}

function maxAbs(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]!));
  return m;
}

interface Case {
  readonly id: string;
  readonly n: number;
  /** the matrix and, when known by construction, its eigenvalues (descending) */
  make(): Promise<{ A: Float64Array; known: number[] | null }>;
}

const sortDesc = (x: number[]): number[] => [...x].sort((a, b) => b - a);

/** The Hessian of a 2-24-24-3 ReLU net over 40 points with 8 first-layer units switched off (p = 747). */
async function deadUnitHessian(): Promise<Float64Array> {
  const spec = mlpSpec([2, 24, 24, 3], 'relu');
  const theta = initParameters(spec, 9);
  for (let u = 0; u < 8; u++) {
    theta[u * 2] = 0;
    theta[u * 2 + 1] = 0;
    theta[48 + u] = -1; // bias of unit u: never active
  }
  const rng = new Rng(3);
  const data = makeDataset(Float32Array.from({ length: 80 }, () => rng.normal()), Int32Array.from({ length: 40 }, (_, i) => i % 3), 2, 3);
  const engine = await createEngine({ threads: 1, precision: 'f64' });
  const p = parameterCount(spec);
  const session = await engine.session({ spec, theta }, data);
  const H = new Float64Array(p * p);
  const e = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    e[j] = 1;
    H.set(await session.hvp(e), j * p);
    e[j] = 0;
  }
  await engine.close();
  for (let i = 0; i < p; i++) for (let j = 0; j < i; j++) H[i * p + j] = H[j * p + i] = 0.5 * (H[i * p + j]! + H[j * p + i]!);
  return H;
}

const CASES: readonly Case[] = [
  { id: 'random Gaussian, n = 300', n: 300, make: async () => ({ A: randomSymmetric(300, 1), known: null }) },
  {
    id: 'clusters (relative gaps 1e-10) and a bulk, n = 400',
    n: 400,
    make: async () => {
      const lambda = Array.from({ length: 400 }, (_, i) => (i < 30 ? 5 + 1e-10 * (i % 10) + Math.floor(i / 10) : 1e-3 * Math.sin(i)));
      return { A: knownMatrix(lambda, 2), known: sortDesc(lambda) };
    },
  },
  {
    id: 'negative and exactly repeated eigenvalues, n = 350',
    n: 350,
    make: async () => {
      const lambda = Array.from({ length: 350 }, (_, i) => (i < 40 ? -3 : i < 200 ? 0 : i < 210 ? 2 : -1 + i / 350));
      return { A: knownMatrix(lambda, 3), known: sortDesc(lambda) };
    },
  },
  { id: 'a ReLU Hessian with dead units, p = 747', n: 747, make: async () => ({ A: await deadUnitHessian(), known: null }) },
];

describe('symmetricEigen (WebAssembly) against independent references', () => {
  for (const c of CASES) {
    it(`${c.id}: eigenvalues, orthogonality, residuals, projections; on both builds`, async () => {
      const { A, known } = await c.make();
      const n = c.n;
      const reference = known ?? Array.from(referenceSymmetricEigen(A, n, { vectors: false }).eigenvalues);
      const norm = maxAbs(reference);
      const R = Float64Array.from({ length: 3 * n }, (_, i) => Math.sin(i + 1));
      for (const build of BUILDS) {
        const r = await symmetricEigen(A, n, { build });
        let worst = 0;
        for (let t = 0; t < n; t++) worst = Math.max(worst, Math.abs(r.eigenvalues[t]! - reference[t]!));
        expect(worst, 'eigenvalues').toBeLessThanOrEqual(1e-12 * norm);
        const { orth, residual } = await checks(A, n, r.eigenvalues, r.eigenvectors!, false);
        expect(orth, '‖VᵀV − I‖max').toBeLessThanOrEqual(1e-12 * n);
        expect(residual, '‖AV − VΛ‖max').toBeLessThanOrEqual(1e-12 * n * norm);
        // eigenvalues only: the same values to rounding
        const values = await symmetricEigen(A, n, { build, vectors: false });
        expect(values.eigenvectors).toBeNull();
        for (let t = 0; t < n; t++) expect(Math.abs(values.eigenvalues[t]! - r.eigenvalues[t]!)).toBeLessThanOrEqual(1e-12 * norm);
        // projections (R·Q)·S equal R·V from the full vectors
        const pr = await symmetricEigen(A, n, { build, project: R });
        expect(pr.eigenvectors).toBeNull();
        let pe = 0;
        for (let q = 0; q < 3; q++) {
          for (let t = 0; t < n; t++) {
            let s = 0;
            for (let j = 0; j < n; j++) s += R[q * n + j]! * r.eigenvectors![t * n + j]!;
            pe = Math.max(pe, Math.abs(s - pr.projections![q * n + t]!));
          }
        }
        expect(pe, 'projections').toBeLessThanOrEqual(1e-12 * Math.sqrt(n));
        // the two-stage reduction (dense → band → tridiagonal) for eigenvalues and projections. It
        // reaches another T, so eigenvectors may differ by sign and, inside a (near-)repeated
        // eigenvalue, by a rotation: compare what is basis-free, the length of each row's projection
        // onto each invariant subspace (eigenvalues closer than 1e-4·‖A‖ form one; beyond that gap
        // perturbation theory bounds the difference by about n·ε·‖A‖/gap ≈ 1e-9)
        const values2 = await symmetricEigen(A, n, { build, vectors: false, reduction: 'two-stage' });
        for (let t = 0; t < n; t++) expect(Math.abs(values2.eigenvalues[t]! - reference[t]!)).toBeLessThanOrEqual(1e-12 * norm);
        const pr2 = await symmetricEigen(A, n, { build, project: R, reduction: 'two-stage' });
        let pe2 = 0;
        for (let q = 0; q < 3; q++) {
          for (let t0 = 0; t0 < n;) {
            let t1 = t0 + 1;
            while (t1 < n && r.eigenvalues[t1 - 1]! - r.eigenvalues[t1]! < 1e-4 * norm) t1++;
            let a = 0;
            let b = 0;
            for (let t = t0; t < t1; t++) {
              a += pr.projections![q * n + t]! ** 2;
              b += pr2.projections![q * n + t]! ** 2;
            }
            pe2 = Math.max(pe2, Math.abs(Math.sqrt(a) - Math.sqrt(b)));
            t0 = t1;
          }
        }
        expect(pe2, 'two-stage projections onto each invariant subspace').toBeLessThanOrEqual(1e-9 * Math.sqrt(n));
        // the leading k only: the same vectors as the first k of all
        const top = await symmetricEigen(A, n, { build, vectors: 5 });
        expect(top.eigenvectors).toEqual(r.eigenvectors!.slice(0, 5 * n));
      }
    });
  }

  it('p = 2000 with a known spectrum (zeros, negatives, repeats), both builds: checked with the wasm GEMM', async () => {
    const n = 2000;
    const lambda = Array.from({ length: n }, (_, i) => (i < 600 ? 0 : i < 620 ? -2 : i < 630 ? 7 : Math.cos(i)));
    const A = knownMatrix(lambda, 5, 3);
    const known = sortDesc(lambda);
    for (const build of BUILDS) {
      const r = await symmetricEigen(A, n, { build });
      let worst = 0;
      for (let t = 0; t < n; t++) worst = Math.max(worst, Math.abs(r.eigenvalues[t]! - known[t]!));
      expect(worst).toBeLessThanOrEqual(1e-12 * 7);
      const { orth, residual } = await checks(A, n, r.eigenvalues, r.eigenvectors!, true);
      expect(orth).toBeLessThanOrEqual(1e-12 * n);
      expect(residual).toBeLessThanOrEqual(1e-12 * n * 7);
    }
  });

  it('is deterministic: the same input gives the same bits', async () => {
    const A = randomSymmetric(150, 7);
    const a = await symmetricEigen(A, 150, { build: 'relaxed' });
    const b = await symmetricEigen(A, 150, { build: 'relaxed' });
    expect(b.eigenvalues).toEqual(a.eigenvalues);
    expect(b.eigenvectors).toEqual(a.eigenvectors);
  });

  it('reports one monotone overall progress through named stages and stops on abort', async () => {
    const A = randomSymmetric(600, 8);
    const seen: { stage: string; fraction: number }[] = [];
    await symmetricEigen(A, 600, { onProgress: (p) => seen.push({ stage: p.stage, fraction: p.done / p.total }) });
    expect([...new Set(seen.map((s) => s.stage))]).toEqual(['tridiagonalize', 'solve', 'backtransform']);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.fraction).toBeGreaterThanOrEqual(seen[i - 1]!.fraction);
    expect(seen[seen.length - 1]!.fraction).toBe(1);
    // abort in each stage: no more progress after the abort, and the next call works
    for (const stage of ['tridiagonalize', 'solve', 'backtransform']) {
      const ctrl = new AbortController();
      let after = 0;
      const run = symmetricEigen(A, 600, {
        signal: ctrl.signal,
        onProgress: (p) => {
          if (ctrl.signal.aborted) after++;
          else if (p.stage === stage) ctrl.abort();
        },
      });
      await expect(run).rejects.toBeInstanceOf(AbortError);
      expect(after, `progress reports after an abort in ${stage}`).toBeLessThanOrEqual(1);
    }
    const again = await symmetricEigen(A, 600, { vectors: false });
    expect(again.eigenvalues).toHaveLength(600);
  });

  it('refuses bad input and what would not fit, before allocating', async () => {
    await expect(symmetricEigen(new Float64Array(5), 2)).rejects.toThrow(ShapeError);
    await expect(symmetricEigen(new Float64Array(4), 2, { vectors: true, project: new Float64Array(2) })).rejects.toThrow(InputError);
    await expect(symmetricEigen(new Float64Array(4), 2, { project: new Float64Array(3) })).rejects.toThrow(ShapeError);
    await expect(symmetricEigen(new Float64Array(4), 2, { memoryBudget: -1 })).rejects.toThrow(InputError);
    await expect(symmetricEigen(new Float64Array(4), 2, { reduction: 'two-stage' })).rejects.toThrow(/two-stage reduction serves eigenvalues and projections/);
    // a 10,703-order problem within a 1 GB budget: refused with the estimate, nothing allocated
    expect(denseMemoryBytes(10_703, 10_703, 0)).toBeGreaterThan(2.7e9);
    const big = { size: 10_703, matvecs: 0, matvec: async () => { throw new Error('no product should be taken'); } };
    await expect(denseHessianSpectrum(big, { memoryBudget: 1e9 })).rejects.toThrow(ResourceError);
    await expect(denseHessianSpectrum(big, { memoryBudget: 1e9 })).rejects.toThrow(/order p = 10703 .* needs .* more than the memory budget of 953\.7 MiB/);
  });
});

describe('symmetricEigen', () => {
  for (const c of SPECTRUM_CASES) {
    it(`recovers the known spectrum and reconstructs A: ${c.id}`, async () => {
      const k = buildCase(c);
      const n = k.n;
      const before = k.A.slice();
      const r = await symmetricEigen(k.A, n);
      expect(Array.from(k.A)).toEqual(Array.from(before)); // input untouched
      const scale = maxAbs(k.eigenvalues);
      for (let i = 0; i < n; i++) expect(Math.abs(r.eigenvalues[i]! - k.eigenvalues[i]!)).toBeLessThanOrEqual(1e-10 * scale);
      const V = r.eigenvectors!;
      // A = V diag(λ) Vᵀ and VᵀV = I
      let worst = 0;
      let worstOrth = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          let o = 0;
          for (let t = 0; t < n; t++) {
            s += V[t * n + i]! * r.eigenvalues[t]! * V[t * n + j]!;
            o += V[i * n + t]! * V[j * n + t]!;
          }
          worst = Math.max(worst, Math.abs(s - k.A[i * n + j]!));
          worstOrth = Math.max(worstOrth, Math.abs(o - (i === j ? 1 : 0)));
        }
      }
      expect(worst).toBeLessThanOrEqual(1e-12 * scale * n);
      expect(worstOrth).toBeLessThanOrEqual(1e-12 * n);
      // Well-separated eigenvectors match the construction.
      for (let t = 0; t < n; t++) {
        const gap = Math.min(t > 0 ? k.eigenvalues[t - 1]! - k.eigenvalues[t]! : Infinity, t < n - 1 ? k.eigenvalues[t]! - k.eigenvalues[t + 1]! : Infinity);
        if (gap > 1e-3 * scale) expect(absCos(V.subarray(t * n, (t + 1) * n), k.eigenvectors[t]!)).toBeGreaterThan(1 - 1e-10);
      }
      const valuesOnly = await symmetricEigen(k.A, n, { vectors: false });
      expect(valuesOnly.eigenvectors).toBeNull();
      for (let i = 0; i < n; i++) expect(valuesOnly.eigenvalues[i]).toBeCloseTo(r.eigenvalues[i]!, 12);
    });
  }

  for (const c of SPECTRUM_CASES) {
    it(`computes only the leading eigenvectors on request: ${c.id}`, async () => {
      const k = buildCase(c);
      const n = k.n;
      const count = Math.max(1, Math.floor(n / 4));
      const r = await symmetricEigen(k.A, n, { vectors: count });
      const full = await symmetricEigen(k.A, n, { vectors: false });
      const scale = maxAbs(k.eigenvalues);
      expect(r.eigenvectors).toHaveLength(count * n);
      for (let t = 0; t < n; t++) expect(r.eigenvalues[t]).toBe(full.eigenvalues[t]);
      for (let t = 0; t < count; t++) {
        const u = r.eigenvectors!.subarray(t * n, (t + 1) * n);
        expect(residual(k.A, n, u, r.eigenvalues[t]!)).toBeLessThanOrEqual(1e-12 * scale * n);
        for (let s = 0; s < t; s++) expect(absCos(u, r.eigenvectors!.subarray(s * n, (s + 1) * n))).toBeLessThan(1e-10);
        const gap = Math.min(t > 0 ? k.eigenvalues[t - 1]! - k.eigenvalues[t]! : Infinity, k.eigenvalues[t]! - (k.eigenvalues[t + 1] ?? -Infinity));
        if (gap > 1e-3 * scale) expect(absCos(u, k.eigenvectors[t]!)).toBeGreaterThan(1 - 1e-10);
      }
    });
  }

  it('agrees with cyclic Jacobi on a Wishart matrix GᵀG/m', async () => {
    const n = 40;
    const A = wishart(n, 80, 21);
    const ref = jacobiEigenvalues(A, n);
    const r = await symmetricEigen(A, n);
    for (let i = 0; i < n; i++) expect(Math.abs(r.eigenvalues[i]! - ref[i]!)).toBeLessThanOrEqual(1e-12 * ref[0]!);
  });

  it('uses (A + Aᵀ)/2 for a slightly asymmetric input', async () => {
    const A = Float64Array.from([2, 1 + 1e-9, 1 - 1e-9, 2]);
    const r = await symmetricEigen(A, 2);
    expect(r.eigenvalues[0]).toBeCloseTo(3, 14);
    expect(r.eigenvalues[1]).toBeCloseTo(1, 14);
  });

  it('reports progress through its stages and aborts when the signal fires', async () => {
    const k = buildCase(SPECTRUM_CASES[0]!);
    const stages = new Set<string>();
    await symmetricEigen(k.A, k.n, { onProgress: (p) => stages.add(p.stage) });
    expect([...stages]).toEqual(['tridiagonalize', 'solve', 'backtransform']);
    const ctrl = new AbortController();
    await expect(symmetricEigen(k.A, k.n, { signal: ctrl.signal, onProgress: () => ctrl.abort() })).rejects.toThrow(AbortError);
  });

  it('rejects bad shapes and non-finite entries', async () => {
    await expect(symmetricEigen(new Float64Array(5), 2)).rejects.toThrow(ShapeError);
    await expect(symmetricEigen(new Float64Array(4), 0)).rejects.toThrow(InputError);
    await expect(symmetricEigen(new Float64Array(4), 2, { vectors: 3 })).rejects.toThrow(/vectors/);
    await expect(symmetricEigen(Float64Array.from([1, NaN, NaN, 1]), 2)).rejects.toThrow(/non-finite|NaN/);
  });
});

describe('a back-transformation split between this thread and a worker', () => {
  it('gives the bits of one in this thread, on both builds, with a monotone progress; an abort stops both halves and the engine stays usable', async () => {
    const engine = await createEngine({ threads: 2 });
    try {
      const elsewhere = engine.reflectorsElsewhere();
      expect(elsewhere).toBeTypeOf('function');
      const n = 1100;
      const rng = new Rng(11);
      const A = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = i; j < n; j++) A[i * n + j] = A[j * n + i] = rng.normal();
      for (const build of BUILDS) {
        const here = await symmetricEigen(A, n, { build, vectors: 700 });
        const stages: string[] = [];
        let last = 0;
        let monotone = true;
        const split = await symmetricEigen(A, n, {
          build, vectors: 700, backtransformElsewhere: elsewhere!,
          onProgress: (p) => {
            stages.push(p.stage);
            monotone &&= p.done >= last;
            last = p.done;
          },
        });
        expect(split.eigenvalues).toEqual(here.eigenvalues);
        expect(split.eigenvectors).toEqual(here.eigenvectors);
        expect(monotone).toBe(true);
        expect(stages).toContain('backtransform');
      }
      const controller = new AbortController();
      const aborted = symmetricEigen(A, n, {
        backtransformElsewhere: elsewhere!, signal: controller.signal,
        onProgress: (p) => {
          if (p.stage === 'backtransform') controller.abort();
        },
      });
      await expect(aborted).rejects.toBeInstanceOf(AbortError);
      // the worker took the cancel too: the next split runs and agrees
      const after = await symmetricEigen(A, n, { build: 'simd128', vectors: 700, backtransformElsewhere: elsewhere! });
      expect(after.eigenvectors).toEqual((await symmetricEigen(A, n, { build: 'simd128', vectors: 700 })).eigenvectors);
    } finally {
      await engine.close();
    }
  });

  it('has no worker to split onto with one thread', async () => {
    const one = await createEngine({ threads: 1 });
    expect(one.reflectorsElsewhere()).toBeUndefined();
    await one.close();
  });
});
