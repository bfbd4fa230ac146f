/**
 * The Lanczos recurrence with full re-orthogonalisation, shared by {@link lanczos} (eigenpairs)
 * and {@link spectralDensity} (quadrature). Internal: not part of the public API.
 *
 * Step j: w = H q_j; w is orthogonalised against every basis vector by classical Gram–Schmidt
 * twice (so α_j = ⟨q_j, H q_j⟩ comes out of the same projections); β_j = ‖w‖ and, unless the
 * space has become invariant, q_{j+1} = w / β_j. The basis lives in one Float64Array that grows
 * geometrically up to the iteration cap, so memory is 8·p bytes per step actually taken.
 * see: C. Lanczos 1950; C. C. Paige 1976 (loss of orthogonality, and why full
 * re-orthogonalisation removes it); B. N. Parlett, The Symmetric Eigenvalue Problem, 1980.
 */
import { NumericalError } from '../errors.js';
import type { Rng } from '../model/rng.js';
import type { LinearOperator } from './operator.js';
import { fillNormal, orthogonalize, reorthogonalize, type VectorOps } from './vector.js';

/**
 * β below this fraction of the largest ‖H q_j‖ seen counts as breakdown (an invariant
 * subspace): setting it to zero perturbs H by less than 1e-12·‖H‖.
 */
export const BREAKDOWN = 1e-12;

/** What one Lanczos step found. */
export interface StepResult {
  /** α_j */
  readonly alpha: number;
  /** β_j = ‖w‖ after orthogonalisation (before any breakdown decision). */
  readonly beta: number;
  /** True when β_j is negligible: the Krylov space is invariant. */
  readonly breakdown: boolean;
}

/** A growing orthonormal Krylov basis and its tridiagonal matrix T. */
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
  /** Largest ‖H q_j‖ seen: a lower bound on ‖H‖, the scale for breakdown. */
  normEstimate = 0;
  private readonly cap: number;
  private readonly v: Float64Array;
  private readonly w: Float64Array;
  private coeffs: Float64Array;
  private scratch: Float64Array;

  constructor(
    private readonly op: LinearOperator,
    private readonly ops: VectorOps,
    cap: number,
    initialRows: number,
  ) {
    this.n = op.size;
    this.cap = cap;
    // Ops that own fast memory (wasm) get the whole basis up front: it cannot be regrown there.
    const alloc = ops.allocate ? (length: number): Float64Array => ops.allocate!(length) : (length: number): Float64Array => new Float64Array(length);
    const rows = ops.allocate ? Math.max(1, cap) : Math.max(1, Math.min(cap, initialRows));
    this.basis = alloc(rows * this.n);
    this.v = alloc(this.n);
    this.w = alloc(this.n);
    this.coeffs = new Float64Array(rows);
    this.scratch = new Float64Array(rows);
  }

  /** Empties the basis (keeps its memory and the matvec count) for a new start vector. */
  reset(): void {
    this.m = 0;
    this.alpha.length = 0;
    this.beta.length = 0;
    this.normEstimate = 0;
  }

  /** Row j of the basis (a view). */
  row(j: number): Float64Array {
    return this.basis.subarray(j * this.n, (j + 1) * this.n);
  }

  private ensureRows(rows: number): void {
    const have = this.basis.length / this.n;
    if (rows <= have) return;
    const grown = Math.min(this.cap, Math.max(rows, Math.ceil(have * 1.5)));
    const next = new Float64Array(grown * this.n);
    next.set(this.basis.subarray(0, this.m * this.n));
    this.basis = next;
    this.coeffs = new Float64Array(grown);
    this.scratch = new Float64Array(grown);
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
    this.m++;
    return true;
  }

  /**
   * Appends a fresh random direction orthogonal to the basis (a restart after breakdown, or the
   * first vector). Returns false if no direction was found in three draws (the basis spans ℝ^p).
   */
  appendRandom(rng: Rng): boolean {
    const x = this.v;
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
    const { n, ops, v, w } = this;
    v.set(this.basis.subarray(j * n, (j + 1) * n));
    await this.op.matvec(v, w);
    this.matvecs++;
    const hq = ops.norm(w);
    if (!Number.isFinite(hq)) {
      throw new NumericalError(`Lanczos step ${j}: the operator returned a non-finite product (‖Hq‖ = ${hq})`);
    }
    this.normEstimate = Math.max(this.normEstimate, hq);
    // The three-term recurrence first (w ← Hq_j − α q_j − β_{j−1} q_{j−1}, O(p)), then a full
    // Gram–Schmidt pass against q_0..q_j, and a second one only when the first removed a large
    // share of w (Daniel–Gragg–Kaufman–Stewart 1976: ‖w‖ fell below ‖w‖/√2). Usually the
    // recurrence leaves w nearly orthogonal, so one pass over the basis suffices; α_j is the
    // total coefficient on q_j.
    const qj = this.basis.subarray(j * n, (j + 1) * n);
    let alpha = ops.dot(qj, w);
    ops.axpy(-alpha, qj, w);
    if (j > 0 && this.beta[j - 1]! !== 0) ops.axpy(-this.beta[j - 1]!, this.basis.subarray((j - 1) * n, j * n), w);
    const beta = reorthogonalize(ops, this.basis, j + 1, w, this.coeffs, this.scratch);
    alpha += this.coeffs[j]!;
    this.alpha.push(alpha);
    const breakdown = !(beta > Math.max(BREAKDOWN, breakdownFactor) * this.normEstimate);
    if (breakdown || this.m >= this.cap) {
      this.beta.push(breakdown ? 0 : beta);
      return { alpha, beta, breakdown };
    }
    this.ensureRows(this.m + 1);
    ops.scale(1 / beta, w);
    this.basis.set(w, this.m * n);
    this.m++;
    this.beta.push(beta);
    return { alpha, beta, breakdown };
  }

  /** out ← Σ_j s[j]·q_j over the first s.length basis vectors. */
  combine(s: Float64Array, out: Float64Array): void {
    out.fill(0);
    this.ops.combine(this.basis, s.length, s, out);
  }
}
