/**
 * All eigenpairs of a symmetric tridiagonal matrix T by Cuppen's divide and conquer, with the
 * eigenvector merges done by the wasm f64 GEMM.
 *
 * Algorithm. T is scaled by a power of two (exact) so that its largest entry lies in [1, 2), then
 * split where an off-diagonal is negligible (|e_i| ≤ ε·√|d_i|·√|d_{i+1}|, exact zeros included)
 * into independent blocks. Each block is halved recursively down to leaves of ≤ `leafSize` rows,
 * solved by implicit QL (./dense.ts). Halving at off-diagonal β writes
 * T = diag(T1 − |β| e_last e_lastᵀ, T2 − |β| e_1 e_1ᵀ) + |β| v vᵀ,  v = e_last + sign(β) e_first,
 * so with the children's T_c = Q_c D_c Q_cᵀ the merge is the rank-one update D + ρ z zᵀ,
 * z = [last row of Q1; sign(β)·first row of Q2] / √2, ρ = 2|β| > 0. Then, as in LAPACK dlaed2:
 * - deflation: with tol = 8ε·max(|d|max, |z|max), a pair is final when ρ|z_j| ≤ tol, and two
 *   neighbouring poles are merged by a Givens rotation when |(d_j − d_p)·c·s| ≤ tol (the
 *   rotation makes z_p = 0; the dropped off-diagonal is (d_j − d_p)cs);
 * - the K non-deflated poles (strictly increasing after deflation) give the secular equation
 *   f(λ) = 1/ρ + Σ z_j²/(d_j − λ) = 0, one root per gap (d_k, d_{k+1}) and one in (d_K, d_K + ρ].
 *   Each root is found in coordinates τ = λ − d_o about its nearer pole d_o (decided by the sign
 *   of f at the gap's midpoint), so every d_j − λ = (d_j − d_o) − τ is accurate; the iteration
 *   is Li's "middle way": the poles left and right of the root are each lumped into one pole
 *   (at d_k and d_{k+1}) matching value and slope, and the two-pole model's root is taken,
 *   safeguarded by a bracket (Newton, then bisection, when the model's root leaves it). It stops
 *   when |f| is below the bound on its rounding error (as dlaed4);
 * - Gu–Eisenstat: z is recomputed from the computed roots by Löwner's formula,
 *   ẑ_i² = ∏_j (λ_j − d_i) / ∏_{j≠i} (d_j − d_i), so the vectors u_j = (ẑ_i / (d_i − λ_j))_i are
 *   exact eigenvectors of a nearby problem and numerically orthogonal;
 * - the new eigenvectors are U·Q restricted to the non-deflated rows. Q is block diagonal, so as
 *   in dlaed3 the non-deflated rows are grouped (top half only, both halves after a rotation,
 *   bottom half only) and the product is two GEMMs, one per child's columns, in row blocks.
 *
 * Layout. Eigenvectors are rows: row t of the n×n output is the unit eigenvector of values[t]
 * (Sᵀ for T = S Λ Sᵀ), values descending. During the computation the output buffer holds the
 * block-diagonal Q of the current level in place (a block's rows and columns are its index
 * range), each block with its values in storage order plus the permutation sorting them; rows
 * are permuted into descending order once at the end.
 *
 * Eigenvalues only: the same divide and conquer, keeping of each eigenvector only its components
 * at its block's first and last index (all a merge needs for z); O(n²) with small constants.
 *
 * Cost: with no deflation ≈ (4/3)n³ GEMM flops; matrices from Hessians deflate heavily (many
 * tiny z components), and the merges cost 2K·(k₁n₁ + k₂n₂) flops for K non-deflated poles.
 * Deterministic: the work is cut into yield-sized pieces by counted flops, never by time.
 *
 * see: J. J. M. Cuppen, "A divide and conquer method for the symmetric tridiagonal eigenproblem",
 * Numer. Math. 36 (1981); M. Gu, S. C. Eisenstat, "A divide-and-conquer algorithm for the
 * symmetric tridiagonal eigenproblem", SIAM J. Matrix Anal. Appl. 16 (1995); R.-C. Li, "Solving
 * secular equations stably and efficiently", LAPACK Working Note 89 (1994); LAPACK dstedc,
 * dlaed0–dlaed4 (deflation tolerance and column grouping).
 */
import { InputError, NumericalError, ShapeError, throwIfAborted } from '../../errors.js';
import type { Arena } from '../../engine/arena.js';
import type { KernelExports } from '../../engine/wasm.js';
import { hypot } from '../../model/detmath.js';
import { tridiagonalEigen, tridiagonalEigenRows } from '../tridiagonal.js';
import { drain } from '../../engine/yield.js';

/** Unit roundoff 2⁻⁵³ (LAPACK's dlamch('Epsilon')). */
const EPS = 2 ** -53;
/** Secular iterations allowed per root before the bracket's midpoint is accepted. */
const MAX_SECULAR_ITERATIONS = 60;
/** Default leaf size: below it QL is cheaper than another level of merges. */
const DEFAULT_LEAF_SIZE = 32;
/**
 * Work between yields, in GEMM-flop units (about 15 ms at 13 GFlop/s). Scalar JavaScript work
 * (secular solves, Löwner products, copies) is counted with weight {@link SCALAR_WEIGHT}.
 */
