/**
 * The GEMM's configuration per machine (assembly/gemm.ts, `gemm_configure`): the choices that
 * change how fast the kernels run on a CPU but never their bits.
 *   - `tileRows`: rows of the f32 micro-tile, 5 (four A values as one vector, splat by shuffles,
 *     plus a broadcast) or 4 (four broadcast loads). Which is faster depends on how the CPU
 *     schedules shuffles beside multiply-adds and on the wasm engine's register allocation.
 *   - `blockRows`, `blockCols` (f32) and `blockRows64`, `blockCols64` (f64): the m- and n-blocks,
 *     what stays in L2 while it is reused.
 *   - `bInPlace`: whether a k-major f32 B is read in place where that is cheaper, or always packed.
 *   - `transposeNarrow`: whether an f32 C under 16 columns wide that is not a whole number of
 *     8-column tiles (an output layer, n = classes) is computed as Cᵀ, whose n rows fill whole row
 *     panels (10 = 5 + 5), instead of with a last tile that is mostly padding.
 * KC (256) and the k-loop order are fixed, so each C element is the same sum of the same terms in
 * the same order under every configuration: the results are the same bits on every machine, in
 * Node and Chromium, whatever was chosen (test/engine/gemm-config.test.ts runs all of them).
 *
 * An engine chooses once per process and build ({@link chooseGemmConfig}): it times each
 * micro-tile shape on one L2-resident product (160 × 264 × 256, ≈ 0.4 ms) and keeps the default
 * unless another is at least 10 % faster ({@link SWITCH_FACTOR}), after warming the
 * kernel until the wasm engine's optimising tier has taken over (the first ~15 calls run its
 * baseline code, ≈ 4× slower: measured 25–30 ms on the 2-core VM of the benchmarks, time the first
 * real products would otherwise spend in that code). The blocking is not timed (telling blockings
 * apart needs products that do not fit a 50 ms start); the n-blocks follow one rule from the
 * L2's size where the platform tells it ({@link blocksForL2}), and keep their defaults elsewhere.
 * `npm run bench -- ceiling` sweeps every blocking; docs/engine.md, "Kernels per CPU", has what
 * they change.
 */
import { Arena } from './arena.js';
import { applyGemmConfig, describeGemmConfig, instantiateKernels, type CompiledKernels, type GemmConfig, type KernelBuild } from './wasm.js';

export { applyGemmConfig, describeGemmConfig, type GemmConfig };

/** How an engine's configuration came about, and what was measured. */
export interface GemmChoice {
  readonly config: GemmConfig;
  /**
   * `measured`: the fastest of {@link gemmCandidates} on this machine; `default`: the build's
   * default tile shape, unmeasured (asked for, or the optimising tier did not take over within the
   * start's budget); `given`: set by the caller (EngineOptions.gemm)
   */
  readonly how: 'measured' | 'default' | 'given';
  /** the L2 size (bytes) the n-blocks were set from ({@link blocksForL2}); undefined where the platform does not tell it */
  readonly l2Bytes?: number;
  /** each candidate's rate on the timed product (GFLOP/s, its fastest trial); empty unless measured */
  readonly candidates: readonly { readonly config: GemmConfig; readonly gflops: number }[];
  /** wall-clock milliseconds the choice took (warm-up included; 0 unless measured) */
  readonly milliseconds: number;
  /** why the default stands, when it was not measured */
  readonly note?: string;
}

/** The build's default: the shape and blocking the kernels were tuned with (5-row tile with FMA, 4 with mul + add). */
export function defaultGemmConfig(build: KernelBuild): GemmConfig {
  return Object.freeze({ tileRows: build === 'relaxed' ? 5 : 4, blockRows: 80, blockCols: 256, bInPlace: true, blockRows64: 64, blockCols64: 128, transposeNarrow: true });
}

/**
 * The f32 and f64 n-blocks for an L2 of `l2Bytes` (undefined: not known): the packed B block
 * (KC × n-block values) takes at most half the L2, the rest holding the A block and C's rows
 * (Goto & van de Geijn's rule). From 1 MiB of L2: 512 f32 or 256 f64 columns (512 KiB); else the
 * defaults, 256 and 128 (256 KiB, tuned on a 512 KiB L2). On an AMD EPYC with 1 MiB of L2 per
 * core, paired rounds against the defaults (docs/engine.md): f32 +1–4 % on 256³–1024³ and the
 * MLP layer shapes; f64 +4–9 % on 512³ and 1024×1024×{64, 256}, −2 % on 1024×64×1024.
 */
export function blocksForL2(l2Bytes: number | undefined): { blockCols: number; blockCols64: number } {
  return l2Bytes !== undefined && l2Bytes >= 2 ** 20 ? { blockCols: 512, blockCols64: 256 } : { blockCols: 256, blockCols64: 128 };
}

/**
 * The configurations an engine times at its start: each micro-tile shape, the default blocking
 * with the n-blocks {@link blocksForL2} gives for `l2Bytes`.
 */
export function gemmCandidates(build: KernelBuild, l2Bytes?: number): GemmConfig[] {
  const base = { ...defaultGemmConfig(build), ...blocksForL2(l2Bytes) };
  return [base, { ...base, tileRows: base.tileRows === 5 ? 4 : 5 }];
}

