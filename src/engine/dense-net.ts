/**
 * One dense MLP bound to one set of samples inside one kernel instance. It returns SUMS over its
 * samples in f64 (never means), so shards held by different workers add up exactly in a fixed order
 * (net/pairwise-sum.ts). The passes are in net/passes.ts, the memory layout and the curvature
 * cache in net/buffers.ts, the named kernel calls in net/kernels.ts; docs/engine.md says how they fit.
 *
 * Curvature caching: `prepareCurvature()` runs forward and backward once on the chunks whose rows
 * do not hold them for the current θ, and Hv then costs only the R-passes there; samples beyond
 * `cacheBytes` are recomputed per Hv in one spare chunk of rows. Cached or recomputed, the results
 * are the same bits. See {@link curvatureElementsPerSample}.
 */
import { InputError, ShapeError } from '../errors.js';
import { parameterCount, type MlpSpec } from '../model/mlp.js';
import type { Dataset } from '../data/dataset.js';
import { Arena } from './arena.js';
import { checkLength, LayerVector, NetBuffers } from './net/buffers.js';
import { NetKernels, type Precision } from './net/kernels.js';
import { combineBlockNodes, PairwiseBlockSum, type BlockNode, type BlockScalars } from './net/pairwise-sum.js';
import { Passes } from './net/passes.js';
import type { Kernels } from './wasm.js';

