/**
 * The deterministic elementary functions (src/model/detmath.ts) against the engine's Math (an
 * independent libm) and exact identities. Bit-for-bit equality across engines is what they are
 * for; that part is shown by the Node/Chromium parity tests (test/integration/dist.node.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { cos, exp, hypot, log, sin } from '../../src/model/detmath.js';
import { Rng } from '../../src/model/rng.js';

const rel = (a: number, b: number): number => (b === 0 ? Math.abs(a) : Math.abs(a - b) / Math.abs(b));

describe('detmath', () => {
  const rng = new Rng(1);
  const xs = Array.from({ length: 4000 }, (_, i) => (i < 2000 ? rng.uniform() * 20 - 10 : Math.exp(rng.uniform() * 1400 - 700)));

  it('exp and log within 4e-16 relative of Math over wide ranges', () => {
    for (const x of xs) {
      if (Math.abs(x) < 700) expect(rel(exp(x), Math.exp(x))).toBeLessThan(4e-16);
      if (x > 0) expect(rel(log(x), Math.log(x)) * Math.max(1, Math.abs(Math.log(x)))).toBeLessThan(4e-16 * Math.max(1, Math.abs(Math.log(x))) + 1e-300);
    }
    expect(log(1)).toBe(0);
    expect(exp(0)).toBe(1);
    expect(log(5e-324)).toBeCloseTo(Math.log(5e-324), 12);
    expect(exp(1000)).toBe(Infinity);
    expect(exp(-1000)).toBe(0);
    expect(Number.isNaN(log(-1))).toBe(true);
  });

  it('sin and cos within 1e-15 absolute of Math for |x| < 1e4', () => {
    for (let i = 0; i < 4000; i++) {
      const x = (rng.uniform() * 2 - 1) * (i < 2000 ? 7 : 1e4);
      expect(Math.abs(sin(x) - Math.sin(x))).toBeLessThan(1e-15 * Math.max(1, Math.abs(x) / 100));
      expect(Math.abs(cos(x) - Math.cos(x))).toBeLessThan(1e-15 * Math.max(1, Math.abs(x) / 100));
    }
    expect(sin(0)).toBe(0);
    expect(cos(0)).toBe(1);
  });

  it('hypot avoids overflow and underflow', () => {
    expect(hypot(3, 4)).toBe(5);
    expect(hypot(3e300, 4e300)).toBeCloseTo(5e300, -290);
    expect(rel(hypot(3e-300, 4e-300), 5e-300)).toBeLessThan(1e-15);
    expect(hypot(0, 0)).toBe(0);
  });
});