const DEFAULT_YIELD_WORK = 2e8;
/** GEMM flops per scalar JavaScript operation, for the yield and progress accounting. */
const SCALAR_WEIGHT = 12;
/** Weight of copying one f64 of a large matrix (memory-bound: about 3 ns, 40 flops of GEMM time). */
const COPY_WEIGHT = 40;
/** Rows of U per block of the merge GEMMs. */
const ROW_BLOCK = 256;
/** Weight of packing one f64 operand element inside the GEMM. */
const PACK_WEIGHT = 10;
/** Merges at least this large (or the top one) are listed in the statistics. */
const LISTED_MERGE_SIZE = 512;

/** Options of {@link tridiagonalEigenDC}. */
export interface TridiagonalDCOptions {
  /** Eigenvectors wanted (default true). With false `zPtr` is not touched (pass 0). */
  readonly vectors?: boolean;
  /** Largest subproblem solved directly by QL (default 32). */
  readonly leafSize?: number;
  /** Work between yields of the generator, in flops (default 2e8 ≈ 15 ms). */
  readonly yieldWork?: number;
  /** Monotone progress in estimated flops; `done` reaches `total` at the end. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Checked at every yield; fires {@link AbortError}. */
  readonly signal?: AbortSignal;
}

/** What one merge did (sizes in rows). */
export interface DCMergeStats {
  /** First row of the merged block. */
  readonly offset: number;
  /** Rows of the merged block. */
  readonly size: number;
  /** Poles left in the secular equation (K). */
  readonly nonDeflated: number;
  /** Deflated because ρ·|z_j| ≤ tol. */
  readonly deflatedSmallZ: number;
  /** Deflated by a Givens rotation of two close poles. */
  readonly deflatedGivens: number;
  /** Secular-equation iterations, summed over the K roots. */
  readonly secularIterations: number;
}

/** Counts over a whole run. */
export interface DCStats {
  /** Independent blocks after splitting at negligible off-diagonals. */
  readonly blocks: number;
  /** Leaves solved by QL. */
  readonly leaves: number;
  /** Merges done. */
  readonly merges: number;
  /** Summed over all merges: poles left, small-z and Givens deflations, secular iterations. */
  readonly nonDeflated: number;
  readonly deflatedSmallZ: number;
  readonly deflatedGivens: number;
  readonly secularIterations: number;
  /** Flops of the merge GEMMs. */
  readonly gemmFlops: number;
  /** The merges of ≥ 512 rows and the largest one, in the order done (post-order). */
  readonly largeMerges: readonly DCMergeStats[];
}

/** Result of {@link tridiagonalEigenDC}; the eigenvectors are in wasm memory at `zPtr`. */
export interface TridiagonalDCResult {
  /** [n] eigenvalues, descending. */
  readonly values: Float64Array;
  /** What the divide and conquer did (zeros in eigenvalues-only mode). */
  readonly stats: DCStats;
}

/**
 * All eigenvalues of the symmetric tridiagonal T (diagonal d [n], off-diagonal e [n − 1],
 * e[i] = T[i][i+1]) and, unless `vectors: false`, its eigenvectors written to wasm memory at zPtr
 * as an n×n row-major f64 matrix, row t = unit eigenvector of values[t]. The caller allocates zPtr
 * (n² f64, 8-byte aligned); the workspace (≈ n² f64) comes from `arena` and is released before
 * returning. Runs {@link tridiagonalEigenDCSteps} to the end.
 */
export function tridiagonalEigenDC(
  kernels: KernelExports,
  arena: Arena,
  d: ArrayLike<number>,
  e: ArrayLike<number>,
  zPtr: number,
  options: TridiagonalDCOptions = {},
): TridiagonalDCResult {
  return drain(tridiagonalEigenDCSteps(kernels, arena, d, e, zPtr, options));
}

/**
 * {@link tridiagonalEigenDC} as steps: yields after about `yieldWork` flops (≈ 15 ms), so an
 * async caller can let events in between. To cancel, call `.return()` on the generator (the
 * workspace is released then) or abort `options.signal`. Memory may grow between steps: nothing
 * here keeps a view across a yield.
 */
export function* tridiagonalEigenDCSteps(
  kernels: KernelExports,
  arena: Arena,
  d: ArrayLike<number>,
  e: ArrayLike<number>,
  zPtr: number,
  options: TridiagonalDCOptions = {},
): Generator<void, TridiagonalDCResult, void> {
  const n = d.length;
  if (e.length !== Math.max(0, n - 1)) {
    throw new ShapeError(`tridiagonal matrix: diagonal has ${n} entries, so the off-diagonal needs ${Math.max(0, n - 1)}, got ${e.length}`);
  }
  for (let i = 0; i < n; i++) if (!Number.isFinite(d[i]!)) throw new NumericalError(`tridiagonal diagonal: entry ${i} is ${d[i]}`);
  for (let i = 0; i < n - 1; i++) if (!Number.isFinite(e[i]!)) throw new NumericalError(`tridiagonal off-diagonal: entry ${i} is ${e[i]}`);
  const wantVectors = options.vectors ?? true;
  const leafSize = options.leafSize ?? DEFAULT_LEAF_SIZE;
  if (!Number.isInteger(leafSize) || leafSize < 2) throw new InputError(`leafSize must be an integer ≥ 2, got ${leafSize}`);
  if (wantVectors && n > 0 && (!Number.isInteger(zPtr) || zPtr <= 0 || zPtr % 8 !== 0)) {
    throw new InputError(`zPtr must be a positive 8-byte-aligned pointer to n² f64, got ${zPtr}`);
  }
  const run = new Run(kernels, arena, n, zPtr, wantVectors, options);
  const mark = arena.mark();
  try {
    return yield* run.solve(d, e, leafSize);
  } finally {
    arena.reset(mark);
  }
}

