/**
 * A seeded, portable random number generator: SplitMix64 (Steele, Lea, Flood 2014), the same
 * stream in every JavaScript engine, so a seed names the same model and data everywhere.
 * see: G. Steele, D. Lea, C. Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014.
 *
 * `gaussianVector(seed, p)` reproduces the fixtures' `gaussian_vector` (test/fixtures/README.md):
 * uniforms from the top 53 bits, normals by Box–Muller from two uniforms, to ~1e-16 relative
 * (log and cos come from ./detmath.ts, so every JavaScript engine gives the same bits).
 */

import { cos, log } from './detmath.js';

const MASK64 = (1n << 64n) - 1n;
const GOLDEN = 0x9e3779b97f4a7c15n;
const MIX1 = 0xbf58476d1ce4e5b9n;
const MIX2 = 0x94d049bb133111ebn;
const TWO_POW_MINUS_53 = 2 ** -53;

/** SplitMix64 stream. Not cryptographic; fast enough for init, shuffles and probe vectors. */
export class Rng {
  private state: bigint;

  /** @param seed any integer (negative seeds are taken mod 2^64) */
  constructor(seed: number | bigint) {
    this.state = BigInt.asUintN(64, BigInt(seed));
  }

  /** The next raw 64-bit output. */
  nextU64(): bigint {
    this.state = (this.state + GOLDEN) & MASK64;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * MIX1) & MASK64;
    z = ((z ^ (z >> 27n)) * MIX2) & MASK64;
    return z ^ (z >> 31n);
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    return Number(this.nextU64() >> 11n) * TWO_POW_MINUS_53;
  }

  /** Uniform in [lo, hi). */
  uniformIn(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Standard normal by Box–Muller, consuming two uniforms (the fixtures' convention). */
  normal(): number {
    const u1 = this.uniform();
    const u2 = this.uniform();
    return Math.sqrt(-2 * log(1 - u1)) * cos(2 * Math.PI * u2);
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** ±1 with equal probability (Rademacher). */
  sign(): number {
    return (this.nextU64() & 1n) === 0n ? 1 : -1;
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T extends { length: number; [i: number]: number }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
    return a;
  }
}

/** `p` standard normals from `seed`: the fixtures' `gaussian_vector(seed, p)`, in float64. */
export function gaussianVector(seed: number, p: number): Float64Array {
  const rng = new Rng(seed);
  const out = new Float64Array(p);
  for (let i = 0; i < p; i++) out[i] = rng.normal();
  return out;
}
