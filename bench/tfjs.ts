/**
 * Group `tfjs`: TensorFlow.js 4.22 on the same MLPs, as the tool a browser user would reach for.
 *
 * fwd+bwd = `tf.variableGrads` of `tf.losses.softmaxCrossEntropy` (mean over the batch) with the
 * gradients read back, on the wasm backend (SIMD, one thread — what Node offers it) and the cpu
 * backend (plain JS). Ours is `DenseNet.gradientSums` on the same θ and data, so
 * `fwd+bwd.<case>.<build>.vs-tfjs-<backend>` has ratio = our speed-up (target ≥ 10× over
 * tfjs-wasm on 784-128-128-10, n = 1000). For the wasm backend the two sides are timed in five
 * alternating rounds (this shared VM drifts by tens of percent over a minute); the record gives
 * the medians and the note the per-round speed-ups. Calls longer than a few seconds run on a
 * subsample and are scaled (tfjs time is linear in the batch at these sizes); the note says so.
 *
 * Hv: tfjs has no Hessian-vector product; the natural attempt is a nested `tf.grads` of
 * ⟨∇loss, v⟩. It is recorded for the built-in cross-entropy and for a hand-written one
 * (−mean Σ y ⊙ logSoftmax(z)) as the relative error against our exact f64 Hv — or, when tfjs
 * throws, as an error record carrying its message.
 *
 * Loading: tfjs-core's Node entry (dist/tf-core.node.js) registers no gradients, and its ES
 * build (dist/register_all_gradients.js) uses extension-less imports Node's loader rejects, so
 * the packages are bundled once with esbuild (already a devDependency) into
 * build/tfjs-bench.cjs. The wasm backend loads its .wasm files from the installed package:
 * no network.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dataset } from '../src/data/dataset.js';
import { createEngine, type Engine, type Model } from '../src/engine/engine.js';
import { layerSlices, parameterCount } from '../src/model/mlp.js';
import { gaussianVector } from '../src/model/rng.js';
import { BUILDS, caseData, caseModel, head, selectCases, type MlpCase } from './cases.js';
import { errorRecord, median, repeatsFor, timeMedian, timeRecord, valueRecord, type BenchRecord } from './harness.js';

/* The subset of the tfjs API used here (the bundle is untyped). */
interface Tensor {
  readonly shape: number[];
  dataSync(): Float32Array;
  dispose(): void;
}
interface Tf {
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  getBackend(): string;
  setWasmPaths(prefix: string): void;
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
  env(): { getAsync(flag: string): Promise<unknown> };
  tensor2d(values: Float32Array, shape: [number, number]): Tensor;
  tensor1d(values: ArrayLike<number>, dtype?: string): Tensor;
  variable(t: Tensor): Tensor;
  oneHot(t: Tensor, depth: number): Tensor;
  matMul(a: Tensor, b: Tensor): Tensor;
  add(a: Tensor, b: Tensor): Tensor;
  mul(a: Tensor, b: Tensor): Tensor;
  sum(a: Tensor, axis?: number): Tensor;
  mean(a: Tensor): Tensor;
  neg(a: Tensor): Tensor;
  relu(a: Tensor): Tensor;
  logSoftmax(a: Tensor): Tensor;
  addN(ts: Tensor[]): Tensor;
  transpose(a: Tensor): Tensor;
  concat(ts: Tensor[]): Tensor;
  reshape(t: Tensor, shape: number[]): Tensor;
  slice(t: Tensor, begin: number[], size: number[]): Tensor;
  grad(f: (x: Tensor) => Tensor): (x: Tensor) => Tensor;
  cast(a: Tensor, dtype: string): Tensor;
  losses: { softmaxCrossEntropy(onehot: Tensor, logits: Tensor): Tensor };
  variableGrads(f: () => Tensor): { value: Tensor; grads: Record<string, Tensor> };
  grads(f: (...args: Tensor[]) => Tensor): (args: Tensor[]) => Tensor[];
  tidy<T>(f: () => T): T;
  dispose(x: unknown): void;
}

const root = fileURLToPath(new URL('..', import.meta.url));