/** Flops budgeted for merging children of n1 and n2 rows (the GEMMs if nothing deflates). */
function mergeBudget(n1: number, n2: number, wantVectors: boolean): number {
  const m = n1 + n2;
  return (wantVectors ? 2 * m * (n1 * n1 + n2 * n2) : 0) + SCALAR_WEIGHT * 8 * m * m;
}

/** Flops budgeted for a QL leaf of m rows (≈ 4.5m³ scalar with vectors, ≈ 30m² without). */
function leafBudget(m: number, wantVectors: boolean): number {
  return SCALAR_WEIGHT * (wantVectors ? 4.5 * m * m * m : 30 * m * m);
}

/** A merge of [lo, mid) and [mid, hi). */
interface MergeNode {
  readonly lo: number;
  readonly mid: number;
  readonly hi: number;
}

/**
 * One run's state. Storage row r (a row of the vector buffer) holds the eigenvector of val[r];
 * for each solved block [lo, hi), ord[lo..hi) lists its rows by ascending value. Without vectors
 * only each eigenvector's components at its block's first and last index are kept (first[r],
 * last[r]): a merge needs z from them and produces the merged block's ones.
 */
class Run {
  private readonly yieldWork: number;
  private sinceYield = 0;
  private done = 0;
  private total = 0;
  private readonly val: Float64Array;
  private readonly ord: Int32Array;
  private readonly first: Float64Array;
  private readonly last: Float64Array;
  // scratch of length n, reused by every merge
  private readonly z: Float64Array;
  private readonly dl: Float64Array;
  private readonly ds: Float64Array;
  private readonly zs: Float64Array;
  private readonly taus: Float64Array;
  private readonly prod: Float64Array;
  private readonly zhat: Float64Array;
  private readonly row: Float64Array;
  private readonly dmo: Float64Array;
  private readonly sorted: Int32Array;
  private readonly kept: Int32Array;
  private readonly deflated: Int32Array;
  private readonly org: Int32Array;
  private readonly pos: Int32Array;
  private readonly byPos: Int32Array;
  private readonly type: Uint8Array;
  // wasm workspace: GEMM packing, then a grow-only buffer for gathered rows, U and output blocks
  private gemmWork = 0;
  private wsPtr = 0;
  private wsBytes = 0;
  private wsEnd = 0;
  private readonly stats = {
    blocks: 0, leaves: 0, merges: 0, nonDeflated: 0, deflatedSmallZ: 0, deflatedGivens: 0,
    secularIterations: 0, gemmFlops: 0, largeMerges: [] as DCMergeStats[],
  };

  constructor(
    private readonly kernels: KernelExports,
    private readonly arena: Arena,
    private readonly n: number,
    private readonly zPtr: number,
    private readonly wantVectors: boolean,
    private readonly options: TridiagonalDCOptions,
  ) {
    this.yieldWork = options.yieldWork ?? DEFAULT_YIELD_WORK;
    this.val = new Float64Array(n);
    this.ord = new Int32Array(n);
    this.first = new Float64Array(wantVectors ? 0 : n);
    this.last = new Float64Array(wantVectors ? 0 : n);
    this.z = new Float64Array(n);
    this.dl = new Float64Array(n);
    this.ds = new Float64Array(n);
    this.zs = new Float64Array(n);
    this.taus = new Float64Array(n);
    this.prod = new Float64Array(n);
    this.zhat = new Float64Array(n);
    this.row = new Float64Array(n);
    this.dmo = new Float64Array(n);
    this.sorted = new Int32Array(n);
    this.kept = new Int32Array(n);
    this.deflated = new Int32Array(n);
    this.org = new Int32Array(n);
    this.pos = new Int32Array(n);
    this.byPos = new Int32Array(n);
    this.type = new Uint8Array(n);
  }

  /** Counts finished work (at most `budgetLeft` of it towards progress); true when a yield is due. */
  private account(work: number, budgetLeft = Infinity): boolean {
    this.done += Math.max(0, Math.min(work, budgetLeft));
    this.sinceYield += work;
    return this.sinceYield >= this.yieldWork;
  }

  /** Reports progress and lets the caller in (checks the abort signal first). */
  private *pause(): Generator<void, void, void> {
    this.sinceYield = 0;
    this.options.onProgress?.(Math.min(this.done, this.total), this.total);
    throwIfAborted(this.options.signal);
    yield;
  }

  private vectors(): Float64Array {
    return new Float64Array(this.kernels.memory.buffer, this.zPtr, this.n * this.n);
  }

  /** A workspace of at least `bytes`, reallocated only when it must grow (and then in place when on top). */
  private workspace(bytes: number): number {
    if (bytes > this.wsBytes) {
      if (this.wsPtr !== 0 && this.arena.mark() === this.wsEnd) this.arena.reset(this.wsPtr);
      this.wsPtr = this.arena.alloc(bytes, 'divide-and-conquer workspace');
      this.wsBytes = bytes;
      this.wsEnd = this.arena.mark();
    }
    return this.wsPtr;
  }

