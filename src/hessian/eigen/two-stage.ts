/**
 * Two-stage reduction of a dense symmetric f64 matrix to tridiagonal form, T = Qᵀ A Q with
 * Q = Q₁ Q₂, and the application of Q to rows — the eigenvalues-only and projection paths of the
 * dense eigensolver (LAPACK dsytrd_2stage = dsytrd_sy2sb + dsytrd_sb2st), driving the kernels of
 * assembly/band.ts and gemm_f64.
 *
 * Stage 1, dense → band of half-bandwidth b (default {@link TWO_STAGE_BANDWIDTH}): per panel of b
 * rows, an LQ factorisation of the block right of the band (k reflectors, compact WY I − V T Vᵀ),
 * then the two-sided update of the trailing matrix as one symmetric rank-2k update
 * A₂₂ ← A₂₂ − V Wᵀ − W Vᵀ with X = A₂₂ V T and W = X − ½ V (Tᵀ Vᵀ X) (dsytrd_sy2sb). All
 * (4/3)n³ flops are GEMMs: unlike the one-stage reduction (./tridiagonalize.ts), no symmetric
 * matrix–vector product streams the trailing matrix once per row.
 * Stage 2, band → tridiagonal by bulge chasing (dsb2st): n−2 sweeps of ≈ n/b reflectors of length
 * ≤ b, ≈ 6b·n² flops on a compact band array that stays in cache.
 * Applying Q to r rows costs 2rn² for Q₁ (GEMMs, as ./tridiagonalize.ts) and 2rn² for Q₂ (level 2,
 * each row's window in L1): worth it for r ≪ n; for all n eigenvectors the one-stage path, whose
 * back-transformation is half as long, stays the better choice.
 *
 * Conventions (row-major; only the upper triangle of A is read; the strict lower triangle is
 * scratch). On return A holds both sets of reflectors ({@link TwoStageReflectors}):
 * - Q₁ = H_0 H_1 … H_{c−1} (c = max(0, n−b−1)), H_i = I − τ_i v_i v_iᵀ with v_i[col] = 0 for
 *   col < i+b, v_i[i+b] = 1 (A[i][i+b] holds a band entry), v_i[col] = A[i][col] for col > i+b;
 *   τ_i at tauPtr (the reflectors of ./tridiagonalize.ts shifted by b−1 columns);
 * - Q₂ = Π_s Π_j H_{s,j} (sweeps s = 0 … n−3 in order, windows j in order), H_{s,j} acting on
 *   indices a … a+L−1 (a = s+1+jb, L = min(b, n−a)), stored in the strict lower row n−1−s of A
 *   at column jb as [τ, v₁ … v_{L−1}] (v₀ = 1 implicit).
 * T has diagonal d[0:n] and off-diagonal e[0:n−1]; Qᵀ A Q = T.
 *
 * Generators as in ./tridiagonalize.ts: they yield between pieces of about `stepWork`
 * flop-equivalents (level-2 flops count {@link LEVEL2_WORK} each), report monotone progress
 * (done, total) in flops, and their results depend on the sizes and the build only (bitwise).
 * Workspace: O(n·b) from `arena`, released; only τ (n f64) stays allocated, after A.
 * see: C. Bischof, B. Lang, X. Sun, ACM TOMS 26 (2000); B. Lang, SIAM J. Sci. Comput. 14 (1993);
 * A. Haidar, H. Ltaief, J. Dongarra, SC'11 (2011); LAPACK 3.12 dsytrd_2stage, dsytrd_sy2sb,
 * dsytrd_sb2st, dsb2st_kernels, dgelqf, dlarft, dlarfb.
 */
import type { Arena } from '../../engine/arena.js';
import type { KernelExports } from '../../engine/wasm.js';
import { InputError } from '../../errors.js';
import { BACK_BLOCK, STEP_WORK, type FlopProgress } from './tridiagonalize.js';
import { drain } from '../../engine/yield.js';

/** Options of {@link tridiagonalizeTwoStageSteps}. */
export interface TwoStageOptions {
  /** Half-bandwidth b of the intermediate band (default {@link TWO_STAGE_BANDWIDTH}; clamped to n−1). */
  readonly bandwidth?: number;
  /** Work between yields in flop-equivalents (default {@link STEP_WORK}). */
  readonly stepWork?: number;
  /** Progress in flops. */
  readonly onProgress?: FlopProgress;
}

