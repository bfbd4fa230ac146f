/**
 * Blocked Householder reduction of a dense symmetric f64 matrix to tridiagonal form, T = Qᵀ A Q,
 * and the blocked application of Q to rows — the first and last stage of a dense symmetric
 * eigensolver (LAPACK dsytrd and dormtr), driving the wasm kernels of assembly/eigen.ts.
 *
 * Reduction: panels of `blockSize` rows (default 32). Each panel row costs one symmetric
 * matrix–vector product with the trailing matrix (half of the (4/3)n³ flops, bound by memory
 * bandwidth once the triangle leaves the cache: ≈ 70% of the time at n = 4000); after the panel the
 * trailing upper triangle takes the rank-2·blockSize update A ← A − V Wᵀ − W Vᵀ as GEMMs.
 * Back-transformation: `blockSize` (default 128) reflectors at a time in compact WY form
 * I − V T Vᵀ, each applied to a chunk of rows by three GEMMs (2·rows·n² flops in all). A two-stage
 * reduction (dense → band → tridiagonal) would turn the memory-bound half into GEMMs but doubles
 * the back-transformation, which is already the larger cost when all eigenvectors are wanted.
 *
 * Conventions (row-major, element (r, c) at aPtr + 8·(r·n + c)): only the upper triangle of A
 * (c ≥ r) is read; the strict lower triangle is scratch. On return row i holds reflector i's
 * vector: H_i = I − τ_i v_i v_iᵀ with v_i[c] = 0 (c ≤ i), v_i[i+1] = 1, v_i[c] = A[i][c] (c ≥ i+2);
 * Q = H_0 H_1 … H_{n−2}. T has diagonal d[0:n] and off-diagonal e[0:n−1] (e[i] = T[i][i+1]).
 * A's diagonal and superdiagonal also hold d and e, as in LAPACK.
 *
 * Every long function is a generator: it yields between pieces of work of about `stepWork` flops
 * (≈ 10–30 ms; no single wasm call is longer, at any n) and reports monotone progress
 * `(done, total)` in flops. Piece boundaries depend on the sizes only, never on timing, and no
 * result depends on them: results are bitwise reproducible for a given build.
 * see: J. Dongarra, D. Sorensen, S. Hammarling, J. Comput. Appl. Math. 27 (1989); R. Schreiber,
 * C. Van Loan, SIAM J. Sci. Stat. Comput. 10 (1989); LAPACK 3.12 dsytrd, dlatrd, dlarft, dormtr.
 */
import type { Arena } from '../../engine/arena.js';
import type { KernelExports } from '../../engine/wasm.js';
import { InputError } from '../../errors.js';
import { drain } from '../../engine/yield.js';

/** Progress callback: `done` of `total` flops (monotone, ends at total). */
export type FlopProgress = (done: number, total: number) => void;

/** Options of {@link tridiagonalizeSteps}. */
export interface TridiagonalizeOptions {
  /** Panel width of the reduction (default {@link REDUCTION_BLOCK}). */
  readonly blockSize?: number;
  /** Work between yields in flop-equivalents (default {@link STEP_WORK}: ≈ 15–30 ms). */
  readonly stepWork?: number;
  /** Progress in flops. */
  readonly onProgress?: FlopProgress;
}

/** Options of {@link applyQToRowsSteps} and {@link applyQTransposedToRowsSteps}. */
export interface ApplyQOptions {
  /** Reflectors per compact-WY block (default {@link BACK_BLOCK}). */
  readonly blockSize?: number;
  /** Work between yields in flops (default {@link STEP_WORK}). */
  readonly stepWork?: number;
  /** Progress in flops. */
  readonly onProgress?: FlopProgress;
}

/** Q = H_0 … H_{n−2} as left by the reduction: vectors in A's rows, scalars in wasm memory. */
export interface HouseholderReflectors {
  /** Order of A. */
  readonly n: number;
  /** The reduced matrix (n×n, rows n apart): v_i[i+2:] in row i. */
  readonly aPtr: number;
  /** τ_0 … τ_{n−2} in wasm memory (arena allocation made by the reduction; n − 1 f64). */
  readonly tauPtr: number;
}

/** T = Qᵀ A Q. */
export interface Tridiagonal {
  /** Diagonal of T [n]. */
  readonly d: Float64Array;
  /** Off-diagonal of T [n − 1]: e[i] = T[i][i+1]. */
  readonly e: Float64Array;
  /** Q. */
  readonly reflectors: HouseholderReflectors;
}