  *solve(d: ArrayLike<number>, e: ArrayLike<number>, leafSize: number): Generator<void, TridiagonalDCResult, void> {
    const n = this.n;
    const wantVectors = this.wantVectors;
    if (n === 0) return { values: new Float64Array(0), stats: this.frozenStats() };
    // Exact scaling by a power of two: the largest entry goes to [1, 2).
    let anorm = 0;
    for (let i = 0; i < n; i++) anorm = Math.max(anorm, Math.abs(d[i]!));
    for (let i = 0; i < n - 1; i++) anorm = Math.max(anorm, Math.abs(e[i]!));
    let scale = 1;
    if (anorm > 0) {
      while (anorm * scale >= 2) scale *= 0.5;
      while (anorm * scale < 1) scale *= 2;
    }
    const dd = new Float64Array(n);
    const ee = new Float64Array(Math.max(0, n - 1));
    for (let i = 0; i < n; i++) dd[i] = d[i]! * scale;
    for (let i = 0; i < n - 1; i++) ee[i] = e[i]! * scale;
    // Split where the off-diagonal is negligible (dstedc's test; exact zeros always).
    const starts: number[] = [0];
    for (let i = 0; i < n - 1; i++) {
      if (Math.abs(ee[i]!) <= EPS * Math.sqrt(Math.abs(dd[i]!)) * Math.sqrt(Math.abs(dd[i + 1]!))) {
        ee[i] = 0;
        starts.push(i + 1);
      }
    }
    starts.push(n);
    this.stats.blocks = starts.length - 1;

    // The tree: leaves and merges (post-order) of every block, and the split corrections.
    const leaves: [number, number][] = [];
    const merges: MergeNode[] = [];
    const build = (lo: number, hi: number): void => {
      if (hi - lo <= leafSize) {
        leaves.push([lo, hi]);
        return;
      }
      const mid = lo + ((hi - lo) >> 1);
      build(lo, mid);
      build(mid, hi);
      merges.push({ lo, mid, hi });
    };
    for (let b = 0; b + 1 < starts.length; b++) build(starts[b]!, starts[b + 1]!);
    for (const { mid } of merges) {
      const beta = Math.abs(ee[mid - 1]!);
      dd[mid - 1]! -= beta;
      dd[mid]! -= beta;
    }
    for (const [lo, hi] of leaves) this.total += leafBudget(hi - lo, wantVectors);
    for (const { lo, mid, hi } of merges) this.total += mergeBudget(mid - lo, hi - mid, wantVectors);
    // zeroing the vector buffer and the final row permutation
    if (wantVectors) this.total += 2 * COPY_WEIGHT * n * n;

    if (wantVectors) {
      this.gemmWork = this.arena.alloc(this.kernels.gemmWorkspaceBytes(), 'GEMM workspace');
      const rows = Math.max(1, Math.floor(this.yieldWork / (COPY_WEIGHT * n)));
      for (let r0 = 0; r0 < n; r0 += rows) {
        const r1 = Math.min(n, r0 + rows);
        new Float64Array(this.kernels.memory.buffer, this.zPtr + r0 * n * 8, (r1 - r0) * n).fill(0);
        if (this.account(COPY_WEIGHT * (r1 - r0) * n)) yield* this.pause();
      }
    }
    for (const [lo, hi] of leaves) {
      this.leaf(dd, ee, lo, hi);
      this.stats.leaves++;
      if (this.account(leafBudget(hi - lo, wantVectors))) yield* this.pause();
    }
    for (const node of merges) {
      const start = this.done;
      const budget = mergeBudget(node.mid - node.lo, node.hi - node.mid, wantVectors);
      yield* this.merge(ee, node, start, budget);
      this.done = start + budget;
      if (this.sinceYield >= this.yieldWork) yield* this.pause();
    }

    // Descending order; rows permuted in place by cycles.
    const perm = new Int32Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
    const val = this.val;
    perm.sort((a, b) => val[b]! - val[a]! || a - b);
    const values = new Float64Array(n);
    for (let t = 0; t < n; t++) values[t] = val[perm[t]!]! / scale;
    if (wantVectors) yield* this.permuteRows(perm);
    this.options.onProgress?.(this.total, this.total);
    return { values, stats: this.frozenStats() };
  }

  private frozenStats(): DCStats {
    const s = this.stats;
    return Object.freeze({ ...s, largeMerges: Object.freeze(s.largeMerges.map((m) => Object.freeze(m))) });
  }

  /** A leaf [lo, hi) by QL: its eigenvectors (or their end components) and values, ascending order. */
  private leaf(dd: Float64Array, ee: Float64Array, lo: number, hi: number): void {
    const m = hi - lo;
    const n = this.n;
    if (m === 1) {
      if (this.wantVectors) this.vectors()[lo * n + lo] = 1;
      else this.first[lo] = this.last[lo] = 1;
      this.val[lo] = dd[lo]!;
      this.ord[lo] = lo;
      return;
    }
    if (this.wantVectors) {
      const V = this.vectors();
      const { values, vectors } = tridiagonalEigen(dd.subarray(lo, hi), ee.subarray(lo, hi - 1), true);
      for (let t = 0; t < m; t++) {
        V.set(vectors!.subarray(t * m, t * m + m), (lo + t) * n + lo);
        this.val[lo + t] = values[t]!;
        this.ord[lo + m - 1 - t] = lo + t;
      }
    } else {
      const { values, rows } = tridiagonalEigenRows(dd.subarray(lo, hi), ee.subarray(lo, hi - 1), [0, m - 1]);
      for (let t = 0; t < m; t++) {
        this.first[lo + t] = rows[t]!;
        this.last[lo + t] = rows[m + t]!;
        this.val[lo + t] = values[t]!;
        this.ord[lo + m - 1 - t] = lo + t;
      }
    }
  }