async function loadTf(): Promise<Tf> {
  const esbuild = await import('esbuild');
  const entry = [
    "export * from '@tensorflow/tfjs-core';",
    "import '@tensorflow/tfjs-core/dist/register_all_gradients';",
    "import '@tensorflow/tfjs-backend-cpu';",
    "export { setWasmPaths, setThreadsCount, getThreadsCount } from '@tensorflow/tfjs-backend-wasm';",
  ].join('\n');
  const outfile = path.join(root, 'build', 'tfjs-bench.cjs');
  await esbuild.build({
    stdin: { contents: entry, resolveDir: root, loader: 'js' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    mainFields: ['module', 'main'],
    outfile,
    logLevel: 'error',
  });
  const require = createRequire(import.meta.url);
  const tf = require(outfile) as Tf;
  const wasmDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
  tf.setWasmPaths(wasmDir);
  return tf;
}

/** tfjs parameters for our θ: W_l as [in, out] (our rows are [out, in]) and b_l. */
function tfParams(tf: Tf, model: Model): Tensor[] {
  const out: Tensor[] = [];
  for (const L of layerSlices(model.spec)) {
    const w = model.theta.subarray(L.weight, L.weight + L.inputs * L.outputs);
    const wt = new Float32Array(L.inputs * L.outputs);
    for (let o = 0; o < L.outputs; o++) for (let i = 0; i < L.inputs; i++) wt[i * L.outputs + o] = w[o * L.inputs + i]!;
    out.push(tf.variable(tf.tensor2d(wt, [L.inputs, L.outputs])));
    out.push(tf.variable(tf.tensor2d(model.theta.slice(L.bias, L.bias + L.outputs), [1, L.outputs])));
  }
  return out;
}

function logits(tf: Tf, x: Tensor, params: Tensor[]): Tensor {
  let a = x;
  const layers = params.length / 2;
  for (let l = 0; l < layers; l++) {
    a = tf.add(tf.matMul(a, params[2 * l]!), params[2 * l + 1]!);
    if (l < layers - 1) a = tf.relu(a);
  }
  return a;
}

function inputs(tf: Tf, data: Dataset, classes: number): { x: Tensor; y: Tensor } {
  const x = tf.tensor2d(data.x, [data.n, data.d]);
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(data.y, 'int32'), classes), 'float32'));
  return { x, y };
}

/**
 * One tfjs fwd+bwd over `data` as a callable, on the first m samples: all of them unless one call
 * would take more than ~1.5 s (then the caller scales the time by n/m).
 */
function tfFwdBwd(tf: Tf, model: Model, data: Dataset): { fn: () => void; m: number; dispose(): void } {
  const classes = model.spec.sizes[model.spec.sizes.length - 1]!;
  const params = tfParams(tf, model);
  const held: Tensor[] = [...params];
  const run = (d: Dataset): (() => void) => {
    const { x, y } = inputs(tf, d, classes);
    held.push(x, y);
    return () => {
      const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, logits(tf, x, params)));
      value.dataSync();
      for (const g of Object.values(grads)) g.dataSync();
      tf.dispose([value, ...Object.values(grads)]);
    };
  };
  const probe = run(head(data, Math.min(64, data.n)));
  probe();
  const t0 = performance.now();
  probe();
  const perSample = (performance.now() - t0) / 1000 / Math.min(64, data.n);
  const m = Math.min(data.n, Math.max(64, Math.floor(1.5 / perSample)));
  return { fn: run(head(data, m)), m, dispose: () => tf.dispose(held) };
}

/**
 * Times tfjs and ours in alternating rounds (tfjs, then each build), so drift on a shared machine
 * hits both sides alike. Returns the median over rounds of each side's per-round median, and the
 * per-round speed-ups (tfjs time ÷ ours) of every build.
 */
function interleaved(tfFn: () => void, tfScale: number, ours: Map<string, () => void>, rounds: number): {
  tf: number; ours: Map<string, number>; ratios: Map<string, number[]>;
} {
  const t0 = performance.now();
  tfFn();
  const tfOnce = (performance.now() - t0) / 1000;
  const tfTimes: number[] = [];
  const ourTimes = new Map([...ours.keys()].map((b) => [b, [] as number[]]));
  const ratios = new Map([...ours.keys()].map((b) => [b, [] as number[]]));
  for (let r = 0; r < rounds; r++) {
    const tfT = timeMedian(tfFn, { ...repeatsFor(tfOnce), warmup: r === 0 ? 1 : 0 }) * tfScale;
    tfTimes.push(tfT);
    for (const [build, fn] of ours) {
      const t = timeMedian(fn, { warmup: 1, repeats: 5, minSeconds: 0.05 });
      ourTimes.get(build)!.push(t);
      ratios.get(build)!.push(tfT / t);
    }
  }
  return { tf: median(tfTimes), ours: new Map([...ourTimes].map(([b, ts]) => [b, median(ts)])), ratios };
}

