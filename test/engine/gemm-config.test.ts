/**
 * The GEMM configuration per machine (src/engine/gemm-config.ts, assembly/gemm.ts
 * `gemm_configure`): every configuration — both micro-tile shapes, every blocking the bench sweeps,
 * B read in place or always packed, every f64 blocking — gives the same bits as the build's
 * default on products that cross every tile and block edge, every transpose pair and epilogue,
 * with accumulation, in f32 and f64, in both builds; in Node and in Chromium (this file runs in
 * both projects). An engine reports what it chose; two engines with different configurations
 * analyse to the same bits; an out-of-range configuration is an InputError.
 */
import { describe, expect, it } from 'vitest';
import { Arena } from '../../src/engine/arena.js';
import { allGemmConfigs, blocksForL2, defaultGemmConfig, gemmCandidates, SWITCH_FACTOR } from '../../src/engine/gemm-config.js';
import { compileKernels, EPILOGUE, instantiateKernels, relaxedSimdSupported, type GemmConfig, type KernelBuild, type KernelExports } from '../../src/engine/wasm.js';
import { createEngine } from '../../src/engine/engine.js';
import { Rng } from '../../src/model/rng.js';
import { initParameters, mlpSpec } from '../../src/model/mlp.js';
import { ACTIVATION_CODE } from '../../src/engine/net/kernels.js';
import { InputError } from '../../src/errors.js';
import { lanczos } from '../../src/hessian/lanczos.js';
import { randomData } from '../helpers/analysis.js';

const BUILDS: KernelBuild[] = relaxedSimdSupported() ? ['simd128', 'relaxed'] : ['simd128'];

/** [m, n, k, transA, transB, epilogue, accumulate]: tile tails (5/4 rows, 8 columns), every block edge (20…160 rows, 64…512 columns, KC = 256), B in place and packed. */
const CASES: readonly [number, number, number, number, number, number, number][] = [
  [1, 1, 1, 0, 0, EPILOGUE.none, 0],
  [13, 23, 31, 1, 0, EPILOGUE.none, 1],
  [83, 37, 19, 0, 1, EPILOGUE.bias, 0],
  [161, 70, 300, 0, 0, EPILOGUE.biasAct, 0],
  [45, 530, 260, 1, 1, EPILOGUE.none, 0],
  [200, 130, 513, 0, 0, EPILOGUE.widen, 1],
  [41, 264, 128, 0, 0, EPILOGUE.biasAct, 0],
  [120, 1030, 40, 1, 0, EPILOGUE.none, 0],
  [24, 64, 300, 0, 0, EPILOGUE.bias, 1],
  // narrow C (n < 16, not whole tiles; m ≥ 4n): computed as Cᵀ by default, directly when transposeNarrow is off
  [256, 10, 128, 0, 1, EPILOGUE.biasAct, 0],
  [100, 3, 300, 0, 0, EPILOGUE.widen, 1],
  [64, 12, 40, 1, 1, EPILOGUE.bias, 0],
  [50, 5, 9, 1, 0, EPILOGUE.none, 1],
];