  /**
   * Merges the solved children [lo, mid) and [mid, hi) coupled by ee[mid − 1]. The loops live in
   * plain methods (V8 optimises loops inside generators poorly); this only cuts them into pieces.
   */
  private *merge(ee: Float64Array, node: MergeNode, start: number, budget: number): Generator<void, void, void> {
    const m = node.hi - node.lo;
    const left = (): number => budget - (this.done - start);
    this.stats.merges++;
    const deflation = this.deflate(ee[node.mid - 1]!, node);
    this.sinceYield += SCALAR_WEIGHT * 12 * m;
    if (deflation === null) {
      this.stats.deflatedSmallZ += m;
      this.record(node, 0, m, 0, 0);
      return;
    }
    const { K, rho, smallZ, givens } = deflation;
    // pieces of about a tenth of yieldWork in the O(K²) scalar loops
    const step = Math.max(1, Math.floor(this.yieldWork / (10 * SCALAR_WEIGHT * 8 * K)));
    let iterations = 0;
    for (let k0 = 0; k0 < K; k0 += step) {
      const k1 = Math.min(K, k0 + step);
      const it = this.secularRoots(K, rho, k0, k1);
      iterations += it;
      if (this.account(SCALAR_WEIGHT * 2 * K * (it + k1 - k0), left())) yield* this.pause();
    }
    this.prod.fill(1, 0, K);
    for (let j0 = 0; j0 < K; j0 += step) {
      const j1 = Math.min(K, j0 + step);
      this.loewnerProducts(K, j0, j1);
      if (this.account(SCALAR_WEIGHT * 4 * K * (j1 - j0), left())) yield* this.pause();
    }
    this.loewnerZ(K);
    if (this.wantVectors) yield* this.mergeVectors(node, K, start, budget);
    else {
      const nf = new Float64Array(K);
      const nl = new Float64Array(K);
      for (let j0 = 0; j0 < K; j0 += step) {
        const j1 = Math.min(K, j0 + step);
        this.endComponents(node.lo, K, j0, j1, nf, nl);
        if (this.account(SCALAR_WEIGHT * 6 * K * (j1 - j0), left())) yield* this.pause();
      }
      for (let j = 0; j < K; j++) {
        this.first[node.lo + this.kept[j]!] = nf[j]!;
        this.last[node.lo + this.kept[j]!] = nl[j]!;
      }
    }
    this.finishMerge(node, K, m - K);
    this.sinceYield += SCALAR_WEIGHT * 4 * m;
    this.stats.nonDeflated += K;
    this.stats.deflatedSmallZ += smallZ;
    this.stats.deflatedGivens += givens;
    this.stats.secularIterations += iterations;
    this.record(node, K, smallZ, givens, iterations);
  }

  /**
   * Builds z, sorts the children's poles together and deflates (dlaed2): small z components,
   * then close poles merged by Givens rotations of their rows. Leaves the K kept local rows in
   * kept[], the deflated ones in deflated[], types in type[] (1 = nonzero in the top child's
   * columns only, 3 = bottom only, 2 = both) and the secular problem in ds, zs (normalised).
   * Returns null when the coupling is negligible (everything deflates).
   */
  private deflate(beta: number, node: MergeNode): { K: number; rho: number; smallZ: number; givens: number } | null {
    const { lo, mid, hi } = node;
    const n = this.n;
    const m = hi - lo;
    const n1 = mid - lo;
    const vec = this.wantVectors;
    const { val, ord, z, dl, sorted, type, kept, deflated, first, last } = this;
    const sign = beta >= 0 ? 1 : -1;
    const rho = 2 * Math.abs(beta);
    const V = vec ? this.vectors() : first;
    let zmax = 0;
    let dmax = 0;
    for (let i = 0; i < m; i++) {
      const r = lo + i;
      let zr: number;
      if (vec) zr = i < n1 ? V[r * n + mid - 1]! : sign * V[r * n + mid]!;
      else {
        // the merged block's end components: a top row is zero at hi − 1, a bottom row at lo
        zr = i < n1 ? last[r]! : sign * first[r]!;
        if (i < n1) last[r] = 0;
        else first[r] = 0;
      }
      zr *= Math.SQRT1_2;
      z[i] = zr;
      dl[i] = val[r]!;
      zmax = Math.max(zmax, Math.abs(zr));
      dmax = Math.max(dmax, Math.abs(val[r]!));
    }
    // The children's ascending lists merged (ties: top child first).
    for (let t = 0, a = lo, b = mid; t < m; t++) {
      if (b >= hi || (a < mid && val[ord[a]!]! <= val[ord[b]!]!)) sorted[t] = ord[a++]! - lo;
      else sorted[t] = ord[b++]! - lo;
    }
    const tol = 8 * EPS * Math.max(dmax, zmax);
    if (rho * zmax <= tol) {
      for (let t = 0; t < m; t++) ord[lo + t] = sorted[t]! + lo;
      return null;
    }
    for (let i = 0; i < m; i++) type[i] = i < n1 ? 1 : 3;
    let K = 0;
    let nd = 0;
    let smallZ = 0;
    let givens = 0;
    let p = -1;
    for (let t = 0; t < m; t++) {
      const j = sorted[t]!;
      if (rho * Math.abs(z[j]!) <= tol) {
        deflated[nd++] = j;
        smallZ++;
        continue;
      }
      if (p < 0) {
        p = j;
        continue;
      }
      const tau = hypot(z[p]!, z[j]!);
      const c = z[j]! / tau;
      const s = -z[p]! / tau;
      if (Math.abs((dl[j]! - dl[p]!) * c * s) <= tol) {
        // Rotate rows p, j so that z_p = 0: p ← c·p + s·j, j ← c·j − s·p.
        z[j] = tau;
        z[p] = 0;
        if (vec) {
          const c0 = type[p] === 3 && type[j] === 3 ? mid : lo;
          const c1 = type[p] === 1 && type[j] === 1 ? mid : hi;
          const op = (lo + p) * n;
          const oj = (lo + j) * n;
          for (let col = c0; col < c1; col++) {
            const x = V[op + col]!;
            const y = V[oj + col]!;
            V[op + col] = c * x + s * y;
            V[oj + col] = c * y - s * x;
          }
          this.sinceYield += SCALAR_WEIGHT * 4 * (c1 - c0);
        } else {
          let x = first[lo + p]!;
          let y = first[lo + j]!;
          first[lo + p] = c * x + s * y;
          first[lo + j] = c * y - s * x;
          x = last[lo + p]!;
          y = last[lo + j]!;
          last[lo + p] = c * x + s * y;
          last[lo + j] = c * y - s * x;
        }
        if (type[p] !== type[j]) type[j] = 2;
        type[p] = 2;
        const dp = dl[p]! * c * c + dl[j]! * s * s;
        dl[j] = dl[p]! * s * s + dl[j]! * c * c;
        dl[p] = dp;
        deflated[nd++] = p;
        givens++;
        p = j;
      } else {
        kept[K++] = p;
        p = j;
      }
    }
    if (p >= 0) kept[K++] = p;
    // The secular problem on the kept poles, z normalised (ρ absorbs ‖z‖²).
    const { ds, zs } = this;
    let zz = 0;
    for (let k = 0; k < K; k++) {
      ds[k] = dl[kept[k]!]!;
      zs[k] = z[kept[k]!]!;
      zz += zs[k]! * zs[k]!;
    }
    const znorm = Math.sqrt(zz);
    for (let k = 0; k < K; k++) zs[k]! /= znorm;
    return { K, rho: rho * zz, smallZ, givens };
  }