export { curvatureElementsPerSample } from './net/buffers.js';
export { combineBlockNodes, type BlockNode } from './net/pairwise-sum.js';
export type { Precision } from './net/kernels.js';

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

  private readonly k: NetKernels;
  private readonly arena: Arena;
  private readonly b: NetBuffers;
  private readonly passes: Passes;
  private readonly sums: PairwiseBlockSum;
  private readonly d: number;

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
    this.spec = spec;
    this.p = parameterCount(spec);
    this.n = data.n;
    this.d = data.d;
    this.block = options.chunkSize ?? DEFAULT_CHUNK;
    this.firstBlock = options.firstBlock ?? 0;
    const k = kernels.exports;
    const es = this.precision === 'f64' ? 8 : 4;
    this.arena = new Arena(k);
    this.b = new NetBuffers(this.arena, spec, data, {
      es,
      chunk: this.block,
      cacheBytes: options.cacheBytes ?? DEFAULT_CACHE_BYTES,
      workBytes: k.gemmWorkspaceBytes(),
      what: `a ${spec.sizes.join('-')} MLP over ${this.n} samples (${this.precision})`,
    });
    this.cachedSamples = this.b.cache.cachedSamples;
    this.k = new NetKernels(k, this.precision, spec.activation, this.b.work);
    this.passes = new Passes(this.k, this.b);
    this.sums = new PairwiseBlockSum(this.arena, k.axpy_f64, { n: this.n, block: this.block, firstBlock: this.firstBlock }, this.p);
  }

  /** Whether forward/backward results of all samples are kept between Hv calls. */
  get cachesAllSamples(): boolean {
    return this.cachedSamples === this.n;
  }

  /** Bytes of wasm memory this net uses. */
  get memoryBytes(): number {
    return this.arena.memoryBytes;
  }

  /** Copies θ (PyTorch order, p values) into the kernels' memory; no cached rows hold its curvature yet. */
  setParameters(theta: ArrayLike<number>): void {
    checkLength(theta, this.p, 'parameter vector');
    this.b.setParameters(theta);
  }

  /** Forward pass over all samples: loss sum and correct count; also records predictions. */
  forwardSums(): ForwardSums {
    const total = combineBlockNodes(this.forwardNodes());
    return { lossSum: total.loss, correct: total.correct, n: this.n };
  }

  /** Σ over samples of the per-sample gradient, into `out` (p values, f64). Returns forward sums. */
  gradientSums(out: Float64Array): ForwardSums {
    checkLength(out, this.p, 'output vector');
    const total = this.sums.vectorTotal((i0, m, sums) => this.gradientBlock(i0, m, sums), out);
    return { lossSum: total.loss, correct: total.correct, n: this.n };
  }

  /** Σ over samples of H_x·v (the per-sample loss Hessian times v) into `out` (f64, p values). */
  hvpSums(v: ArrayLike<number>, out: Float64Array): void {
    checkLength(out, this.p, 'output vector');
    this.setDirection(v);
    this.sums.vectorTotal((i0, m, sums) => this.curvatureBlock(i0, m, sums, 'hessian'), out);
  }

  /** Σ over samples of G_x·v = J_xᵀ H_ℓ J_x v (the generalized Gauss–Newton matrix's products) into `out` (f64, p values). */
  ggnSums(v: ArrayLike<number>, out: Float64Array): void {
    checkLength(out, this.p, 'output vector');
    this.setDirection(v);
    this.sums.vectorTotal((i0, m, sums) => this.curvatureBlock(i0, m, sums, 'ggn'), out);
  }

  /** GGN sums as nodes of the canonical pairwise tree over blocks (for workers). */
  ggnNodes(v: ArrayLike<number>): BlockNode[] {
    this.setDirection(v);
    return this.sums.vectorNodes((i0, m, sums) => this.curvatureBlock(i0, m, sums, 'ggn'));
  }

  /**
   * Σ over samples of w_i·g_i (g_i the per-sample gradient at the true label) into `out` (f64, p
   * values): the gradient with each sample's output residual scaled by its weight. What the
   * empirical Fisher's product (1/n) Σ g_i ⟨g_i, v⟩ needs after the per-sample products.
   */
  weightedGradientSums(weights: ArrayLike<number>, out: Float64Array): void {
    checkLength(out, this.p, 'output vector');
    checkLength(weights, this.n, 'sample weights');
    this.sums.vectorTotal((i0, m, sums) => this.weightedGradientBlock(i0, m, sums, weights), out);
  }

  /** Weighted gradient sums as nodes of the canonical pairwise tree over blocks (for workers). */
  weightedGradientNodes(weights: ArrayLike<number>): BlockNode[] {
    checkLength(weights, this.n, 'sample weights');
    return this.sums.vectorNodes((i0, m, sums) => this.weightedGradientBlock(i0, m, sums, weights));
  }

  /** Loss and correct count as nodes of the canonical pairwise tree over blocks (for workers). */
  forwardNodes(): BlockNode[] {
    return this.sums.scalarNodes((i0, m) => this.forwardBlock(i0, m));
  }

  /** Gradient sums as nodes of the canonical pairwise tree over blocks (for workers). */
  gradientNodes(): BlockNode[] {
    return this.sums.vectorNodes((i0, m, sums) => this.gradientBlock(i0, m, sums));
  }

  /** Hv sums as nodes of the canonical pairwise tree over blocks (for workers). */
  hvpNodes(v: ArrayLike<number>): BlockNode[] {
    this.setDirection(v);
    return this.sums.vectorNodes((i0, m, sums) => this.curvatureBlock(i0, m, sums, 'hessian'));
  }

  /** Runs forward and backward on the cached chunks whose rows do not hold them for the current θ, so that Hv calls reuse them. */
  prepareCurvature(): void {
    const { cache } = this.b;
    for (let i0 = 0; i0 < this.cachedSamples; i0 += this.block) {
      if (cache.isCurrent(i0)) continue;
      const m = Math.min(this.block, this.n - i0);
      const row = cache.rows(i0, 'curvature');
      this.passes.forward(this.b.x.at(i0), this.labelsAt(i0), m, row);
      this.passes.backward(this.b.x.at(i0), m, row);
    }
  }

  /**
   * Σ over the samples `indices` (a mini-batch, any length, repeats allowed) of the per-sample
   * gradient into `out` (f64, p values). Returns the batch's loss sum and correct count.
   */
  gradientSumsOn(indices: ArrayLike<number>, out: Float64Array): ForwardSums {
    checkLength(out, this.p, 'output vector');
    const { b } = this;
    const sums = new LayerVector(this.sums.scratch(), 8);
    this.arena.viewF64(sums.ptr, this.p).fill(0);
    const row = b.cache.batchRows();
    let lossSum = 0;
    let correct = 0;
    const d = this.d;
    const rows = Math.min(this.block, this.n);
    for (let b0 = 0; b0 < indices.length; b0 += rows) {
      const m = Math.min(rows, indices.length - b0);
      const labels = this.arena.viewI32(b.labels, this.n);
      const batchLabels = this.arena.viewI32(b.batchLabels, m);
      const xs = b.view(b.x.ptr, this.n * d);
      const bx = b.view(b.batchX.ptr, m * d);
      for (let i = 0; i < m; i++) {
        const s = indices[b0 + i]!;
        if (!(s >= 0 && s < this.n && Number.isInteger(s))) throw new ShapeError(`batch index ${s} is out of range 0..${this.n - 1}`);
        bx.set(xs.subarray(s * d, s * d + d), i * d);
        batchLabels[i] = labels[s]!;
      }
      lossSum += this.passes.forward(b.batchX.ptr, b.batchLabels, m, row);
      this.k.argmaxRows(b.logits, m, b.last.slice.outputs, b.batchLabels);
      // argmax overwrote the gathered labels with predictions: count against the true labels
      const pred = this.arena.viewI32(b.batchLabels, m);
      for (let i = 0; i < m; i++) if (pred[i] === labels[indices[b0 + i]!]) correct++;
      this.passes.backward(b.batchX.ptr, m, row, { sums, into: b0 > 0 ? 'add' : 'set' });
    }
    out.set(this.arena.viewF64(sums.ptr, this.p));
    return { lossSum, correct, n: indices.length };
  }

  /**
   * For every sample x_i and direction v_j: ⟨g(x_i), v_j⟩ and ‖g(x_i)‖², with g(x) the per-sample
   * gradient at the predicted (default) or true label — never materialising n × p gradients:
   * for a dense layer ⟨g, v⟩ = Σ_l δ_lᵀ(V_l a_{l−1} + c_l) and ‖g‖² = Σ_l ‖δ_l‖²(‖a_{l−1}‖² + 1)
   * (docs/math.md); the k products V_l a_{l−1} are one GEMM per layer and chunk.
   */
  perSampleProducts(vectors: readonly ArrayLike<number>[], labelChoice: LabelChoice = 'predicted'): PerSampleProducts {
    const k = vectors.length;
    vectors.forEach((v, j) => checkLength(v, this.p, `direction ${j}`));
    const { b } = this;
    const es = b.es;
    const mark = this.arena.mark();
    try {
      const maxOut = Math.max(...b.layers.map((L) => L.slice.outputs));
      const stack = this.arena.alloc(Math.max(1, k * this.p) * es, `${k} stacked directions`);
      const prod = this.arena.alloc(Math.max(1, Math.min(this.block, this.n) * k * maxOut) * es, 'the per-sample product buffer');
      const dots = this.arena.f64(Math.max(1, this.n * k), 'the per-sample products');
      const norms = this.arena.f64(this.n, 'the per-sample gradient norms');
      // Stack layer by layer: [V_l^(1); …; V_l^(k)] (k·out × in), then [c_l^(1); …; c_l^(k)].
      const offsets = b.layers.map(() => 0);
      let at = 0;
      b.layers.forEach((L, l) => {
        offsets[l] = at;
        at += k * (L.slice.inputs * L.slice.outputs + L.slice.outputs);
      });
      const view = b.view(stack, k * this.p);
      b.layers.forEach((L, l) => {
        const { inputs, outputs, weight, bias } = L.slice;
        const w = inputs * outputs;
        for (let j = 0; j < k; j++) {
          const v = vectors[j]!;
          for (let i = 0; i < w; i++) view[offsets[l]! + j * w + i] = v[weight + i]!;
          for (let i = 0; i < outputs; i++) view[offsets[l]! + k * w + j * outputs + i] = v[bias + i]!;
        }
      });
      for (let i0 = 0; i0 < this.n; i0 += this.block) {
        const m = Math.min(this.block, this.n - i0);
        const row = this.perSampleBackward(i0, m, labelChoice);
        b.layers.forEach((L, l) => {
          const { inputs, outputs } = L.slice;
          const aPrev = b.layerInput(l, row, b.x.at(i0));
          const d = L.d.at(row);
          if (k > 0) {
            this.k.linear({ rows: m, inputs, outputs: k * outputs }, aPrev, stack + offsets[l]! * es, prod, 'set');
            this.k.blockRowDots(d, prod, stack + (offsets[l]! + k * inputs * outputs) * es, m, outputs, k, dots + i0 * k * 8);
          }
          this.k.layerGradNormSq(d, aPrev, m, outputs, inputs, norms + i0 * 8);
        });
      }
      return {
        dots: this.arena.viewF64(dots, this.n * k).slice(),
        gradNormSq: this.arena.viewF64(norms, this.n).slice(),
        predicted: this.arena.viewI32(b.pred, this.n).slice(),
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
    const { b } = this;
    const out = new Float64Array(this.n * this.p);
    for (let i0 = 0; i0 < this.n; i0 += this.block) {
      const m = Math.min(this.block, this.n - i0);
      const row = this.perSampleBackward(i0, m, labelChoice);
      b.layers.forEach((L, l) => {
        const { inputs, outputs, weight, bias } = L.slice;
        const aPrev = b.layerInput(l, row, b.x.at(i0));
        const a = b.view(aPrev, m * inputs);
        const d = b.view(L.d.at(row), m * outputs);
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
    return out;
  }

  /** Predicted labels of the last forward pass over all samples. */
  predictions(): Int32Array {
    return this.arena.viewI32(this.b.pred, this.n).slice();
  }

  // --- per-block work ----------------------------------------------------------------------

  /** Forward on the block [i0, i0 + m): loss sum and correct count (predictions recorded). */
  private forwardBlock(i0: number, m: number): BlockScalars {
    const loss = this.passes.forward(this.b.x.at(i0), this.labelsAt(i0), m, this.b.cache.rows(i0, 'forward'));
    return { loss, correct: this.countCorrect(i0, m) };
  }

  /** Forward and backward on the block [i0, i0 + m), its gradient sum written to `sums`. */
  private gradientBlock(i0: number, m: number, sums: number): BlockScalars {
    const row = this.b.cache.rows(i0, 'curvature');
    const loss = this.passes.forward(this.b.x.at(i0), this.labelsAt(i0), m, row);
    const correct = this.countCorrect(i0, m);
    this.passes.backward(this.b.x.at(i0), m, row, { sums: new LayerVector(sums, 8), into: 'set' });
    return { loss, correct };
  }

  /**
   * The R-passes on the block [i0, i0 + m) (after forward and backward where its rows lack them):
   * the Hv or the GGN product sum to `sums`.
   */
  private curvatureBlock(i0: number, m: number, sums: number, which: 'hessian' | 'ggn'): BlockScalars {
    const x = this.b.x.at(i0);
    const { cache } = this.b;
    let row: number;
    if (cache.isCurrent(i0)) {
      row = cache.readRows(i0);
    } else {
      row = cache.rows(i0, 'curvature');
      this.passes.forward(x, this.labelsAt(i0), m, row);
      this.passes.backward(x, m, row);
    }
    if (which === 'hessian') this.passes.rPass(x, m, row, new LayerVector(sums, 8));
    else this.passes.ggnPass(x, m, row, new LayerVector(sums, 8));
    return { loss: 0, correct: 0 };
  }

  /** Forward on the block, its output residuals scaled by the samples' weights, then backward with the gradient sum to `sums`. */
  private weightedGradientBlock(i0: number, m: number, sums: number, weights: ArrayLike<number>): BlockScalars {
    const { b } = this;
    // the scaled residuals are not the curvature: the chunk is recomputed by the next R-pass
    const row = b.cache.rows(i0, 'other');
    const x = b.x.at(i0);
    this.passes.forward(x, this.labelsAt(i0), m, row);
    const C = b.last.slice.outputs;
    const d = b.view(b.last.d.at(row), m * C);
    for (let r = 0; r < m; r++) {
      const w = weights[i0 + r]!;
      for (let c = 0; c < C; c++) d[r * C + c]! *= w;
    }
    this.passes.backward(x, m, row, { sums: new LayerVector(sums, 8), into: 'set' });
    return { loss: 0, correct: 0 };
  }

  /** Sets the R-passes' direction after forward and backward are cached for the current θ. */
  private setDirection(v: ArrayLike<number>): void {
    checkLength(v, this.p, 'vector');
    this.prepareCurvature();
    this.b.setDirection(v);
  }

  /**
   * Forward and per-sample backward pass over samples i0 … i0+m−1, with the output residual at
   * the predicted label (recomputed from the logits) or the true one: afterwards each layer's δ and
   * activations hold per-sample rows (not summed). Returns the chunk's first cache row.
   */
  private perSampleBackward(i0: number, m: number, labelChoice: LabelChoice): number {
    const { b } = this;
    // at the true labels these rows then hold exactly the curvature; at predicted labels they do not
    const row = b.cache.rows(i0, labelChoice === 'true' ? 'curvature' : 'other');
    const x = b.x.at(i0);
    this.passes.forward(x, this.labelsAt(i0), m, row);
    const C = b.last.slice.outputs;
    const pred = b.pred + i0 * 4;
    this.k.argmaxRows(b.logits, m, C, pred);
    if (labelChoice === 'predicted') {
      this.k.softmaxXent(b.logits, pred, b.prob.at(row), b.last.d.at(row), m, C);
    }
    this.passes.backward(x, m, row);
    return row;
  }

  /** Address of the labels of sample i0. */
  private labelsAt(i0: number): number {
    return this.b.labels + i0 * 4;
  }

  /** Counts the chunk's correct predictions from the logits, recording the predictions. */
  private countCorrect(i0: number, m: number): number {
    const pred = this.b.pred + i0 * 4;
    this.k.argmaxRows(this.b.logits, m, this.b.last.slice.outputs, pred);
    const predicted = this.arena.viewI32(pred, m);
    const labels = this.arena.viewI32(this.labelsAt(i0), m);
    let correct = 0;
    for (let i = 0; i < m; i++) if (predicted[i] === labels[i]) correct++;
    return correct;
  }
}
