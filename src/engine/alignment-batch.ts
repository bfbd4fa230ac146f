/**
 * A(x), ∇ₓA(x) and the logit gap h(x), ∇ₓh for several inputs at once: the batched twin of
 * {@link AlignmentGradient} (src/analysis/input-gradient.ts, whose notes give the estimator), for
 * the margin search, whose starts advance together.
 *
 * Bitwise contract: every value a row gets here equals, bit for bit, what AlignmentGradient
 * computes for that input alone. The matrix products run in wasm (assembly/margin.ts: each row's
 * k-sums in the reference's order, f64 mul then add, the weight read shared by the rows); the
 * element-wise steps (σ, σ′, σ″, softmax with detmath exp, norms, dots) run here in float64
 * TypeScript with the reference's expressions. Rows are named by index lists, so inputs that
 * need different work in one step (a Newton projection, a full evaluation) share one instance.
 */
import { InputError, ShapeError } from '../errors.js';
import { exp } from '../model/detmath.js';
import { checkParameters, layerSlices, type LayerSlice, type MlpSpec } from '../model/mlp.js';
import { float64Activation, type Float64Activation } from '../model/activations.js';
import { Arena } from './arena.js';
import { instantiateKernels, type CompiledKernels, type KernelExports } from './wasm.js';

interface LayerBuffers {
  readonly slice: LayerSlice;
  /** [nout][nin] weight, and its bias [nout] (pointers into θ) */
  readonly w: number;
  readonly bias: number;
  /** [nin][nout] transposed weight */
  readonly wt: number;
  /** the direction's block: weight [nout][nin], bias, transposed weight */
  readonly u: number;
  readonly ubias: number;
  readonly ut: number;
  /** [B][nin] per row: input a, R{a}, and t of the R-backward */
  readonly a: number;
  readonly ra: number;
  readonly t: number;
  /** [B][nout] per row: z, σ′(z), σ″(z), e = W_{l+1}ᵀδ_{l+1}, δ, R{z}, R{δ} */
  readonly z: number;
  readonly s1: number;
  readonly s2: number;
  readonly e: number;
  readonly delta: number;
  readonly rz: number;
  readonly rd: number;
}

/** Row-batched A(x), ∇ₓA(x), h(x), ∇ₓh(x) of one model and one direction (up to `capacity` rows). */
export class BatchAlignmentGradient {
  /** input width d */
  readonly d: number;
  /** classes C */
  readonly classes: number;
  /** rows available */
  readonly capacity: number;
  /** per row: ŷ of the last forward */
  readonly predicted: Int32Array;
  /** per row: runner-up b of the last {@link gaps} */
  readonly runnerUp: Int32Array;
  /** per row: A of the last {@link evaluate} */
  readonly alignment: Float64Array;
  private readonly k: KernelExports;
  private readonly arena: Arena;
  private readonly act: Float64Activation;
  private readonly layers: LayerBuffers[];
  private readonly prob: number;
  private readonly gradS: number;
  private readonly gradQ: number;
  private readonly gradOut: number;
  private readonly gapGrad: number;
  private readonly rows: number;
  private readonly work: number;
  private readonly gn: Float64Array;
  private readonly dot: Float64Array;
  private readonly list: Int32Array;
  private mem!: Float64Array;

