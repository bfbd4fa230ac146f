/**
 * Where a dense net's arrays live in wasm memory, and which cache rows hold what.
 *
 * Rows are samples. The curvature cache keeps, per sample, what the R-passes read — A_l and Δ_l of
 * every layer, Z_l only where σ′ does not follow from A_l (GELU), E_l = Δ_{l+1}·W_{l+1} only where
 * σ″ ≠ 0 (not relu/identity), and the softmax P — for the first `cachedSamples` samples (whole
 * chunks, each in its own rows), plus one spare chunk of rows that every other chunk is computed
 * in. Chunk-sized buffers (logits, R{z}, R{a}, R{δ}, the R-backward's Δ·V + RΔ·W) are reused per chunk.
 */
import type { Dataset } from '../../data/dataset.js';
import { layerSlices, parameterCount, type Activation, type LayerSlice, type MlpSpec } from '../../model/mlp.js';
import { ShapeError } from '../../errors.js';
import type { Arena } from '../arena.js';

/** A row-major matrix in wasm memory: `cols` elements of `es` bytes per row. */
export class Rows {
  constructor(readonly ptr: number, readonly cols: number, readonly es: number) {}

  /** Address of row `r`. */
  at(r: number): number {
    return this.ptr + r * this.cols * this.es;
  }
}

/** A p-vector in PyTorch order in wasm memory (θ, a direction, or f64 sums): one layer's parts by address. */
export class LayerVector {
  constructor(readonly ptr: number, readonly es: number) {}

  /** Address of layer `s`'s weight [outputs × inputs]. */
  weight(s: LayerSlice): number {
    return this.ptr + s.weight * this.es;
  }

  /** Address of layer `s`'s bias [outputs]. */
  bias(s: LayerSlice): number {
    return this.ptr + s.bias * this.es;
  }
}

/** One layer's buffers. Cache matrices have one row per cache row; chunk buffers one per chunk row. */
export interface LayerBuffers {
  readonly slice: LayerSlice;
  /** true except for the output layer */
  readonly hidden: boolean;
  /** cache: pre-activation Z (GELU hidden layers only) */
  readonly z: Rows | null;
  /** cache: activation A = σ(Z) (hidden layers) */
  readonly a: Rows | null;
  /** cache: what σ′ and σ″ are computed from — `z` for GELU, else `a` (hidden layers) */
  readonly s: Rows | null;
  /** cache: E = Δ_{l+1}·W_{l+1} (hidden layers whose σ″ ≠ 0) */
  readonly e: Rows | null;
  /** cache: δ */
  readonly d: Rows;
  /** chunk: R{z} */
  readonly rz: number;
  /** chunk: R{a} (hidden layers, else 0) */
  readonly ra: number;
  /** chunk: R{δ} */
  readonly rd: number;
}

/** Whether σ′, σ″ of an activation need Z (GELU) rather than A = σ(Z) (assembly/activations.ts). */
function needsZ(activation: Activation): boolean {
  return activation === 'gelu';
}

