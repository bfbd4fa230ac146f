/**
 * Group `ceiling`: the machine's wasm SIMD ceiling and GEMM measured against it.
 *
 * The ceiling is the best rate of independent f32x4 multiply-add chains (assembly/bench.ts): FMA
 * via `relaxed_madd` in the relaxed build (12 chains, or 8 micro-kernel-shaped ones, whichever is
 * faster), `mul` + `add` in the SIMD128 build (8 micro-kernel-shaped chains with distinct
 * products). The ceiling is re-measured around every square GEMM, so a busy machine slows both. `gemm.<build>.<size>` is the packed 4×8 GEMM on square row-major
 * matrices, compared with a plain-JS loop; `gemm.<build>.<size>.efficiency` is its share of the
 * same build's ceiling (issue 7: ≥ 80% relaxed, ≥ 70% SIMD128 at 256³ and above). The MLP shapes
 * are the products one chunk of 256 samples runs in 784-128-128-10 (forward A·Wᵀ, weight
 * gradient Δᵀ·A, input gradient Δ·W).
 */
import { Arena } from '../src/engine/arena.js';
import { loadKernels, type KernelBuild, type KernelExports } from '../src/engine/wasm.js';
import { Rng } from '../src/model/rng.js';
import { BUILDS } from './cases.js';
import { rateRecord, timeMedian, valueRecord, type BenchRecord } from './harness.js';

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

/**
 * GFLOP/s of the best madd-chain kernel of a build, and which won: 8 = the micro-kernel-shaped
 * chains (operands streamed from L1), 12 = independent FMA chains (relaxed build only: in the
 * SIMD128 build their shared x·b is one common subexpression, see assembly/bench.ts).
 */
export function measureCeiling(k: KernelExports, build: KernelBuild, { chainCounts = [8, 12], repeats = 7 } = {}): { gflops: number; chains: number } {
  const arena = new Arena(k);
  const buf = arena.f32(1024 + 32); // RING (4096 bytes) + 96
  arena.viewF32(buf, 1024 + 32).fill(1e-3);
  const kernels = [
    [8, (iters: number) => k.ceiling_madd8_f32x4(iters, buf)],
    [12, (iters: number) => k.ceiling_madd12_f32x4(iters, 1e-5, 0.9999)],
  ] as const;
  let best = { gflops: 0, chains: 0 };
  for (const [chains, fn] of kernels.filter(([c]) => chainCounts.includes(c) && (c !== 12 || build === 'relaxed'))) {
    const iters = 1_000_000; // even: the 8-chain kernel does two steps per trip
    const t = timeMedian(() => fn(iters), { warmup: 1, repeats, minSeconds: 0.02 });
    const gflops = (iters * chains * 8) / t / 1e9;
    if (gflops > best.gflops) best = { gflops, chains };
  }
  return best;
}

function gemmRate(k: KernelExports, arena: Arena, ta: number, tb: number, m: number, n: number, kk: number, seed: number): number {
  const rng = new Rng(seed);
  const mark = arena.mark();
  const a = arena.f32(m * kk);
  const b = arena.f32(kk * n);
  const c = arena.f32(m * n);
  const work = arena.alloc(k.gemmWorkspaceBytes());
  arena.viewF32(a, m * kk).set(Float32Array.from({ length: m * kk }, () => rng.normal()));
  arena.viewF32(b, kk * n).set(Float32Array.from({ length: kk * n }, () => rng.normal()));
  const lda = ta ? m : kk;
  const ldb = tb ? kk : n;
  const t = timeMedian(() => k.gemm_f32(ta, tb, m, n, kk, a, lda, b, ldb, c, n, 0, work, 0, 0, 0, 0), { repeats: 5 });
  arena.reset(mark);
  return (2 * m * n * kk) / t / 1e9;
}

export async function ceilingBench(records: BenchRecord[]): Promise<void> {
  const ceilings = new Map<KernelBuild, number>();
  const kernels = new Map<KernelBuild, KernelExports>();
  const ceilingChains = new Map<KernelBuild, number>();
  for (const build of BUILDS) {
    const k = (await loadKernels(build)).exports;
    kernels.set(build, k);
    const c = measureCeiling(k, build);
    ceilings.set(build, c.gflops);
    ceilingChains.set(build, c.chains);
    records.push(valueRecord(`ceiling.${build}`, c.gflops, 'GFLOP/s',
      `${build === 'relaxed' ? 'relaxed_madd (FMA)' : 'mul+add'}: ${c.chains === 12 ? '12 independent chains' : '8 chains shaped like the 4×8 micro-kernel, operands from L1'}`));
  }
  const relaxed = ceilings.get('relaxed');
  const simd = ceilings.get('simd128');
  if (relaxed !== undefined && simd !== undefined) {
    records.push(rateRecord('ceiling.relaxed.over-simd128', relaxed / simd, 'x', undefined, 'FMA ceiling / mul+add ceiling'));
  }

  for (const size of [128, 256, 512, 1024]) {
    const flops = 2 * size ** 3;
    const rng = new Rng(size);
    const A = Float32Array.from({ length: size * size }, () => rng.normal());
    const B = Float32Array.from({ length: size * size }, () => rng.normal());
    const Cn = new Float32Array(size * size);
    const naive = size <= 512 ? timeMedian(() => naiveGemm(size, size, size, A, B, Cn), { warmup: 1, repeats: 3, minSeconds: 0 }) : NaN;
    for (const build of BUILDS) {
      const k = kernels.get(build)!;
      const arena = new Arena(k);
      // The ceiling is re-measured right before and after, so a busy machine slows both alike.
      const chains = [ceilingChains.get(build)!];
      const before = measureCeiling(k, build, { chainCounts: chains, repeats: 5 }).gflops;
      const rate = gemmRate(k, arena, 0, 0, size, size, size, size);
      const after = measureCeiling(k, build, { chainCounts: chains, repeats: 5 }).gflops;
      const local = (before + after) / 2;
      records.push(rateRecord(`gemm.${build}.${size}`, rate, 'GFLOP/s',
        Number.isNaN(naive) ? undefined : { value: flops / naive / 1e9, against: 'plain-JS f32 i-k-j loop' }));
      records.push(rateRecord(`gemm.${build}.${size}.efficiency`, rate / local, 'of ceiling', undefined,
        `ceiling re-measured around it: ${local.toFixed(1)} GFLOP/s; target ≥ ${build === 'relaxed' ? '0.80' : '0.70'} at 256³+`));
    }
  }

  // The products one 256-sample chunk of 784-128-128-10 runs.
  const shapes = [
    { id: 'fwd-256x128x784.nt', ta: 0, tb: 1, m: 256, n: 128, k: 784 },
    { id: 'wgrad-128x784x256.tn', ta: 1, tb: 0, m: 128, n: 784, k: 256 },
    { id: 'igrad-256x784x128.nn', ta: 0, tb: 0, m: 256, n: 784, k: 128 },
    { id: 'out-256x10x128.nt', ta: 0, tb: 1, m: 256, n: 10, k: 128 },
  ];
  for (const build of BUILDS) {
    const k = kernels.get(build)!;
    const arena = new Arena(k);
    for (const s of shapes) {
      const rate = gemmRate(k, arena, s.ta, s.tb, s.m, s.n, s.k, 1);
      records.push(rateRecord(`gemm.${build}.mlp-${s.id}`, rate, 'GFLOP/s', { value: ceilings.get(build)!, against: `ceiling.${build}` }));
    }
  }
}