/** Options of {@link applyTwoStageQToRowsSteps} and {@link applyTwoStageQTransposedToRowsSteps}. */
export interface ApplyTwoStageQOptions {
  /** Stage-1 reflectors per compact-WY block (default {@link BACK_BLOCK}). */
  readonly blockSize?: number;
  /** Work between yields in flop-equivalents (default {@link STEP_WORK}). */
  readonly stepWork?: number;
  /** Progress in flops. */
  readonly onProgress?: FlopProgress;
}

/**
 * Q = Q₁ Q₂ as left by {@link tridiagonalizeTwoStageSteps} (layout in the module notes). Both
 * allocations must stay: the n×n matrix at aPtr (Q₁ above the band, Q₂ in the strict lower
 * triangle) and τ of Q₁ at tauPtr.
 */
export interface TwoStageReflectors {
  /** Order of A. */
  readonly n: number;
  /** Half-bandwidth b actually used (≥ 1, ≤ max(1, n−1)). */
  readonly bandwidth: number;
  /** The reduced matrix (n×n, rows n apart). */
  readonly aPtr: number;
  /** τ_0 … τ_{n−b−2} of Q₁ (arena allocation made by the reduction; max(n, 1) f64). */
  readonly tauPtr: number;
}

/** T = Qᵀ A Q. */
export interface TwoStageTridiagonal {
  /** Diagonal of T [n]. */
  readonly d: Float64Array;
  /** Off-diagonal of T [n − 1]: e[i] = T[i][i+1]. */
  readonly e: Float64Array;
  /** Q = Q₁ Q₂. */
  readonly reflectors: TwoStageReflectors;
}

/**
 * Default half-bandwidth of the band stage. Measured at n = 4000 (relaxed build, one thread, best
 * of several runs on a shared machine): b = 32, 48, 64 reduce in 5.6, 5.2, 5.6 s (one-stage 8.4 s).
 * A wider band makes stage 1's GEMMs more efficient (2b flops per loaded element) but the bulge
 * chasing (6b·n²) and the LQ panels longer.
 */
export const TWO_STAGE_BANDWIDTH = 48;
/** Cost model: a level-2 flop (LQ panel, bulge chase, Q₂ application) is worth this many GEMM flops. */
export const LEVEL2_WORK = 4;
/** Sweeps per block when applying Q₂ to rows. */
const SWEEP_BLOCK = 32;

function checkPositiveInteger(x: number, what: string): void {
  if (!Number.isInteger(x) || x < 1) throw new InputError(`${what} must be a positive integer, got ${x}`);
}

function checkStepWork(work: number): void {
  if (!(work > 0)) throw new InputError(`stepWork must be positive, got ${work}`);
}

/** Flops of bulge-chasing sweep s: per window 4L² (two-sided) + 8L·Lr (the block right of it). */
function sweepFlops(n: number, b: number, s: number): number {
  let f = 0;
  for (let a = s + 1; a <= n - 1; a += b) {
    const L = Math.min(b, n - a);
    f += 4 * L * L;
    if (a + b <= n - 1) f += 8 * L * Math.min(b, n - a - b);
  }
  return f;
}

/** Flops of stage-1 panel i0: LQ 2bkm, symmetric product and rank-2k update 2km² each, small GEMMs 6k²m. */
function panelFlops(n: number, b: number, i0: number): { lq: number; level3: number } {
  const m = n - i0 - b;
  const k = Math.min(b, m - 1);
  return { lq: 2 * b * k * m, level3: 4 * k * m * m + 6 * k * k * m };
}

/**
 * Reduces the symmetric n×n row-major matrix at aPtr (upper triangle read) in place to
 * T = Qᵀ A Q in two stages. Allocates τ (kept: `reflectors.tauPtr`) and O(n·b) workspace (released).
 */
