/**
 * The O(p) and O(p·k) vector work of the Hessian algorithms, behind one small interface.
 *
 * Lanczos, power iteration, Hutchinson and SLQ call only {@link VectorOps} for work that scales
 * with the parameter count p: dot products, axpy, scaling, norms, and the two halves of
 * classical Gram–Schmidt against a basis stored as rows of one Float64Array. The default,
 * {@link float64Ops}, is plain TypeScript in float64; a wasm SIMD version plugs in through the same
 * interface without touching the algorithms.
 *
 * Re-orthogonalisation is classical Gram–Schmidt applied twice ("twice is enough", Kahan and
 * Parlett; see B. N. Parlett, The Symmetric Eigenvalue Problem, 1980, §6.9): after the second
 * pass the vector is orthogonal to the basis to working precision unless it lay in its span.
 */
import type { Rng } from '../model/rng.js';

/**
 * Vector kernels over float64 arrays. A basis is `rows` vectors of length `v.length`, stored
 * row-major in one Float64Array (row j = `basis[j·n … (j+1)·n)`); `basis.length` may exceed
 * `rows·n` (spare capacity).
 */
export interface VectorOps {
  /** Short name for reports, e.g. `"float64-ts"`. */
  readonly name: string;
  /** ⟨x, y⟩. */
  dot(x: Float64Array, y: Float64Array): number;
  /** y ← y + α·x. */
  axpy(alpha: number, x: Float64Array, y: Float64Array): void;
  /** x ← α·x. */
  scale(alpha: number, x: Float64Array): void;
  /** ‖x‖₂. */
  norm(x: Float64Array): number;
  /** out[j] ← ⟨basis row j, v⟩ for j < rows (out.length ≥ rows). */
  project(basis: Float64Array, rows: number, v: Float64Array, out: Float64Array): void;
  /** y ← y + Σ_{j<rows} coeffs[j]·(basis row j). */
  combine(basis: Float64Array, rows: number, coeffs: Float64Array, y: Float64Array): void;
  /**
   * Optional: ys[i] ← ys[i] + Σ_{j<rows} coeffs[i][j]·(basis row j) for every i — the same
   * per-entry arithmetic as {@link combine}, but sweeping the basis once in column blocks rather
   * than once per output (Lanczos forms its k Ritz vectors this way, straight into the plain
   * arrays its result returns). Without it, callers use {@link float64Ops}' version.
   */
  combineMany?(basis: Float64Array, rows: number, coeffs: readonly Float64Array[], ys: readonly (Float64Array | number[])[]): void;
  /**
   * Optional: a zeroed array on which these ops run fastest (e.g. in wasm memory). The Krylov
   * basis is then taken from it, whole, up front.
   */
  allocate?(length: number): Float64Array;
}

function dot(x: Float64Array, y: Float64Array): number {
  const n = x.length;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += x[i]! * y[i]!;
    s1 += x[i + 1]! * y[i + 1]!;
    s2 += x[i + 2]! * y[i + 2]!;
    s3 += x[i + 3]! * y[i + 3]!;
  }
  for (; i < n; i++) s0 += x[i]! * y[i]!;
  return s0 + s1 + (s2 + s3);
}

function axpy(alpha: number, x: Float64Array, y: Float64Array): void {
  const n = x.length;
  for (let i = 0; i < n; i++) y[i]! += alpha * x[i]!;
}

function scale(alpha: number, x: Float64Array): void {
  const n = x.length;
  for (let i = 0; i < n; i++) x[i]! *= alpha;
}

function project(basis: Float64Array, rows: number, v: Float64Array, out: Float64Array): void {
  const n = v.length;
  let j = 0;
  // Four rows per sweep so each load of v serves four dot products.
  for (; j + 3 < rows; j += 4) {
    const o0 = j * n;
    const o1 = o0 + n;
    const o2 = o1 + n;
    const o3 = o2 + n;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let i = 0; i < n; i++) {
      const vi = v[i]!;
      s0 += basis[o0 + i]! * vi;
      s1 += basis[o1 + i]! * vi;
      s2 += basis[o2 + i]! * vi;
      s3 += basis[o3 + i]! * vi;
    }
    out[j] = s0;
    out[j + 1] = s1;
    out[j + 2] = s2;
    out[j + 3] = s3;
  }
  for (; j < rows; j++) out[j] = dot(basis.subarray(j * n, j * n + n), v);
}

function combine(basis: Float64Array, rows: number, coeffs: Float64Array, y: Float64Array): void {
  combineColumns(basis, 0, y.length, rows, coeffs, y);
}

/** y[i] += Σ_{j<rows} coeffs[j]·basis[j·n + col + i] for i < y.length (a column block of the basis). */
function combineColumns(basis: Float64Array, col: number, n: number, rows: number, coeffs: Float64Array, y: Float64Array): void {
  const len = y.length;
  let j = 0;
  for (; j + 3 < rows; j += 4) {
    const o0 = j * n + col;
    const o1 = o0 + n;
    const o2 = o1 + n;
    const o3 = o2 + n;
    const c0 = coeffs[j]!;
    const c1 = coeffs[j + 1]!;
    const c2 = coeffs[j + 2]!;
    const c3 = coeffs[j + 3]!;
    for (let i = 0; i < len; i++) {
      y[i]! += c0 * basis[o0 + i]! + c1 * basis[o1 + i]! + (c2 * basis[o2 + i]! + c3 * basis[o3 + i]!);
    }
  }
  for (; j < rows; j++) {
    const c = coeffs[j]!;
    const o = j * n + col;
    for (let i = 0; i < len; i++) y[i]! += c * basis[o + i]!;
  }
}