/** Whether σ″ ≠ 0, so the R-backward reads E = Δ_{l+1}·W_{l+1}. */
function needsE(activation: Activation): boolean {
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

/** What a pass leaves in a chunk's cache rows. */
export type RowWrite =
  /** the true-label forward (A, Z, P, Δ_L) at the current θ: rows that held the curvature still do (same values) */
  | 'forward'
  /** the true-label forward and backward (E, Δ) at the current θ: what the R-passes read */
  | 'curvature'
  /** anything else (residuals at other labels, a mini-batch's samples) */
  | 'other';

/**
 * Which cache rows hold the curvature (the true-label forward and backward) at which θ. Every pass
 * takes its rows from here and says what it leaves in them; a new θ makes no rows current.
 */
export class RowCache {
  /** θ version: bumped by every new θ */
  private theta = 0;
  /** per cached chunk: the θ version whose curvature its rows hold, or −1 */
  private readonly holds: Int32Array;

  constructor(
    /** samples held */
    readonly n: number,
    /** samples per chunk */
    readonly chunk: number,
    /** the first this many samples (whole chunks, or all n) have rows of their own */
    readonly cachedSamples: number,
  ) {
    this.holds = new Int32Array(Math.ceil(cachedSamples / chunk)).fill(-1);
  }

  /** θ changed: no rows hold its curvature. */
  newParameters(): void {
    this.theta++;
  }

  /** Whether the rows of the chunk at sample i0 hold the curvature at the current θ. */
  isCurrent(i0: number): boolean {
    return i0 < this.cachedSamples && this.holds[i0 / this.chunk] === this.theta;
  }

  /** First cache row of the chunk at sample i0 for a pass that leaves `write` there. */
  rows(i0: number, write: RowWrite): number {
    if (i0 >= this.cachedSamples) return this.cachedSamples;
    const c = i0 / this.chunk;
    if (write === 'curvature') this.holds[c] = this.theta;
    else if (write === 'other') this.holds[c] = -1;
    return i0;
  }

  /** First cache row of the chunk at sample i0 for a pass that only reads it. */
  readRows(i0: number): number {
    return Math.min(i0, this.cachedSamples);
  }

  /** First cache row for a mini-batch of at most one chunk of samples: the first chunk's rows. */
  batchRows(): number {
    return this.rows(0, 'other');
  }
}

/** How a {@link NetBuffers} is laid out. */
export interface NetLayout {
  /** bytes per element of activations, θ and directions: 4 (f32) or 8 (f64) */
  readonly es: number;
  /** samples per chunk */
  readonly chunk: number;
  /** largest curvature cache in bytes (whole chunks, or every sample) */
  readonly cacheBytes: number;
  /** bytes of the GEMM workspace */
  readonly workBytes: number;
  /** what the memory is for, in the 4 GiB check's message */
  readonly what: string;
}

/** The wasm-memory layout of one dense net over one dataset (see the module comment). */
export class NetBuffers {
  /** bytes per element of activations, θ and directions */
  readonly es: number;
  readonly layers: readonly LayerBuffers[];
  /** [n × d] the samples */
  readonly x: Rows;
  /** [n] int32 labels */
  readonly labels: number;
  /** [n] int32 arg-max predictions */
  readonly pred: number;
  /** [chunk × d], [chunk] int32: a gathered mini-batch */
  readonly batchX: Rows;
  readonly batchLabels: number;
  /** θ */
  readonly theta: LayerVector;
  /** the direction of an R-pass */
  readonly dir: LayerVector;
  /** [chunk × max inputs] the R-backward's Δ_{l+1}·V_{l+1} + RΔ_{l+1}·W_{l+1} */
  readonly pre: number;
  /** cache: softmax P [rows × classes] */
  readonly prob: Rows;
  /** [chunk × classes] logits */
  readonly logits: number;
  /** GEMM workspace */
  readonly work: number;
  readonly cache: RowCache;

  constructor(private readonly arena: Arena, spec: MlpSpec, data: Dataset, layout: NetLayout) {
    const { es, chunk, cacheBytes, workBytes, what } = layout;
    this.es = es;
    const n = data.n;
    const d = data.d;
    const p = parameterCount(spec);
    const slices = layerSlices(spec);
    const classes = slices[slices.length - 1]!.outputs;
    const widthSum = slices.reduce((s, l) => s + l.outputs, 0);
    const maxIn = Math.max(...slices.map((l) => l.inputs));
    const perSample = curvatureElementsPerSample(spec) * es;
    const cacheAll = n * perSample <= cacheBytes;
    const cachedSamples = cacheAll ? n : Math.floor(cacheBytes / (perSample * chunk)) * chunk;
    this.cache = new RowCache(n, chunk, cachedSamples);
    const m = Math.min(chunk, n);
    // the cached samples' rows, then one chunk of rows for the samples recomputed per Hv
    const rows = cacheAll ? n : cachedSamples + m;
    const keepZ = needsZ(spec.activation);
    const keepE = needsE(spec.activation);
    const levels = Math.ceil(Math.log2(Math.max(1, Math.ceil(n / chunk)))) + 1;
    // data, labels and predictions; θ, direction; the cache; per chunk R{z}, R{a}, R{δ}, logits, the
    // R-backward and mini-batch buffers; GEMM workspace; f64 sums of the pairwise tree (one per level + 1)
    const estimate = n * (d * es + 8) + p * 2 * es + rows * perSample +
      m * (widthSum * 3 + classes) * es + m * (maxIn + d) * es + m * 4 + workBytes + levels * p * 8 + 256;
    arena.checkFits(estimate, what);

    const buf = (count: number, label: string): number => arena.alloc(count * es, label);
    this.x = new Rows(buf(n * d, 'the samples'), d, es);
    this.view(this.x.ptr, data.x.length).set(data.x);
    this.labels = arena.alloc(n * 4, 'the labels');
    arena.viewI32(this.labels, n).set(data.y);
    this.pred = arena.alloc(n * 4, 'the predictions');
    this.batchX = new Rows(buf(m * d, 'the mini-batch buffer'), d, es);
    this.batchLabels = arena.alloc(m * 4, 'the mini-batch labels');
    this.theta = new LayerVector(buf(p, 'the parameters'), es);
    this.dir = new LayerVector(buf(p, 'the direction vector'), es);
    this.pre = buf(m * maxIn, 'the R-backward buffer');
    this.prob = new Rows(buf(rows * classes, 'the softmax cache'), classes, es);
    this.work = arena.alloc(workBytes, 'the GEMM workspace');
    let logits = 0;
    this.layers = slices.map((slice, i) => {
      const hidden = i < slices.length - 1;
      const w = slice.outputs;
      const cached = (label: string): Rows => new Rows(buf(rows * w, label), w, es);
      let z: Rows | null = null;
      if (hidden && keepZ) z = cached('activation cache');
      if (!hidden) logits = buf(m * w, 'the logits buffer');
      const a = hidden ? cached('activation cache') : null;
      return {
        slice,
        hidden,
        z,
        a,
        s: keepZ ? z : a,
        e: hidden && keepE ? cached('activation cache') : null,
        d: cached('activation cache'),
        rz: buf(m * w, 'R-pass buffer'),
        ra: hidden ? buf(m * w, 'R-pass buffer') : 0,
        rd: buf(m * w, 'R-pass buffer'),
      };
    });
    this.logits = logits;
  }

  /** The output layer. */
  get last(): LayerBuffers {
    return this.layers[this.layers.length - 1]!;
  }

  /** Address of the rows layer l reads from `row`: the activations below it, or the inputs `x` for the first layer. */
  layerInput(l: number, row: number, x: number): number {
    return l > 0 ? this.layers[l - 1]!.a!.at(row) : x;
  }

  /** Copies θ (PyTorch order) in; no cache rows hold its curvature yet. */
  setParameters(theta: ArrayLike<number>): void {
    this.view(this.theta.ptr, theta.length).set(theta);
    this.cache.newParameters();
  }

  /** Copies a direction (PyTorch order) in. */
  setDirection(v: ArrayLike<number>): void {
    this.view(this.dir.ptr, v.length).set(v);
  }

  /** A live view of `count` elements of the net's element type at `ptr`. */
  view(ptr: number, count: number): Float32Array | Float64Array {
    return this.es === 8 ? this.arena.viewF64(ptr, count) : this.arena.viewF32(ptr, count);
  }
}

/** Throws {@link ShapeError} unless a p-vector argument has p entries. */
export function checkLength(values: ArrayLike<number>, p: number, what: string): void {
  if (values.length !== p) throw new ShapeError(`${what} has ${values.length} entries, expected p = ${p}`);
}
