/**
 * One dense MLP bound to one set of samples inside one kernel instance: the code that strings the
 * kernels together per layer and per chunk of samples. It returns SUMS over its samples in f64
 * (never means), so shards held by different workers add up exactly in a fixed order.
 *
 * Layout (per chunk of m samples, row-major, rows = samples):
 *   A₀ = X[m×d];  Z_l = A_{l−1}·W_lᵀ + b_l [m×n_l];  A_l = σ(Z_l)
 *   Δ_L = softmax(Z_L) − e_y;  E_l = Δ_{l+1}·W_{l+1} [m×n_l];  Δ_l = σ′(Z_l) ⊙ E_l
 *   ∇W_l = Δ_lᵀ·A_{l−1},  ∇b_l = Σ_rows Δ_l
 * Pearlmutter's R-passes along v = (V_l, c_l) reuse A, Δ (Z, E where needed) and the softmax P (DESIGN.md):
 *   RZ_l = A_{l−1}·V_lᵀ + RA_{l−1}·W_lᵀ + c_l;  RA_l = σ′(Z_l) ⊙ RZ_l;  RΔ_L = P ⊙ (RZ_L − ⟨P, RZ_L⟩)
 *   RΔ_l = σ′(Z_l) ⊙ (Δ_{l+1}·V_{l+1} + RΔ_{l+1}·W_{l+1}) + σ″(Z_l) ⊙ RZ_l ⊙ E_l
 *   (Hv)_{W_l} = RΔ_lᵀ·A_{l−1} + Δ_lᵀ·RA_{l−1},  (Hv)_{b_l} = Σ_rows RΔ_l
 * see: B. Pearlmutter, "Fast exact multiplication by the Hessian", Neural Computation 1994.
 *
 * The GEMM epilogues add b_l and apply σ as the tile is stored (forward), add c_l (R-forward) and
 * widen ∇W_l, (Hv)_{W_l} straight into the f64 sums, so none of these costs a pass of its own.
 *
 * Curvature caching: `prepareCurvature()` runs forward and backward once and keeps what the
 * R-passes read — A_l and Δ_l always, Z_l only where σ′ does not follow from A_l (GELU), E_l only
 * where σ″ ≠ 0 (not relu/identity), and the softmax P — for as many whole chunks of samples as fit
 * `cacheBytes` (all of them when they fit). Hv then costs only the R-passes on the cached chunks
 * and recomputes forward and backward on the others, one chunk at a time in one spare chunk of
 * rows. Cached or recomputed, the results are the same bits. See {@link curvatureElementsPerSample}.
 */
import { InputError, ShapeError } from '../errors.js';
import { ACTIVATIONS, layerSlices, parameterCount, type LayerSlice, type MlpSpec } from '../model/mlp.js';
import type { Dataset } from '../data/dataset.js';
import { Arena } from './arena.js';
import { EPILOGUE, type KernelExports, type Kernels } from './wasm.js';

/**
 * Arithmetic of the kernels: `f32` (default, fast) stores activations in float32 with f64 sums over
 * samples; `f64` runs every kernel in float64 — about 2× slower, for gradients of nearly converged
 * models whose per-sample terms cancel (there float32 storage alone costs ~1e-5 relative error).
 */
export type Precision = 'f32' | 'f64';

/**
 * Checks the options a net is built with: the net itself, and a session before it shards the data
 * by them (a zero chunkSize would make every shard empty).
 */
export function checkNetOptions(options: DenseNetOptions): void {
  const { chunkSize, precision, cacheBytes } = options;
  if (chunkSize !== undefined && !(Number.isInteger(chunkSize) && chunkSize >= 1)) throw new ShapeError(`chunkSize must be a positive integer, got ${chunkSize}`);
  if (precision !== undefined && precision !== 'f32' && precision !== 'f64') throw new InputError(`precision must be 'f32' or 'f64', got ${JSON.stringify(precision)}`);
  if (cacheBytes !== undefined && !(cacheBytes >= 0)) throw new ShapeError(`cacheBytes must be ≥ 0, got ${cacheBytes}`);
}

/** The kernel entry points of one precision, bound to an instance. */
interface TypedKernels {
  gemm: KernelExports['gemm_f32'];
  actBackward: KernelExports['act_backward_f32'];
  actRBackward: KernelExports['act_r_backward_f32'];
  softmaxXent: KernelExports['softmax_xent_f32'];
  argmaxRows: KernelExports['argmax_rows_f32'];
  rSoftmax: KernelExports['r_softmax_f32'];
  colsumInto64: KernelExports['colsum_f32_into_f64'];
  blockRowDots: KernelExports['block_row_dots_f32'];
  layerGradNormSq: KernelExports['layer_grad_normsq_f32'];
}

function typedKernels(k: KernelExports, precision: Precision): TypedKernels {
  const t = precision === 'f64' ? 'f64' : 'f32';
  return {
    gemm: k[`gemm_${t}`],
    actBackward: k[`act_backward_${t}`],
    actRBackward: k[`act_r_backward_${t}`],
    softmaxXent: k[`softmax_xent_${t}`],
    argmaxRows: k[`argmax_rows_${t}`],
    rSoftmax: k[`r_softmax_${t}`],
    colsumInto64: k[`colsum_${t}_into_f64`],
    blockRowDots: k[`block_row_dots_${t}`],
    layerGradNormSq: k[`layer_grad_normsq_${t}`],
  };
}

