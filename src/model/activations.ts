/**
 * Activations σ, σ′, σ″ in float64 (the margin search, the Jacobian norm and the test references use
 * them) and an accurate float64 erf / erfc for the GELU. Built on the deterministic exp and tanh
 * of detmath.ts, never Math.exp / Math.tanh, so Node and every browser give the same bits.
 *
 * erf: for |x| < 2 the all-positive series erf(x) = (2/√π)·x·e^{−x²}·Σ_n (2x²)ⁿ / (1·3·…·(2n+1))
 * (Abramowitz & Stegun 7.1.6; no cancellation, so a few ulp); beyond, erf = 1 − erfc.
 * erfc: for x ≥ 1 the continued fraction erfc(x) = e^{−x²}/√π · 1/(x + ½/(x + 1/(x + 3/2/(x + …))))
 * (A&S 7.1.14) evaluated by the modified Lentz method (Numerical Recipes §5.2), with e^{−x²}
 * computed from a split x² so large arguments keep their relative accuracy; below 1, erfc = 1 − erf.
 * Both stay within ~1e-15 relative of mpmath over the whole range.
 *
 * GELU is the erf form x·Φ(x), Φ(x) = ½·erfc(−x/√2) (PyTorch's default `nn.GELU`).
 * see: Hendrycks & Gimpel 2016, "Gaussian Error Linear Units (GELUs)", arXiv 1606.08415.
 */
import { InputError } from '../errors.js';
import { exp, tanh } from './detmath.js';
import type { Activation } from './mlp.js';

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const ONE_OVER_SQRT_PI = 1 / Math.sqrt(Math.PI);
const ONE_OVER_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const SQRT1_2 = Math.SQRT1_2;

/** e^{−x²} with x² split as s² + (x−s)(x+s), s = x rounded to 24 bits, so s² is exact. */
function expMinusSquare(x: number): number {
  const s = Math.fround(x);
  return exp(-s * s) * exp(-(x - s) * (x + s));
}

/** erf(x) for |x| < 2 by the positive-term series A&S 7.1.6. */
function erfSeries(x: number): number {
  const twoX2 = 2 * x * x;
  let term = 1;
  let sum = 1;
  for (let n = 1; n < 200; n++) {
    term *= twoX2 / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return TWO_OVER_SQRT_PI * x * expMinusSquare(x) * sum;
}

/**
 * The continued fraction x + s/(x + 2s/(x + 3s/(x + …))) by the modified Lentz method; it
 * converges for x > 0 (in under 200 steps for the x ≥ 1 it is used at).
 */
function lentzTail(x: number, s: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 1000; k++) {
    const a = k * s;
    d = x + a * d;
    if (d === 0) d = tiny;
    c = x + a / c;
    if (c === 0) c = tiny;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return f;
}

/** erfc(x) for x ≥ 1 by the continued fraction A&S 7.1.14. */
function erfcContinuedFraction(x: number): number {
  if (x > 27.3) return 0; // e^{−x²} underflows to 0 in float64
  return (expMinusSquare(x) * ONE_OVER_SQRT_PI) / lentzTail(x, 0.5);
}

/** The error function in float64, relative error ≲ 1e-15. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  const r = ax < 2 ? erfSeries(ax) : 1 - erfcContinuedFraction(ax);
  return x < 0 ? -r : r;
}

/** The complementary error function 1 − erf(x) in float64, accurate also where it is tiny. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  return x < 1 ? 1 - erfSeries(x) : erfcContinuedFraction(x);
}

/**
 * Standard normal CDF Φ(x), accurate in both tails: ½·erfc(−x/√2) in the middle, and for
 * x ≤ −√2 the Mills-ratio continued fraction Φ(x) = φ(x)/(|x| + 1/(|x| + 2/(|x| + …))) (A&S 26.2.14),
 * which avoids the rounding of x/√2 that would cost ~x²·ε relative accuracy far out in the tail.
 */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x > -Math.SQRT2) return 0.5 * erfc(-x * SQRT1_2);
  if (x < -38.6) return 0; // φ(x) underflows to 0 in float64
  return normalPdf(x) / lentzTail(-x, 1);
}

/** Standard normal density φ(x), with e^{−x²/2} from a split x² (accurate far out in the tails). */
export function normalPdf(x: number): number {
  if (Math.abs(x) > 40) return 0; // underflows; also keeps huge |x| away from the split
  const t = Math.fround(x);
  return ONE_OVER_SQRT_2PI * exp(-0.5 * t * t) * exp(-0.5 * (x - t) * (x + t));
}

/** σ(z), σ′(z) and σ″(z) of one activation, as plain float64 functions. */
export interface Float64Activation {
  /** σ(z) */
  readonly f: (z: number) => number;
  /** σ′(z) (ReLU: 1 for z > 0, else 0) */
  readonly df: (z: number) => number;
  /** σ″(z) (ReLU: 0) */
  readonly d2f: (z: number) => number;
}

/** Logistic sigmoid without overflow for large |z|. */
function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + exp(-z));
  const e = exp(z);
  return e / (1 + e);
}

/** sech²(z) = 1 − tanh²(z) = 1/cosh²(z), computed without cancellation for large |z|. */
function sech2(z: number): number {
  const e = exp(Math.abs(z));
  const c = 0.5 * (e + 1 / e);
  return 1 / (c * c);
}

const REFERENCE_ACTIVATIONS: Readonly<Record<Activation, Float64Activation>> = Object.freeze({
  identity: { f: (z: number) => z, df: () => 1, d2f: () => 0 },
  relu: { f: (z: number) => (z > 0 ? z : 0), df: (z: number) => (z > 0 ? 1 : 0), d2f: () => 0 },
  tanh: { f: tanh, df: sech2, d2f: (z: number) => -2 * tanh(z) * sech2(z) },
  sigmoid: {
    f: sigmoid,
    // σ(z)(1 − σ(z)) = σ(z)σ(−z) keeps full relative accuracy in both tails
    df: (z: number) => sigmoid(z) * sigmoid(-z),
    d2f: (z: number) => sigmoid(z) * sigmoid(-z) * (sigmoid(-z) - sigmoid(z)),
  },
  gelu: {
    f: (z: number) => z * normalCdf(z),
    df: (z: number) => normalCdf(z) + z * normalPdf(z),
    d2f: (z: number) => {
      const pdf = normalPdf(z);
      return pdf === 0 ? 0 : (2 - z * z) * pdf;
    },
  },
});

/** σ, σ′, σ″ of `activation` in float64; throws {@link InputError} for an unknown name. */
export function float64Activation(activation: Activation): Float64Activation {
  const act = Object.prototype.hasOwnProperty.call(REFERENCE_ACTIVATIONS, activation) ? REFERENCE_ACTIVATIONS[activation] : undefined;
  if (!act) throw new InputError(`unsupported activation '${String(activation)}' (expected one of ${Object.keys(REFERENCE_ACTIVATIONS).join(', ')})`);
  return act;
}