/** Default panel width of the reduction. */
export const REDUCTION_BLOCK = 32;
/** Default reflectors per compact-WY block of the back-transformation. */
export const BACK_BLOCK = 128;
/**
 * Default work between yields, in GEMM flops (2·10⁸ ≈ 10–20 ms at the f64 GEMM's 15–22 GFLOP/s).
 * The cost model uses sizes only, so the yield points — like the results — never depend on timing.
 */
export const STEP_WORK = 2e8;
/** Cost model: a symv reads each stored element once (memory-bound): worth this many GEMM flops. */
const SYMV_ELEMENT_WORK = 8;

function checkOrder(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new InputError(`matrix order must be a positive integer, got ${n}`);
}

function checkBlock(nb: number, what: string): void {
  if (!Number.isInteger(nb) || nb < 1) throw new InputError(`${what} must be a positive integer, got ${nb}`);
}

function checkStepWork(work: number): void {
  if (!(work > 0)) throw new InputError(`stepWork must be positive, got ${work}`);
}

/** Flops of the reduction with panel width nb: 2m² per symv, 2k·m² per rank-2k trailing update (upper half). */
function reductionFlops(n: number, nb: number): number {
  let total = 0;
  for (let i0 = 0; i0 < n - 1; i0 += nb) {
    const k = Math.min(nb, n - 1 - i0);
    for (let jj = 0; jj < k; jj++) {
      const m = n - (i0 + jj) - 1;
      total += 2 * m * m;
    }
    const mt = n - i0 - k;
    total += 2 * k * mt * mt;
  }
  return total;
}

/**
 * Reduces the symmetric n×n row-major matrix at aPtr (upper triangle read) in place to T = Qᵀ A Q.
 * Allocates τ (kept: `reflectors.tauPtr`) and a workspace (released) from `arena`.
 */
export function* tridiagonalizeSteps(kernels: KernelExports, arena: Arena, aPtr: number, n: number,
  options: TridiagonalizeOptions = {}): Generator<void, Tridiagonal, void> {
  checkOrder(n);
  const nbMax = options.blockSize ?? REDUCTION_BLOCK;
  checkBlock(nbMax, 'blockSize');
  const stepWork = options.stepWork ?? STEP_WORK;
  checkStepWork(stepWork);
  const onProgress = options.onProgress;
  const tauPtr = arena.f64(Math.max(n - 1, 1), 'Householder scalars');
  const mark = arena.mark();
  const dPtr = arena.f64(n, 'tridiagonal');
  const ePtr = arena.f64(n, 'tridiagonal');
  // [V; Wn; V] by global column index: P = rows 0…2nb−1, Q = rows nb…3nb−1 for the trailing update
  const nb = Math.max(1, Math.min(nbMax, n - 1));
  const vwv = arena.f64(3 * nb * n, 'panel workspace');
  const wnPtr = vwv + nb * n * 8;
  const colWork = arena.f64(2 * nb, 'panel workspace');
  const gemmWork = arena.alloc(kernels.gemmWorkspaceBytes(), 'GEMM workspace');
  const total = reductionFlops(n, nb);
  let done = 0;
  let spent = 0;
  const row = n * 8;

  for (let i0 = 0; i0 < n - 1; i0 += nb) {
    const k = Math.min(nb, n - 1 - i0);
    for (let jj = 0; jj < k; jj++) {
      const m = n - (i0 + jj) - 1;
      const cost = (m * m) / 2 * SYMV_ELEMENT_WORK;
      if (spent > 0 && spent + cost > stepWork) {
        spent = 0;
        onProgress?.(done, total);
        yield;
      }
      kernels.tridiag_column_f64(n, aPtr, n, i0, jj, wnPtr, n, dPtr, ePtr, tauPtr, colWork);
      done += 2 * m * m;
      spent += cost;
    }
    // trailing update of rows/columns t0…n−1 with P = [V; Wn], Q = [Wn; V] over columns t0…n−1
    const t0 = i0 + k;
    const mt = n - t0;
    // buffer rows: [V; Wn; V] with this panel's k rows of each adjacent, so that P = [V; Wn] and
    // Q = [Wn; V] are (2k)×n blocks with rows n apart (a short last panel leaves rows unused)
    const P = wnPtr - k * row;
    const Q = wnPtr;
    kernels.gather_reflectors_f64(aPtr, n, n, i0, k, t0, P + t0 * 8, n);
    kernels.gather_reflectors_f64(aPtr, n, n, i0, k, t0, wnPtr + k * row + t0 * 8, n);
    const flopsPerRow = 4 * k * mt;
    const rowsPerPiece = Math.max(32, Math.floor(stepWork / Math.max(flopsPerRow, 1) / 32) * 32);
    for (let r = 0; r < mt; r += rowsPerPiece) {
      const r1 = Math.min(mt, r + rowsPerPiece);
      // flops of rows r…r1−1 right of the diagonal (the pieces sum to 2k·mt²)
      const f = 2 * k * (r1 - r) * (2 * mt - r - r1);
      if (spent > 0 && spent + f > stepWork) {
        spent = 0;
        onProgress?.(done, total);
        yield;
      }
      const base = aPtr + (t0 * n + t0) * 8;
      kernels.syr2k_upper_f64(mt, 2 * k, P + t0 * 8, n, Q + t0 * 8, n, base, n, r, r1, gemmWork);
      done += f;
      spent += f;
    }
    // restore the superdiagonal: A[i][i+1] held v_i's unit entry during the panel
    const a = new Float64Array(kernels.memory.buffer);
    const e = new Float64Array(kernels.memory.buffer, ePtr, n);
    for (let jj = 0; jj < k; jj++) {
      const i = i0 + jj;
      a[(aPtr >> 3) + i * n + i + 1] = e[i]!;
    }
  }
  const buf = kernels.memory.buffer;
  const d = new Float64Array(buf, dPtr, n).slice();
  d[n - 1] = new Float64Array(buf, aPtr + ((n - 1) * n + n - 1) * 8, 1)[0]!;
  const e = new Float64Array(buf, ePtr, Math.max(n - 1, 0)).slice();
  arena.reset(mark);
  onProgress?.(total, total);
  return { d, e, reflectors: { n, aPtr, tauPtr } };
}