/** Tuning of a {@link DenseNet}. */
export interface DenseNetOptions {
  /** Kernel arithmetic (default `f32`). */
  readonly precision?: Precision;
  /** Samples per chunk (default 256): activation buffers are chunk × width. */
  readonly chunkSize?: number;
  /**
   * Largest per-sample curvature cache to keep across Hv calls, in bytes (default 512 MiB): the
   * first ⌊cacheBytes / chunk bytes⌋ chunks are cached (every sample when all fit), the rest
   * recomputed per Hv. 0 caches nothing.
   */
  readonly cacheBytes?: number;
  /**
   * Global index of this net's first block when it holds a shard of a larger dataset (a worker);
   * sums are then returned as tree nodes that combine into the same bits as one thread's.
   */
  readonly firstBlock?: number;
}

/**
 * Per-layer buffers: pointers into wasm memory (0 where the activation does not need one). `rows`
 * is n when every sample is cached, else the cached samples plus one spare chunk.
 */
interface LayerBuffers {
  readonly slice: LayerSlice;
  readonly hidden: boolean;
  /** pre-activation: [rows × out] for GELU hidden layers; [chunk × out] logits for the last layer */
  readonly z: number;
  /** [rows × out] activation (hidden layers) */
  readonly a: number;
  /** what σ′ and σ″ are computed from: `z` for GELU, else `a` (hidden layers) */
  readonly s: number;
  /** [rows × out] Wᵀδ of the layer above (hidden layers whose σ″ ≠ 0) */
  readonly e: number;
  /** [rows × out] δ */
  readonly d: number;
  /** [m × out] R{z}, R{a}, R{δ} */
  readonly rz: number;
  readonly ra: number;
  readonly rd: number;
}

/** Which label the per-sample gradient g(x) = ∇θ ℓ(θ; x, y) uses. */
export type LabelChoice = 'predicted' | 'true';

/** Per-sample products of k directions with the per-sample gradients. */
export interface PerSampleProducts {
  /** [n × k] row-major: ⟨g(x_i), v_j⟩ */
  readonly dots: Float64Array;
  /** [n]: ‖g(x_i)‖² */
  readonly gradNormSq: Float64Array;
  /** [n]: arg-max labels (first index on ties) */
  readonly predicted: Int32Array;
}

/**
 * A node of the canonical pairwise summation tree over blocks of samples: the sum over an aligned
 * run of 2^level blocks. {@link combineBlockNodes} adds nodes in order into the same bits however
 * the blocks were split among workers.
 */
export interface BlockNode {
  readonly level: number;
  readonly loss: number;
  readonly correct: number;
  /** [p] vector sum, or null for scalar-only reductions */
  readonly values: Float64Array | null;
}

/**
 * Adds tree nodes given in block order: a binary counter merges equal levels (the canonical tree),
 * then the remaining partial sums are folded from the right. Consumes the nodes: their value
 * arrays are summed in place (every node carries a fresh array, sliced or received from a worker).
 */
export function combineBlockNodes(nodes: readonly BlockNode[]): { loss: number; correct: number; values: Float64Array | null } {
  type Entry = { level: number; loss: number; correct: number; values: Float64Array | null };
  const stack: Entry[] = [];
  // left + right into left's array (IEEE addition is commutative, so the bits equal right + left)
  const add = (a: Entry, b: Entry, level: number): Entry => {
    let values: Float64Array | null = null;
    if (a.values && b.values) {
      values = a.values;
      const bv = b.values;
      for (let i = 0; i < values.length; i++) values[i]! += bv[i]!;
    }
    return { level, loss: a.loss + b.loss, correct: a.correct + b.correct, values };
  };
  for (const node of nodes) {
    let carry: Entry = { ...node };
    while (stack.length > 0 && stack[stack.length - 1]!.level === carry.level) {
      carry = add(stack.pop()!, carry, carry.level + 1);
    }
    stack.push(carry);
  }
  if (stack.length === 0) return { loss: 0, correct: 0, values: null };
  let result = stack[stack.length - 1]!;
  for (let i = stack.length - 2; i >= 0; i--) result = add(stack[i]!, result, stack[i]!.level);
  return result;
}

/** Sums of a forward pass over the samples. */
export interface ForwardSums {
  /** Σ per-sample cross-entropy */
  readonly lossSum: number;
  /** number of samples whose arg-max logit equals the label */
  readonly correct: number;
  /** number of samples */
  readonly n: number;
}

const DEFAULT_CHUNK = 256;
const DEFAULT_CACHE_BYTES = 512 * 2 ** 20;

/** Whether σ′, σ″ of an activation need Z (GELU) rather than A = σ(Z) (assembly/activations.ts). */
function needsZ(activation: MlpSpec['activation']): boolean {
  return activation === 'gelu';
}