/**
 * tfjs Hv by nested gradients of ⟨∇loss, v⟩ — over the per-layer tensors (`tensors`: tf.grads of
 * tf.grads) or over one flat θ sliced into layers (`flat`: tf.grad of tf.grad) — as the relative
 * L2 error against our exact f64 Hv. Throws whatever tfjs throws.
 */
function tfNestedHv(tf: Tf, model: Model, data: Dataset, v: Float64Array, exact: Float64Array, builtin: boolean, layout: 'tensors' | 'flat' | 'gradient-only'): { rel: number; normRatio: number } {
  const classes = model.spec.sizes[model.spec.sizes.length - 1]!;
  const params = tfParams(tf, model);
  const vm = tfParams(tf, { spec: model.spec, theta: Float32Array.from(v) });
  const { x, y } = inputs(tf, data, classes);
  const shapes = params.map((t) => t.shape);
  const sizes = shapes.map((sh) => sh[0]! * sh[1]!);
  const lossOf = (ps: Tensor[]): Tensor => {
    const z = logits(tf, x, ps);
    return builtin ? tf.losses.softmaxCrossEntropy(y, z) : tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(z)), 1)));
  };
  const held: Tensor[] = [...params, ...vm, x, y];
  try {
    let hv: Tensor[];
    if (layout === 'tensors') {
      const gv = (...ps: Tensor[]): Tensor => {
        const gs = tf.grads((...qs: Tensor[]) => lossOf(qs))(ps);
        return tf.addN(gs.map((g, i) => tf.sum(tf.mul(g, vm[i]!))));
      };
      hv = tf.grads(gv)(params);
    } else {
      const flat = (ts: Tensor[]): Tensor => tf.concat(ts.map((t) => tf.reshape(t, [-1])));
      const unflat = (t: Tensor): Tensor[] => {
        let at = 0;
        return shapes.map((sh, i) => {
          const part = tf.reshape(tf.slice(t, [at], [sizes[i]!]), sh);
          at += sizes[i]!;
          return part;
        });
      };
      const theta = flat(params);
      const vf = flat(vm);
      held.push(theta, vf);
      const grad = tf.grad((u: Tensor) => lossOf(unflat(u)));
      // gradient-only: the same layout and conversion for ∇loss, to show they are right
      const h = layout === 'gradient-only' ? grad(theta) : tf.grad((t: Tensor) => tf.sum(tf.mul(grad(t), vf)))(theta);
      hv = unflat(h);
    }
    // back to PyTorch order
    const flatHv = new Float64Array(v.length);
    layerSlices(model.spec).forEach((L, l) => {
      const w = hv[2 * l]!.dataSync();
      for (let o = 0; o < L.outputs; o++) for (let i = 0; i < L.inputs; i++) flatHv[L.weight + o * L.inputs + i] = w[i * L.outputs + o]!;
      const b = hv[2 * l + 1]!.dataSync();
      for (let o = 0; o < L.outputs; o++) flatHv[L.bias + o] = b[o]!;
    });
    let num = 0;
    let den = 0;
    let got = 0;
    for (let i = 0; i < flatHv.length; i++) {
      num += (flatHv[i]! - exact[i]!) ** 2;
      den += exact[i]! ** 2;
      got += flatHv[i]! ** 2;
    }
    return { rel: Math.sqrt(num / den), normRatio: Math.sqrt(got / den) };
  } finally {
    tf.dispose(held);
  }
}

