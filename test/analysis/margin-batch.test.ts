/**
 * The batched margin search (src/analysis/margin-batch.ts: all starts advance together, matrix
 * products in wasm f64 kernels shared by the starts) against the per-start search it replaced
 * (src/reference/margin.ts: one start after another, one input per evaluation, plain float64
 * TypeScript): the whole MarginResult — margin, x_b, every run's summary — must agree bit for bit
 * (Object.is on every number, so −0 and +0 differ), for every method, every activation and both
 * label choices, on seeded small nets whose widths exercise the kernels' SIMD tails.
 *
 * Why the reference is independent: it evaluates each input alone through AlignmentGradient's
 * scalar loops and recomputes every forward pass; the batched path shares forward passes across a
 * Newton check, the evaluation and the tangent plane, and runs its products in wasm over row lists.
 * Only the search's arithmetic specification (the order of the sums) is shared.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { alignmentMatrix } from '../../src/analysis/alignment.js';
import { AlignmentGradient } from '../../src/analysis/input-gradient.js';
import { marginSearch, type MarginOptions, type MarginProblem, type MarginProgress, type MarginResult } from '../../src/analysis/margin.js';
import { makeDataset, type Dataset } from '../../src/data/dataset.js';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import { compileKernels, relaxedSimdSupported, type KernelBuild } from '../../src/engine/wasm.js';
import { AbortError } from '../../src/errors.js';
import type { LabelChoice } from '../../src/engine/dense-net.js';
import { ACTIVATIONS, initParameters, mlpSpec, type Activation } from '../../src/model/mlp.js';
import { gaussianVector, Rng } from '../../src/model/rng.js';
import { sequentialRuns } from '../../src/reference/margin.js';

let enginePromise: Promise<Engine> | undefined;
const getEngine = (): Promise<Engine> => (enginePromise ??= createEngine({ threads: 1 }));
afterAll(async () => {
  if (enginePromise) await (await enginePromise).close();
});

/** One comparison: a seeded random net, Gaussian data labelled by a random linear map, a random direction. */
interface Case {
  readonly id: string;
  readonly sizes: readonly number[];
  readonly activation: Activation;
  readonly n: number;
  readonly seed: number;
  readonly labels?: LabelChoice;
  readonly options: MarginOptions;
}

const CASES: readonly Case[] = [
  { id: 'relu 2-16-16-3 boundary-ascent, defaults but 400 steps', sizes: [2, 16, 16, 3], activation: 'relu', n: 60, seed: 1, options: { maxSteps: 400 } },
  { id: 'tanh 3-7-5-3 boundary-ascent, short patience (runs stall at different steps)', sizes: [3, 7, 5, 3], activation: 'tanh', n: 40, seed: 2, options: { maxSteps: 300, patience: 40 } },
  { id: 'gelu 5-9-2 boundary-ascent, true labels pick x_t', sizes: [5, 9, 2], activation: 'gelu', n: 50, seed: 3, labels: 'true', options: { maxSteps: 200, starts: 3 } },
  { id: 'sigmoid 4-6-6-4 boundary-ascent (Newton iterations vary)', sizes: [4, 6, 6, 4], activation: 'sigmoid', n: 40, seed: 9, options: { maxSteps: 150 } },
  { id: 'identity 3-5-3 free-ascent, low target (runs stop at different steps)', sizes: [3, 5, 3], activation: 'identity', n: 30, seed: 5, options: { method: 'free-ascent', maxSteps: 300, target: 0.9, patience: 30 } },
  { id: 'relu 6-11-11-3 free-ascent', sizes: [6, 11, 11, 3], activation: 'relu', n: 50, seed: 6, options: { method: 'free-ascent', maxSteps: 250, patience: 60 } },
  { id: 'tanh 2-8-8-3 paper-sgd past its rate decay', sizes: [2, 8, 8, 3], activation: 'tanh', n: 40, seed: 7, options: { method: 'paper-sgd', maxSteps: 120, starts: 3, paperSgd: { decayAt: 60 } } },
  { id: 'gelu 3-6-2 paper-sgd with training-point starts', sizes: [3, 6, 2], activation: 'gelu', n: 30, seed: 8, options: { method: 'paper-sgd', maxSteps: 80, starts: 2, fromTrainingPoints: true } },
];

function caseProblemParts(c: Case): { data: Dataset; theta: Float32Array; v: Float64Array } {
  const d = c.sizes[0]!;
  const classes = c.sizes[c.sizes.length - 1]!;
  const rng = new Rng(100 + c.seed);
  const x = new Float32Array(c.n * d);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal() * 1.5;
  const map = gaussianVector(200 + c.seed, d * classes);
  const y = new Int32Array(c.n);
  for (let i = 0; i < c.n; i++) {
    let best = 0;
    let bestScore = -Infinity;
    for (let k = 0; k < classes; k++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += map[k * d + j]! * x[i * d + j]!;
      if (s > bestScore) [best, bestScore] = [k, s];
    }
    y[i] = best;
  }
  const spec = mlpSpec(c.sizes, c.activation);
  const theta = Float32Array.from(initParameters(spec, c.seed), (t) => 2 * t);
  return { data: makeDataset(x, y, d, classes), theta, v: gaussianVector(300 + c.seed, theta.length) };
}