/** Whether σ″ ≠ 0, so the R-backward reads E = Δ_{l+1}·W_{l+1}. */
function needsE(activation: MlpSpec['activation']): boolean {
  return activation !== 'relu' && activation !== 'identity';
}

/**
 * Elements per sample of the curvature cache: A_l and Δ_l of every hidden layer (+ Z_l for GELU,
 * + E_l when σ″ ≠ 0), and Δ_L and the softmax P of the output layer.
 */
export function curvatureElementsPerSample(spec: MlpSpec): number {
  const slices = layerSlices(spec);
  const hidden = slices.slice(0, -1).reduce((s, l) => s + l.outputs, 0);
  const classes = slices[slices.length - 1]!.outputs;
  return hidden * (2 + (needsZ(spec.activation) ? 1 : 0) + (needsE(spec.activation) ? 1 : 0)) + 2 * classes;
}

/** A dense MLP over a fixed dataset in one kernel instance. Not thread-safe; one call at a time. */
export class DenseNet {
  readonly spec: MlpSpec;
  readonly p: number;
  readonly n: number;
  /** samples per block: block boundaries are global, so shards reduce to the same bits */
  readonly block: number;
  /** global index of this net's first block */
  readonly firstBlock: number;
  /** Samples whose forward/backward results are kept between Hv calls: the first this many (whole chunks, or all n). */
  readonly cachedSamples: number;

  /** Kernel arithmetic in use. */
  readonly precision: Precision;

  private readonly k: TypedKernels;
  private readonly kernels: KernelExports;
  /** f64 p-vectors for the pairwise sums (at most one per tree level + 1), allocated on first use */
  private readonly levels: number[] = [];
  /** bytes per element: 4 (f32) or 8 (f64) */
  private readonly es: number;
  private readonly arena: Arena;
  private readonly act: number;
  private readonly layers: LayerBuffers[];
  private readonly x: number;
  private readonly labels: number;
  private readonly pred: number;
  /** [chunk × d] and [chunk] gather buffers for mini-batches */
  private readonly batchX: number;
  private readonly batchLabels: number;
  private readonly theta: number;
  private readonly dir: number;
  /** the f64 p-vector the current block's sums go to (a buffer of `levels`' pool) */
  private acc = 0;
  private readonly pre: number;
  private readonly prob: number;
  private readonly work: number;
  private readonly d: number;
  private curvatureReady = false;

  constructor(kernels: Kernels, spec: MlpSpec, data: Dataset, options: DenseNetOptions = {}) {
    if (data.d !== spec.sizes[0]) {
      throw new ShapeError(`the data has ${data.d} features but the ${spec.sizes.join('-')} MLP expects ${spec.sizes[0]}`);
    }
    const classes = spec.sizes[spec.sizes.length - 1]!;
    if (data.classes > classes) {
      throw new ShapeError(`the data has ${data.classes} classes but the ${spec.sizes.join('-')} MLP outputs ${classes}`);
    }
    checkNetOptions(options);
    this.precision = options.precision ?? 'f32';
    this.k = typedKernels(kernels.exports, this.precision);
    this.kernels = kernels.exports;
    this.es = this.precision === 'f64' ? 8 : 4;
    this.arena = new Arena(kernels.exports);
    this.spec = spec;
    this.p = parameterCount(spec);
    this.n = data.n;
    this.d = data.d;
    this.act = ACTIVATIONS.indexOf(spec.activation);
    const blockSize = options.chunkSize ?? DEFAULT_CHUNK;
    this.block = blockSize;
    this.firstBlock = options.firstBlock ?? 0;
    const slices = layerSlices(spec);
    const widthSum = slices.reduce((s, l) => s + l.outputs, 0);
    const maxIn = Math.max(...slices.map((l) => l.inputs));
    const es = this.es;
    const perSample = curvatureElementsPerSample(spec) * es;
    const cacheBytes = options.cacheBytes ?? DEFAULT_CACHE_BYTES;
    const cacheAll = this.n * perSample <= cacheBytes;
    this.cachedSamples = cacheAll ? this.n : Math.floor(cacheBytes / (perSample * blockSize)) * blockSize;
    const m = Math.min(this.block, this.n);
    // the cached samples' rows, then one chunk of rows for the samples recomputed per Hv
    const rows = cacheAll ? this.n : this.cachedSamples + m;
    const keepZ = needsZ(spec.activation);
    const keepE = needsE(spec.activation);

    const workBytes = kernels.exports.gemmWorkspaceBytes();
    // data, labels and predictions; θ, direction; the cache; per chunk R{z}, R{a}, R{δ}, logits, the
    // R-backward and mini-batch buffers; GEMM workspace; f64 sums of the pairwise tree (one per level + 1)
    const levels = Math.ceil(Math.log2(Math.max(1, Math.ceil(this.n / this.block)))) + 1;
    const estimate = this.n * (this.d * es + 8) + this.p * 2 * es + rows * perSample +
      m * (widthSum * 3 + classes) * es + m * (maxIn + this.d) * es + m * 4 + workBytes + levels * this.p * 8 + 256;
    this.arena.checkFits(estimate, `a ${spec.sizes.join('-')} MLP over ${this.n} samples (${this.precision})`);

    const a = this.arena;
    const buf = (count: number, what: string): number => a.alloc(count * es, what);
    this.x = buf(this.n * this.d, 'the samples');
    this.setValues(this.x, data.x);
    this.labels = a.alloc(this.n * 4, 'the labels');
    a.viewI32(this.labels, this.n).set(data.y);
    this.pred = a.alloc(this.n * 4, 'the predictions');
    this.batchX = buf(m * this.d, 'the mini-batch buffer');
    this.batchLabels = a.alloc(m * 4, 'the mini-batch labels');
    this.theta = buf(this.p, 'the parameters');
    this.dir = buf(this.p, 'the direction vector');
    this.pre = buf(m * maxIn, 'the R-backward buffer');
    this.prob = buf(rows * classes, 'the softmax cache');
    this.work = a.alloc(workBytes, 'the GEMM workspace');
    this.layers = slices.map((slice, i) => {
      const hidden = i < slices.length - 1;
      const w = slice.outputs;
      const z = hidden ? (keepZ ? buf(rows * w, 'activation cache') : 0) : buf(m * w, 'the logits buffer');
      const act = hidden ? buf(rows * w, 'activation cache') : 0;
      return {
        slice,
        hidden,
        z,
        a: act,
        s: keepZ ? z : act,
        e: hidden && keepE ? buf(rows * w, 'activation cache') : 0,
        d: buf(rows * w, 'activation cache'),
        rz: buf(m * w, 'R-pass buffer'),
        ra: hidden ? buf(m * w, 'R-pass buffer') : 0,
        rd: buf(m * w, 'R-pass buffer'),
      };
    });
  }