  /**
   * @param kernels the compiled kernels (an instance and a memory of its own are made here)
   * @param spec the network
   * @param theta its parameters (PyTorch order, p values; copied to float64)
   * @param direction the direction u (p values; normalised here as AlignmentGradient does)
   * @param capacity the most rows evaluated together
   */
  constructor(kernels: CompiledKernels, spec: MlpSpec, theta: ArrayLike<number>, direction: ArrayLike<number>, capacity: number) {
    checkParameters(spec, theta);
    checkParameters(spec, direction, 'direction');
    if (!(Number.isInteger(capacity) && capacity >= 1)) throw new InputError(`capacity must be an integer ≥ 1, got ${String(capacity)}`);
    const th = Float64Array.from(theta);
    for (let i = 0; i < th.length; i++) {
      if (!Number.isFinite(th[i]!)) throw new InputError(`parameter ${i} is ${th[i]} (parameters must be finite)`);
    }
    const u = Float64Array.from(direction);
    let s = 0;
    for (let i = 0; i < u.length; i++) {
      if (!Number.isFinite(u[i]!)) throw new InputError(`direction entry ${i} is ${u[i]} (must be finite)`);
      s += u[i]! * u[i]!;
    }
    if (!(s > 0)) throw new InputError('the direction is the zero vector');
    const inv = 1 / Math.sqrt(s);
    for (let i = 0; i < u.length; i++) u[i] = u[i]! * inv;

    this.act = float64Activation(spec.activation);
    this.d = spec.sizes[0]!;
    this.classes = spec.sizes[spec.sizes.length - 1]!;
    this.capacity = capacity;
    const B = capacity;
    const instance = instantiateKernels(kernels);
    this.k = instance.exports;
    this.arena = new Arena(this.k);
    const f64 = (count: number): number => this.arena.f64(count, 'the margin search buffers');
    const p = th.length;
    const thetaPtr = f64(p);
    const uPtr = f64(p);
    const slices = layerSlices(spec);
    this.layers = slices.map((slice) => {
      const nin = slice.inputs;
      const nout = slice.outputs;
      return {
        slice,
        w: thetaPtr + 8 * slice.weight,
        bias: thetaPtr + 8 * slice.bias,
        wt: f64(nin * nout),
        u: uPtr + 8 * slice.weight,
        ubias: uPtr + 8 * slice.bias,
        ut: f64(nin * nout),
        a: f64(B * nin),
        ra: f64(B * nin),
        t: f64(B * nin),
        z: f64(B * nout),
        s1: f64(B * nout),
        s2: f64(B * nout),
        e: f64(B * nout),
        delta: f64(B * nout),
        rz: f64(B * nout),
        rd: f64(B * nout),
      };
    });
    this.prob = f64(B * this.classes);
    this.gradS = f64(B * this.d);
    this.gradQ = f64(B * this.d);
    this.gradOut = f64(B * this.d);
    this.gapGrad = f64(B * this.d);
    this.rows = this.arena.alloc(4 * B, 'the margin search row list');
    this.work = this.arena.alloc(4 * Math.max(...spec.sizes), 'the margin search work space');
    this.refreshView();
    const m = this.mem;
    m.set(th, thetaPtr / 8);
    m.set(u, uPtr / 8);
    for (const l of this.layers) {
      const { inputs: nin, outputs: nout } = l.slice;
      for (let o = 0; o < nout; o++) {
        for (let i = 0; i < nin; i++) {
          m[l.wt / 8 + i * nout + o] = m[l.w / 8 + o * nin + i]!;
          m[l.ut / 8 + i * nout + o] = m[l.u / 8 + o * nin + i]!;
        }
      }
    }
    this.predicted = new Int32Array(B);
    this.runnerUp = new Int32Array(B);
    this.alignment = new Float64Array(B);
    this.gn = new Float64Array(B);
    this.dot = new Float64Array(B);
    this.list = new Int32Array(B);
  }

  /** Memory never grows after the constructor, but a view is rebuilt if it ever did. */
  private refreshView(): Float64Array {
    const buffer = this.k.memory.buffer as ArrayBuffer;
    if (!this.mem || this.mem.buffer !== buffer) this.mem = new Float64Array(buffer);
    return this.mem;
  }

  /** Writes input x (d values) into row r. */
  setInput(r: number, x: ArrayLike<number>): void {
    if (x.length !== this.d) throw new ShapeError(`input has ${x.length} features, but the model expects d = ${this.d}`);
    const m = this.refreshView();
    const base = this.layers[0]!.a / 8 + r * this.d;
    for (let i = 0; i < this.d; i++) {
      const v = x[i]!;
      if (!Number.isFinite(v)) throw new InputError(`input feature ${i} is ${v} (must be finite)`);
      m[base + i] = v;
    }
  }

  /** The logits of row r after the last forward (a fresh copy). */
  logits(r: number): Float64Array {
    const L = this.layers.length;
    const C = this.classes;
    const off = this.layers[L - 1]!.z / 8 + r * C;
    return this.refreshView().slice(off, off + C);
  }

  /** ∇ₓA of row r after {@link evaluate} (a live view into wasm memory, valid until the next call). */
  gradient(r: number): Float64Array {
    const off = this.gradOut / 8 + r * this.d;
    return this.refreshView().subarray(off, off + this.d);
  }

  /** ∇ₓh of row r after {@link gapGradients} (a live view, valid until the next call). */
  gapGradient(r: number): Float64Array {
    const off = this.gapGrad / 8 + r * this.d;
    return this.refreshView().subarray(off, off + this.d);
  }

