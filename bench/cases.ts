/**
 * The MLPs and datasets every benchmark group shares (issue 7, "what users run"), the kernel
 * builds, and the plain-TS reference timing (run on a subsample and scaled, since the reference
 * is a per-sample loop whose time is exactly linear in n).
 */
import { makeDataset, type Dataset } from '../src/data/dataset.js';
import { loadIris } from '../src/data/iris.js';
import type { Engine, Model } from '../src/engine/engine.js';
import { relaxedSimdSupported, type KernelBuild } from '../src/engine/wasm.js';
import { initParameters, mlpSpec, parameterCount, type MlpSpec } from '../src/model/mlp.js';
import { Rng } from '../src/model/rng.js';
import { presetData, PRESETS } from '../src/train/recipes.js';
import { train } from '../src/train/train.js';
import { timeMedian } from './harness.js';

/** Kernel builds this runtime runs (relaxed needs --experimental-wasm-relaxed-simd in Node 20). */
export const BUILDS: KernelBuild[] = relaxedSimdSupported() ? ['simd128', 'relaxed'] : ['simd128'];

/** One benchmark case: an MLP shape and its data. */
export interface MlpCase {
  /** record-name fragment */
  readonly id: string;
  readonly sizes: readonly number[];
  readonly n: number;
  /** `gauss`: the paper's 3-blob set (preset split); `iris`; `pixels`: uniform [0,1) pixels, labels i mod C */
  readonly data: 'gauss' | 'iris' | 'pixels';
  /** Train this many epochs (SGD lr 0.02, batch 64) before measuring, so the model sits near a minimum. */
  readonly pretrainEpochs: number;
}

/** The five shapes of issue 7, and the 4-32-32-3 net its PyTorch Hv figure (0.64 ms) is for. */
export const MLP_CASES: readonly MlpCase[] = [
  { id: 'paper-2-100-100-3.n150', sizes: [2, 100, 100, 3], n: 150, data: 'gauss', pretrainEpochs: 300 },
  { id: 'iris-4-50-50-3.n150', sizes: [4, 50, 50, 3], n: 150, data: 'iris', pretrainEpochs: 300 },
  { id: 'mnist-784-128-128-10.n1000', sizes: [784, 128, 128, 10], n: 1000, data: 'pixels', pretrainEpochs: 0 },
  { id: 'mnist-784-128-128-10.n10000', sizes: [784, 128, 128, 10], n: 10_000, data: 'pixels', pretrainEpochs: 0 },
  { id: 'mnist-784-512-512-10.n10000', sizes: [784, 512, 512, 10], n: 10_000, data: 'pixels', pretrainEpochs: 0 },
  { id: 'pytorch-4-32-32-3.n150', sizes: [4, 32, 32, 3], n: 150, data: 'iris', pretrainEpochs: 300 },
];

/**
 * PyTorch's single-thread Hv times quoted by issue 7 (torch.autograd double backward on this
 * CPU), by case id: figures from the issue, not measured here (there is no PyTorch on this machine).
 */
export const PYTORCH_HV_SECONDS: Readonly<Record<string, number>> = {
  'mnist-784-128-128-10.n1000': 15e-3,
  'pytorch-4-32-32-3.n150': 0.64e-3,
};

/** Picks cases by id fragment (all when `filter` is empty). */
export function selectCases(filter: string | undefined): readonly MlpCase[] {
  if (!filter) return MLP_CASES;
  const exact = MLP_CASES.filter((c) => c.id === filter);
  return exact.length > 0 ? exact : MLP_CASES.filter((c) => c.id.includes(filter));
}

/** The dataset of a case (deterministic). */
export function caseData(c: MlpCase): Dataset {
  if (c.data === 'gauss') return presetData(PRESETS['gauss-normal'].data).train;
  if (c.data === 'iris') return loadIris();
  const d = c.sizes[0]!;
  const classes = c.sizes[c.sizes.length - 1]!;
  const rng = new Rng(7);
  const x = new Float32Array(c.n * d);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform();
  return makeDataset(x, Int32Array.from({ length: c.n }, (_, i) => i % classes), d, classes);
}

/** The model of a case: seeded init, optionally pre-trained on the case's data. */
export async function caseModel(engine: Engine, c: MlpCase, data: Dataset): Promise<Model> {
  const spec = mlpSpec(c.sizes, 'relu');
  const model = { spec, theta: initParameters(spec, 1) };
  if (c.pretrainEpochs === 0) return model;
  const trained = await train(engine, model, data, { epochs: c.pretrainEpochs, lr: 0.02, batchSize: 64, seed: 0 });
  return trained.model;
}

/** First `m` samples of `data`. */
export function head(data: Dataset, m: number): Dataset {
  if (m >= data.n) return data;
  return makeDataset(data.x.subarray(0, m * data.d), data.y.subarray(0, m), data.d, data.classes);
}

/**
 * Seconds the plain-TS reference `fn` takes over all of `data`: timed on the first n′ samples
 * (n′ chosen so one run takes about `budget` seconds) and scaled by n/n′. Returns the time and a
 * note when it was scaled.
 */
export function referenceSeconds(data: Dataset, fn: (sub: Dataset) => void, budget = 0.25): { seconds: number; note?: string } {
  const probe = head(data, Math.min(data.n, 8));
  const t0 = performance.now();
  fn(probe);
  const perSample = (performance.now() - t0) / 1000 / probe.n;
  const m = Math.max(probe.n, Math.min(data.n, Math.ceil(budget / Math.max(perSample, 1e-9))));
  const sub = head(data, m);
  const t = timeMedian(() => fn(sub), { warmup: 1, repeats: 3, minSeconds: 0 });
  if (m === data.n) return { seconds: t };
  return { seconds: (t * data.n) / m, note: `reference timed on ${m} of ${data.n} samples, scaled ×${(data.n / m).toFixed(1)}` };
}

/** p of a spec. */
export function pOf(spec: MlpSpec): number {
  return parameterCount(spec);
}