  /** Whether forward/backward results of all samples are kept between Hv calls. */
  get cachesAllSamples(): boolean {
    return this.cachedSamples === this.n;
  }

  /** Bytes of wasm memory this net uses. */
  get memoryBytes(): number {
    return this.arena.memoryBytes;
  }

  /** Copies θ (PyTorch order, p values) into the kernels' memory and drops curvature caches. */
  setParameters(theta: ArrayLike<number>): void {
    if (theta.length !== this.p) throw new ShapeError(`parameter vector has ${theta.length} entries, expected p = ${this.p}`);
    this.setValues(this.theta, theta);
    this.curvatureReady = false;
  }

  /** Forward pass over all samples: loss sum and correct count; also records predictions. */
  forwardSums(): ForwardSums {
    const total = combineBlockNodes(this.forwardNodes());
    return { lossSum: total.loss, correct: total.correct, n: this.n };
  }

  /** Σ over samples of the per-sample gradient, into `out` (p values, f64). Returns forward sums. */
  gradientSums(out: Float64Array): ForwardSums {
    this.checkOut(out);
    const total = combineBlockNodes(this.gradientReduce(false));
    out.set(total.values!);
    return { lossSum: total.loss, correct: total.correct, n: this.n };
  }

  /** Σ over samples of H_x·v (the per-sample loss Hessian times v) into `out` (f64, p values). */
  hvpSums(v: ArrayLike<number>, out: Float64Array): void {
    this.checkOut(out);
    out.set(combineBlockNodes(this.hvpReduce(v, false)).values!);
  }

  /** Loss and correct count as nodes of the canonical pairwise tree over blocks (for workers). */
  forwardNodes(): BlockNode[] {
    return this.reduceBlocks(null, (i0, m, row) => {
      const loss = this.forwardChunk(i0, m, row);
      return { loss, correct: this.countCorrect(i0, m) };
    });
  }

  /** Gradient sums as nodes of the canonical pairwise tree over blocks (for workers). */
  gradientNodes(): BlockNode[] {
    return this.gradientReduce(true);
  }

  /** Gradient nodes; with copy = false their values are views of wasm memory (see reduceBlocks). */
  private gradientReduce(copy: boolean): BlockNode[] {
    const nodes = this.reduceBlocks(copy, (i0, m, row) => {
      const loss = this.forwardChunk(i0, m, row);
      const correct = this.countCorrect(i0, m);
      this.backwardChunk(m, row, true, i0);
      return { loss, correct };
    });
    // the cached chunks now hold this θ's forward and backward (Δ is the same with or without ∇)
    this.curvatureReady = true;
    return nodes;
  }

  /** Hv sums as nodes of the canonical pairwise tree over blocks (for workers). */
  hvpNodes(v: ArrayLike<number>): BlockNode[] {
    return this.hvpReduce(v, true);
  }

  /** Hv nodes; with copy = false their values are views of wasm memory (see reduceBlocks). */
  private hvpReduce(v: ArrayLike<number>, copy: boolean): BlockNode[] {
    if (v.length !== this.p) throw new ShapeError(`vector has ${v.length} entries, expected p = ${this.p}`);
    this.prepareCurvature();
    this.setValues(this.dir, v);
    return this.reduceBlocks(copy, (i0, m, row) => {
      if (i0 >= this.cachedSamples) {
        this.forwardChunk(i0, m, row);
        this.backwardChunk(m, row, false, i0);
      }
      this.rPassChunk(i0, m, row);
      return { loss: 0, correct: 0 };
    });
  }

