/**
 * Memory estimates before work (src/hessian/memory.ts, docs/errors.md R12): runs whose estimated
 * peak exceeds the memory budget or wasm32's 4 GiB are refused before any matvec or training,
 * fast, naming the estimate, its parts and the limit; a run whose estimate is exactly the budget
 * runs. The huge cases use operators that throw on any product, or data of a few rows, so no test
 * allocates more than ~80 MB. The reference is independent of the code under test: the refusal
 * must come before the first product (the operators would throw) and before training (no `train`
 * progress), and the budget an estimate passes at is read back from the refusal's own message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../src/engine/engine.js';
import { makeDataset } from '../src/data/dataset.js';
import { InputError, ResourceError } from '../src/errors.js';
import { lanczos } from '../src/hessian/lanczos.js';
import { spectralDensity } from '../src/hessian/density.js';
import { hessianSpectrum } from '../src/hessian/spectrum.js';
import { denseOperator } from '../src/hessian/operator.js';
import { defaultMemoryBudget, krylovBasisBytes, MEMORY_SHARE } from '../src/hessian/memory.js';
import { analyze } from '../src/analysis/analyze.js';

const GIB = 2 ** 30;
const noProduct = (size: number) => ({ size, matvec: (): never => { throw new Error('no product should be taken'); } });

async function refusal(run: () => Promise<unknown>): Promise<ResourceError> {
  const error = await run().then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(ResourceError);
  return error as ResourceError;
}

/** The estimate a refusal names, in bytes. */
const estimateOf = (e: Error): number => Number(/needs an estimated (?:[\d.]+ [GM]iB \()?(\d+) bytes/.exec(e.message)![1]);

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

describe('analyze: the estimate before training', () => {
  const rows = (n: number, d: number, classes: number) => {
    const x = new Float32Array(n * d);
    for (let i = 0; i < x.length; i++) x[i] = ((i * 7919) % 13) / 13 - 0.5;
    return makeDataset(x, Int32Array.from({ length: n }, (_, i) => i % classes), d, classes);
  };

  it('784-4096-4096-3 (p = 20,008,963, the MNIST 0/1/7 net of issue 20) is refused before training, naming the estimate and the limit', async () => {
    const stages: string[] = [];
    const e = await refusal(() => analyze(engine, { data: { train: rows(30, 784, 3) }, hidden: [4096, 4096], epochs: 1, memoryBudget: 8 * GIB, onProgress: (p) => stages.push(p.stage) }));
    expect(e.message).toMatch(/^analyze \(a 784-4096-4096-3 MLP, p = 20,008,963, 30 training samples\) needs an estimated \d+\.\d\d GiB \(\d+ bytes\) at its peak \(data .*θ .*session net .*Lanczos basis of up to 200 vectors .*\), more than the memory budget of 8\.00 GiB \(the memoryBudget option\); use a smaller model/);
    expect(stages).not.toContain('train');
  });

  it('a 1000000-10-2 model on 10 rows is refused before training', async () => {
    const stages: string[] = [];
    const e = await refusal(() => analyze(engine, { data: { train: rows(10, 1_000_000, 2) }, hidden: [10], epochs: 1, memoryBudget: 8 * GIB, onProgress: (p) => stages.push(p.stage) }));
    expect(e.message).toMatch(/^analyze \(a 1000000-10-2 MLP, p = 10,000,032, 10 training samples\) needs an estimated .*Lanczos basis of up to 200 vectors.*more than the memory budget of 8\.00 GiB/);
    expect(stages).not.toContain('train');
  });

  it('an analysis whose estimate is exactly the budget is not refused; one byte less is', async () => {
    const options = { data: { train: rows(24, 2, 3) }, hidden: [6], epochs: 2, top: 2, gridRes: 4, margin: false } as const;
    const estimate = estimateOf(await refusal(() => analyze(engine, { ...options, memoryBudget: 1 })));
    const r = await analyze(engine, { ...options, memoryBudget: estimate });
    expect(r.spectrum.eigenvalues).toHaveLength(2);
    await refusal(() => analyze(engine, { ...options, memoryBudget: estimate - 1 }));
  });
});
