/**
 * The engine's declared state (src/engine/net/): which cache rows hold the curvature for which θ
 * (RowCache), and the pairwise block sum. The reference for the cache is a fresh net: whatever ran
 * before, an Hv must give the bits of a net that has run nothing but that Hv at the same θ. The
 * reference for the block sum is one reducer over all blocks: any split into shards gives its bits.
 */
import { describe, expect, it } from 'vitest';
import { makeDataset, type Dataset } from '../src/data/dataset.js';
import { Arena } from '../src/engine/arena.js';
import { curvatureElementsPerSample, DenseNet } from '../src/engine/dense-net.js';
import { RowCache } from '../src/engine/net/buffers.js';
import { combineBlockNodes, PairwiseBlockSum, type BlockNode } from '../src/engine/net/pairwise-sum.js';
import { loadKernels } from '../src/engine/wasm.js';
import { initParameters, mlpSpec, parameterCount, type Activation } from '../src/model/mlp.js';
import { gaussianVector, Rng } from '../src/model/rng.js';

function randomData(n: number, d: number, classes: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const x = new Float32Array(n * d).map(() => rng.normal() * 1.5);
  const y = Int32Array.from({ length: n }, (_, i) => (i < classes ? i : rng.int(classes)));
  return makeDataset(x, y, d, classes);
}

describe('RowCache', () => {
  it('knows which chunks hold the curvature at the current θ', () => {
    // 10 samples in chunks of 3; the first 6 cached, the rest share the spare rows from 6
    const cache = new RowCache(10, 3, 6);
    expect([0, 3, 6, 9].map((i0) => cache.isCurrent(i0))).toEqual([false, false, false, false]);
    expect(cache.rows(0, 'curvature')).toBe(0);
    expect(cache.rows(3, 'forward')).toBe(3);
    expect(cache.rows(6, 'curvature')).toBe(6);
    expect(cache.rows(9, 'curvature')).toBe(6);
    expect([0, 3, 6, 9].map((i0) => cache.isCurrent(i0))).toEqual([true, false, false, false]);
    cache.rows(3, 'curvature');
    cache.rows(3, 'forward');
    expect(cache.isCurrent(3)).toBe(true);
    cache.rows(3, 'other');
    expect(cache.isCurrent(3)).toBe(false);
    expect(cache.readRows(3)).toBe(3);
    expect(cache.readRows(9)).toBe(6);
    cache.rows(3, 'curvature');
    expect(cache.batchRows()).toBe(0);
    expect([cache.isCurrent(0), cache.isCurrent(3)]).toEqual([false, true]);
    cache.newParameters();
    expect(cache.isCurrent(3)).toBe(false);
    expect(new RowCache(4, 2, 0).batchRows()).toBe(0);
  });
});

describe('PairwiseBlockSum', () => {
  it('gives the bits of one reducer however the blocks are split into shards', async () => {
    const k = (await loadKernels('simd128')).exports;
    const arena = new Arena(k);
    const p = 7;
    const block = 2;
    const n = 23; // 12 blocks, the last one short
    // block b's vector and scalars depend only on its global index
    const work = (first: number) => (i0: number, m: number, sums: number) => {
      const b = first + i0 / block;
      arena.viewF64(sums, p).set(gaussianVector(100 + b, p).map((x) => x * 10 ** (b % 5)));
      return { loss: 1 / (b + 3), correct: m };
    };
    const whole = new PairwiseBlockSum(arena, k.axpy_f64, { n, block, firstBlock: 0 }, p);
    const total = new Float64Array(p);
    const scalars = whole.vectorTotal(work(0), total);
    const nodes = combineBlockNodes(whole.vectorNodes(work(0)));
    expect(Array.from(nodes.values!)).toEqual(Array.from(total));
    expect(scalars).toEqual({ loss: nodes.loss, correct: n });
    for (const cut of [1, 3, 4, 5, 8, 11]) {
      const shards: BlockNode[] = [];
      for (const [first, last] of [[0, cut], [cut, 12]] as const) {
        const shardN = Math.min(n, last * block) - first * block;
        const sums = new PairwiseBlockSum(arena, k.axpy_f64, { n: shardN, block, firstBlock: first }, p);
        shards.push(...sums.vectorNodes(work(first)));
      }
      const split = combineBlockNodes(shards);
      expect(Array.from(split.values!)).toEqual(Array.from(total));
      expect(split.loss).toBe(scalars.loss);
    }
    const scalarOnly = whole.scalarNodes((i0, m) => work(0)(i0, m, whole.scratch()));
    expect(scalarOnly.every((node) => node.values === null)).toBe(true);
    expect(combineBlockNodes(scalarOnly).loss).toBe(scalars.loss);
  });
});

describe.each<Activation>(['tanh', 'relu', 'gelu'])('DenseNet cache rows (%s)', (activation) => {
  it.each([['every sample', undefined], ['some chunks', 2.5], ['no chunk', 0]] as const)(
    'an Hv after any other pass gives the bits of a fresh net (%s cached)', async (_, chunksCached) => {
      const kernels = await loadKernels('simd128');
      const spec = mlpSpec([3, 7, 5, 3], activation);
      const p = parameterCount(spec);
      const data = randomData(150, 3, 3, 4);
      const chunkSize = 32;
      const chunkBytes = curvatureElementsPerSample(spec) * 4 * chunkSize;
      const options = { chunkSize, cacheBytes: chunksCached === undefined ? undefined : chunksCached * chunkBytes };
      const thetas = [initParameters(spec, 1), initParameters(spec, 2)];
      const v = gaussianVector(5, p);
      const fresh = (theta: Float32Array): number[] => {
        const net = new DenseNet(kernels, spec, data, options);
        net.setParameters(theta);
        const out = new Float64Array(p);
        net.hvpSums(v, out);
        return Array.from(out);
      };
      const expected = thetas.map(fresh);
      const net = new DenseNet(await loadKernels('simd128'), spec, data, options);
      const hv = (): number[] => {
        const out = new Float64Array(p);
        net.hvpSums(v, out);
        return Array.from(out);
      };
      const passes: [string, () => void][] = [
        ['forward', () => net.forwardSums()],
        ['gradient', () => net.gradientSums(new Float64Array(p))],
        ['mini-batch gradient', () => net.gradientSumsOn([5, 140, 7, 7, 33], new Float64Array(p))],
        ['per-sample products (predicted)', () => net.perSampleProducts([v])],
        ['per-sample gradients (predicted)', () => net.perSampleGradients()],
        ['per-sample gradients (true)', () => net.perSampleGradients('true')],
        ['Hv along another direction', () => net.hvpSums(gaussianVector(6, p), new Float64Array(p))],
      ];
      for (const [t, theta] of thetas.entries()) {
        net.setParameters(theta);
        expect(hv(), `first Hv at θ${t}`).toEqual(expected[t]);
        for (const [name, pass] of passes) {
          pass();
          expect(hv(), `Hv at θ${t} after ${name}`).toEqual(expected[t]);
        }
      }
    });
});