  private setRows(rows: ArrayLike<number>, count: number): void {
    const list = new Int32Array(this.k.memory.buffer as ArrayBuffer, this.rows, count);
    for (let j = 0; j < count; j++) list[j] = rows[j]!;
  }

  /** z = W a + c through the net for the listed rows (inputs set by {@link setInput}); sets ŷ per row. */
  forward(rows: ArrayLike<number>, count: number): void {
    if (count === 0) return;
    this.setRows(rows, count);
    const L = this.layers.length;
    const { f, df, d2f } = this.act;
    for (let l = 0; l < L; l++) {
      const ly = this.layers[l]!;
      const { inputs: nin, outputs: nout } = ly.slice;
      this.k.rows_affine_f64(ly.wt, nin, nout, ly.bias, 0, ly.a, nin, this.rows, count, ly.z, nout);
      if (l === L - 1) break;
      const m = this.refreshView();
      const next = this.layers[l + 1]!.a / 8;
      for (let j = 0; j < count; j++) {
        const r = rows[j]!;
        const zo = ly.z / 8 + r * nout;
        const s1 = ly.s1 / 8 + r * nout;
        const s2 = ly.s2 / 8 + r * nout;
        const an = next + r * nout;
        for (let o = 0; o < nout; o++) {
          const v = m[zo + o]!;
          m[an + o] = f(v);
          m[s1 + o] = df(v);
          m[s2 + o] = d2f(v);
        }
      }
    }
    const m = this.mem;
    const C = this.classes;
    const z = this.layers[L - 1]!.z / 8;
    for (let j = 0; j < count; j++) {
      const r = rows[j]!;
      const off = z + r * C;
      let best = 0;
      for (let c = 1; c < C; c++) if (m[off + c]! > m[off + best]!) best = c;
      this.predicted[r] = best;
    }
  }

  /** h = z_ŷ − z_b of row r after the last forward (b = the runner-up, first index on ties). */
  gap(r: number): number {
    const m = this.refreshView();
    const C = this.classes;
    const off = this.layers[this.layers.length - 1]!.z / 8 + r * C;
    const a = this.predicted[r]!;
    let b = a === 0 ? 1 : 0;
    for (let j = 0; j < C; j++) if (j !== a && m[off + j]! > m[off + b]!) b = j;
    this.runnerUp[r] = b;
    return m[off + a]! - m[off + b]!;
  }

  /**
   * ∇ₓh for the listed rows at their last forward ({@link gap} must have run for each, fixing b):
   * a backward pass from δ_L = e_ŷ − e_b, read by {@link gapGradient}.
   */
  gapGradients(rows: ArrayLike<number>, count: number): void {
    if (count === 0) return;
    this.setRows(rows, count);
    const L = this.layers.length;
    const C = this.classes;
    const m = this.refreshView();
    const top = this.layers[L - 1]!;
    for (let j = 0; j < count; j++) {
      const r = rows[j]!;
      const off = top.delta / 8 + r * C;
      m.fill(0, off, off + C);
      m[off + this.predicted[r]!] = 1;
      m[off + this.runnerUp[r]!] = -1;
    }
    this.backwardToFirst(rows, count);
    const first = this.layers[0]!;
    this.k.rows_transpose_axpy_f64(first.w, first.slice.outputs, first.slice.inputs, first.delta, first.slice.outputs, this.rows, count, this.gapGrad, this.d, 0, this.work);
  }

  /** δ_{l−1} = σ′ ⊙ W_lᵀ δ_l for l = L−1 … 1 (e kept), rows already set. */
  private backwardToFirst(rows: ArrayLike<number>, count: number): void {
    for (let l = this.layers.length - 1; l > 0; l--) {
      const ly = this.layers[l]!;
      const below = this.layers[l - 1]!;
      const { inputs: nin, outputs: nout } = ly.slice;
      this.k.rows_transpose_axpy_f64(ly.w, nout, nin, ly.delta, nout, this.rows, count, below.e, nin, 0, this.work);
      const m = this.refreshView();
      for (let j = 0; j < count; j++) {
        const r = rows[j]!;
        const e = below.e / 8 + r * nin;
        const s1 = below.s1 / 8 + r * nin;
        const dl = below.delta / 8 + r * nin;
        for (let i = 0; i < nin; i++) m[dl + i] = m[s1 + i]! * m[e + i]!;
      }
    }
  }