export function* tridiagonalizeTwoStageSteps(kernels: KernelExports, arena: Arena, aPtr: number, n: number,
  options: TwoStageOptions = {}): Generator<void, TwoStageTridiagonal, void> {
  checkPositiveInteger(n, 'matrix order');
  const bMax = options.bandwidth ?? TWO_STAGE_BANDWIDTH;
  checkPositiveInteger(bMax, 'bandwidth');
  const stepWork = options.stepWork ?? STEP_WORK;
  checkStepWork(stepWork);
  const onProgress = options.onProgress;
  const b = Math.max(1, Math.min(bMax, n - 1));
  const tauPtr = arena.f64(Math.max(n, 1), 'Householder scalars');
  const mark = arena.mark();
  const count1 = Math.max(0, n - b - 1); // stage-1 reflectors
  const row = n * 8;

  let total = 0;
  for (let i0 = 0; i0 < count1; i0 += b) {
    const f = panelFlops(n, b, i0);
    total += f.lq + f.level3;
  }
  for (let s = 0; s < n - 2; s++) total += sweepFlops(n, b, s);
  let done = 0;
  let spent = 0;
  // yields first when this piece would overflow the budget
  const before = function* (cost: number): Generator<void, void, void> {
    if (spent > 0 && spent + cost > stepWork) {
      spent = 0;
      onProgress?.(done, total);
      yield;
    }
  };

  // stage 1: dense → band
  if (count1 > 0) {
    // [V; Wn; V] (k rows each, rows m apart): P = [V; Wn] and Q = [Wn; V] for the rank-2k update
    const vwv = arena.f64(3 * b * n, 'panel workspace');
    const yPtr = arena.f64(b * n, 'panel workspace');
    const tn = arena.f64(b * b, 'panel workspace');
    const mPtr = arena.f64(b * b, 'panel workspace');
    const zPtr = arena.f64(b * b, 'panel workspace');
    const gemmWork = arena.alloc(kernels.gemmWorkspaceBytes(), 'GEMM workspace');
    for (let i0 = 0; i0 < count1; i0 += b) {
      const c0 = i0 + b;
      const m = n - c0;
      const k = Math.min(b, m - 1);
      const { lq } = panelFlops(n, b, i0);
      yield* before(lq * LEVEL2_WORK);
      // all b rows i0 … c0−1 take Q₁ from the right; only the first k make reflectors (a short
      // last panel's rows k … b−1 are band rows, their reflectors of length ≤ 1 are H = I)
      kernels.gelq2_rows_f64(b, m, aPtr + i0 * row + c0 * 8, n, tauPtr + i0 * 8);
      const V = vwv;
      const Wn = vwv + k * m * 8;
      kernels.gather_reflectors_f64(aPtr + (b - 1) * 8, n, n - b + 1, i0, k, i0 + 1, V, m);
      kernels.gather_reflectors_f64(aPtr + (b - 1) * 8, n, n - b + 1, i0, k, i0 + 1, Wn + k * m * 8, m);
      kernels.larft_neg_f64(k, m, V, m, tauPtr + i0 * 8, tn, k);
      done += lq;
      spent += lq * LEVEL2_WORK + k * k * m;
      // Y = V A₂₂ over the stored triangle, in row pieces
      const a22 = aPtr + c0 * row + c0 * 8;
      new Float64Array(kernels.memory.buffer, yPtr, k * m).fill(0);
      const rowsPerPiece = Math.max(32, Math.floor(stepWork / Math.max(4 * k * m, 1) / 32) * 32);
      for (let r = 0; r < m; r += rowsPerPiece) {
        const r1 = Math.min(m, r + rowsPerPiece);
        const f = 2 * k * (r1 - r) * (2 * m - r - r1);
        yield* before(f);
        kernels.symm_upper_rows_f64(m, k, V, m, a22, n, yPtr, m, r, r1, gemmWork);
        done += f;
        spent += f;
      }
      // Wn = −W: Xn = Tnᵀ Y, Z = (Xn Vᵀ) Tn, Wn = Xn + ½ Z V
      const small = 6 * k * k * m;
      yield* before(small);
      kernels.gemm_f64(1, 0, k, m, k, tn, k, yPtr, m, Wn, m, 0, gemmWork, 0, 0, 0, 0);
      kernels.gemm_f64(0, 1, k, k, m, Wn, m, V, m, mPtr, k, 0, gemmWork, 0, 0, 0, 0);
      kernels.gemm_f64(0, 0, k, k, k, mPtr, k, tn, k, zPtr, k, 0, gemmWork, 0, 0, 0, 0);
      const z = new Float64Array(kernels.memory.buffer, zPtr, k * k);
      for (let i = 0; i < k * k; i++) z[i] = 0.5 * z[i]!;
      kernels.gemm_f64(0, 0, k, m, k, zPtr, k, V, m, Wn, m, 1, gemmWork, 0, 0, 0, 0);
      done += small;
      spent += small;
      // A₂₂ ← A₂₂ − V Wᵀ − W Vᵀ (upper triangle), in row pieces
      for (let r = 0; r < m; r += rowsPerPiece) {
        const r1 = Math.min(m, r + rowsPerPiece);
        const f = 2 * k * (r1 - r) * (2 * m - r - r1);
        yield* before(f);
        kernels.syr2k_upper_f64(m, 2 * k, V, m, Wn, m, a22, n, r, r1, gemmWork);
        done += f;
        spent += f;
      }
    }
    arena.reset(mark);
  }

  // stage 2: band → tridiagonal, Q₂'s reflectors into A's strict lower triangle
  const ldb = 2 * b;
  const band = arena.f64(n * ldb, 'band');
  const work = arena.f64(3 * b, 'bulge-chasing workspace');
  kernels.band_from_upper_f64(n, b, aPtr, n, band, ldb);
  for (let s0 = 0; s0 < n - 2;) {
    let s1 = s0;
    let f = 0;
    do {
      f += sweepFlops(n, b, s1);
      s1++;
    } while (s1 < n - 2 && (f + sweepFlops(n, b, s1)) * LEVEL2_WORK <= stepWork);
    yield* before(f * LEVEL2_WORK);
    kernels.sb2st_sweeps_f64(n, b, band, ldb, s0, s1, aPtr, n, work);
    done += f;
    spent += f * LEVEL2_WORK;
    s0 = s1;
  }
  const bandView = new Float64Array(kernels.memory.buffer, band, n * ldb);
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(n - 1, 0));
  for (let i = 0; i < n; i++) d[i] = bandView[i * ldb]!;
  for (let i = 0; i < n - 1; i++) e[i] = bandView[i * ldb + 1]!;
  arena.reset(mark);
  onProgress?.(total, total);
  return { d, e, reflectors: { n, bandwidth: b, aPtr, tauPtr } };
}