async function problemOf(c: Case): Promise<MarginProblem> {
  const engine = await getEngine();
  const { data, theta, v } = caseProblemParts(c);
  const model = { spec: mlpSpec(c.sizes, c.activation), theta };
  const { cos } = await alignmentMatrix(engine.net(model, data), [v], c.labels ?? 'predicted');
  return { kernels: engine.kernels, model, train: data, v, alignments: cos };
}

/** Every number of `a` and `b` at the same path is the same double (Object.is: −0 ≠ +0). */
function expectSameBits(a: unknown, b: unknown, path = '$'): void {
  if (typeof a === 'number' || typeof b === 'number') {
    if (!Object.is(a, b)) expect.fail(`${path}: ${String(a)} vs ${String(b)}`);
    return;
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    expect(a, path).toBe(b);
    return;
  }
  const ka = Object.keys(a);
  expect(ka, path).toEqual(Object.keys(b));
  for (const k of ka) expectSameBits((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
}

/** Runs the per-start reference, counting AlignmentGradient.logitGap calls (gap evaluations) per run. */
async function referenceWithGapCounts(problem: MarginProblem, options: MarginOptions): Promise<{ result: MarginResult; gapCalls: number[] }> {
  const spy = vi.spyOn(AlignmentGradient.prototype, 'logitGap');
  const atRunEnd: number[] = [];
  try {
    const result = await marginSearch(problem, {
      ...options,
      onProgress: (pr) => {
        atRunEnd[pr.run] = spy.mock.calls.length;
      },
    }, sequentialRuns);
    return { result, gapCalls: atRunEnd.map((c, r) => c - (r > 0 ? atRunEnd[r - 1]! : 0)) };
  } finally {
    spy.mockRestore();
  }
}

describe('the batched margin search equals the per-start search bit for bit', () => {
  it('the cases cover every activation and method', () => {
    expect(new Set(CASES.map((c) => c.activation))).toEqual(new Set(ACTIVATIONS));
    expect(new Set(CASES.map((c) => c.options.method ?? 'boundary-ascent'))).toEqual(new Set(['boundary-ascent', 'free-ascent', 'paper-sgd']));
  });

  for (const c of CASES) {
    it(c.id, async () => {
      const problem = await problemOf(c);
      const options: MarginOptions = { seed: c.seed, ...(c.labels ? { labels: c.labels } : {}), ...c.options };
      const { result: reference, gapCalls } = await referenceWithGapCounts(problem, options);
      const batched = await marginSearch(problem, options);
      expectSameBits(batched, reference);
      expect(batched.starts.length).toBeGreaterThan(1);
      if (c.id.includes('stop at different steps') || c.id.includes('stall at different steps')) {
        expect(new Set(batched.starts.map((r) => r.steps)).size).toBeGreaterThan(1);
      }
      if (c.id.includes('Newton iterations vary')) {
        // a boundary-ascent run evaluates h once per step for the tangent plane and once per
        // projection check; what is left over are Newton iterations, which differ between runs
        const newton = batched.starts.map((r, i) => gapCalls[i]! - 2 * r.steps);
        expect(new Set(newton).size).toBeGreaterThan(1);
      }
    });
  }
});

describe('the kernel builds agree', () => {
  it('simd128 and relaxed kernels (when this runtime has relaxed SIMD) give the reference bits', async () => {
    const c = CASES[0]!;
    const problem = await problemOf(c);
    const options: MarginOptions = { seed: c.seed, ...c.options, maxSteps: 150 };
    const reference = await marginSearch(problem, options, sequentialRuns);
    const builds: KernelBuild[] = relaxedSimdSupported() ? ['simd128', 'relaxed'] : ['simd128'];
    for (const build of builds) {
      const kernels = await compileKernels(build);
      expectSameBits(await marginSearch({ ...problem, kernels }, options), reference);
    }
  });
});

describe('the batched search reports and stops as one job', () => {
  const c = CASES[1]!;

  it('progress is one fraction in [0, 1] that never decreases and ends at 1', async () => {
    const problem = await problemOf(c);
    const seen: MarginProgress[] = [];
    const res = await marginSearch(problem, { seed: c.seed, ...c.options, onProgress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThanOrEqual(res.starts.length);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.fraction).toBeGreaterThanOrEqual(seen[i - 1]!.fraction);
    expect(seen.every((p) => p.fraction >= 0 && p.fraction <= 1 && p.runs === res.starts.length)).toBe(true);
    expect(seen.at(-1)!.fraction).toBe(1);
    expect(seen.at(-1)!.run).toBe(res.starts.length);
  });

  it('an abort during the search stops it within a step', async () => {
    const problem = await problemOf(c);
    const controller = new AbortController();
    let abortedAt = -1;
    const search = marginSearch(problem, {
      seed: c.seed, ...c.options, patience: 0, target: 2,
      onProgress: (p) => {
        if (abortedAt < 0) {
          abortedAt = p.step;
          controller.abort();
        }
      },
      signal: controller.signal,
    });
    await expect(search).rejects.toThrow(AbortError);
    // aborted at the first report (a run that found no boundary, or the batch's 100th step), long before the 300 steps
    expect(abortedAt).toBeGreaterThan(0);
    expect(abortedAt).toBeLessThanOrEqual(100);
  });
});
