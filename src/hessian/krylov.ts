/**
 * The Lanczos recurrence on a growing basis, shared by {@link lanczos} (eigenpairs) and
 * {@link spectralDensity} (quadrature). Internal: not part of the public API.
 *
 * Step j: w = H q_j − c q_{j−1}, α_j = ⟨q_j, w⟩, w ← w − α_j q_j (Paige's ordering, which keeps
 * q_{j+1} locally orthogonal to q_j); β_j = ‖w‖ and, unless the space has become invariant,
 * q_{j+1} = w / β_j. w is built in place in the next row of the basis. c is β_{j−1} in 'full'
 * mode and the measured ⟨q_{j−1}, H q_j⟩ in 'partial' mode (below). What happens to w against
 * the older vectors depends on the mode:
 *
 * - `'full'`: every step, one classical Gram–Schmidt pass of w against q_0..q_j and a second one
 *   only when the first removed a large share of w (the DGKS test in vector.ts). O(j·p) per step.
 * - `'partial'` (Simon 1984): no pass unless needed. The loss of orthogonality ω_{j+1,k} ≈
 *   ⟨q_{j+1}, q_k⟩ is estimated from T alone by Simon's ω-recurrence, O(j) per step. When
 *   max_k |ω_{j+1,k}| exceeds the level, w is re-orthogonalised against the whole basis (the
 *   same DGKS pass as 'full') on this step and again on the next, and the estimates are reset.
 *   The basis then stays orthogonal to the level, which keeps T equal to the projection of H onto
 *   an orthonormal basis of the same space to about level²·‖H‖, so no ghosts appear and Ritz
 *   values agree with 'full'. Simon's level is √ε; the callers pass min(1e-7, tol/10) instead (see
 *   {@link orthogonalityLevel}) because an f32 operator's own noise keeps ω above √ε.
 *   Whole basis rather than only the k with |ω_{j+1,k}| > level^{3/2}: the vectors that lose
 *   orthogonality are the converged Ritz directions, which involve most of the basis, so the set
 *   is nearly everything anyway; and a pass over contiguous rows runs in the project/combine
 *   kernels while a scattered subset would not. Resetting every ω then is exact.
 *
 * The noise term of the ω-recurrence is deterministic, added with the sign that increases |ω|:
 * max(ε·√p·‖T‖, the largest |⟨q_{j−1}, H q_j⟩ − β_{j−1}| measured so far). The first is the
 * rounding of one length-p inner product (‖T‖ estimated by the largest ‖H q_j‖); the second is
 * the operator's own noise and asymmetry, sampled every step at the cost of one dot product —
 * for the engine's float32 Hessian it is ~1e-8·‖H‖, 10⁴ times the first, and leaving it out let
 * ghosts through. No random numbers, so runs stay bitwise reproducible across platforms.
 * After a breakdown the dropped β (≤ the breakdown threshold) still couples the old block to
 * the new one: it enters the recurrence as a forcing term, so a large threshold makes the new
 * block re-orthogonalise more often, never silently lose orthogonality.
 *
 * The basis lives in one Float64Array that grows geometrically up to the iteration cap, so
 * memory is 8·p bytes per step actually taken.
 * see: C. Lanczos 1950; C. C. Paige 1976 (loss of orthogonality); H. D. Simon, "The Lanczos
 * algorithm with partial reorthogonalization", Math. Comp. 42 (1984); R. M. Larsen, PROPACK
 * (1998); B. N. Parlett, The Symmetric Eigenvalue Problem, 1980, ch. 13.
 */
import { NumericalError, ResourceError } from '../errors.js';
import type { Rng } from '../model/rng.js';
import type { LinearOperator } from './operator.js';
import { doubleRow } from './record.js';
import { decimalSize, type Reorthogonalization } from './validate.js';
import { fillNormal, float64Ops, orthogonalize, reorthogonalize, type VectorOps } from './vector.js';

/**
 * β below this fraction of the largest ‖H q_j‖ seen counts as breakdown (an invariant
 * subspace): setting it to zero perturbs H by less than 1e-12·‖H‖.
 */