/** {@link tridiagonalizeSteps} run to its end. */
export function tridiagonalize(kernels: KernelExports, arena: Arena, aPtr: number, n: number,
  options: TridiagonalizeOptions = {}): Tridiagonal {
  return drain(tridiagonalizeSteps(kernels, arena, aPtr, n, options));
}

/**
 * Z ← Z·Q (transpose = false) or Z·Qᵀ (true) for the rows×n row-major Z at zPtr (rows ldz apart),
 * block by block in compact WY form: per block of k reflectors (columns c0 = j0+1 … n−1),
 * X = Z Vᵀ, Y = −X T (or −X Tᵀ), Z += Y V.
 */
function* applyReflectors(kernels: KernelExports, arena: Arena, q: HouseholderReflectors, zPtr: number,
  rows: number, ldz: number, transpose: boolean, options: ApplyQOptions): Generator<void, void, void> {
  const { n, aPtr, tauPtr } = q;
  const kbMax = options.blockSize ?? BACK_BLOCK;
  checkBlock(kbMax, 'blockSize');
  const stepWork = options.stepWork ?? STEP_WORK;
  checkStepWork(stepWork);
  if (!Number.isInteger(rows) || rows < 0) throw new InputError(`rows must be a non-negative integer, got ${rows}`);
  if (!Number.isInteger(ldz) || ldz < n) throw new InputError(`ldz must be an integer ≥ n = ${n}, got ${ldz}`);
  const onProgress = options.onProgress;
  const count = n - 1; // reflectors
  if (count < 1 || rows === 0) {
    onProgress?.(0, 0);
    return;
  }
  const kb = Math.min(kbMax, count);
  const mark = arena.mark();
  const V = arena.f64(kb * n, 'WY block');
  const Tn = arena.f64(kb * kb, 'WY block');
  const gemmWork = arena.alloc(kernels.gemmWorkspaceBytes(), 'GEMM workspace');
  const blocks: number[] = [];
  for (let j0 = 0; j0 < count; j0 += kb) blocks.push(j0);
  if (transpose) blocks.reverse();
  let total = 0;
  for (const j0 of blocks) total += 4 * rows * (n - j0 - 1) * Math.min(kb, count - j0);
  const maxChunk = reflectorRowChunk(n, rows, kb, stepWork);
  const X = arena.f64(maxChunk * kb, 'WY block');
  const Y = arena.f64(maxChunk * kb, 'WY block');
  let done = 0;
  let spent = 0;
  for (const j0 of blocks) {
    const k = Math.min(kb, count - j0);
    const c0 = j0 + 1;
    const m = n - c0;
    kernels.gather_reflectors_f64(aPtr, n, n, j0, k, c0, V, m);
    kernels.larft_neg_f64(k, m, V, m, tauPtr + j0 * 8, Tn, k);
    spent += k * k * m; // T's Gram products (not counted in the 2·rows·n² of progress)
    for (let r = 0; r < rows; r += maxChunk) {
      const rc = Math.min(maxChunk, rows - r);
      const f = 4 * rc * m * k;
      if (spent > 0 && spent + f > stepWork) {
        spent = 0;
        onProgress?.(done, total);
        yield;
      }
      const Z = zPtr + (r * ldz + c0) * 8;
      kernels.gemm_f64(0, 1, rc, k, m, Z, ldz, V, m, X, k, 0, gemmWork, 0, 0, 0, 0);
      kernels.gemm_f64(0, transpose ? 1 : 0, rc, k, k, X, k, Tn, k, Y, k, 0, gemmWork, 0, 0, 0, 0);
      kernels.gemm_f64(0, 0, rc, m, k, Y, k, V, m, Z, ldz, 1, gemmWork, 0, 0, 0, 0);
      done += f;
      spent += f;
    }
  }
  arena.reset(mark);
  onProgress?.(total, total);
}

