/**
 * Per-layer spectra: for each block (usually each Linear layer's weight and bias, `layerBlocks`),
 * the top-k eigenpairs of the operator's diagonal block M_BB by Lanczos, its trace by Hutch++
 * with a standard error, and optionally its density by SLQ — each on the block operator
 * (block.ts: one product of the whole operator per block product). Plus the per-parameter
 * diagonal of the whole operator, exact (p products) or by Hutchinson's estimator (diagonal.ts),
 * summarised per block. Defaults as `hessianSpectrum`'s: seeds seed, seed + 2, seed + 3 for
 * Lanczos, the trace and the density of every block; Hutch++ with max(5, min(30, |B|)) probes.
 */
import { lanczos } from './lanczos.js';
import { traceEstimate } from './trace.js';
import { spectralDensity } from './density.js';
import { blockOperator, type ParameterBlock } from './block.js';
import { exactDiagonal, hutchinsonDiagonal, type DiagonalResult } from './diagonal.js';
import type { LinearOperator } from './operator.js';
import type { VectorOps } from './vector.js';

/** One block's spectrum summary. */
export interface BlockSpectrum {
  readonly block: string;
  readonly tensors: readonly string[];
  /** |B| */
  readonly size: number;
  /** top-k eigenvalues of M_BB, descending */
  readonly eigenvalues: readonly number[];
  readonly residuals: readonly number[];
  readonly converged: readonly boolean[];
  readonly trace: { readonly estimate: number; readonly stderr: number; readonly probes: number };
  readonly density: { readonly grid: readonly number[]; readonly values: readonly number[]; readonly sigma: number } | null;
  /** the block's entries of the whole operator's diagonal: mean, smallest, largest */
  readonly diagonal: { readonly mean: number; readonly min: number; readonly max: number };
}

/** Options of {@link perLayerSpectrum}. */
export interface PerLayerOptions {
  /** top eigenpairs per block (default 5; at most |B|) */
  readonly k?: number;
  readonly seed?: number;
  readonly tol?: number;
  /** SLQ density per block (default false) */
  readonly density?: boolean;
  /** the diagonal exactly (p products; default false: Hutchinson with `diagonalProbes`) */
  readonly exactDiagonal?: boolean;
  /** Hutchinson probes of the diagonal (default 30) */
  readonly diagonalProbes?: number;
  readonly vectorOps?: VectorOps;
  readonly signal?: AbortSignal;
  /** after each piece: the block (or `diagonal`) and the fraction of the whole run done */
  readonly onProgress?: (progress: { readonly stage: string; readonly fraction: number }) => void;
}

/** Each block's spectrum and the whole operator's per-parameter diagonal. */
export interface PerLayerSpectrum {
  readonly blocks: readonly BlockSpectrum[];
  readonly diagonal: DiagonalResult;
}

/** Per-block spectra of `op` and its diagonal; see the module notes. */
export async function perLayerSpectrum(op: LinearOperator, blocks: readonly ParameterBlock[], options: PerLayerOptions = {}): Promise<PerLayerSpectrum> {
  const seed = options.seed ?? 0;
  const sig = options.signal ? { signal: options.signal } : {};
  const ops = options.vectorOps ? { vectorOps: options.vectorOps } : {};
  const pieces = blocks.length + 1;
  const report = (stage: string, done: number): void => options.onProgress?.({ stage, fraction: done / pieces });
  report('diagonal', 0);
  const diagonal = options.exactDiagonal
    ? await exactDiagonal(op, sig)
    : await hutchinsonDiagonal(op, { probes: options.diagonalProbes ?? 30, seed: seed + 4, ...sig });
  report('diagonal', 1);
  const out: BlockSpectrum[] = [];
  for (const [b, block] of blocks.entries()) {
    const sub = blockOperator(op, block);
    const size = sub.size;
    const k = Math.min(options.k ?? 5, size);
    const eig = await lanczos(sub, { k, seed, tol: options.tol ?? 1e-6, ...sig, ...ops });
    const trace = await traceEstimate(sub, { method: 'hutch++', probes: Math.max(5, Math.min(30, size)), seed: seed + 2, ...sig });
    const density = options.density
      ? await spectralDensity(sub, { probes: 5, steps: Math.min(80, size), seed: seed + 3, ...sig, ...ops })
      : null;
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const j of block.indices) {
      const d = diagonal.values[j]!;
      sum += d;
      min = Math.min(min, d);
      max = Math.max(max, d);
    }
    out.push(Object.freeze({
      block: block.name, tensors: block.tensors, size,
      eigenvalues: eig.eigenvalues, residuals: eig.residuals, converged: eig.converged,
      trace: { estimate: trace.estimate, stderr: trace.stderr, probes: trace.probes },
      density: density ? { grid: density.grid, values: density.values, sigma: density.sigma } : null,
      diagonal: { mean: sum / size, min, max },
    }));
    report(block.name, b + 2);
  }
  return { blocks: Object.freeze(out), diagonal };
}