/** Every configuration the bench sweeps and the bits test runs: shapes × f32 blockings × B in place or packed × f64 blockings. */
export function allGemmConfigs(build: KernelBuild): GemmConfig[] {
  const base = defaultGemmConfig(build);
  const out: GemmConfig[] = [];
  for (const tileRows of [5, 4] as const) {
    for (const [blockRows, blockCols] of [[80, 256], [40, 256], [160, 256], [80, 128], [80, 512], [160, 512]] as const) {
      for (const bInPlace of [true, false]) out.push({ ...base, tileRows, blockRows, blockCols, bInPlace });
    }
  }
  for (const [blockRows64, blockCols64] of [[32, 128], [128, 128], [64, 64], [64, 256], [128, 256]] as const) out.push({ ...base, blockRows64, blockCols64 });
  for (const tileRows of [5, 4] as const) out.push({ ...base, tileRows, transposeNarrow: false });
  // what an engine may choose on a machine with 1 MiB of L2 or more (gemmCandidates)
  out.push(...gemmCandidates(build, 2 ** 20));
  return out;
}

/** The timed product: 160 × 264 × 256 f32, B k-major and read in place (an MLP layer's shape, L2-resident). */
const PROBE = { m: 160, n: 264, k: 256 } as const;
/** Start budget: warm-up until the optimising tier runs, then the trials. */
const WARMUP_MS = 45;
const TRIALS = 7;
/** Another shape replaces the default only when at least this much faster. */
export const SWITCH_FACTOR = 1.1;

function now(): number {
  return performance.now();
}

/**
 * Times each of {@link gemmCandidates} on this machine and returns the fastest, in ≈ 40–50 ms.
 * Warms the kernel first until one call takes under half the first calls' time (the optimising
 * tier took over); if that does not happen within the budget, the default tile shape stands
 * (timing baseline code would rank shapes by the wrong compiler). `l2Bytes`: the L2 the platform
 * tells (PlatformAdapter.l2CacheBytes), for the n-block.
 */
export function measureGemmConfig(compiled: Pick<CompiledKernels, 'build' | 'module'>, l2Bytes?: number): GemmChoice {
  const start = now();
  const k = instantiateKernels({ build: compiled.build, module: compiled.module }).exports;
  const arena = new Arena(k);
  const A = arena.f32(PROBE.m * PROBE.k);
  const B = arena.f32(PROBE.k * PROBE.n);
  const C = arena.f32(PROBE.m * PROBE.n);
  const work = arena.alloc(k.gemmWorkspaceBytes());
  arena.viewF32(A, PROBE.m * PROBE.k).set(Float32Array.from({ length: PROBE.m * PROBE.k }, (_, i) => ((i * 7919) % 1009) / 1009 - 0.5));
  arena.viewF32(B, PROBE.k * PROBE.n).set(Float32Array.from({ length: PROBE.k * PROBE.n }, (_, i) => ((i * 104729) % 1013) / 1013 - 0.5));
  const run = (): number => {
    const t0 = now();
    k.gemm_f32(0, 0, PROBE.m, PROBE.n, PROBE.k, A, PROBE.k, B, PROBE.n, C, PROBE.n, 0, work, 0, 0, 0, 0);
    return now() - t0;
  };
  const candidates = gemmCandidates(compiled.build, l2Bytes);
  applyGemmConfig(k, candidates[0]!);
  const first = [run(), run(), run()].sort((a, b) => a - b)[1]!;
  let tiered = false;
  while (now() - start < WARMUP_MS) {
    if (run() < 0.5 * first) {
      tiered = true;
      break;
    }
  }
  if (!tiered) {
    return Object.freeze({
      config: candidates[0]!, how: 'default', l2Bytes, candidates: [], milliseconds: now() - start,
      note: `no change of the wasm engine's tier was seen in ${WARMUP_MS} ms of warm-up (still in baseline code on a busy or slow machine, or already optimised by earlier work), so the shapes were not timed`,
    });
  }
  const times = candidates.map(() => [] as number[]);
  for (let t = 0; t < TRIALS; t++) {
    candidates.forEach((c, i) => {
      applyGemmConfig(k, c);
      times[i]!.push(run());
    });
  }
  const flops = 2 * PROBE.m * PROBE.n * PROBE.k;
  // the fastest trial: what the shape can do when nothing else interferes
  const rated = candidates.map((config, i) => ({ config, gflops: flops / (Math.min(...times[i]!) / 1000) / 1e9 }));
  // the default keeps its place unless another shape is clearly faster: on a shared VM single
  // trials drift by 5–10 % (measured here), while a shape that suits the CPU badly costs 30 % or more
  let best = rated[0]!;
  for (const r of rated.slice(1)) if (r.gflops > SWITCH_FACTOR * best.gflops) best = r;
  return Object.freeze({ config: best.config, how: 'measured', l2Bytes, candidates: Object.freeze(rated), milliseconds: now() - start });
}

const chosen = new Map<KernelBuild, GemmChoice>();

/**
 * The configuration of this process for `compiled`'s build: measured on the first call
 * ({@link measureGemmConfig}) and kept, so every later engine, and every instance it makes,
 * uses the same one.
 */
export function chooseGemmConfig(compiled: Pick<CompiledKernels, 'build' | 'module'>, l2Bytes?: number): GemmChoice {
  let choice = chosen.get(compiled.build);
  if (!choice) {
    choice = measureGemmConfig(compiled, l2Bytes);
    chosen.set(compiled.build, choice);
  }
  return choice;
}
