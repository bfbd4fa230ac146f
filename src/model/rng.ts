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

const TWO_POW_32 = 4294967296;
const TWO_POW_MINUS_53 = 2 ** -53;
// SplitMix64's constants as (high, low) 32-bit words
const GOLDEN_HI = 0x9e3779b9;
const GOLDEN_LO = 0x7f4a7c15;
const MIX1_HI = 0xbf58476d;
const MIX1_LO = 0x1ce4e5b9;
const MIX2_HI = 0x94d049bb;
const MIX2_LO = 0x133111eb;

/** SplitMix64 stream. Not cryptographic; fast enough for init, shuffles and probe vectors. */
export class Rng {
  // The 64-bit state as two unsigned 32-bit words: plain number arithmetic, no BigInt per draw.
  private hi: number;
  private lo: number;
  // the last output, also as two words
  private outHi = 0;
  private outLo = 0;

  /** @param seed any integer (negative seeds are taken mod 2^64) */
  constructor(seed: number | bigint) {
    const s = BigInt.asUintN(64, BigInt(seed));
    this.hi = Number(s >> 32n);
    this.lo = Number(s & 0xffffffffn);
  }

  /** Advances the state and leaves the next 64-bit output in (outHi, outLo). */
  private next(): void {
    const lo = this.lo + GOLDEN_LO;
    this.lo = lo >>> 0;
    this.hi = (this.hi + GOLDEN_HI + (lo >= TWO_POW_32 ? 1 : 0)) >>> 0;
    // z = (z ^ (z >> 30)) · MIX1;  z = (z ^ (z >> 27)) · MIX2;  z ^ (z >> 31)
    let zh = this.hi;
    let zl = this.lo;
    let xl = (zl ^ ((zl >>> 30) | (zh << 2))) >>> 0;
    let xh = (zh ^ (zh >>> 30)) >>> 0;
    // Inlined 64-bit products (no pair allocated per draw: this runs once per random number).
    zh = mul64Hi(xh, xl, MIX1_HI, MIX1_LO);
    zl = Math.imul(xl, MIX1_LO) >>> 0;
    xl = (zl ^ ((zl >>> 27) | (zh << 5))) >>> 0;
    xh = (zh ^ (zh >>> 27)) >>> 0;
    zh = mul64Hi(xh, xl, MIX2_HI, MIX2_LO);
    zl = Math.imul(xl, MIX2_LO) >>> 0;
    this.outLo = (zl ^ ((zl >>> 31) | (zh << 1))) >>> 0;
    this.outHi = (zh ^ (zh >>> 31)) >>> 0;
  }

  /** The next raw 64-bit output. */
  nextU64(): bigint {
    this.next();
    return (BigInt(this.outHi) << 32n) | BigInt(this.outLo);
  }

  /** Uniform in [0, 1) with 53 random bits (the output's top 53 bits). */
  uniform(): number {
    this.next();
    return (this.outHi * 2097152 + (this.outLo >>> 11)) * TWO_POW_MINUS_53;
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
    this.next();
    return (this.outLo & 1) === 0 ? 1 : -1;
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

/**
 * High 32-bit word of the low 64 bits of (ah·2³² + al)·(bh·2³² + bl) (the low word is
 * Math.imul(al, bl)). The high word of al·bl comes from 16-bit halves: every partial sum stays
 * below 2³², so `>>>` is exact.
 */
function mul64Hi(ah: number, al: number, bh: number, bl: number): number {
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const m1 = a1 * b0 + ((a0 * b0) >>> 16);
  const m2 = a0 * b1 + (m1 & 0xffff);
  return (a1 * b1 + (m1 >>> 16) + (m2 >>> 16) + Math.imul(al, bh) + Math.imul(ah, bl)) >>> 0;
}

/** `p` standard normals from `seed`: the fixtures' `gaussian_vector(seed, p)`, in float64. */
export function gaussianVector(seed: number, p: number): Float64Array {
  const rng = new Rng(seed);
  const out = new Float64Array(p);
  for (let i = 0; i < p; i++) out[i] = rng.normal();
  return out;
}
