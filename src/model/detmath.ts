/**
 * Deterministic elementary functions: log, exp, expm1, tanh, sin, cos built only from IEEE-754 +, −, ×, ÷ and
 * exact bit manipulation, so every JavaScript engine returns the same bits. (JavaScript's Math.log,
 * Math.exp, Math.cos … are implementation-approximated: Node 20's V8 and Chromium 156's V8
 * differ in the last bit for a few percent of arguments, which is enough to make a seeded Lanczos
 * start vector — and so every eigenvector — differ between Node and the browser.)
 *
 * Accuracy: within about 1 ulp (relative error < 3e-16) on the ranges used here; sin/cos reduce
 * the argument with a three-part π/2 (Cody & Waite), accurate for |x| < 1e5.
 * see: W. J. Cody, W. Waite, Software Manual for the Elementary Functions, 1980.
 */

const view = new DataView(new ArrayBuffer(8));

const LN2_HI = 6.93147180369123816490e-1; // upper bits of ln 2 (exact product with small k)
const LN2_LO = 1.90821492927058770002e-10;
const INV_LN2 = 1.44269504088896338700;
const SQRT_HALF = 0.70710678118654752440;

/** 2^k for integer k in [−1022, 1023], exactly. */
function pow2(k: number): number {
  view.setUint32(0, (k + 1023) << 20);
  view.setUint32(4, 0);
  return view.getFloat64(0);
}

/** e^x. */
export function exp(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x > 709.782712893384) return Infinity;
  if (x < -745.1332191019412) return 0;
  const k = Math.round(x * INV_LN2);
  const r = x - k * LN2_HI - k * LN2_LO;
  // Taylor series of e^r to r^14 / 14! on |r| ≤ 0.35 (remainder < 1e-17 relative)
  let s = 1 / 87178291200;
  for (let n = 13; n >= 1; n--) s = s * r + FACT_INV[n]!;
  const er = s * r + 1;
  if (k > 1023) return er * pow2(1023) * pow2(k - 1023);
  if (k < -1022) return er * pow2(k + 1022) * pow2(-1022);
  return er * pow2(k);
}

const FACT_INV: number[] = (() => {
  const out = [1];
  let f = 1;
  for (let n = 1; n <= 14; n++) {
    f *= n;
    out.push(1 / f);
  }
  return out;
})();

/** e^x − 1, accurate near 0 (the series of e^x without its leading 1) as well as away from it. */
export function expm1(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (Math.abs(x) > 0.34) return exp(x) - 1; // e^x − 1 ≥ 0.40 or ≤ −0.28: no cancellation
  let s = 1 / 87178291200;
  for (let n = 13; n >= 1; n--) s = s * x + FACT_INV[n]!;
  return s * x;
}

/** tanh x = −expm1(−2|x|) / (2 + expm1(−2|x|)), signed: accurate near 0, exactly ±1 far out. */
export function tanh(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const e = expm1(-2 * Math.abs(x));
  const t = -e / (2 + e);
  return x < 0 ? -t : t;
}

/** Natural logarithm. */
export function log(x: number): number {
  if (Number.isNaN(x) || x < 0) return NaN;
  if (x === 0) return -Infinity;
  if (x === Infinity) return Infinity;
  let e = 0;
  let m = x;
  if (m < 2.2250738585072014e-308) {
    m *= 18014398509481984; // 2^54: bring subnormals into range
    e -= 54;
  }
  view.setFloat64(0, m);
  const hi = view.getUint32(0);
  e += ((hi >>> 20) & 0x7ff) - 1023;
  view.setUint32(0, (hi & 0x800fffff) | (1023 << 20));
  m = view.getFloat64(0); // m in [1, 2)
  if (m > 1 / SQRT_HALF) {
    m *= 0.5;
    e += 1;
  }
  // log m = 2·atanh(s), s = (m − 1)/(m + 1), |s| ≤ 0.1716; series to s^25
  const s = (m - 1) / (m + 1);
  const s2 = s * s;
  let t = 1 / 25;
  for (let n = 23; n >= 3; n -= 2) t = t * s2 + 1 / n;
  const logm = 2 * s + 2 * s * s2 * t;
  return e * LN2_HI + (e * LN2_LO + logm);
}

const PIO2_1 = 1.57079632673412561417e+00; // first 33 bits of π/2
const PIO2_2 = 6.07710050650619224932e-11; // next 33 bits
const PIO2_3 = 2.02226624871116645580e-21; // the rest
const INV_PIO2 = 6.36619772367581382433e-01;

function sinPoly(r: number): number {
  const r2 = r * r;
  let t = 0;
  for (let n = 21; n >= 3; n -= 2) t = (t + SIGN_FACT[n]!) * r2;
  return r + r * t;
}

function cosPoly(r: number): number {
  const r2 = r * r;
  let t = 0;
  for (let n = 20; n >= 2; n -= 2) t = (t + SIGN_FACT[n]!) * r2;
  return 1 + t;
}

// (−1)^⌊n/2⌋ / n! for the sin and cos series
const SIGN_FACT: number[] = (() => {
  const out = [1];
  let f = 1;
  for (let n = 1; n <= 21; n++) {
    f *= n;
    out.push((Math.floor(n / 2) % 2 === 0 ? 1 : -1) / f);
  }
  return out;
})();

function reduce(x: number): { r: number; q: number } {
  const k = Math.round(x * INV_PIO2);
  const r = ((x - k * PIO2_1) - k * PIO2_2) - k * PIO2_3;
  return { r, q: ((k % 4) + 4) % 4 };
}

/** cos x (accurate for |x| < 1e5). */
export function cos(x: number): number {
  if (!Number.isFinite(x)) return NaN;
  const { r, q } = reduce(x);
  switch (q) {
    case 0: return cosPoly(r);
    case 1: return -sinPoly(r);
    case 2: return -cosPoly(r);
    default: return sinPoly(r);
  }
}

/** sin x (accurate for |x| < 1e5). */
export function sin(x: number): number {
  if (!Number.isFinite(x)) return NaN;
  const { r, q } = reduce(x);
  switch (q) {
    case 0: return sinPoly(r);
    case 1: return cosPoly(r);
    case 2: return -sinPoly(r);
    default: return -cosPoly(r);
  }
}

/** √(a² + b²) without overflow, from correctly rounded operations only. */
export function hypot(a: number, b: number): number {
  const x = Math.abs(a);
  const y = Math.abs(b);
  const big = x > y ? x : y;
  const small = x > y ? y : x;
  if (big === 0 || !Number.isFinite(big)) return big;
  const ratio = small / big;
  return big * Math.sqrt(1 + ratio * ratio);
}