  /** Runs forward and backward once on the cached chunks so that Hv calls reuse them. */
  prepareCurvature(): void {
    if (this.curvatureReady) return;
    for (let i0 = 0; i0 < this.cachedSamples; i0 += this.block) {
      const m = Math.min(this.block, this.n - i0);
      this.forwardChunk(i0, m, i0);
      this.backwardChunk(m, i0, false, i0);
    }
    this.curvatureReady = true;
  }

  /**
   * Runs `perBlock` on every block of samples (block b = samples [b·block, (b+1)·block) of the
   * whole dataset) and sums the results over the canonical pairwise tree: this shard's range is cut
   * into maximal aligned power-of-two runs of blocks, each summed as a perfect binary tree. Since
   * IEEE addition is commutative, any split of the blocks among workers then gives the same bits.
   * Unless `copy` is null (scalar sums only), `perBlock` writes its p-vector to `acc` (every entry,
   * so no zeroing is needed) and the nodes carry p-vector sums: fresh arrays with `copy` (for
   * workers, and for callers that keep them), else views of wasm memory that stay valid only until
   * the net's next call (the in-thread sums, which copy them into `out` at once).
   */
  private reduceBlocks(copy: boolean | null, perBlock: (i0: number, m: number, row: number) => { loss: number; correct: number }): BlockNode[] {
    const raw: { level: number; loss: number; correct: number; buf: number }[] = [];
    const blocks = Math.ceil(this.n / this.block);
    const free = this.levels.slice();
    let local = 0;
    while (local < blocks) {
      const global = this.firstBlock + local;
      let size = 1;
      while ((global % (size * 2) === 0) && local + size * 2 <= blocks) size *= 2;
      raw.push(this.reduceNode(local, size, copy !== null, free, perBlock));
      local += size;
    }
    // views only now: allocating a buffer may grow (and detach) wasm memory
    return raw.map(({ level, loss, correct, buf }) => {
      const view = copy === null ? null : this.arena.viewF64(buf, this.p);
      return { level, loss, correct, values: view && copy ? view.slice() : view };
    });
  }

  /**
   * Perfect-binary-tree sum of `size` (a power of two) blocks from local block `start`. Each block
   * writes into a free buffer of the pool; merging adds the newer partial sum into the older one's
   * buffer (top + carry, as IEEE addition is commutative the bits equal carry + top) and frees the
   * newer, so no p-vector is ever copied or zeroed. The node's sum stays in its buffer (`buf`),
   * which is not returned to `free`.
   */
  private reduceNode(start: number, size: number, vector: boolean, free: number[],
    perBlock: (i0: number, m: number, row: number) => { loss: number; correct: number }): { level: number; loss: number; correct: number; buf: number } {
    const stack: { level: number; loss: number; correct: number; buf: number }[] = [];
    const p = this.p;
    const take = (): number => free.pop() ?? this.newLevelBuffer();
    for (let b = start; b < start + size; b++) {
      const i0 = b * this.block;
      const m = Math.min(this.block, this.n - i0);
      if (vector) this.acc = take();
      const r = perBlock(i0, m, this.cacheRow(i0));
      let carry = { level: 0, loss: r.loss, correct: r.correct, buf: this.acc };
      while (stack.length > 0 && stack[stack.length - 1]!.level === carry.level) {
        const top = stack.pop()!;
        if (vector) {
          this.kernels.axpy_f64(1, carry.buf, top.buf, p);
          free.push(carry.buf);
        }
        carry = { level: top.level + 1, loss: top.loss + carry.loss, correct: top.correct + carry.correct, buf: top.buf };
      }
      stack.push(carry);
    }
    return stack[0]!;
  }

  /** A new f64 p-vector for the pairwise sums (kept for later calls). */
  private newLevelBuffer(): number {
    const buf = this.arena.f64(this.p, 'a pairwise-sum buffer');
    this.levels.push(buf);
    return buf;
  }

  /**
   * Σ over the samples `indices` (a mini-batch, any length, repeats allowed) of the per-sample
   * gradient into `out` (f64, p values). Returns the batch's loss sum and correct count.
   */
  gradientSumsOn(indices: ArrayLike<number>, out: Float64Array): ForwardSums {
    this.checkOut(out);
    this.acc = this.levels[0] ?? this.newLevelBuffer();
    this.arena.viewF64(this.acc, this.p).fill(0);
    this.curvatureReady = false;
    let lossSum = 0;
    let correct = 0;
    const d = this.d;
    const rows = Math.min(this.block, this.n);
    for (let b0 = 0; b0 < indices.length; b0 += rows) {
      const m = Math.min(rows, indices.length - b0);
      const labels = this.arena.viewI32(this.labels, this.n);
      const batchLabels = this.arena.viewI32(this.batchLabels, m);
      const xs = this.es === 8 ? this.arena.viewF64(this.x, this.n * d) : this.arena.viewF32(this.x, this.n * d);
      const bx = this.es === 8 ? this.arena.viewF64(this.batchX, m * d) : this.arena.viewF32(this.batchX, m * d);
      for (let i = 0; i < m; i++) {
        const s = indices[b0 + i]!;
        if (!(s >= 0 && s < this.n && Number.isInteger(s))) throw new ShapeError(`batch index ${s} is out of range 0..${this.n - 1}`);
        bx.set(xs.subarray(s * d, s * d + d), i * d);
        batchLabels[i] = labels[s]!;
      }
      lossSum += this.forwardRows(this.batchX, this.batchLabels, m, 0);
      const last = this.layers[this.layers.length - 1]!;
      const C = last.slice.outputs;
      this.k.argmaxRows(last.z, m, C, this.batchLabels);
      // argmax overwrote the gathered labels with predictions: count against the true labels
      const pred = this.arena.viewI32(this.batchLabels, m);
      for (let i = 0; i < m; i++) if (pred[i] === labels[indices[b0 + i]!]) correct++;
      this.backwardRows(this.batchX, m, 0, true, b0 > 0);
    }
    out.set(this.arena.viewF64(this.acc, this.p));
    return { lossSum, correct, n: indices.length };
  }