/**
 * G ← G·Q for the rows×n row-major G at gPtr (rows ldg apart): each row g becomes (Qᵀ gᵀ)ᵀ, its
 * coordinates in the basis of T (project per-sample gradients, then multiply by T's eigenvectors).
 */
export function* applyQToRowsSteps(kernels: KernelExports, arena: Arena, q: HouseholderReflectors, gPtr: number,
  rows: number, ldg: number, options: ApplyQOptions = {}): Generator<void, void, void> {
  yield* applyReflectors(kernels, arena, q, gPtr, rows, ldg, false, options);
}

/**
 * Z ← Z·Qᵀ for the rows×n row-major Z at zPtr (rows ldz apart): rows holding eigenvectors of T
 * (as the tridiagonal solver returns them) become eigenvectors of A.
 */
export function* applyQTransposedToRowsSteps(kernels: KernelExports, arena: Arena, q: HouseholderReflectors, zPtr: number,
  rows: number, ldz: number, options: ApplyQOptions = {}): Generator<void, void, void> {
  yield* applyReflectors(kernels, arena, q, zPtr, rows, ldz, true, options);
}

/**
 * Rows per chunk when reflectors are applied to `rows` rows of length n in blocks of `kb`: sized so
 * that one chunk's three GEMMs (4·chunk·n·kb flops) fit `stepWork`, a multiple of 4, at least 4.
 * The chunks start at multiples of it, so a block of rows starting at one is transformed exactly
 * as within the whole (what a split back-transformation relies on).
 */
export function reflectorRowChunk(n: number, rows: number, kb = Math.min(BACK_BLOCK, n - 1), stepWork = STEP_WORK): number {
  return Math.max(4, Math.min(rows, Math.floor(stepWork / (4 * n * kb) / 4) * 4));
}

/** The entries of the reflectors in the reduced n×n matrix `a` that the back-transformation reads (row i from column i + 2), packed. */
export function packReflectors(a: Float64Array, n: number): Float64Array {
  const out = new Float64Array(Math.max(0, ((n - 2) * (n - 1)) / 2));
  let at = 0;
  for (let i = 0; i + 2 < n; i++) {
    out.set(a.subarray(i * n + i + 2, (i + 1) * n), at);
    at += n - i - 2;
  }
  return out;
}

/** Writes {@link packReflectors}' entries back into the rows of the n×n matrix `a` (the rest left as it is). */
export function unpackReflectors(packed: Float64Array, a: Float64Array, n: number): void {
  let at = 0;
  for (let i = 0; i + 2 < n; i++) {
    a.set(packed.subarray(at, at + n - i - 2), i * n + i + 2);
    at += n - i - 2;
  }
}

/** {@link applyQToRowsSteps} run to its end. */
export function applyQToRows(kernels: KernelExports, arena: Arena, q: HouseholderReflectors, gPtr: number,
  rows: number, ldg: number, options: ApplyQOptions = {}): void {
  drain(applyQToRowsSteps(kernels, arena, q, gPtr, rows, ldg, options));
}

/** {@link applyQTransposedToRowsSteps} run to its end. */
export function applyQTransposedToRows(kernels: KernelExports, arena: Arena, q: HouseholderReflectors, zPtr: number,
  rows: number, ldz: number, options: ApplyQOptions = {}): void {
  drain(applyQTransposedToRowsSteps(kernels, arena, q, zPtr, rows, ldz, options));
}