export const BREAKDOWN = 1e-12;

export type { Reorthogonalization } from './validate.js';

/** Unit roundoff of float64, 2⁻⁵². */
const EPS = 2 ** -52;
/** √ε: semi-orthogonality, the classical level of partial re-orthogonalisation. */
export const SQRT_EPS = Math.sqrt(EPS);

/**
 * The loosest orthogonality level 'partial' mode keeps. T then differs from the projection of H
 * onto an orthonormal basis of the Krylov space by about level²·‖H‖ = 1e-14·‖H‖, and a Ritz
 * vector's true residual by a small multiple of level·‖H‖ (measured: ≈ 0.06·level·‖H‖).
 */
export const LOOSEST_LEVEL = 1e-7;

/**
 * The orthogonality level 'partial' mode keeps for a relative residual tolerance `tol`:
 * tol/10, at most {@link LOOSEST_LEVEL}, at least ε. Not √ε: operators computed in float32
 * (the engine's Hessian) carry noise of ~1e-8·‖H‖ per product, which alone puts ω above √ε
 * within a step, so √ε would mean re-orthogonalising every step. Not tol itself either: where
 * the f32 Hessian's own residual floor is already at the default tol (Iris 4-50-50-3, relaxed
 * build: 0.99·tol), the extra error of a basis orthogonal only to tol pushed one pair over and
 * Lanczos ran to its 200-step cap; a tenth of it leaves that pair at its full-mode residual.
 */
export function orthogonalityLevel(tol: number): number {
  return Math.min(LOOSEST_LEVEL, Math.max(tol / 10, EPS));
}

/**
 * `alloc(rows·n)` for a basis of `rows` vectors of length n, with the engine's failure to get that
 * memory (a RangeError: beyond the largest typed array, or out of memory) turned into a
 * {@link ResourceError} that says what needed it.
 */
function allocateRows(alloc: (length: number) => Float64Array, rows: number, n: number): Float64Array {
  try {
    return alloc(rows * n);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new ResourceError(
      `a Krylov basis of ${rows} vectors of length ${n} needs ${decimalSize(rows * n * 8)}, ` +
      `more than this JavaScript engine could allocate (${error.message}); ask for fewer eigenpairs or a smaller maxIterations`,
    );
  }
}

/** What one Lanczos step found. */
export interface StepResult {
  /** α_j */
  readonly alpha: number;
  /** β_j = ‖w‖ after orthogonalisation (before any breakdown decision). */
  readonly beta: number;
  /** True when β_j is negligible: the Krylov space is invariant. */
  readonly breakdown: boolean;
}

/** A growing (semi-)orthonormal Krylov basis and its tridiagonal matrix T. */
export class KrylovBasis {
  /** p */
  readonly n: number;
  /** Row-major basis, rows 0..m−1 in use. */
  basis: Float64Array;
  /** Basis vectors in use (= steps started). */
  m = 0;
  /** Diagonal of T, one entry per completed step. */
  readonly alpha: number[] = [];
  /** Off-diagonal of T: beta[j] couples q_j and q_{j+1}; 0 where the space was restarted. */
  readonly beta: number[] = [];
  /** Operator products taken by steps. */
  matvecs = 0;
  /** Steps whose w was re-orthogonalised against the basis (every step in 'full' mode). */
  reorthogonalizations = 0;
  /** Largest ‖H q_j‖ seen: a lower bound on ‖H‖, the scale for breakdown. */
  normEstimate = 0;
  private readonly cap: number;
  /**
   * Work vectors, taken on first use: a restart's random draw (v), the product past the cap (w);
   * between steps, callers may borrow both ({@link workVectors}).
   */
  private v: Float64Array | null = null;
  private w: Float64Array | null = null;
  private readonly alloc: (length: number) => Float64Array;
  private coeffs: Float64Array;
  private scratch: Float64Array;
  /** ω_{j−1,·}, ω_{j,·} (j = m − 1) and the row being built: estimates of ⟨q_j, q_k⟩. */
  private omegaPrev: Float64Array;
  private omegaCur: Float64Array;
  private omegaNext: Float64Array;
  /** Re-orthogonalise the next step whatever ω says (the second half of Simon's pair). */
  private forceNext = false;
  /** [rows] the β dropped at a breakdown after row k (0 elsewhere): forcing of the ω-recurrence. */
  private dropped: Float64Array;
  /** Largest |⟨q_{j−1}, H q_j⟩ − β_{j−1}| seen: the operator's measured noise (partial mode). */
  private operatorNoise = 0;
  /** ε·√p: the rounding level of one length-p inner product. */
  private readonly epsP: number;

