/**
 * Alignment of per-sample gradients with Hessian eigenvectors.
 *
 * Definition: for a sample x and a direction v_i,
 *   A_i(x) = ⟨g(x), v_i⟩ / (‖g(x)‖ ‖v_i‖),   g(x) = ∇θ ℓ(θ; x, ŷ(x)),
 * the signed cosine between the per-sample gradient and v_i. By default ŷ(x) is the model's
 * *predicted* label (arg-max logit, first index on ties), as in the paper; `labels: 'true'` uses the
 * dataset's label instead. A sample with ‖g(x)‖ = 0 (exactly — e.g. a float32 softmax that
 * saturated to one-hot) gets A_i(x) = 0 for every i and is counted in `zeroGradientSamples`;
 * cosines are clamped to [−1, 1] against rounding. Directions are normalised here, so callers may
 * pass unnormalised vectors.
 * Per-eigenvector summaries: meanAbs_i = mean_x |A_i(x)| (the paper's m_i, the poster's
 * aggregation) and maxAbs_i = max_x |A_i(x)| (the aggregation of the paper's generalization.py).
 *
 * Computed in wasm by the session's `perSampleProducts` (in this thread or sharded over the worker
 * pool, with the same bits), which never materialises the n × p per-sample
 * gradients: ⟨g, v⟩ = Σ_l δ_lᵀ(V_l a_{l−1} + c_l) and ‖g‖² = Σ_l ‖δ_l‖²(‖a_{l−1}‖² + 1)
 * (docs/math.md); many directions are processed in batches that bound the wasm memory they take.
 *
 * see: S. Sabanayagam, F. Behrens, U. Adomaityte, A. Dawid, "Unveiling the Hessian's connection to
 * the decision boundary", arXiv 2306.07104 (2023).
 */
import { InputError, ShapeError, throwIfAborted } from '../errors.js';
import type { LabelChoice, PerSampleProducts } from '../engine/dense-net.js';

/** Schema tag of {@link AlignmentResult}. */
export const ALIGNMENT_SCHEMA = 'hessian-lens/alignment@1';

/**
 * What the alignment statistics need of a model bound to samples: a `Session` (or, in one
 * thread, a `DenseNet`) implements it.
 */
export interface SampleProducts {
  /** parameters */
  readonly p: number;
  /** samples */
  readonly n: number;
  /** ⟨g(x_i), v_j⟩ and ‖g(x_i)‖² of every sample, in sample order. */
  perSampleProducts(vectors: readonly ArrayLike<number>[], labels: LabelChoice): PerSampleProducts | Promise<PerSampleProducts>;
}

/** Options of {@link alignment}. */
export interface AlignmentOptions {
  /** Label of the per-sample loss: `predicted` (default, the paper's) or the dataset's `true` label. */
  readonly labels?: LabelChoice;
  /** Checked between batches of directions; fires `AbortError`. */
  readonly signal?: AbortSignal;
}

/** Per-sample alignments of k directions with the per-sample gradients of n samples. */
export interface AlignmentResult {
  /** Record type and version. */
  readonly schema: typeof ALIGNMENT_SCHEMA;
  /** Which label the per-sample loss used. */
  readonly labels: LabelChoice;
  /** Number of directions. */
  readonly k: number;
  /** Number of samples. */
  readonly n: number;
  /** [k][n] signed cosines A_i(x) (0 where ‖g(x)‖ = 0). */
  readonly values: readonly (readonly number[])[];
  /** [n] ‖g(x)‖. */
  readonly gradNorm: readonly number[];
  /** [n] arg-max labels of the model (first index on ties). */
  readonly predicted: readonly number[];
  /** [k] mean over samples of |A_i(x)|. */
  readonly meanAbs: readonly number[];
  /** [k] max over samples of |A_i(x)|. */
  readonly maxAbs: readonly number[];
  /** Samples whose per-sample gradient is exactly zero (their A is set to 0). */
  readonly zeroGradientSamples: number;
}

