/**
 * Lanczos (top-k with residuals, src/hessian/lanczos.ts) through the `{ size, matvec }` seam.
 *
 * The reference is independent of the code under test: every matrix is Q·diag(λ)·Qᵀ with λ and
 * a seeded random orthogonal Q chosen in test/cases/hessian-spectra.ts, so the eigenpairs are
 * known by construction; residuals are recomputed here with a plain dense product. On the real
 * loss Hessians of the PyTorch fixtures the reference is PyTorch's float64 eigendecomposition
 * (test/helpers/hessian-fixtures.ts). Cancellation is measured in products started after the
 * abort, not in milliseconds (test/helpers/abort.ts).
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createEngine } from '../../src/engine/engine.js';
import { AbortError, InputError } from '../../src/errors.js';
import {
  denseOperator,
  lanczos,
  powerIteration,
  type EigenResult,
  type LanczosOptions,
  type LinearOperator,
  type PowerResult,
  type VectorOps,
  type Which,
} from '../../src/hessian/index.js';
import { abortAfter, bigProblem, counting } from '../helpers/abort.js';
import { FIXTURE_CASES, inBrowser } from '../helpers/fixtures.js';
import { fixtureOperator } from '../helpers/hessian-fixtures.js';
import { absCos, buildCase, residual, SPECTRUM_CASES, spectrumCase, type KnownMatrix } from '../cases/hessian-spectra.js';

const TOL = 1e-10;

/** The known eigen-indices (into descending order) that `which` selects, in output order. */
function expectedOrder(k: KnownMatrix, which: Which, count: number): number[] {
  const idx = k.eigenvalues.map((_, i) => i);
  if (which === 'SA') idx.reverse();
  if (which === 'LM') idx.sort((a, b) => Math.abs(k.eigenvalues[b]!) - Math.abs(k.eigenvalues[a]!) || k.eigenvalues[b]! - k.eigenvalues[a]!);
  return idx.slice(0, count);
}

function largestComponentPositive(u: readonly number[]): boolean {
  let big = 0;
  for (let i = 1; i < u.length; i++) if (Math.abs(u[i]!) > Math.abs(u[big]!)) big = i;
  return u[big]! > 0;
}

/** Relative gap of eigenvalue i (descending index) to its nearest neighbour, over max |λ|. */
function relativeGap(k: KnownMatrix, i: number): number {
  const lam = k.eigenvalues;
  const scale = Math.max(...lam.map(Math.abs));
  const left = i > 0 ? lam[i - 1]! - lam[i]! : Infinity;
  const right = i < lam.length - 1 ? lam[i]! - lam[i + 1]! : Infinity;
  return Math.min(left, right) / scale;
}

function checkResult(r: EigenResult, k: KnownMatrix, which: Which, count: number): void {
  const scale = Math.max(...k.eigenvalues.map(Math.abs));
  const want = expectedOrder(k, which, count);
  expect(r.schema).toBe('hessian-lens/eigen@1');
  expect(r.eigenvalues).toHaveLength(count);
  expect(r.eigenvectors).toHaveLength(count);
  expect(r.residuals).toHaveLength(count);
  expect(r.converged).toHaveLength(count);
  want.forEach((j, t) => {
    expect(Math.abs(r.eigenvalues[t]! - k.eigenvalues[j]!)).toBeLessThanOrEqual(1e-8 * scale);
    const u = r.eigenvectors[t]!;
    expect(u).toHaveLength(k.n);
    expect(Math.hypot(...u)).toBeCloseTo(1, 12);
    expect(largestComponentPositive(u)).toBe(true);
    // The reported residual is the true one, and converged ⇒ residual ≤ tol·scale.
    expect(Math.abs(r.residuals[t]! - residual(k.A, k.n, u, r.eigenvalues[t]!))).toBeLessThan(1e-12 * scale);
    expect(r.converged[t]).toBe(true);
    expect(r.residuals[t]).toBeLessThanOrEqual(r.tol * r.residualScale);
    if (relativeGap(k, j) >= 1e-3) expect(absCos(u, k.eigenvectors[j]!)).toBeGreaterThanOrEqual(1 - 1e-8);
  });
  expect(r.matvecs).toBeGreaterThanOrEqual(r.iterations + count);
}