  /** Roots k0..k1 − 1 of the secular equation; returns the iterations taken. */
  private secularRoots(K: number, rho: number, k0: number, k1: number): number {
    let iterations = 0;
    for (let k = k0; k < k1; k++) iterations += secularRoot(K, this.ds, this.zs, rho, k, this.dmo, this.org, this.taus);
    return iterations;
  }

  /** Löwner products over roots j0..j1 − 1: prod_i ← prod_i·(d_i − λ_j) / (d_i − d_j) (j ≠ i). */
  private loewnerProducts(K: number, j0: number, j1: number): void {
    const { ds, org, taus, prod } = this;
    for (let j = j0; j < j1; j++) {
      const dj = ds[j]!;
      const dor = ds[org[j]!]!;
      const tj = taus[j]!;
      for (let i = 0; i < K; i++) {
        const delta = ds[i]! - dor - tj;
        prod[i] = i === j ? prod[i]! * delta : (prod[i]! * delta) / (ds[i]! - dj);
      }
    }
  }

  /** Gu–Eisenstat: ẑ_i = sign(z_i)·√(−prod_i), with prod_i = −ρ ẑ_i² the full Löwner product. */
  private loewnerZ(K: number): void {
    const { zs, prod, zhat } = this;
    for (let i = 0; i < K; i++) zhat[i] = zs[i]! >= 0 ? Math.sqrt(Math.abs(prod[i]!)) : -Math.sqrt(Math.abs(prod[i]!));
  }

  /** Row j of the secular eigenvector matrix, u_ji = ẑ_i / (d_i − λ_j) normalised, into `row`. */
  private secularRow(K: number, j: number): void {
    const { ds, org, taus, zhat, row } = this;
    const dor = ds[org[j]!]!;
    const tj = taus[j]!;
    let ss = 0;
    for (let i = 0; i < K; i++) {
      const u = zhat[i]! / (ds[i]! - dor - tj);
      row[i] = u;
      ss += u * u;
    }
    const inv = 1 / Math.sqrt(ss);
    for (let i = 0; i < K; i++) row[i]! *= inv;
  }

  /** Without vectors: the merged eigenvectors' end components u_j·first, u_j·last of the kept rows. */
  private endComponents(lo: number, K: number, j0: number, j1: number, nf: Float64Array, nl: Float64Array): void {
    const { first, last, kept, row } = this;
    for (let j = j0; j < j1; j++) {
      this.secularRow(K, j);
      let sf = 0;
      let sl = 0;
      for (let i = 0; i < K; i++) {
        const r = lo + kept[i]!;
        sf += row[i]! * first[r]!;
        sl += row[i]! * last[r]!;
      }
      nf[j] = sf;
      nl[j] = sl;
    }
  }

  /** Values of the merged block (pair j in storage row kept[j], deflated rows keep theirs) and its ascending order. */
  private finishMerge(node: MergeNode, K: number, nd: number): void {
    const { lo, hi } = node;
    const m = hi - lo;
    const { val, ord, kept, deflated, dl, ds, org, taus, sorted } = this;
    for (let j = 0; j < K; j++) val[lo + kept[j]!] = ds[org[j]!]! + taus[j]!;
    for (let t = 0; t < nd; t++) val[lo + deflated[t]!] = dl[deflated[t]!]!;
    for (let t = 0; t < m; t++) sorted[t] = lo + t;
    const order = sorted.subarray(0, m);
    order.sort((a, b) => val[a]! - val[b]! || a - b);
    ord.set(order, lo);
  }