  /**
   * A(x) and ∇ₓA(x) for the listed rows at their last forward: A per row in {@link alignment},
   * ∇ₓA read by {@link gradient}.
   */
  evaluate(rows: ArrayLike<number>, count: number): void {
    if (count === 0) return;
    this.setRows(rows, count);
    const L = this.layers.length;
    const C = this.classes;
    let m = this.refreshView();
    const top = this.layers[L - 1]!;
    // δ_L = softmax − e_ŷ with δ_ŷ = −Σ_{j≠ŷ} p_j
    for (let j = 0; j < count; j++) {
      const r = rows[j]!;
      const z = top.z / 8 + r * C;
      const pr = this.prob / 8 + r * C;
      const dL = top.delta / 8 + r * C;
      const y = this.predicted[r]!;
      const zmax = m[z + y]!;
      let sum = 0;
      for (let c = 0; c < C; c++) {
        const ez = exp(m[z + c]! - zmax);
        m[pr + c] = ez;
        sum += ez;
      }
      let others = 0;
      for (let c = 0; c < C; c++) {
        const pc = m[pr + c]! / sum;
        m[pr + c] = pc;
        m[dL + c] = pc;
        if (c !== y) others += pc;
      }
      m[dL + y] = -others;
    }
    this.backwardToFirst(rows, count);
    m = this.refreshView();
    // ‖g‖² = Σ_l ‖δ_l‖²(‖a_l‖² + 1)
    for (let j = 0; j < count; j++) {
      const r = rows[j]!;
      let q = 0;
      for (const ly of this.layers) {
        const { inputs: nin, outputs: nout } = ly.slice;
        q += sumSq(m, ly.delta / 8 + r * nout, nout) * (sumSq(m, ly.a / 8 + r * nin, nin) + 1);
      }
      this.gn[r] = q > 0 ? Math.sqrt(q) : 0;
      this.dot[r] = 0;
    }
    // R_u forward; s = Σ_l δ_lᵀ(U_l a_l + c_l)
    for (let l = 0; l < L; l++) {
      const ly = this.layers[l]!;
      const { inputs: nin, outputs: nout } = ly.slice;
      this.k.rows_affine_f64(ly.ut, nin, nout, ly.ubias, 0, ly.a, nin, this.rows, count, ly.rz, nout);
      m = this.refreshView();
      for (let j = 0; j < count; j++) {
        const r = rows[j]!;
        this.dot[r] = this.dot[r]! + dotOf(m, ly.delta / 8 + r * nout, ly.rz / 8 + r * nout, nout);
      }
      this.rForwardRest(l, rows, count);
    }
    // rows with ‖g‖ = 0 stop here: A = 0, ∇A = 0
    const live = this.list;
    let n = 0;
    for (let j = 0; j < count; j++) {
      const r = rows[j]!;
      const gn = this.gn[r]!;
      if (gn === 0) {
        this.alignment[r] = 0;
        m.fill(0, this.gradOut / 8 + r * this.d, this.gradOut / 8 + (r + 1) * this.d);
      } else {
        this.alignment[r] = clampUnit(this.dot[r]! / gn);
        live[n++] = r;
      }
    }
    if (n === 0) return;
    this.setRows(live, n);
    // R_u backward to the input: ∇s = U_0ᵀ δ_0 + W_0ᵀ R{δ_0}
    this.rBackward(live, n, this.gradS, false);
    // R_w pass with w = g(x): V_l a_l + c_l = (‖a_l‖² + 1) δ_l
    for (let l = 0; l < L; l++) {
      const ly = this.layers[l]!;
      const { inputs: nin, outputs: nout } = ly.slice;
      m = this.refreshView();
      for (let j = 0; j < n; j++) {
        const r = live[j]!;
        const scale = sumSq(m, ly.a / 8 + r * nin, nin) + 1;
        const dl = ly.delta / 8 + r * nout;
        const rz = ly.rz / 8 + r * nout;
        for (let o = 0; o < nout; o++) m[rz + o] = scale * m[dl + o]!;
      }
      this.rForwardRest(l, live, n);
    }
    this.rBackward(live, n, this.gradQ, true);
    // ∇A = ∇s/‖g‖ − s R_w{∇ₓℓ}/‖g‖³
    m = this.refreshView();
    const d = this.d;
    for (let j = 0; j < n; j++) {
      const r = live[j]!;
      const inv = 1 / this.gn[r]!;
      const c = this.dot[r]! * inv * inv * inv;
      const gs = this.gradS / 8 + r * d;
      const gq = this.gradQ / 8 + r * d;
      const go = this.gradOut / 8 + r * d;
      for (let i = 0; i < d; i++) m[go + i] = m[gs + i]! * inv - c * m[gq + i]!;
    }
  }