/** Columns per block of {@link combineMany}: rows × 1024 × 8 bytes of basis stay in cache across the outputs. */
const MANY_BLOCK = 1024;

function combineMany(basis: Float64Array, rows: number, coeffs: readonly Float64Array[], ys: readonly (Float64Array | number[])[]): void {
  if (ys.length === 0) return;
  const n = ys[0]!.length;
  // Plain-array outputs go through one typed block, so the kernel loop sees a single array kind.
  const staging = ys.some((y) => Array.isArray(y)) ? new Float64Array(Math.min(n, MANY_BLOCK)) : null;
  for (let c0 = 0; c0 < n; c0 += MANY_BLOCK) {
    const c1 = Math.min(n, c0 + MANY_BLOCK);
    for (let i = 0; i < ys.length; i++) {
      const y = ys[i]!;
      if (!Array.isArray(y)) {
        combineColumns(basis, c0, n, rows, coeffs[i]!, y.subarray(c0, c1));
        continue;
      }
      const block = staging!.subarray(0, c1 - c0);
      for (let c = c0; c < c1; c++) block[c - c0] = y[c]!;
      combineColumns(basis, c0, n, rows, coeffs[i]!, block);
      for (let c = c0; c < c1; c++) y[c] = block[c - c0]!;
    }
  }
}

/** The default {@link VectorOps}: plain TypeScript, float64 throughout. */
export const float64Ops: VectorOps = Object.freeze({
  name: 'float64-ts',
  dot,
  axpy,
  scale,
  norm: (x: Float64Array) => Math.sqrt(dot(x, x)),
  project,
  combine,
  combineMany,
});

/**
 * Removes from `v` its components along the first `rows` basis rows (assumed orthonormal) by
 * classical Gram–Schmidt applied twice. `coeffs` (length ≥ rows) is scratch; on return it holds
 * the total coefficients ⟨q_j, v⟩ that were removed. Returns ‖v‖ after.
 */
export function orthogonalize(
  ops: VectorOps,
  basis: Float64Array,
  rows: number,
  v: Float64Array,
  coeffs: Float64Array,
  scratch: Float64Array,
): number {
  return gramSchmidt(ops, basis, rows, v, coeffs, scratch, 0);
}

/**
 * Classical Gram–Schmidt of `v` against the first `rows` basis rows, with a second pass only when
 * the first shrank ‖v‖ below 1/√2 of its norm (the DGKS criterion; see: J. Daniel, W. Gragg,
 * L. Kaufman, G. Stewart, Math. Comp. 30, 1976). `coeffs[j]` receives the total coefficient on
 * row j. Returns ‖v‖ after.
 */
export function reorthogonalize(
  ops: VectorOps,
  basis: Float64Array,
  rows: number,
  v: Float64Array,
  coeffs: Float64Array,
  scratch: Float64Array,
): number {
  return gramSchmidt(ops, basis, rows, v, coeffs, scratch, Math.SQRT1_2);
}

// One classical Gram–Schmidt pass, then a second unless ‖v‖ kept at least `keep` of its norm
// (keep = 0: always two passes).
function gramSchmidt(
  ops: VectorOps,
  basis: Float64Array,
  rows: number,
  v: Float64Array,
  coeffs: Float64Array,
  scratch: Float64Array,
  keep: number,
): number {
  if (rows === 0) return ops.norm(v);
  const before = keep > 0 ? ops.norm(v) : Infinity;
  ops.project(basis, rows, v, coeffs);
  for (let j = 0; j < rows; j++) scratch[j] = -coeffs[j]!;
  ops.combine(basis, rows, scratch, v);
  if (keep > 0) {
    const after = ops.norm(v);
    if (after >= keep * before) return after;
  }
  ops.project(basis, rows, v, scratch);
  for (let j = 0; j < rows; j++) {
    coeffs[j]! += scratch[j]!;
    scratch[j] = -scratch[j]!;
  }
  ops.combine(basis, rows, scratch, v);
  return ops.norm(v);
}

/** Fills `out` with standard normals from `rng` (Box–Muller, two uniforms each). */
export function fillNormal(rng: Rng, out: Float64Array): Float64Array {
  for (let i = 0; i < out.length; i++) out[i] = rng.normal();
  return out;
}

/**
 * Fills `out` with Rademacher signs ±1 from `rng`: each 64-bit draw gives 64 signs, lowest bit
 * first (bit 0 → +1, bit 1 → −1).
 */
export function fillRademacher(rng: Rng, out: Float64Array): Float64Array {
  const n = out.length;
  let i = 0;
  while (i < n) {
    const draw = rng.nextU64();
    // Two 32-bit halves, low half first, so the bit loop runs on plain numbers.
    for (let half = 0n; half < 64n && i < n; half += 32n) {
      const word = Number((draw >> half) & 0xffffffffn);
      const take = Math.min(32, n - i);
      for (let b = 0; b < take; b++) out[i + b] = (word >>> b) & 1 ? -1 : 1;
      i += take;
    }
  }
  return out;
}