/** Runs every case in f32 and f64 on one instance; returns all outputs' bytes, concatenated. */
function outputs(k: KernelExports, seed: number): Uint8Array {
  const arena = new Arena(k);
  const rng = new Rng(seed);
  const work = arena.alloc(k.gemmWorkspaceBytes());
  const parts: Uint8Array[] = [];
  for (const [m, n, kk, ta, tb, epi, acc] of CASES) {
    for (const es of [4, 8] as const) {
      if (es === 8 && (epi === EPILOGUE.widen || epi === EPILOGUE.biasAct)) continue;
      const mark = arena.mark();
      const lda = (ta ? m : kk) + 1;
      const ldb = (tb ? kk : n) + (kk % 2);
      const aLen = (ta ? kk : m) * lda;
      const bLen = (tb ? n : kk) * ldb;
      const ces = epi === EPILOGUE.widen ? 8 : es;
      const A = arena.alloc(aLen * es);
      const B = arena.alloc(bLen * es);
      const C = arena.alloc(m * n * ces);
      const C2 = arena.alloc(m * n * es);
      const bias = arena.alloc(n * es);
      const fill = (p: number, len: number, bytes: number): void => {
        const values = Float64Array.from({ length: len }, () => rng.uniformIn(-1, 1));
        if (bytes === 4) arena.viewF32(p, len).set(values);
        else arena.viewF64(p, len).set(values);
      };
      fill(A, aLen, es);
      fill(B, bLen, es);
      fill(C, m * n, ces);
      fill(bias, n, es);
      const act = ACTIVATION_CODE.tanh;
      const gemm = es === 4 ? k.gemm_f32 : k.gemm_f64;
      gemm(ta, tb, m, n, kk, A, lda, B, ldb, C, n, acc, work, epi as never, bias, act, epi === EPILOGUE.biasAct ? C2 : 0);
      parts.push(new Uint8Array(k.memory.buffer, C, m * n * ces).slice());
      if (epi === EPILOGUE.biasAct) parts.push(new Uint8Array(k.memory.buffer, C2, m * n * es).slice());
      arena.reset(mark);
    }
  }
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

describe('GEMM configurations', () => {
  for (const build of BUILDS) {
    it(`${build}: every configuration gives the default's bits, f32 and f64, every transpose, epilogue and block edge`, async () => {
      const compiled = await compileKernels(build);
      const reference = outputs(instantiateKernels({ build, module: compiled.module, gemm: defaultGemmConfig(build) }).exports, 7);
      // the outputs are the products' (not zeros), and other inputs give other bytes
      expect(reference.filter((x) => x !== 0).length).toBeGreaterThan(reference.length / 2);
      expect(same(outputs(instantiateKernels({ build, module: compiled.module }).exports, 8), reference)).toBe(false);
      const configs = allGemmConfigs(build);
      expect(configs.length).toBeGreaterThanOrEqual(20);
      // both micro-tile shapes, both B policies and several blockings are really among them
      expect(new Set(configs.map((c) => c.tileRows))).toEqual(new Set([4, 5]));
      expect(new Set(configs.map((c) => c.bInPlace))).toEqual(new Set([true, false]));
      expect(new Set(configs.map((c) => c.transposeNarrow))).toEqual(new Set([true, false]));
      const differing: string[] = [];
      for (const config of configs) {
        const k = instantiateKernels({ build, module: compiled.module, gemm: config }).exports;
        // the instance runs the configuration it was given
        expect([0, 1, 2, 3, 4, 5, 6].map((f) => k.gemm_config(f))).toEqual([config.tileRows, config.blockRows, config.blockCols, config.bInPlace ? 1 : 0, config.blockRows64, config.blockCols64, config.transposeNarrow ? 1 : 0]);
        if (!same(outputs(k, 7), reference)) differing.push(JSON.stringify(config));
      }
      expect(differing).toEqual([]);
    });
  }

  it('the n-block rule: the packed B block at most half the L2 — from 1 MiB 512 f32 / 256 f64 columns, else the defaults 256 / 128', () => {
    expect([undefined, 256 * 1024, 512 * 1024, 1024 * 1024 - 1, 1024 * 1024, 2 * 1024 * 1024].map((l2) => blocksForL2(l2).blockCols)).toEqual([256, 256, 256, 256, 512, 512]);
    expect([undefined, 1024 * 1024 - 1, 1024 * 1024].map((l2) => blocksForL2(l2).blockCols64)).toEqual([128, 128, 256]);
    for (const build of ['simd128', 'relaxed'] as const) {
      expect(gemmCandidates(build)[0]).toEqual(defaultGemmConfig(build));
      expect(gemmCandidates(build, 2 ** 20).map((c) => [c.blockCols, c.blockCols64])).toEqual([[512, 256], [512, 256]]);
      // every configuration the rule picks is among those the bits test runs
      for (const l2 of [undefined, 2 ** 20]) for (const c of gemmCandidates(build, l2)) expect(allGemmConfigs(build)).toContainEqual(c);
    }
  });

  it('an engine reports its choice; engines with different configurations analyse to the same bits; bad configurations are InputErrors', async () => {
    const auto = await createEngine({ threads: 1 });
    const build = auto.build;
    expect(['measured', 'default']).toContain(auto.gemm.how);
    if (auto.gemm.how === 'measured') {
      expect(auto.gemm.candidates.map((c) => c.config)).toEqual(gemmCandidates(build, auto.gemm.l2Bytes));
      // the default tile, unless another candidate was at least SWITCH_FACTOR faster
      const [first, ...others] = auto.gemm.candidates;
      const faster = others.filter((c) => c.gflops > SWITCH_FACTOR * first!.gflops);
      if (faster.length === 0) expect(auto.gemm.config).toEqual(gemmCandidates(build, auto.gemm.l2Bytes)[0]);
      else expect(faster.map((c) => c.config)).toContainEqual(auto.gemm.config);
    } else {
      expect(auto.gemm.note).toMatch(/no change of the wasm engine's tier/);
      expect(auto.gemm.config).toEqual(gemmCandidates(build, auto.gemm.l2Bytes)[0]);
    }
    // the n-block follows the L2 the platform told (none in a browser): the rest is the default
    expect(auto.gemm.config).toMatchObject(blocksForL2(auto.gemm.l2Bytes));
    expect({ ...auto.gemm.config, tileRows: 0, blockCols: 0, blockCols64: 0 }).toEqual({ ...defaultGemmConfig(build), tileRows: 0, blockCols: 0, blockCols64: 0 });
    // the chosen configuration travels with the kernels (to every instance and worker)
    expect(auto.kernels.gemm).toEqual(auto.gemm.config);
    const four: GemmConfig = { ...defaultGemmConfig(build), tileRows: 4, blockRows: 40, blockCols: 128, bInPlace: false, blockRows64: 32, blockCols64: 64, transposeNarrow: false };
    const given = await createEngine({ threads: 1, gemm: four });
    expect(given.gemm.how).toBe('given');
    expect(given.kernels.gemm).toEqual(four);
    const plain = await createEngine({ threads: 1, gemm: 'default' });
    expect([plain.gemm.how, plain.gemm.config]).toEqual(['default', defaultGemmConfig(build)]);
    const spec = mlpSpec([3, 24, 24, 4], 'tanh');
    const model = { spec, theta: initParameters(spec, 2) };
    const data = randomData(300, 3, 4, 5);
    const top = async (engine: typeof auto, precision: 'f32' | 'f64') => {
      const session = await engine.session(model, data, { precision });
      try {
        const eig = await lanczos(session.hessian(), { k: 3, seed: 1 });
        const g = await session.gradient();
        return { eig: eig.eigenvalues, g: Array.from(g.gradient) };
      } finally {
        await session.close();
      }
    };
    for (const precision of ['f32', 'f64'] as const) {
      expect(await top(given, precision)).toEqual(await top(plain, precision));
    }
    await expect(createEngine({ threads: 1, gemm: { ...four, blockRows: 30 } })).rejects.toThrow(InputError);
    await expect(createEngine({ threads: 1, gemm: { ...four, tileRows: 6 as 4 } })).rejects.toThrow(/GEMM configuration out of range: 6×8 tile/);
    for (const e of [auto, given, plain]) await e.close();
  });
});