/** Typed-array form of the alignments, for code inside the library. */
export interface AlignmentMatrix {
  /** [k × n] row-major: row i = A_i(x) over the samples. */
  readonly cos: Float64Array;
  /** [n] ‖g(x)‖ */
  readonly gradNorm: Float64Array;
  /** [n] arg-max labels */
  readonly predicted: Int32Array;
  /** samples with ‖g(x)‖ = 0 */
  readonly zeroGradientSamples: number;
}

/** Per-direction summaries of the alignments: mean and max of |A_i| over the samples. */
export interface AlignmentSummary {
  /** [k] mean_x |A_i(x)| */
  readonly meanAbs: Float64Array;
  /** [k] max_x |A_i(x)| */
  readonly maxAbs: Float64Array;
  /** [n] ‖g(x)‖ */
  readonly gradNorm: Float64Array;
  /** samples with ‖g(x)‖ = 0 */
  readonly zeroGradientSamples: number;
}

/** Upper bound on the float64 bytes of one batch of stacked directions. */
const BATCH_BYTES = 64 * 2 ** 20;

/** Checks the directions (count, length p, finite, non-zero) and returns their norms. */
export function checkDirections(vectors: readonly ArrayLike<number>[], p: number, what = 'eigenvector'): Float64Array {
  if (!Array.isArray(vectors) || vectors.length === 0) throw new InputError(`at least one ${what} is needed, got none`);
  const norms = new Float64Array(vectors.length);
  vectors.forEach((v, j) => {
    if (!v || v.length !== p) throw new ShapeError(`${what} ${j} has ${v?.length} entries, but the model has p = ${p} parameters`);
    let s = 0;
    for (let i = 0; i < p; i++) {
      const x = v[i]!;
      if (!Number.isFinite(x)) throw new InputError(`${what} ${j} has entry ${i} = ${x} (must be finite)`);
      s += x * x;
    }
    if (!(s > 0)) throw new InputError(`${what} ${j} is the zero vector (its direction is undefined)`);
    norms[j] = Math.sqrt(s);
  });
  return norms;
}

function checkLabels(labels: unknown): LabelChoice {
  if (labels !== 'predicted' && labels !== 'true') {
    throw new InputError(`labels must be 'predicted' or 'true', got '${String(labels)}'`);
  }
  return labels;
}

/** Directions per perSampleProducts call so the stacked batch stays under {@link BATCH_BYTES}. */
function batchSize(p: number, n: number): number {
  return Math.max(1, Math.floor(BATCH_BYTES / (8 * (p + n))));
}

/**
 * Streams the alignments of `vectors` over the samples of `net` in batches of directions and
 * hands each batch's cosines ([b × n], row = direction) to `sink`; returns norms and predictions.
 */
async function streamCosines(
  net: SampleProducts,
  vectors: readonly ArrayLike<number>[],
  labels: LabelChoice,
  sink: (first: number, count: number, cos: Float64Array) => void,
  signal?: AbortSignal,
): Promise<{ gradNorm: Float64Array; predicted: Int32Array; zeroGradientSamples: number }> {
  const norms = checkDirections(vectors, net.p);
  const n = net.n;
  const step = batchSize(net.p, n);
  const gradNorm = new Float64Array(n);
  let predicted: Int32Array = new Int32Array(n);
  let zero = 0;
  for (let j0 = 0; j0 < vectors.length; j0 += step) {
    throwIfAborted(signal);
    const b = Math.min(step, vectors.length - j0);
    const res = await net.perSampleProducts(vectors.slice(j0, j0 + b), labels);
    if (j0 === 0) {
      predicted = res.predicted;
      for (let i = 0; i < n; i++) {
        const q = res.gradNormSq[i]!;
        gradNorm[i] = q > 0 ? Math.sqrt(q) : 0;
        if (!(q > 0)) zero++;
      }
    }
    const cos = new Float64Array(b * n);
    for (let i = 0; i < n; i++) {
      const g = gradNorm[i]!;
      if (g === 0) continue;
      for (let j = 0; j < b; j++) {
        const c = res.dots[i * b + j]! / (g * norms[j0 + j]!);
        cos[j * n + i] = c > 1 ? 1 : c < -1 ? -1 : c;
      }
    }
    sink(j0, b, cos);
  }
  return { gradNorm, predicted, zeroGradientSamples: zero };
}