  constructor(
    private readonly op: LinearOperator,
    private readonly ops: VectorOps,
    cap: number,
    initialRows: number,
    /** 'full' or 'partial' re-orthogonalisation (see the module notes). */
    readonly reorthogonalization: Reorthogonalization = 'partial',
    /** 'partial': the largest estimated |⟨q_i, q_k⟩| tolerated before a re-orthogonalisation. */
    readonly level = SQRT_EPS,
  ) {
    this.n = op.size;
    this.cap = cap;
    // Ops that own fast memory (wasm) get the whole basis up front: it cannot be regrown there.
    const alloc = ops.allocate ? (length: number): Float64Array => ops.allocate!(length) : (length: number): Float64Array => new Float64Array(length);
    const rows = ops.allocate ? Math.max(1, cap) : Math.max(1, Math.min(cap, initialRows));
    this.basis = allocateRows(alloc, rows, this.n);
    this.alloc = alloc;
    this.coeffs = new Float64Array(rows);
    this.scratch = new Float64Array(rows);
    this.omegaPrev = new Float64Array(rows + 1);
    this.omegaCur = new Float64Array(rows + 1);
    this.omegaNext = new Float64Array(rows + 1);
    this.dropped = new Float64Array(rows);
    this.epsP = EPS * Math.sqrt(this.n);
  }

  /** Empties the basis (keeps its memory and the matvec and re-orthogonalisation counts) for a new start vector. */
  reset(): void {
    this.m = 0;
    this.alpha.length = 0;
    this.beta.length = 0;
    this.normEstimate = 0;
    this.forceNext = false;
    this.dropped.fill(0);
  }

  /**
   * The two work vectors (length p, from the same allocator as the basis, so wasm-resident when the
   * ops own memory), lent to the caller between steps: the next step or restart overwrites them.
   */
  workVectors(): [Float64Array, Float64Array] {
    return [(this.v ??= this.alloc(this.n)), (this.w ??= this.alloc(this.n))];
  }

  /** Row j of the basis (a view). */
  row(j: number): Float64Array {
    return this.basis.subarray(j * this.n, (j + 1) * this.n);
  }

  private ensureRows(rows: number): void {
    const have = this.basis.length / this.n;
    if (rows <= have) return;
    const grown = Math.min(this.cap, Math.max(rows, Math.ceil(have * 1.5)));
    const next = allocateRows((length) => new Float64Array(length), grown, this.n);
    next.set(this.basis.subarray(0, this.m * this.n));
    this.basis = next;
    this.coeffs = new Float64Array(grown);
    this.scratch = new Float64Array(grown);
    const keep = (old: Float64Array, length: number): Float64Array => {
      const a = new Float64Array(length);
      a.set(old);
      return a;
    };
    this.omegaPrev = keep(this.omegaPrev, grown + 1);
    this.omegaCur = keep(this.omegaCur, grown + 1);
    this.omegaNext = keep(this.omegaNext, grown + 1);
    this.dropped = keep(this.dropped, grown);
  }