  /**
   * The merged eigenvectors U·Q of the kept rows, U's columns grouped by row type (1, 2, 3) so
   * that each child's columns are one GEMM (dlaed3), in row blocks of about `yieldWork` flops;
   * each block goes through a buffer to the kept rows' storage.
   */
  private *mergeVectors(node: MergeNode, K: number, start: number, budget: number): Generator<void, void, void> {
    const { lo, mid, hi } = node;
    const m = hi - lo;
    const n1 = mid - lo;
    const n2 = hi - mid;
    const { kept, type, pos, byPos } = this;
    const counts = [0, 0, 0, 0];
    for (let k = 0; k < K; k++) counts[type[kept[k]!]!]!++;
    const c1 = counts[1]!;
    const c2 = counts[2]!;
    const c3 = counts[3]!;
    const next = [0, 0, c1, c1 + c2];
    for (let k = 0; k < K; k++) {
      const g = next[type[kept[k]!]!]!++;
      pos[k] = g;
      byPos[g] = kept[k]!;
    }
    const rowsTop = c1 + c2;
    const rowsBot = c2 + c3;
    // Row blocks of U (R rows), each multiplied by column tiles of the gathered rows: every tile
    // is one GEMM call of about yieldWork flops whose packing (R·k + k·cols) stays small beside
    // its 2·R·k·cols flops. Thin row blocks alone would re-pack all of Q for every block.
    const R = Math.min(K, ROW_BLOCK);
    const gatherLen = rowsTop * n1 + rowsBot * n2;
    const base = this.workspace((gatherLen + R * K + R * m) * 8);
    const topPtr = base;
    const botPtr = topPtr + rowsTop * n1 * 8;
    const uPtr = base + gatherLen * 8;
    const outPtr = uPtr + R * K * 8;
    this.gather(node, K, c1, rowsTop, base);
    if (this.account(COPY_WEIGHT * gatherLen, budget - (this.done - start))) yield* this.pause();
    const k = this.kernels;
    const left = (): number => budget - (this.done - start);
    for (let r0 = 0; r0 < K; r0 += R) {
      const r1 = Math.min(K, r0 + R);
      const rows = r1 - r0;
      this.secularBlock(K, r0, r1, uPtr);
      if (this.account(SCALAR_WEIGHT * 5 * K * rows, left())) yield* this.pause();
      for (const [depth, width, aOff, bPtr, cOff] of [[rowsTop, n1, 0, topPtr, 0], [rowsBot, n2, c1, botPtr, n1]] as const) {
        const tile = Math.max(32, Math.floor(this.yieldWork / (2 * rows * Math.max(1, depth)) / 8) * 8);
        for (let j0 = 0; j0 < width; j0 += tile) {
          const cols = Math.min(tile, width - j0);
          k.gemm_f64(0, 0, rows, cols, depth, uPtr + aOff * 8, K, bPtr + j0 * 8, width, outPtr + (cOff + j0) * 8, m, 0, this.gemmWork, 0, 0, 0, 0);
          const flops = 2 * rows * cols * depth;
          this.stats.gemmFlops += flops;
          if (this.account(flops + PACK_WEIGHT * (rows + cols) * depth, left())) yield* this.pause();
        }
      }
      this.scatter(node, r0, r1, outPtr);
      if (this.account(COPY_WEIGHT * rows * m, left())) yield* this.pause();
    }
  }

  /** Copies the kept rows' top parts (types 1, 2: [rowsTop, n1]) and bottom parts (types 2, 3: [K − c1, n2]) to `base`. */
  private gather(node: MergeNode, K: number, c1: number, rowsTop: number, base: number): void {
    const { lo, mid, hi } = node;
    const n = this.n;
    const n1 = mid - lo;
    const n2 = hi - mid;
    const V = this.vectors();
    const W = new Float64Array(this.kernels.memory.buffer, base, rowsTop * n1 + (K - c1) * n2);
    const byPos = this.byPos;
    for (let g = 0; g < rowsTop; g++) {
      const o = (lo + byPos[g]!) * n;
      W.set(V.subarray(o + lo, o + mid), g * n1);
    }
    for (let g = c1; g < K; g++) {
      const o = (lo + byPos[g]!) * n;
      W.set(V.subarray(o + mid, o + hi), rowsTop * n1 + (g - c1) * n2);
    }
  }

  /** Rows r0..r1 − 1 of U (columns grouped: column pos[i] for pole i) at uPtr, K apart. */
  private secularBlock(K: number, r0: number, r1: number, uPtr: number): void {
    const U = new Float64Array(this.kernels.memory.buffer, uPtr, (r1 - r0) * K);
    const { pos, row } = this;
    for (let j = r0; j < r1; j++) {
      this.secularRow(K, j);
      const o = (j - r0) * K;
      for (let i = 0; i < K; i++) U[o + pos[i]!] = row[i]!;
    }
  }

  /** New eigenvectors r0..r1 − 1 (block-width rows at outPtr) into the kept rows' storage. */
  private scatter(node: MergeNode, r0: number, r1: number, outPtr: number): void {
    const { lo, hi } = node;
    const n = this.n;
    const m = hi - lo;
    const V = this.vectors();
    const out = new Float64Array(this.kernels.memory.buffer, outPtr, (r1 - r0) * m);
    for (let j = r0; j < r1; j++) V.set(out.subarray((j - r0) * m, (j - r0 + 1) * m), (lo + this.kept[j]!) * n + lo);
  }


  private record(node: MergeNode, K: number, smallZ: number, givens: number, iterations: number): void {
    const size = node.hi - node.lo;
    if (size >= LISTED_MERGE_SIZE || size === this.n) {
      this.stats.largeMerges.push({ offset: node.lo, size, nonDeflated: K, deflatedSmallZ: smallZ, deflatedGivens: givens, secularIterations: iterations });
    }
  }