async function caseBench(tf: Tf, records: BenchRecord[], c: MlpCase, engines: Map<string, Engine>): Promise<void> {
  const data = caseData(c);
  const model = await caseModel(engines.get(BUILDS[BUILDS.length - 1]!)!, c, data);
  const p = parameterCount(model.spec);
  const ours = new Map<string, () => void>();
  for (const build of BUILDS) {
    const net = engines.get(build)!.net(model, data);
    const g = new Float64Array(p);
    ours.set(build, () => net.gradientSums(g));
  }
  for (const backend of ['wasm', 'cpu']) {
    await tf.setBackend(backend);
    await tf.ready();
    const tfRun = tfFwdBwd(tf, model, data);
    // The slow cpu backend gets one round; the wasm comparison (issue 7's target) five.
    const t = interleaved(tfRun.fn, data.n / tfRun.m, ours, backend === 'wasm' ? 5 : 1);
    tfRun.dispose();
    const what = backend === 'wasm' ? `tfjs-backend-wasm 4.22 (${tf.getThreadsCount?.() ?? 1} thread, SIMD)` : 'tfjs-backend-cpu 4.22';
    const scaled = tfRun.m < data.n ? `timed on ${tfRun.m} of ${data.n} samples, scaled ×${(data.n / tfRun.m).toFixed(1)}` : undefined;
    records.push(timeRecord(`tfjs-${backend}.fwd+bwd.${c.id}`, t.tf, undefined, [what, scaled].filter(Boolean).join('; ')));
    for (const build of BUILDS) {
      const r = [...t.ratios.get(build)!].sort((x, y) => x - y);
      const rounds = r.length > 1 ? `${r.length} alternating rounds, per-round speed-up ${r[0]!.toFixed(2)}–${r[r.length - 1]!.toFixed(2)}× (median ${median(r).toFixed(2)}×)` : undefined;
      records.push(timeRecord(`fwd+bwd.${c.id}.${build}.vs-tfjs-${backend}`, t.ours.get(build)!, { seconds: t.tf, against: what }, [rounds, scaled].filter(Boolean).join('; ')));
    }
  }
}

export async function tfjsBench(records: BenchRecord[], filter?: string): Promise<void> {
  const tf = await loadTf();
  const engines = new Map<string, Engine>();
  for (const build of BUILDS) engines.set(build, await createEngine({ build, threads: 1 }));
  for (const c of selectCases(filter)) {
    const t0 = performance.now();
    await caseBench(tf, records, c, engines);
    console.error(`  tfjs: ${c.id} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }

  // Hv: the nested-gradient attempt, on the paper's model.
  const c = selectCases('paper')[0]!;
  const data = caseData(c);
  const engine = engines.get(BUILDS[BUILDS.length - 1]!)!;
  const model = await caseModel(engine, c, data);
  const v = gaussianVector(5, parameterCount(model.spec));
  const exact = new Float64Array(v.length);
  const net64 = engine.net(model, data, { precision: 'f64' });
  net64.hvpSums(v, exact);
  for (let i = 0; i < exact.length; i++) exact[i]! /= data.n;
  const gradient = new Float64Array(v.length);
  net64.gradientSums(gradient);
  for (let i = 0; i < gradient.length; i++) gradient[i]! /= data.n;
  for (const backend of ['wasm', 'cpu']) {
    await tf.setBackend(backend);
    await tf.ready();
    const check = tfNestedHv(tf, model, data, v, gradient, true, 'gradient-only').rel;
    records.push(valueRecord(`tfjs-${backend}.gradient-check.${c.id}`, check, 'rel. L2 error',
      'tf.grad of the flat-θ loss vs our f64 gradient: the layout and conversion the Hv lines use are right'));
    for (const layout of ['tensors', 'flat'] as const) {
      for (const builtin of [true, false]) {
        const name = `tfjs-${backend}.hv-nested-grad.${layout}.${builtin ? 'builtin-xent' : 'handwritten-xent'}.${c.id}`;
        const loss = builtin ? 'tf.losses.softmaxCrossEntropy' : '−mean Σ y⊙logSoftmax(z)';
        const how = layout === 'tensors' ? `tf.grads(⟨tf.grads(${loss}) over the layer tensors, v⟩)` : `tf.grad(⟨tf.grad(${loss}) over one flat θ, v⟩)`;
        try {
          const { rel, normRatio } = tfNestedHv(tf, model, data, v, exact, builtin, layout);
          records.push(valueRecord(name, rel, 'rel. L2 error',
            `${how} vs our exact f64 Hv (ours in f32 agrees to ~1e-6); ‖tfjs Hv‖/‖Hv‖ = ${normRatio.toPrecision(3)}`));
        } catch (error) {
          records.push(errorRecord(name, error, `${how}: tfjs cannot compute Hv this way`));
        }
      }
    }
  }
  for (const e of engines.values()) await e.close();
}