  /**
   * Appends `x` (orthogonalised against the basis twice, then normalised) as the next basis
   * vector. Returns false, appending nothing, if x lies in the span (relative norm after
   * orthogonalisation below 1e-10).
   */
  appendOrthogonalized(x: Float64Array): boolean {
    if (this.m >= this.cap) return false;
    this.ensureRows(this.m + 1);
    const before = this.ops.norm(x);
    if (!(before > 0) || !Number.isFinite(before)) return false;
    const after = orthogonalize(this.ops, this.basis, this.m, x, this.coeffs, this.scratch);
    if (!(after > 1e-10 * before)) return false;
    this.ops.scale(1 / after, x);
    this.basis.set(x, this.m * this.n);
    // Orthogonal to the basis to working precision: its ω start at the rounding level.
    this.omegaCur.fill(this.epsP, 0, this.m);
    this.omegaCur[this.m] = 1;
    this.forceNext = false;
    this.m++;
    return true;
  }

  /**
   * Appends a fresh random direction orthogonal to the basis (a restart after breakdown, or the
   * first vector). Returns false if no direction was found in three draws (the basis spans ℝ^p).
   */
  appendRandom(rng: Rng): boolean {
    const x = (this.v ??= this.alloc(this.n));
    for (let attempt = 0; attempt < 3; attempt++) {
      fillNormal(rng, x);
      if (this.appendOrthogonalized(x)) return true;
    }
    return false;
  }

  /**
   * Runs step j = m − 1 on the newest basis vector: one matvec, α_j and β_j. β_j ≤
   * breakdownFactor·(largest ‖Hq‖ seen) counts as breakdown (default {@link BREAKDOWN}). If there
   * is no breakdown and room remains, q_{j+1} = w/β_j is appended. On breakdown nothing is
   * appended and beta[j] is recorded as 0; the caller restarts or stops.
   */
  async step(breakdownFactor = BREAKDOWN): Promise<StepResult> {
    const j = this.m - 1;
    const { n, ops } = this;
    const room = this.m < this.cap;
    if (room) this.ensureRows(this.m + 1);
    const qj = this.basis.subarray(j * n, (j + 1) * n);
    // w is built in place in the next row, so appending q_{j+1} is a scaling, not a copy; the
    // operator reads q_j straight from the basis (operators only read v: LinearOperator).
    const w = room ? this.basis.subarray(this.m * n, (this.m + 1) * n) : (this.w ??= this.alloc(n));
    await this.op.matvec(qj, w);
    this.matvecs++;
    const full = this.reorthogonalization === 'full';
    if (full) this.noteProduct(j, ops.norm(w));
    const betaPrev = j > 0 ? this.beta[j - 1]! : 0;
    let c = 0;
    if (betaPrev !== 0) {
      const qPrev = this.basis.subarray((j - 1) * n, j * n);
      if (full) {
        c = betaPrev;
      } else {
        // ⟨q_{j−1}, H q_j⟩ = β_{j−1} in exact arithmetic with an exactly symmetric H; the
        // difference samples the operator's own rounding and asymmetry (f32 kernels), which
        // drives the loss of orthogonality. Subtracting the measured coefficient also keeps
        // q_{j+1} ⟂ q_{j−1} to rounding.
        c = ops.dot(qPrev, w);
        this.operatorNoise = Math.max(this.operatorNoise, Math.abs(c - betaPrev));
      }
      ops.axpy(-c, qPrev, w);
    }
    let alpha = ops.dot(qj, w);
    ops.axpy(-alpha, qj, w);
    let beta: number;
    if (full) {
      beta = reorthogonalize(ops, this.basis, j + 1, w, this.coeffs, this.scratch);
      alpha += this.coeffs[j]!;
      this.reorthogonalizations++;
    } else {
      beta = ops.norm(w);
      // H q_j = c q_{j−1} + α q_j + w with the three (semi-)orthogonal: ‖H q_j‖ without a pass.
      this.noteProduct(j, Math.sqrt(c * c + alpha * alpha + beta * beta));
      const worst = beta > 0 ? this.estimateOmega(j, alpha, beta) : Infinity;
      if (this.forceNext || worst > this.level) {
        beta = reorthogonalize(ops, this.basis, j + 1, w, this.coeffs, this.scratch);
        alpha += this.coeffs[j]!;
        this.reorthogonalizations++;
        // After one pass against a basis orthogonal to `level`, q_{j+1} is orthogonal to about
        // level²·√m (the pass's own error), or to rounding.
        this.omegaNext.fill(this.epsP + this.level * this.level * Math.sqrt(j + 1), 0, j + 1);
        this.omegaNext[j + 1] = 1;
        // Simon's pair: q_j's own ω are still large and feed the next row, so the next step
        // re-orthogonalises too, whatever its estimate says; that one does not force a third.
        this.forceNext = !this.forceNext;
      }
    }
    this.alpha.push(alpha);
    const breakdown = !(beta > Math.max(BREAKDOWN, breakdownFactor) * this.normEstimate);
    if (breakdown || !room) {
      this.beta.push(breakdown ? 0 : beta);
      // The dropped β still couples q_j to whatever comes next (see the module notes).
      if (breakdown && Number.isFinite(beta)) this.dropped[j] = beta;
      return { alpha, beta, breakdown };
    }
    ops.scale(1 / beta, w);
    this.m++;
    this.beta.push(beta);
    const prev = this.omegaPrev;
    this.omegaPrev = this.omegaCur;
    this.omegaCur = this.omegaNext;
    this.omegaNext = prev;
    return { alpha, beta, breakdown };
  }