  /**
   * For every sample x_i and direction v_j: ⟨g(x_i), v_j⟩ and ‖g(x_i)‖², with g(x) the per-sample
   * gradient at the predicted (default) or true label — never materialising n × p gradients:
   * for a dense layer ⟨g, v⟩ = Σ_l δ_lᵀ(V_l a_{l−1} + c_l) and ‖g‖² = Σ_l ‖δ_l‖²(‖a_{l−1}‖² + 1)
   * (DESIGN.md); the k products V_l a_{l−1} are one GEMM per layer and chunk.
   */
  perSampleProducts(vectors: readonly ArrayLike<number>[], labelChoice: LabelChoice = 'predicted'): PerSampleProducts {
    const k = vectors.length;
    vectors.forEach((v, j) => {
      if (v.length !== this.p) throw new ShapeError(`direction ${j} has ${v.length} entries, expected p = ${this.p}`);
    });
    const es = this.es;
    const mark = this.arena.mark();
    try {
      const maxOut = Math.max(...this.layers.map((L) => L.slice.outputs));
      const stack = this.arena.alloc(Math.max(1, k * this.p) * es, `${k} stacked directions`);
      const prod = this.arena.alloc(Math.max(1, Math.min(this.block, this.n) * k * maxOut) * es, 'the per-sample product buffer');
      const dots = this.arena.f64(Math.max(1, this.n * k), 'the per-sample products');
      const norms = this.arena.f64(this.n, 'the per-sample gradient norms');
      // Stack layer by layer: [V_l^(1); …; V_l^(k)] (k·out × in), then [c_l^(1); …; c_l^(k)].
      const offsets = this.layers.map(() => 0);
      let at = 0;
      this.layers.forEach((L, l) => {
        offsets[l] = at;
        at += k * (L.slice.inputs * L.slice.outputs + L.slice.outputs);
      });
      const view = es === 8 ? this.arena.viewF64(stack, k * this.p) : this.arena.viewF32(stack, k * this.p);
      this.layers.forEach((L, l) => {
        const { inputs, outputs, weight, bias } = L.slice;
        const w = inputs * outputs;
        for (let j = 0; j < k; j++) {
          const v = vectors[j]!;
          for (let i = 0; i < w; i++) view[offsets[l]! + j * w + i] = v[weight + i]!;
          for (let i = 0; i < outputs; i++) view[offsets[l]! + k * w + j * outputs + i] = v[bias + i]!;
        }
      });
      const kk = this.k;
      for (let i0 = 0; i0 < this.n; i0 += this.block) {
        const m = Math.min(this.block, this.n - i0);
        const { row, x } = this.perSampleBackward(i0, m, labelChoice);
        this.layers.forEach((L, l) => {
          const { inputs, outputs } = L.slice;
          const below = l > 0 ? this.layers[l - 1]! : undefined;
          const aPrev = below ? below.a + row * inputs * es : x;
          const d = L.d + row * outputs * es;
          if (k > 0) {
            kk.gemm(0, 1, m, k * outputs, inputs, aPrev, inputs, stack + offsets[l]! * es, inputs, prod, k * outputs, 0, this.work, EPILOGUE.none, 0, 0, 0);
            kk.blockRowDots(d, prod, stack + (offsets[l]! + k * inputs * outputs) * es, m, outputs, k, dots + i0 * k * 8);
          }
          kk.layerGradNormSq(d, aPrev, m, outputs, inputs, norms + i0 * 8);
        });
      }
      this.curvatureReady = false;
      return {
        dots: this.arena.viewF64(dots, this.n * k).slice(),
        gradNormSq: this.arena.viewF64(norms, this.n).slice(),
        predicted: this.arena.viewI32(this.pred, this.n).slice(),
      };
    } finally {
      this.arena.reset(mark);
    }
  }

