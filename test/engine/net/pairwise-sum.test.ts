/**
 * The pairwise block sum (src/engine/net/pairwise-sum.ts). The reference is one reducer over all
 * blocks: any split of the blocks into shards, combined by combineBlockNodes, gives its bits.
 */
import { describe, expect, it } from 'vitest';
import { Arena } from '../../../src/engine/arena.js';
import { combineBlockNodes, PairwiseBlockSum, type BlockNode } from '../../../src/engine/net/pairwise-sum.js';
import { loadKernels } from '../../../src/engine/wasm.js';
import { gaussianVector } from '../../../src/model/rng.js';

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