  /** Row t ← row perm[t] for all t, in place, following the permutation's cycles (yields between rows). */
  private *permuteRows(perm: Int32Array): Generator<void, void, void> {
    const n = this.n;
    const tmp = new Float64Array(n);
    const seen = new Uint8Array(n);
    for (let s = 0; s < n; s++) {
      if (seen[s] || perm[s] === s) continue;
      let V = this.vectors();
      tmp.set(V.subarray(s * n, s * n + n));
      let t = s;
      for (;;) {
        seen[t] = 1;
        const src = perm[t]!;
        if (src === s) {
          V.set(tmp, t * n);
          break;
        }
        V.copyWithin(t * n, src * n, src * n + n);
        t = src;
        if (this.account(COPY_WEIGHT * n)) {
          yield* this.pause();
          V = this.vectors();
        }
      }
    }
  }
}

/**
/**
 * Root k (0-based) of the secular equation f(λ) = 1/ρ + Σ_j z_j²/(d_j − λ), d strictly
 * increasing, ‖z‖ = 1, ρ > 0: λ_k lies in (d_k, d_{k+1}), or in (d_{K−1}, d_{K−1} + ρ] for the last.
 * Writes org[k] (the pole used as origin) and tau[k] with λ_k = d[org] + τ; `dmo` is scratch [K].
 * Returns the iterations taken.
 *
 * The iteration (Li's middle way): with δ_j = (d_j − d_o) − τ, the poles left of the root sum to
 * ψ and those right to φ (for the last root: all but the nearest pole, and the nearest). Each
 * part is replaced by c + s/(δ_p − η) matching its value and slope at τ, p its pole nearest the
 * root, and the two-pole model's root η between the poles is the step. A step that leaves the
 * bracket kept from the signs of f becomes a Newton step, then a bisection.
 */
function secularRoot(K: number, d: Float64Array, z: Float64Array, rho: number, k: number, dmo: Float64Array, org: Int32Array, tauOut: Float64Array): number {
  if (K === 1) {
    org[k] = 0;
    tauOut[k] = rho * z[0]! * z[0]!;
    return 0;
  }
  const rhoinv = 1 / rho;
  let o: number;
  let lo: number;
  let hi: number;
  let t: number;
  let pl: number;
  let pr: number;
  if (k < K - 1) {
    const mid = (d[k + 1]! - d[k]!) / 2;
    let f = rhoinv;
    const dk = d[k]!;
    for (let j = 0; j < K; j++) f += (z[j]! * z[j]!) / (d[j]! - dk - mid);
    if (f >= 0) {
      o = k;
      lo = 0;
      hi = mid;
      t = mid;
    } else {
      o = k + 1;
      lo = -mid;
      hi = 0;
      t = -mid;
    }
    pl = k;
    pr = k + 1;
  } else {
    o = K - 1;
    const mid = rho / 2;
    let f = rhoinv;
    const dk = d[o]!;
    for (let j = 0; j < K; j++) f += (z[j]! * z[j]!) / (d[j]! - dk - mid);
    if (f >= 0) {
      lo = 0;
      hi = mid;
    } else {
      lo = mid;
      hi = rho;
    }
    t = mid;
    pl = K - 2;
    pr = K - 1;
  }
  const dOrigin = d[o]!;
  for (let j = 0; j < K; j++) dmo[j] = d[j]! - dOrigin;
  let iter = 0;
  for (; iter < MAX_SECULAR_ITERATIONS; iter++) {
    // ψ over j ≤ pl summed far to near, φ over j ≥ pr likewise; err bounds f's rounding error.
    let psi = 0;
    let dpsi = 0;
    let err = 0;
    for (let j = 0; j <= pl; j++) {
      const q = z[j]! / (dmo[j]! - t);
      psi += z[j]! * q;
      dpsi += q * q;
      err += Math.abs(psi);
    }
    let phi = 0;
    let dphi = 0;
    for (let j = K - 1; j >= pr; j--) {
      const q = z[j]! / (dmo[j]! - t);
      phi += z[j]! * q;
      dphi += q * q;
      err += Math.abs(phi);
    }
    const w = rhoinv + psi + phi;
    const slope = dpsi + dphi;
    err += 8 * (Math.abs(psi) + Math.abs(phi)) + 2 * rhoinv + Math.abs(t) * slope;
    if (Math.abs(w) <= EPS * err || w === 0) break;
    if (w < 0) lo = Math.max(lo, t);
    else hi = Math.min(hi, t);
    if (hi - lo <= 4 * EPS * Math.max(Math.abs(lo), Math.abs(hi))) break;
    // Two-pole model: C η² − a η + b = 0 (δ_l = d_pl − λ, δ_r = d_pr − λ).
    const dlp = dmo[pl]! - t;
    const drp = dmo[pr]! - t;
    const C = w - dlp * dpsi - drp * dphi;
    const a = (dlp + drp) * w - dlp * drp * slope;
    const b = dlp * drp * w;
    let eta = NaN;
    if (C === 0) {
      if (a !== 0) eta = b / a;
    } else {
      const sq = Math.sqrt(Math.abs(a * a - 4 * b * C));
      const q = 0.5 * (a >= 0 ? a + sq : a - sq);
      const r1 = q / C;
      const r2 = q !== 0 ? b / q : r1;
      const in1 = t + r1 > lo && t + r1 < hi;
      const in2 = t + r2 > lo && t + r2 < hi;
      if (in1 && in2) eta = Math.abs(r1) <= Math.abs(r2) ? r1 : r2;
      else if (in1) eta = r1;
      else if (in2) eta = r2;
    }
    if (!(t + eta > lo && t + eta < hi)) {
      eta = -w / slope;
      if (!(t + eta > lo && t + eta < hi)) eta = (lo + hi) / 2 - t;
    }
    const tNew = t + eta;
    if (tNew === t) break;
    t = tNew;
  }
  org[k] = o;
  tauOut[k] = t;
  return iter + 1;
}