  /**
   * The per-sample gradients g(x_i) themselves, [n × p] row-major in PyTorch order (at the
   * predicted (default) or true label) — for consumers that need them whole, e.g. projecting all
   * of them onto all p eigenvectors as Ĝ·Q·S (n·p doubles: 13 MB for the paper's model). For a
   * dense layer the weight part is the outer product δ_l a_{l−1}ᵀ and the bias part δ_l.
   */
  perSampleGradients(labelChoice: LabelChoice = 'predicted'): Float64Array {
    const es = this.es;
    const out = new Float64Array(this.n * this.p);
    for (let i0 = 0; i0 < this.n; i0 += this.block) {
      const m = Math.min(this.block, this.n - i0);
      const { row, x } = this.perSampleBackward(i0, m, labelChoice);
      this.layers.forEach((L, l) => {
        const { inputs, outputs, weight, bias } = L.slice;
        const below = l > 0 ? this.layers[l - 1]! : undefined;
        const aPrev = below ? below.a + row * inputs * es : x;
        const view = (ptr: number, count: number): Float32Array | Float64Array => (es === 8 ? this.arena.viewF64(ptr, count) : this.arena.viewF32(ptr, count));
        const a = view(aPrev, m * inputs);
        const d = view(L.d + row * outputs * es, m * outputs);
        for (let i = 0; i < m; i++) {
          const g = (i0 + i) * this.p;
          for (let o = 0; o < outputs; o++) {
            const delta = d[i * outputs + o]!;
            const w = g + weight + o * inputs;
            for (let t = 0; t < inputs; t++) out[w + t] = delta * a[i * inputs + t]!;
            out[g + bias + o] = delta;
          }
        }
      });
    }
    this.curvatureReady = false;
    return out;
  }

  /**
   * Forward and per-sample backward pass over samples i0 … i0+m−1, with the output residual at
   * the predicted label (recomputed from the logits) or the true one: afterwards each layer's δ and
   * activations hold per-sample rows (not summed). Returns the chunk's cache row and its inputs.
   */
  private perSampleBackward(i0: number, m: number, labelChoice: LabelChoice): { row: number; x: number } {
    const es = this.es;
    const row = this.cacheRow(i0);
    const x = this.x + i0 * this.d * es;
    this.forwardRows(x, this.labels + i0 * 4, m, row);
    const last = this.layers[this.layers.length - 1]!;
    const C = last.slice.outputs;
    this.k.argmaxRows(last.z, m, C, this.pred + i0 * 4);
    if (labelChoice === 'predicted') {
      this.k.softmaxXent(last.z, this.pred + i0 * 4, this.prob + row * C * es, last.d + row * C * es, m, C);
    }
    this.backwardRows(x, m, row, false, false);
    return { row, x };
  }

  /** Predicted labels of the last forward pass over all samples. */
  predictions(): Int32Array {
    return this.arena.viewI32(this.pred, this.n).slice();
  }

  // --- per-chunk passes -------------------------------------------------------------------

  /** Copies values into a buffer of the net's element type. */
  private setValues(ptr: number, values: ArrayLike<number>): void {
    if (this.es === 8) this.arena.viewF64(ptr, values.length).set(values);
    else this.arena.viewF32(ptr, values.length).set(values);
  }

  /** First cache row of the chunk starting at sample i0: its own rows if cached, else the spare chunk's. */
  private cacheRow(i0: number): number {
    return Math.min(i0, this.cachedSamples);
  }

  private checkOut(out: Float64Array): void {
    if (out.length !== this.p) throw new ShapeError(`output vector has ${out.length} entries, expected p = ${this.p}`);
  }

  /** Forward for samples [i0, i0+m) into cache rows starting at `row`; returns the loss sum. */
  private forwardChunk(i0: number, m: number, row: number): number {
    return this.forwardRows(this.x + i0 * this.d * this.es, this.labels + i0 * 4, m, row);
  }

  /** Forward for m rows of inputs at `x` with labels at `labels`; returns the loss sum. */
  private forwardRows(x: number, labels: number, m: number, row: number): number {
    const k = this.k;
    const es = this.es;
    let input = x;
    for (const L of this.layers) {
      const { inputs, outputs, weight, bias } = L.slice;
      const W = this.theta + weight * es;
      const b = this.theta + bias * es;
      if (L.hidden) {
        // A = σ(X·Wᵀ + b) in the GEMM's epilogue; Z kept only where σ′ needs it (GELU)
        const a = L.a + row * outputs * es;
        const z = L.z ? L.z + row * outputs * es : 0;
        k.gemm(0, 1, m, outputs, inputs, input, inputs, W, inputs, a, outputs, 0, this.work, EPILOGUE.biasAct, b, this.act, z);
        input = a;
      } else {
        k.gemm(0, 1, m, outputs, inputs, input, inputs, W, inputs, L.z, outputs, 0, this.work, EPILOGUE.bias, b, 0, 0);
      }
    }
    const last = this.layers[this.layers.length - 1]!;
    const C = last.slice.outputs;
    return k.softmaxXent(last.z, labels, this.prob + row * C * es, last.d + row * C * es, m, C);
  }

