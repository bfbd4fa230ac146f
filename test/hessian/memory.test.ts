/**
 * Memory estimates before work (src/hessian/memory.ts, docs/errors.md R12): runs whose estimated
 * peak exceeds the memory budget or wasm32's 4 GiB are refused before any matvec, fast, naming
 * the estimate, its parts and the limit; a run whose estimate is exactly the budget runs. The huge
 * cases use operators that throw on any product, so no test allocates much. The reference is
 * independent of the code under test: the refusal must come before the first product (the
 * operators would throw), and the budget an estimate passes at is read back from the refusal's
 * own message (test/helpers/memory.ts). analyze's estimate before training: analysis/analyze.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.js';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import { InputError } from '../../src/errors.js';
import { spectralDensity } from '../../src/hessian/density.js';
import { lanczos } from '../../src/hessian/lanczos.js';
import { defaultMemoryBudget, krylovBasisBytes, MEMORY_SHARE } from '../../src/hessian/memory.js';
import { denseOperator } from '../../src/hessian/operator.js';
import { hessianSpectrum } from '../../src/hessian/spectrum.js';
import { estimateOf, GIB, noProduct, refusal } from '../helpers/memory.js';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ threads: 1 });
});
afterAll(async () => {
  await engine.close();
});

describe('memory budget', () => {
  it('the default is a share of the platform memory (Node: os.totalmem())', () => {
    const b = defaultMemoryBudget();
    expect(b.bytes).toBeGreaterThan(0);
    expect(b.source).toMatch(/option memoryBudget/);
    expect(MEMORY_SHARE).toBe(0.5);
  });

  it('a JS Krylov basis peaks at its cap plus the rows it grew from; a resident one adds nothing', () => {
    expect(krylovBasisBytes(10, 200, 60, false)).toBe(8 * 10 * (135 + 200));
    expect(krylovBasisBytes(10, 50, 60, false)).toBe(8 * 10 * 50);
    expect(krylovBasisBytes(10, 200, 60, true)).toBe(0);
  });

  it('lanczos, spectralDensity and hessianSpectrum at p = 20,008,963 are refused before any matvec', async () => {
    const op = noProduct(20_008_963); // throws if any product is taken: the refusals come first
    const e1 = await refusal(() => lanczos(op, { k: 10, memoryBudget: 8 * GIB }));
    expect(e1.message).toMatch(/^lanczos \(k = 10, p = 20,008,963\) needs an estimated \d+\.\d\d GiB \(\d+ bytes\) at its peak \(Lanczos basis of up to 200 vectors .* GiB, 10 Ritz vectors and 2 work vectors .*\), more than the memory budget of 8\.00 GiB \(the memoryBudget option\)/);
    expect(estimateOf(e1)).toBe(8 * 20_008_963 * (335 + 12));
    const e2 = await refusal(() => spectralDensity(op, { memoryBudget: 8 * GIB }));
    expect(e2.message).toMatch(/^spectralDensity \(80 steps, p = 20,008,963\) needs an estimated .* \(SLQ basis of 80 vectors .*\), more than the memory budget of 8\.00 GiB/);
    const e3 = await refusal(() => hessianSpectrum(op, { memoryBudget: 8 * GIB }));
    expect(e3.message).toMatch(/^the spectrum of p = 20,008,963 \(top 10\) needs an estimated .*Lanczos basis.*more than the memory budget of 8\.00 GiB/);
    // a size no machine holds is refused under the default budget too
    const e4 = await refusal(() => lanczos(noProduct(2 ** 31), { k: 10 }));
    expect(e4.message).toMatch(/more than the memory budget of .* \(half of the .* this machine reports; option memoryBudget\)/);
  });

  it('a bad memoryBudget is an InputError', async () => {
    await expect(lanczos(noProduct(10), { k: 1, memoryBudget: -1 })).rejects.toBeInstanceOf(InputError);
    await expect(analyze(engine, { memoryBudget: 0 })).rejects.toBeInstanceOf(InputError);
  });

  it('lanczos with a budget of exactly its estimate runs; one byte less is refused', async () => {
    const n = 40;
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) A[i * n + i] = i + 1;
    const estimate = estimateOf(await refusal(() => lanczos(denseOperator(A, n), { k: 3, memoryBudget: 1 })));
    const r = await lanczos(denseOperator(A, n), { k: 3, memoryBudget: estimate });
    expect(r.eigenvalues[0]).toBeCloseTo(n, 8);
    await refusal(() => lanczos(denseOperator(A, n), { k: 3, memoryBudget: estimate - 1 }));
  });
});
