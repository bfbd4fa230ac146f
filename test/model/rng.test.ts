/**
 * The seeded generator (src/model/rng.ts) against a BigInt reference implementation of SplitMix64
 * (written out here from the published constants), bit for bit.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/model/rng.js';

describe('Rng (SplitMix64 on 32-bit words)', () => {
  it('matches a BigInt reference implementation bit for bit', () => {
    const MASK = (1n << 64n) - 1n;
    for (const seed of [0, 1, -7, 2 ** 40 + 3]) {
      let state = BigInt.asUintN(64, BigInt(seed));
      const reference = (): bigint => {
        state = (state + 0x9e3779b97f4a7c15n) & MASK;
        let z = state;
        z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
        z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
        return z ^ (z >> 31n);
      };
      const rng = new Rng(seed);
      for (let i = 0; i < 5000; i++) {
        if (i % 2 === 0) expect(rng.nextU64()).toBe(reference());
        else expect(rng.uniform()).toBe(Number(reference() >> 11n) * 2 ** -53);
      }
    }
  });
});