  /** Checks ‖H q_j‖ and keeps the largest seen. */
  private noteProduct(j: number, hq: number): void {
    if (!Number.isFinite(hq)) {
      throw new NumericalError(`Lanczos step ${j}: the operator returned a non-finite product (‖Hq‖ = ${hq})`);
    }
    this.normEstimate = Math.max(this.normEstimate, hq);
  }

  /**
   * Simon's ω-recurrence: fills omegaNext[0..j+1] with bounds on |⟨q_{j+1}, q_k⟩| for
   * q_{j+1} = w/β_j, from ω_{j,·}, ω_{j−1,·} and T (α_j, β_j not yet recorded), and returns
   * max_{k≤j} |ω_{j+1,k}|: β_j ω_{j+1,k} = β_k ω_{j,k+1} + (α_k − α_j) ω_{j,k} + β_{k−1} ω_{j,k−1}
   * − β_{j−1} ω_{j−1,k} ± noise, with ω_{k,k} = 1.
   */
  private estimateOmega(j: number, alphaJ: number, betaJ: number): number {
    const cur = this.omegaCur;
    const prev = this.omegaPrev;
    const next = this.omegaNext;
    const { alpha, beta, dropped } = this;
    const rounding = this.epsP * this.normEstimate;
    const noise = Math.max(rounding, this.operatorNoise);
    const betaPrev = j > 0 ? beta[j - 1]! : 0;
    for (let k = 0; k < j; k++) {
      let x = beta[k]! * cur[k + 1]! + (alpha[k]! - alphaJ) * cur[k]! - betaPrev * prev[k]!;
      if (k > 0) x += beta[k - 1]! * cur[k - 1]!;
      // Noise, plus |⟨r, q_j⟩| ≤ ‖r‖ for a residual r dropped at a breakdown after row k.
      const bound = noise + dropped[k]!;
      next[k] = (x >= 0 ? x + bound : x - bound) / betaJ;
    }
    // q_{j+1} was made orthogonal to q_j and q_{j−1} explicitly (with measured coefficients).
    if (betaPrev !== 0) next[j - 1] = rounding / betaJ;
    next[j] = rounding / betaJ;
    next[j + 1] = 1;
    let worst = 0;
    for (let k = 0; k <= j; k++) worst = Math.max(worst, Math.abs(next[k]!));
    return worst;
  }

  /**
   * The vectors Σ_j S[i][j]·q_j over the first S[i].length basis vectors (all the same length),
   * as plain arrays — what results return, so a Ritz vector is built where it is kept, with no
   * k×p typed copy beside it. One sweep over the basis in column blocks serves all k outputs.
   */
  combineRows(S: readonly Float64Array[]): number[][] {
    const outs = S.map(() => doubleRow(this.n));
    if (S.length === 0) return outs;
    const many = this.ops.combineMany ? this.ops : float64Ops;
    many.combineMany!(this.basis, S[0]!.length, S, outs);
    return outs;
  }
}