/** {@link tridiagonalizeTwoStageSteps} run to its end. */
export function tridiagonalizeTwoStage(kernels: KernelExports, arena: Arena, aPtr: number, n: number,
  options: TwoStageOptions = {}): TwoStageTridiagonal {
  return drain(tridiagonalizeTwoStageSteps(kernels, arena, aPtr, n, options));
}

/**
 * Z ← Z·Q (transpose = false: Q₁ by compact-WY blocks ascending, then Q₂ by sweep blocks
 * ascending) or Z·Qᵀ (true: Q₂ᵀ by sweep blocks descending, then Q₁ᵀ by WY blocks descending)
 * for the rows×n row-major Z at zPtr (rows ldz apart).
 */
function* applyTwoStage(kernels: KernelExports, arena: Arena, q: TwoStageReflectors, zPtr: number,
  rows: number, ldz: number, transpose: boolean, options: ApplyTwoStageQOptions): Generator<void, void, void> {
  const { n, bandwidth: b, aPtr, tauPtr } = q;
  const kbMax = options.blockSize ?? BACK_BLOCK;
  checkPositiveInteger(kbMax, 'blockSize');
  const stepWork = options.stepWork ?? STEP_WORK;
  checkStepWork(stepWork);
  if (!Number.isInteger(rows) || rows < 0) throw new InputError(`rows must be a non-negative integer, got ${rows}`);
  if (!Number.isInteger(ldz) || ldz < n) throw new InputError(`ldz must be an integer ≥ n = ${n}, got ${ldz}`);
  const onProgress = options.onProgress;
  const count1 = Math.max(0, n - b - 1);
  const sweeps = Math.max(0, n - 2);
  if ((count1 === 0 && sweeps === 0) || rows === 0) {
    onProgress?.(0, 0);
    return;
  }
  const mark = arena.mark();
  const kb = Math.max(1, Math.min(kbMax, count1));
  const blocks: number[] = [];
  for (let j0 = 0; j0 < count1; j0 += kb) blocks.push(j0);
  const sweepBlocks: number[] = [];
  for (let s0 = 0; s0 < sweeps; s0 += SWEEP_BLOCK) sweepBlocks.push(s0);
  if (transpose) {
    blocks.reverse();
    sweepBlocks.reverse();
  }
  let total = 0;
  for (const j0 of blocks) total += 4 * rows * (n - j0 - b) * Math.min(kb, count1 - j0);
  const q2Flops = (s0: number, s1: number, r: number): number => {
    // Σ_s 4·r·(n−s−1): every window of sweep s covers its n−s−1 indices once
    const cnt = s1 - s0;
    return 4 * r * (cnt * (n - 1) - (s0 * cnt + (cnt * (cnt - 1)) / 2));
  };
  total += q2Flops(0, sweeps, rows);
  let done = 0;
  let spent = 0;
  const before = function* (cost: number): Generator<void, void, void> {
    if (spent > 0 && spent + cost > stepWork) {
      spent = 0;
      onProgress?.(done, total);
      yield;
    }
  };

  const q1 = function* (): Generator<void, void, void> {
    if (count1 === 0) return;
    const V = arena.f64(kb * n, 'WY block');
    const Tn = arena.f64(kb * kb, 'WY block');
    const gemmWork = arena.alloc(kernels.gemmWorkspaceBytes(), 'GEMM workspace');
    const maxChunk = Math.max(4, Math.min(rows, Math.floor(stepWork / (4 * n * kb) / 4) * 4));
    const X = arena.f64(maxChunk * kb, 'WY block');
    const Y = arena.f64(maxChunk * kb, 'WY block');
    for (const j0 of blocks) {
      const k = Math.min(kb, count1 - j0);
      const c0 = j0 + b;
      const m = n - c0;
      kernels.gather_reflectors_f64(aPtr + (b - 1) * 8, n, n - b + 1, j0, k, j0 + 1, V, m);
      kernels.larft_neg_f64(k, m, V, m, tauPtr + j0 * 8, Tn, k);
      spent += k * k * m;
      for (let r = 0; r < rows; r += maxChunk) {
        const rc = Math.min(maxChunk, rows - r);
        const f = 4 * rc * m * k;
        yield* before(f);
        const Z = zPtr + (r * ldz + c0) * 8;
        kernels.gemm_f64(0, 1, rc, k, m, Z, ldz, V, m, X, k, 0, gemmWork, 0, 0, 0, 0);
        kernels.gemm_f64(0, transpose ? 1 : 0, rc, k, k, X, k, Tn, k, Y, k, 0, gemmWork, 0, 0, 0, 0);
        kernels.gemm_f64(0, 0, rc, m, k, Y, k, V, m, Z, ldz, 1, gemmWork, 0, 0, 0, 0);
        done += f;
        spent += f;
      }
    }
  };

  const q2 = function* (): Generator<void, void, void> {
    // rows per call: one sweep block over a chunk of rows within the budget
    const rowChunk = Math.max(1, Math.min(rows, Math.floor(stepWork / LEVEL2_WORK / (4 * SWEEP_BLOCK * n))));
    for (const s0 of sweepBlocks) {
      const s1 = Math.min(sweeps, s0 + SWEEP_BLOCK);
      for (let r = 0; r < rows; r += rowChunk) {
        const rc = Math.min(rowChunk, rows - r);
        const f = q2Flops(s0, s1, rc);
        yield* before(f * LEVEL2_WORK);
        kernels.apply_band_q_rows_f64(n, b, aPtr, n, s0, s1, zPtr + r * ldz * 8, ldz, rc, transpose ? 1 : 0);
        done += f;
        spent += f * LEVEL2_WORK;
      }
    }
  };

  if (transpose) {
    yield* q2();
    yield* q1();
  } else {
    yield* q1();
    yield* q2();
  }
  arena.reset(mark);
  onProgress?.(total, total);
}

