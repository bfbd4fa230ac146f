/**
 * `npm run bench`: kernel and engine benchmarks, each compared with a reference measured in the
 * same run. Writes bench/results/latest.json and prints a table. Run on an otherwise idle machine;
 * absolute times on shared cores are noise, ratios are the signal.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { createEngine } from '../src/engine/engine.js';
import { Arena } from '../src/engine/arena.js';
import { loadKernels, relaxedSimdSupported, type KernelBuild } from '../src/engine/wasm.js';
import { makeDataset } from '../src/data/dataset.js';
import { initParameters, mlpSpec, parameterCount } from '../src/model/mlp.js';
import { gaussianVector, Rng } from '../src/model/rng.js';
import { referenceGradient, referenceHvp } from '../src/reference/mlp.js';
import { printTable, rateRecord, timeMedian, timeRecord, type BenchRecord } from './harness.js';

const records: BenchRecord[] = [];
const builds: KernelBuild[] = relaxedSimdSupported() ? ['simd128', 'relaxed'] : ['simd128'];
const only = process.argv[2];

/** Plain-JS f32 GEMM (i-k-j loop order): what a user would write without SIMD kernels. */
function naiveGemm(m: number, n: number, k: number, A: Float32Array, B: Float32Array, C: Float32Array): void {
  C.fill(0);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const a = A[i * k + p]!;
      const row = p * n;
      const out = i * n;
      for (let j = 0; j < n; j++) C[out + j]! += a * B[row + j]!;
    }
  }
}

async function gemmBench(): Promise<void> {
  for (const size of [128, 256, 512, 1024]) {
    const flops = 2 * size ** 3;
    const rng = new Rng(size);
    const A = new Float32Array(size * size).map(() => rng.normal());
    const B = new Float32Array(size * size).map(() => rng.normal());
    const Cn = new Float32Array(size * size);
    const naive = size <= 512 ? timeMedian(() => naiveGemm(size, size, size, A, B, Cn), { warmup: 1, repeats: 3 }) : NaN;
    for (const build of builds) {
      const kernels = await loadKernels(build);
      const k = kernels.exports;
      const arena = new Arena(k);
      const a = arena.f32(size * size);
      const b = arena.f32(size * size);
      const c = arena.f32(size * size);
      const work = arena.alloc(k.gemmWorkspaceBytes());
      arena.viewF32(a, size * size).set(A);
      arena.viewF32(b, size * size).set(B);
      const t = timeMedian(() => k.gemm_f32(0, 0, size, size, size, a, size, b, size, c, size, 0, work), { repeats: 5 });
      records.push(rateRecord(`gemm.${build}.${size}`, flops / t / 1e9, 'GFLOP/s',
        Number.isNaN(naive) ? undefined : { value: flops / naive / 1e9, against: 'plain-JS f32 i-k-j loop' }));
    }
  }
}

async function mlpBench(): Promise<void> {
  const cases = [
    { id: 'paper-2-100-100-3.n150', sizes: [2, 100, 100, 3], n: 150, activation: 'relu' as const },
    { id: 'mnist-784-128-128-10.n1000', sizes: [784, 128, 128, 10], n: 1000, activation: 'relu' as const },
  ];
  for (const c of cases) {
    const spec = mlpSpec(c.sizes, c.activation);
    const p = parameterCount(spec);
    const theta = initParameters(spec, 1);
    const rng = new Rng(2);
    const classes = c.sizes[c.sizes.length - 1]!;
    const data = makeDataset(new Float32Array(c.n * c.sizes[0]!).map(() => rng.normal()), Int32Array.from({ length: c.n }, (_, i) => i % classes), c.sizes[0]!, classes);
    const v = gaussianVector(3, p);
    const refGrad = timeMedian(() => referenceGradient(spec, theta, data), { warmup: 1, repeats: 3 });
    const refHv = timeMedian(() => referenceHvp(spec, theta, data, v), { warmup: 1, repeats: 3 });
    for (const build of builds) {
      const engine = await createEngine({ build });
      for (const precision of ['f32', 'f64'] as const) {
        const net = engine.net({ spec, theta }, data, { precision });
        const g = new Float64Array(p);
        const out = new Float64Array(p);
        const tGrad = timeMedian(() => net.gradientSums(g));
        net.prepareCurvature();
        const tHv = timeMedian(() => net.hvpSums(v, out));
        const tag = `${c.id}.${build}.${precision}`;
        records.push(timeRecord(`fwd+bwd.${tag}`, tGrad, { seconds: refGrad, against: 'plain-TS f64 reference' }));
        records.push(timeRecord(`hv.${tag}`, tHv, { seconds: refHv, against: 'plain-TS f64 reference' }));
        records.push(rateRecord(`hv-over-fwd+bwd.${tag}`, tHv / tGrad, 'x', undefined, 'Hv time / fwd+bwd time (forward reused; aim ≤ 2.5)'));
      }
    }
  }
}

const started = new Date().toISOString();
if (!only || only === 'gemm') await gemmBench();
if (!only || only === 'mlp') await mlpBench();
printTable(records);
const machine = { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version, loadavg: os.loadavg() };
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(new URL('./results/latest.json', import.meta.url), `${JSON.stringify(records, null, 2)}\n`);
await writeFile(new URL('./results/latest-meta.json', import.meta.url), `${JSON.stringify({ started, machine }, null, 2)}\n`);
console.log(`\nmachine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load ${machine.loadavg.map((x) => x.toFixed(2)).join(' ')}`);