  private countCorrect(i0: number, m: number): number {
    const last = this.layers[this.layers.length - 1]!;
    const C = last.slice.outputs;
    this.k.argmaxRows(last.z, m, C, this.pred + i0 * 4);
    const pred = this.arena.viewI32(this.pred + i0 * 4, m);
    const labels = this.arena.viewI32(this.labels + i0 * 4, m);
    let correct = 0;
    for (let i = 0; i < m; i++) if (pred[i] === labels[i]) correct++;
    return correct;
  }

  /** Backward from the cached Δ_L: E and Δ of every layer; with `grad`, writes ∇ into acc. */
  private backwardChunk(m: number, row: number, grad: boolean, i0: number): void {
    this.backwardRows(this.x + i0 * this.d * this.es, m, row, grad, false);
  }

  /**
   * Backward for m rows whose inputs are at `x` (needed for the first layer's gradient). With
   * `grad` the gradient sums are written to acc, or added to it with `accumulate`.
   */
  private backwardRows(x: number, m: number, row: number, grad: boolean, accumulate: boolean): void {
    const k = this.k;
    const es = this.es;
    const add = accumulate ? 1 : 0;
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const L = this.layers[l]!;
      const { inputs, outputs } = L.slice;
      const d = L.d + row * outputs * es;
      const below = l > 0 ? this.layers[l - 1]! : undefined;
      if (grad) {
        const aPrev = below ? below.a + row * inputs * es : x;
        k.gemm(1, 0, outputs, inputs, m, d, outputs, aPrev, inputs, this.acc + L.slice.weight * 8, inputs, add, this.work, EPILOGUE.widen, 0, 0, 0);
        k.colsumInto64(d, m, outputs, this.acc + L.slice.bias * 8, add);
      }
      if (below) {
        // E = Δ·W goes straight into Δ's buffer (then Δ = σ′ ⊙ E in place) unless σ″ ≠ 0 keeps it
        const dBelow = below.d + row * inputs * es;
        const e = below.e ? below.e + row * inputs * es : dBelow;
        k.gemm(0, 0, m, inputs, outputs, d, outputs, this.theta + L.slice.weight * es, inputs, e, inputs, 0, this.work, EPILOGUE.none, 0, 0, 0);
        k.actBackward(e, below.s + row * inputs * es, dBelow, m * inputs, this.act);
      }
    }
  }

  /** R-forward and R-backward for samples [i0, i0+m) with caches at `row`; writes Hv sums to acc. */
  private rPassChunk(i0: number, m: number, row: number): void {
    const k = this.k;
    const es = this.es;
    const x = this.x + i0 * this.d * es;
    const V = this.dir;
    const W = this.theta;
    // R-forward: RZ = A·Vᵀ + RA·Wᵀ + c (c in the last GEMM's epilogue), RA = σ′ ⊙ RZ
    for (let l = 0; l < this.layers.length; l++) {
      const L = this.layers[l]!;
      const { inputs, outputs, weight, bias } = L.slice;
      const below = l > 0 ? this.layers[l - 1]! : undefined;
      const aPrev = below ? below.a + row * inputs * es : x;
      const c = V + bias * es;
      k.gemm(0, 1, m, outputs, inputs, aPrev, inputs, V + weight * es, inputs, L.rz, outputs, 0, this.work,
        below ? EPILOGUE.none : EPILOGUE.bias, c, 0, 0);
      if (below) k.gemm(0, 1, m, outputs, inputs, below.ra, inputs, W + weight * es, inputs, L.rz, outputs, 1, this.work, EPILOGUE.bias, c, 0, 0);
      if (L.hidden) k.actBackward(L.rz, L.s + row * outputs * es, L.ra, m * outputs, this.act);
    }
    const last = this.layers[this.layers.length - 1]!;
    const C = last.slice.outputs;
    k.rSoftmax(this.prob + row * C * es, last.rz, last.rd, m, C);
    // R-backward and the Hv sums
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const L = this.layers[l]!;
      const { inputs, outputs } = L.slice;
      const below = l > 0 ? this.layers[l - 1]! : undefined;
      const aPrev = below ? below.a + row * inputs * es : x;
      const d = L.d + row * outputs * es;
      const hvW = this.acc + L.slice.weight * 8;
      k.gemm(1, 0, outputs, inputs, m, L.rd, outputs, aPrev, inputs, hvW, inputs, 0, this.work, EPILOGUE.widen, 0, 0, 0);
      if (below) k.gemm(1, 0, outputs, inputs, m, d, outputs, below.ra, inputs, hvW, inputs, 1, this.work, EPILOGUE.widen, 0, 0, 0);
      k.colsumInto64(L.rd, m, outputs, this.acc + L.slice.bias * 8, 0);
      if (below) {
        k.gemm(0, 0, m, inputs, outputs, d, outputs, V + L.slice.weight * es, inputs, this.pre, inputs, 0, this.work, EPILOGUE.none, 0, 0, 0);
        k.gemm(0, 0, m, inputs, outputs, L.rd, outputs, W + L.slice.weight * es, inputs, this.pre, inputs, 1, this.work, EPILOGUE.none, 0, 0, 0);
        const e = below.e ? below.e + row * inputs * es : 0;
        k.actRBackward(this.pre, e, below.s + row * inputs * es, below.rz, below.rd, m * inputs, this.act);
      }
    }
  }
}