/** The [k × n] alignment matrix of `vectors` over the samples bound to `net` (typed arrays). */
export async function alignmentMatrix(net: SampleProducts, vectors: readonly ArrayLike<number>[], labels: LabelChoice = 'predicted', signal?: AbortSignal): Promise<AlignmentMatrix> {
  checkLabels(labels);
  const n = net.n;
  const cos = new Float64Array(vectors.length * n);
  const rest = await streamCosines(net, vectors, labels, (first, _count, batch) => cos.set(batch, first * n), signal);
  return { cos, ...rest };
}

/**
 * Mean and max of |A_i| over the samples bound to `net`, for any number of directions (all p
 * eigenvectors included): directions are streamed in batches and the n × k cosines never kept.
 */
export async function alignmentSummary(
  net: SampleProducts,
  vectors: readonly ArrayLike<number>[],
  labels: LabelChoice = 'predicted',
  signal?: AbortSignal,
): Promise<AlignmentSummary> {
  checkLabels(labels);
  const n = net.n;
  const meanAbs = new Float64Array(vectors.length);
  const maxAbs = new Float64Array(vectors.length);
  const rest = await streamCosines(
    net,
    vectors,
    labels,
    (first, count, cos) => {
      for (let j = 0; j < count; j++) {
        let sum = 0;
        let max = 0;
        for (let i = 0; i < n; i++) {
          const a = Math.abs(cos[j * n + i]!);
          sum += a;
          if (a > max) max = a;
        }
        meanAbs[first + j] = sum / n;
        maxAbs[first + j] = max;
      }
    },
    signal,
  );
  return { meanAbs, maxAbs, gradNorm: rest.gradNorm, zeroGradientSamples: rest.zeroGradientSamples };
}

/**
 * Signed alignments A_i(x) = cos(g(x), v_i) of every sample bound to `session` with every
 * direction in `eigenvectors` (p values each, PyTorch order, normalised here), with their mean and
 * max |A_i|. One pass over the data in wasm for all directions (in batches when there are very many).
 */
export async function alignment(
  session: SampleProducts,
  eigenvectors: readonly ArrayLike<number>[],
  options: AlignmentOptions = {},
): Promise<AlignmentResult> {
  const labels = checkLabels(options.labels ?? 'predicted');
  checkDirections(eigenvectors, session.p);
  const m = await alignmentMatrix(session, eigenvectors, labels, options.signal);
  const k = eigenvectors.length;
  const n = session.n;
  const values: (readonly number[])[] = [];
  const meanAbs: number[] = [];
  const maxAbs: number[] = [];
  for (let j = 0; j < k; j++) {
    const row = Array.from(m.cos.subarray(j * n, (j + 1) * n));
    let sum = 0;
    let max = 0;
    for (const a of row) {
      sum += Math.abs(a);
      if (Math.abs(a) > max) max = Math.abs(a);
    }
    values.push(Object.freeze(row));
    meanAbs.push(sum / n);
    maxAbs.push(max);
  }
  return Object.freeze({
    schema: ALIGNMENT_SCHEMA,
    labels,
    k,
    n,
    values: Object.freeze(values),
    gradNorm: Object.freeze(Array.from(m.gradNorm)),
    predicted: Object.freeze(Array.from(m.predicted)),
    meanAbs: Object.freeze(meanAbs),
    maxAbs: Object.freeze(maxAbs),
    zeroGradientSamples: m.zeroGradientSamples,
  });
}