/**
 * G ← G·Q (Q = Q₁Q₂) for the rows×n row-major G at gPtr (rows ldg apart): each row's coordinates
 * in the basis of T (project per-sample gradients, then multiply by T's eigenvectors).
 */
export function* applyTwoStageQToRowsSteps(kernels: KernelExports, arena: Arena, q: TwoStageReflectors, gPtr: number,
  rows: number, ldg: number, options: ApplyTwoStageQOptions = {}): Generator<void, void, void> {
  yield* applyTwoStage(kernels, arena, q, gPtr, rows, ldg, false, options);
}

/**
 * Z ← Z·Qᵀ for the rows×n row-major Z at zPtr (rows ldz apart): rows holding eigenvectors of T
 * become eigenvectors of A (4·rows·n² flops: for all n vectors prefer the one-stage reduction).
 */
export function* applyTwoStageQTransposedToRowsSteps(kernels: KernelExports, arena: Arena, q: TwoStageReflectors, zPtr: number,
  rows: number, ldz: number, options: ApplyTwoStageQOptions = {}): Generator<void, void, void> {
  yield* applyTwoStage(kernels, arena, q, zPtr, rows, ldz, true, options);
}

/** {@link applyTwoStageQToRowsSteps} run to its end. */
export function applyTwoStageQToRows(kernels: KernelExports, arena: Arena, q: TwoStageReflectors, gPtr: number,
  rows: number, ldg: number, options: ApplyTwoStageQOptions = {}): void {
  drain(applyTwoStageQToRowsSteps(kernels, arena, q, gPtr, rows, ldg, options));
}

/** {@link applyTwoStageQTransposedToRowsSteps} run to its end. */
export function applyTwoStageQTransposedToRows(kernels: KernelExports, arena: Arena, q: TwoStageReflectors, zPtr: number,
  rows: number, ldz: number, options: ApplyTwoStageQOptions = {}): void {
  drain(applyTwoStageQTransposedToRowsSteps(kernels, arena, q, zPtr, rows, ldz, options));
}
