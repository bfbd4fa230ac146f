/**
 * `npm run bench [-- <group> [case-filter]]`: every benchmark group, each compared with a
 * reference measured in the same run. Writes bench/results/latest.json (the records) and
 * latest-meta.json (machine, load, groups, duration), and prints a table.
 *
 * Groups (issue 7; issue 3's spectrum lines):
 *   ceiling  wasm SIMD ceiling (FMA and mul+add chains), GEMM rate and efficiency against it
 *   users    fwd+bwd, Hv, alignment k=10, Lanczos top-10, training, margin, memory — per MLP case
 *   tfjs     TensorFlow.js 4.22 (wasm and cpu backends) fwd+bwd on the same MLPs; its Hv attempt
 *   workers  1 vs 2 workers for Hv; the in-thread vs pool crossover
 *   spectrum the dense Hessian path (p Hv + decomposition) at p ≈ 1000, 2000 (4000 with BENCH_DENSE_4000=1)
 *   dense    the WebAssembly eigensolver against numpy eigh/eigvalsh at p = 983 … 10,703; the paper's G over all P
 *   dense-chromium  the same solver in Chromium at p = 3897, against Node on the same matrix
 *   vector   Lanczos vector work: plain TS vs wasm SIMD (resident and copied-in basis)
 *   memory   peak RSS of a Lanczos top-10 run per case (own process) against issue 7's formula
 *   lanczos  Lanczos top-10 outside-matvec share: full vs partial re-orthogonalisation × TS vs wasm ops
 *   analyze  analyze end to end on MNIST 0/1/7 784-128-128-3 with 1 and 2 threads, per stage
 *   margin   the margin search on MNIST 0/1/7 784-128-128-3: starts batched vs one after another
 *   soak     1,000 pool Hv and 200 aborted Lanczos runs: RSS/external growth; memory estimate vs measured peak
 * A second argument filters the MLP cases by id fragment (e.g. `users paper`).
 * Run on an otherwise idle machine: absolute times on shared cores are noise, ratios the signal.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { analyzeBench } from './analyze.js';
import { ceilingBench } from './ceiling.js';
import { curvatureBench } from './curvature.js';
import { denseBench, denseBrowserBench } from './dense.js';
import { memoryBench } from './memory.js';
import { lanczosBench } from './lanczos.js';
import { marginBench } from './margin.js';
import { printTable, type BenchRecord } from './harness.js';
import { soakBench } from './soak.js';
import { spectrumBench } from './spectrum.js';
import { tfjsBench } from './tfjs.js';
import { usersBench } from './users.js';
import { vectorBench } from './vector.js';
import { workersBench } from './workers.js';

const GROUPS: Record<string, (records: BenchRecord[], filter?: string) => Promise<void>> = {
  ceiling: (r) => ceilingBench(r),
  users: usersBench,
  tfjs: tfjsBench,
  workers: (r) => workersBench(r),
  spectrum: (r) => spectrumBench(r),
  dense: (r) => denseBench(r),
  'dense-chromium': (r) => denseBrowserBench(r),
  vector: (r) => vectorBench(r),
  memory: memoryBench,
  lanczos: lanczosBench,
  margin: (r) => marginBench(r),
  analyze: (r) => analyzeBench(r),
  curvature: (r) => curvatureBench(r),
  soak: (r) => soakBench(r),
};

const [only, filter] = process.argv.slice(2);
if (only !== undefined && !(only in GROUPS)) {
  console.error(`unknown group '${only}'; groups: ${Object.keys(GROUPS).join(', ')}`);
  process.exit(2);
}
const groups = only ? [only] : Object.keys(GROUPS);
const records: BenchRecord[] = [];
const started = new Date().toISOString();
const loadBefore = os.loadavg();
const t0 = performance.now();
const seconds: Record<string, number> = {};
for (const g of groups) {
  const tg = performance.now();
  console.error(`bench: ${g} …`);
  await GROUPS[g]!(records, filter);
  seconds[g] = (performance.now() - tg) / 1000;
  console.error(`bench: ${g} took ${seconds[g]!.toFixed(1)} s`);
}
printTable(records);
const machine = { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.arch()}` };
const meta = { started, seconds: (performance.now() - t0) / 1000, groups: seconds, filter: filter ?? null, machine, loadavgBefore: loadBefore, loadavgAfter: os.loadavg() };
const dir = new URL('./results/', import.meta.url);
await mkdir(dir, { recursive: true });
// A partial run (one group) writes next to latest.json, so the full table is not overwritten.
const suffix = only ? `-${only}` : '';
await writeFile(new URL(`latest${suffix}.json`, dir), `${JSON.stringify(records, null, 2)}\n`);
await writeFile(new URL(`latest${suffix}-meta.json`, dir), `${JSON.stringify(meta, null, 2)}\n`);
console.log(`\nmachine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; load ${loadBefore.map((x) => x.toFixed(2)).join(' ')} before, ` +
  `${meta.loadavgAfter.map((x) => x.toFixed(2)).join(' ')} after; ${meta.seconds.toFixed(0)} s`);