describe('lanczos on known spectra', () => {
  for (const c of SPECTRUM_CASES) {
    for (const which of ['LA', 'SA', 'LM'] as const) {
      it(`${c.id}: ${which}`, async () => {
        const k = buildCase(c);
        const count = Math.min(k.n, 4);
        const op = denseOperator(k.A, k.n);
        const r = await lanczos(op, { k: count, which, tol: TOL });
        checkResult(r, k, which, count);
        expect(op.matvecs).toBe(r.matvecs);
        expect(r.which).toBe(which);
        expect(r.size).toBe(k.n);
      });
    }
  }

  it('recovers a multiplicity-3 top eigenvalue by restarting after breakdown', async () => {
    const k = buildCase(spectrumCase('repeated'));
    const r = await lanczos(denseOperator(k.A, k.n), { k: 3, tol: TOL });
    expect(r.restarts).toBeGreaterThanOrEqual(2);
    for (const x of r.eigenvalues) expect(x).toBeCloseTo(4, 12);
    // The three vectors are orthonormal and lie in the true eigenspace span{Q[:,0..2]}.
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < a; b++) expect(absCos(r.eigenvectors[a]!, r.eigenvectors[b]!)).toBeLessThan(1e-10);
      const u = r.eigenvectors[a]!;
      let inSpace = 0;
      for (let j = 0; j < 3; j++) inSpace += absCos(u, k.eigenvectors[j]!) ** 2;
      expect(inSpace).toBeCloseTo(1, 12);
    }
  });

  it('returns the whole spectrum when k = size', async () => {
    const k = buildCase(spectrumCase('clustered'));
    const r = await lanczos(denseOperator(k.A, k.n), { k: k.n, tol: TOL });
    expect(r.iterations).toBe(k.n);
    r.eigenvalues.forEach((x, i) => expect(Math.abs(x - k.eigenvalues[i]!)).toBeLessThan(1e-10 * 10));
    expect(r.converged.every(Boolean)).toBe(true);
  });

  it('rejects k out of range with a message naming k and size', async () => {
    const k = buildCase(spectrumCase('n2'));
    const op = denseOperator(k.A, k.n);
    await expect(lanczos(op, { k: 0 })).rejects.toThrow(InputError);
    await expect(lanczos(op, { k: 0 })).rejects.toThrow(/k = 0 .*size = 2/);
    await expect(lanczos(op, { k: 3 })).rejects.toThrow(/k = 3 .*size = 2/);
    await expect(lanczos(op, { k: 1, maxIterations: 0 })).rejects.toThrow(/maxIterations/);
  });

  it('is deterministic for a seed, and the seed only changes the path, not the answer', async () => {
    const k = buildCase(spectrumCase('indefinite'));
    const a = await lanczos(denseOperator(k.A, k.n), { k: 3, tol: TOL, seed: 7 });
    const b = await lanczos(denseOperator(k.A, k.n), { k: 3, tol: TOL, seed: 7 });
    const c = await lanczos(denseOperator(k.A, k.n), { k: 3, tol: TOL, seed: 8 });
    expect(b).toEqual(a);
    expect(a.seed).toBe(7);
    c.eigenvalues.forEach((x, i) => expect(x).toBeCloseTo(a.eigenvalues[i]!, 9));
    c.eigenvectors.forEach((u, i) => expect(absCos(u, a.eigenvectors[i]!)).toBeGreaterThan(1 - 1e-8));
  });

  it('returns a frozen, JSON-serialisable record', async () => {
    const k = buildCase(spectrumCase('wishart-like'));
    const r = await lanczos(denseOperator(k.A, k.n), { k: 2 });
    expect(Object.isFrozen(r)).toBe(true);
    expect(Object.isFrozen(r.eigenvectors)).toBe(true);
    expect(Array.isArray(r.eigenvectors[0])).toBe(true);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
    expect(r.tol).toBe(1e-6);
  });

  it('converges faster from a warm start on the answer', async () => {
    const k = buildCase(spectrumCase('wishart-like'));
    const cold = await lanczos(denseOperator(k.A, k.n), { k: 3, tol: TOL });
    // Plain arrays straight from an earlier result are accepted.
    const warm = await lanczos(denseOperator(k.A, k.n), { k: 3, tol: TOL, start: cold.eigenvectors });
    expect(warm.matvecs).toBeLessThan(cold.matvecs);
    warm.eigenvalues.forEach((x, i) => expect(x).toBeCloseTo(cold.eigenvalues[i]!, 10));
    await expect(lanczos(denseOperator(k.A, k.n), { k: 1, start: [new Float64Array(3)] })).rejects.toThrow(/start\[0\]/);
  });

  it('works with an asynchronous operator and reports progress every iteration', async () => {
    const k = buildCase(spectrumCase('clustered'));
    const dense = denseOperator(k.A, k.n);
    const op: LinearOperator = { size: k.n, matvec: async (v, out) => { await Promise.resolve(); dense.matvec(v, out); } };
    const seen: number[] = [];
    const r = await lanczos(op, { k: 2, tol: TOL, onProgress: (p) => { seen.push(p.iteration); expect(p.ritz.length).toBeLessThanOrEqual(2); } });
    expect(seen).toEqual(Array.from({ length: r.iterations }, (_, i) => i + 1));
    expect(r.eigenvalues[0]).toBeCloseTo(10, 10);
  });

  it('rejects with AbortError when the signal fires, and before starting if already aborted', async () => {
    const k = buildCase(spectrumCase('wishart-like'));
    const ctrl = new AbortController();
    const run = lanczos(denseOperator(k.A, k.n), { k: 3, tol: 1e-14, signal: ctrl.signal, onProgress: (p) => { if (p.iteration === 3) ctrl.abort(); } });
    await expect(run).rejects.toBeInstanceOf(AbortError);
    await expect(lanczos(denseOperator(k.A, k.n), { k: 1, signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
  });

  it('stops at maxIterations and says which pairs did not converge', async () => {
    const k = buildCase(spectrumCase('wishart-like'));
    const r = await lanczos(denseOperator(k.A, k.n), { k: 4, tol: 1e-12, maxIterations: 6 });
    expect(r.iterations).toBe(6);
    expect(r.converged.some((x) => !x)).toBe(true);
    r.converged.forEach((ok, i) => expect(ok).toBe(r.residuals[i]! <= r.tol * r.residualScale));
  });
});

describe('public types', () => {
  it('keep the seam, the options and the records as documented', () => {
    expectTypeOf<LinearOperator['matvec']>().parameters.toEqualTypeOf<[Float64Array, Float64Array]>();
    expectTypeOf<ReturnType<LinearOperator['matvec']>>().toEqualTypeOf<void | Promise<void>>();
    expectTypeOf(lanczos).parameters.toEqualTypeOf<[LinearOperator, LanczosOptions]>();
    expectTypeOf(lanczos).returns.resolves.toEqualTypeOf<EigenResult>();
    expectTypeOf<EigenResult['schema']>().toEqualTypeOf<'hessian-lens/eigen@1'>();
    expectTypeOf<EigenResult['eigenvectors']>().toEqualTypeOf<readonly (readonly number[])[]>();
    expectTypeOf<EigenResult['converged']>().toEqualTypeOf<readonly boolean[]>();
    expectTypeOf<LanczosOptions['which']>().toEqualTypeOf<Which | undefined>();
    expectTypeOf<LanczosOptions['vectorOps']>().toEqualTypeOf<VectorOps | undefined>();
    expectTypeOf(powerIteration).returns.resolves.toEqualTypeOf<PowerResult>();
    expectTypeOf<PowerResult['eigenvalue']>().toBeNumber();
  });
});

describe.each(FIXTURE_CASES)('Hessian spectrum of %s', (name) => {
  it('Lanczos top-10: eigenvalues within 1e-4·|λ1|, separated eigenvectors |cos| ≥ 0.999, every pair with its residual', async () => {
    const { op, ref } = await fixtureOperator(name);
    const r = await lanczos(op, { k: 10 });
    const l1 = Math.abs(ref.hessian_eigenvalues_desc[0]!);
    for (let i = 0; i < 10; i++) {
      expect(Math.abs(r.eigenvalues[i]! - ref.hessian_eigenvalues_desc[i]!)).toBeLessThanOrEqual(1e-4 * l1);
      if (ref.top10_relative_gaps[i]! >= 1e-2) expect(absCos(r.eigenvectors[i]!, ref.top10_eigenvectors[i]!)).toBeGreaterThanOrEqual(0.999);
      expect(Number.isFinite(r.residuals[i])).toBe(true);
      if (r.converged[i]) expect(r.residuals[i]).toBeLessThanOrEqual(r.tol * r.residualScale);
    }
    expect(r.matvecs).toBe(op.matvecs);
  });
});

const threadCounts = inBrowser ? [1] : [1, 2];

describe.each(threadCounts)('abort with %i thread(s)', (threads) => {
  it('Lanczos rejects promptly and the engine keeps working', async () => {
    const engine = await createEngine({ threads, poolThreshold: 0 });
    const { model, data } = bigProblem();
    const session = await engine.session(model, data);
    let after = { after: 0 };
    const { error, lag } = await abortAfter(150, (signal, fired) => {
      const c = counting(session.hessian(), fired);
      after = c.counts;
      return lanczos(c.op, { k: 10, tol: 1e-14, maxIterations: 400, signal });
    });
    expect(error).toBeInstanceOf(AbortError);
    expect(after.after, 'Hessian-vector products started after the abort').toBeLessThanOrEqual(1);
    console.log(`Lanczos (${threads} thread(s)) rejected ${lag.toFixed(0)} ms after the abort`);
    const eig = await lanczos(session.hessian(), { k: 2, tol: 1e-4 });
    expect(eig.eigenvalues).toHaveLength(2);
    await session.close();
    await engine.close();
  });
});