  /** The rest of an R-forward layer after R{z_l}'s first term: += W_l R{a_l} (l > 0), R{a_{l+1}} = σ′ ⊙ R{z_l}. */
  private rForwardRest(l: number, rows: ArrayLike<number>, count: number): void {
    const ly = this.layers[l]!;
    const { inputs: nin, outputs: nout } = ly.slice;
    if (l > 0) this.k.rows_affine_f64(ly.wt, nin, nout, 0, 1, ly.ra, nin, this.rows, count, ly.rz, nout);
    if (l === this.layers.length - 1) return;
    const m = this.refreshView();
    const next = this.layers[l + 1]!.ra / 8;
    for (let j = 0; j < count; j++) {
      const r = rows[j]!;
      const s1 = ly.s1 / 8 + r * nout;
      const rz = ly.rz / 8 + r * nout;
      const out = next + r * nout;
      for (let o = 0; o < nout; o++) m[out + o] = m[s1 + o]! * m[rz + o]!;
    }
  }

  /**
   * R-backward to the input for the listed rows (rows already set): writes V_0ᵀ δ_0 + W_0ᵀ R{δ_0}
   * into `out` ([B][d]), V = u (`alongGradient` false) or V = g(x) (V_lᵀ δ_l = ‖δ_l‖² a_l).
   */
  private rBackward(rows: ArrayLike<number>, count: number, out: number, alongGradient: boolean): void {
    const L = this.layers.length;
    const C = this.classes;
    let m = this.refreshView();
    const top = this.layers[L - 1]!;
    for (let j = 0; j < count; j++) {
      const r = rows[j]!;
      const p = this.prob / 8 + r * C;
      const rzL = top.rz / 8 + r * C;
      const rdL = top.rd / 8 + r * C;
      let pr = 0;
      for (let c = 0; c < C; c++) pr += m[p + c]! * m[rzL + c]!;
      for (let c = 0; c < C; c++) m[rdL + c] = m[p + c]! * (m[rzL + c]! - pr);
    }
    for (let l = L - 1; l >= 0; l--) {
      const ly = this.layers[l]!;
      const { inputs: nin, outputs: nout } = ly.slice;
      const t = l > 0 ? ly.t : out;
      if (alongGradient) {
        m = this.refreshView();
        for (let j = 0; j < count; j++) {
          const r = rows[j]!;
          const dd = sumSq(m, ly.delta / 8 + r * nout, nout);
          const al = ly.a / 8 + r * nin;
          const tr = t / 8 + r * nin;
          for (let i = 0; i < nin; i++) m[tr + i] = dd * m[al + i]!;
        }
      } else {
        this.k.rows_transpose_axpy_f64(ly.u, nout, nin, ly.delta, nout, this.rows, count, t, nin, 0, this.work);
      }
      this.k.rows_transpose_axpy_f64(ly.w, nout, nin, ly.rd, nout, this.rows, count, t, nin, 1, this.work);
      if (l === 0) break;
      // R{δ_{l−1}} = σ″ ⊙ R{z} ⊙ e + σ′ ⊙ t
      const below = this.layers[l - 1]!;
      m = this.refreshView();
      for (let j = 0; j < count; j++) {
        const r = rows[j]!;
        const rd = below.rd / 8 + r * nin;
        const s1 = below.s1 / 8 + r * nin;
        const s2 = below.s2 / 8 + r * nin;
        const rz = below.rz / 8 + r * nin;
        const e = below.e / 8 + r * nin;
        const tr = t / 8 + r * nin;
        for (let i = 0; i < nin; i++) m[rd + i] = m[s2 + i]! * m[rz + i]! * m[e + i]! + m[s1 + i]! * m[tr + i]!;
      }
    }
  }
}

function clampUnit(c: number): number {
  return c > 1 ? 1 : c < -1 ? -1 : c;
}

function sumSq(m: Float64Array, off: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += m[off + i]! * m[off + i]!;
  return s;
}

function dotOf(m: Float64Array, a: number, b: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += m[a + i]! * m[b + i]!;
  return s;
}
