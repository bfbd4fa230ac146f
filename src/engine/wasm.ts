/**
 * Loads the kernels. The only file that instantiates WebAssembly.
 *
 * Both builds are inlined as base64 (src/engine/kernels.generated.ts, made by
 * scripts/build-wasm.mjs), so Node, browsers, workers and bundlers load them identically with no
 * URL, fetch or MIME-type setup; only the build that runs is decoded. The build is chosen at load
 * time: relaxed SIMD when `WebAssembly.validate` accepts a 37-byte probe module that uses
 * `f32x4.relaxed_madd` (Chromium; Node 20 only with --experimental-wasm-relaxed-simd), else
 * SIMD128. Workers receive the compiled module and never touch the base64. Instantiation goes
 * through `@assemblyscript/loader`, which supplies the `abort` import and the export wrapper; the
 * kernels take only pointers and sizes, so nothing else of the loader is needed.
 */
import { instantiateSync } from '@assemblyscript/loader';
import { InputError, ResourceError } from '../errors.js';
import { RELAXED_WASM_BASE64, SIMD128_WASM_BASE64 } from './kernels.generated.js';

/** Which compiled kernel build runs: `relaxed` uses `f32x4.relaxed_madd` (FMA), `simd128` mul + add. */
export type KernelBuild = 'simd128' | 'relaxed';

/** Build choice for {@link loadKernels}: `auto` picks `relaxed` when the runtime validates it. */
export type KernelBuildOption = KernelBuild | 'auto';

/**
 * `WebAssembly.Module` and `WebAssembly.Memory` where the TypeScript libs declare them (DOM,
 * WebWorker), else `object`: the published declarations then compile in a Node-only project
 * (`lib: ["ES2022"]`, @types/node, which declares no WebAssembly) as well as in a DOM one.
 */
type WasmGlobal = typeof globalThis extends { WebAssembly: infer W } ? W : never;
/** A compiled `WebAssembly.Module`. */
export type WasmModule = WasmGlobal extends { Module: { prototype: infer M } } ? M : object;
/** A `WebAssembly.Memory`. */
export type WasmMemory = WasmGlobal extends { Memory: { prototype: infer M } } ? M : object;

/** Pointer (byte offset into `memory`). */
type Ptr = number;

/**
 * How a GEMM stores its tile (assembly/gemm.ts, EPI_*): `none` C (=|+=) product; `bias` adds
 * bias[j]; `biasAct` Z = … + bias[j], C = σ(Z) and C2 = Z when C2 ≠ 0; `widen` C is f64.
 */
export const EPILOGUE = { none: 0, bias: 1, biasAct: 2, widen: 3 } as const;
/** One of {@link EPILOGUE}'s codes. */
export type Epilogue = (typeof EPILOGUE)[keyof typeof EPILOGUE];

/** The raw kernel exports; see assembly/index.ts for each contract. */
export interface KernelExports {
  readonly memory: WasmMemory;
  heap_base(): Ptr;
  relaxed_build(): number;
  gemmWorkspaceBytes(): number;
  gemm_configure(tileRows: number, blockRows: number, blockCols: number, bInPlace: number, blockRows64: number, blockCols64: number, transposeNarrow: number): number;
  gemm_config(field: number): number;
  gemm_f32(transA: number, transB: number, m: number, n: number, k: number, A: Ptr, lda: number,
    B: Ptr, ldb: number, C: Ptr, ldc: number, accumulate: number, work: Ptr, epilogue: Epilogue, bias: Ptr, act: number, C2: Ptr): void;
  gemm_f64(transA: number, transB: number, m: number, n: number, k: number, A: Ptr, lda: number,
    B: Ptr, ldb: number, C: Ptr, ldc: number, accumulate: number, work: Ptr, epilogue: Epilogue, bias: Ptr, act: number, C2: Ptr): void;
  act_backward_f32(E: Ptr, S: Ptr, D: Ptr, count: number, act: number): void;
  act_backward_f64(E: Ptr, S: Ptr, D: Ptr, count: number, act: number): void;
  act_r_backward_f32(P: Ptr, E: Ptr, S: Ptr, RZ: Ptr, RD: Ptr, count: number, act: number): void;
  act_r_backward_f64(P: Ptr, E: Ptr, S: Ptr, RZ: Ptr, RD: Ptr, count: number, act: number): void;
  softmax_xent_f32(Z: Ptr, labels: Ptr, P: Ptr, D: Ptr, m: number, C: number): number;
  softmax_xent_f64(Z: Ptr, labels: Ptr, P: Ptr, D: Ptr, m: number, C: number): number;
  argmax_rows_f32(Z: Ptr, m: number, C: number, pred: Ptr): void;
  argmax_rows_f64(Z: Ptr, m: number, C: number, pred: Ptr): void;
  r_softmax_f32(P: Ptr, RZ: Ptr, RD: Ptr, m: number, C: number): void;
  r_softmax_f64(P: Ptr, RZ: Ptr, RD: Ptr, m: number, C: number): void;
  block_row_dots_f32(D: Ptr, P: Ptr, c: Ptr, m: number, n: number, k: number, out: Ptr): void;
  block_row_dots_f64(D: Ptr, P: Ptr, c: Ptr, m: number, n: number, k: number, out: Ptr): void;
  layer_grad_normsq_f32(D: Ptr, A: Ptr, m: number, n: number, nin: number, out: Ptr): void;
  layer_grad_normsq_f64(D: Ptr, A: Ptr, m: number, n: number, nin: number, out: Ptr): void;
  colsum_f32_into_f64(D: Ptr, m: number, n: number, out: Ptr, accumulate: number): void;
  colsum_f64_into_f64(D: Ptr, m: number, n: number, out: Ptr, accumulate: number): void;
  dot_f32(a: Ptr, b: Ptr, count: number): number;
  dot_f64(a: Ptr, b: Ptr, count: number): number;
  axpy_f64(alpha: number, x: Ptr, y: Ptr, count: number): void;
  scale_f64(alpha: number, x: Ptr, count: number): void;
  f64_to_f32(src: Ptr, dst: Ptr, count: number): void;
  f32_to_f64(src: Ptr, dst: Ptr, count: number): void;
  project_f64(B: Ptr, rows: number, n: number, ld: number, v: Ptr, out: Ptr): void;
  combine_f64(B: Ptr, rows: number, n: number, ld: number, coeffs: Ptr, y: Ptr): void;
  combine_project_f64(B: Ptr, rows: number, n: number, ld: number, coeffs: Ptr, y: Ptr, out: Ptr): void;
  rows_affine_f64(Wt: Ptr, nin: number, nout: number, bias: Ptr, add: number, A: Ptr, lda: number,
    rows: Ptr, count: number, Out: Ptr, ldo: number): void;
  rows_transpose_axpy_f64(W: Ptr, nout: number, nin: number, U: Ptr, ldu: number, rows: Ptr, count: number,
    Out: Ptr, ldo: number, accumulate: number, work: Ptr): void;
  ceiling_madd8_f32x4(iters: number, buf: Ptr): number;
  ceiling_madd10_shuffle_f32x4(iters: number, buf: Ptr): number;
  ceiling_madd12_f32x4(iters: number, x: number, b: number): number;
  symv_upper_f64(m: number, A: Ptr, lda: number, x: Ptr, y: Ptr): void;
  tridiag_column_f64(n: number, A: Ptr, lda: number, i0: number, jj: number, Wn: Ptr, ldw: number,
    d: Ptr, e: Ptr, tau: Ptr, work: Ptr): void;
  syr2k_upper_f64(m: number, k: number, P: Ptr, ldp: number, Q: Ptr, ldq: number, C: Ptr, ldc: number,
    r0: number, r1: number, work: Ptr): void;
  gather_reflectors_f64(A: Ptr, lda: number, n: number, i0: number, k: number, c0: number, out: Ptr, ldo: number): void;
  larft_neg_f64(k: number, m: number, V: Ptr, ldv: number, tau: Ptr, Tn: Ptr, ldt: number): void;
  gelq2_rows_f64(k: number, m: number, P: Ptr, ldp: number, tau: Ptr): void;
  symm_upper_rows_f64(m: number, k: number, V: Ptr, ldv: number, A: Ptr, lda: number, Y: Ptr, ldy: number,
    r0: number, r1: number, work: Ptr): void;
  band_from_upper_f64(n: number, b: number, A: Ptr, lda: number, B: Ptr, ldb: number): void;
  sb2st_sweeps_f64(n: number, b: number, B: Ptr, ldb: number, s0: number, s1: number, R: Ptr, ldr: number, work: Ptr): void;
  apply_band_q_rows_f64(n: number, b: number, R: Ptr, ldr: number, s0: number, s1: number, G: Ptr, ldg: number,
    rows: number, transpose: number): void;
}

/**
 * The GEMM's configuration on this machine (assembly/gemm.ts `gemm_configure`;
 * src/engine/gemm-config.ts chooses it): choices that change the speed, never the bits.
 */
export interface GemmConfig {
  /** rows of the f32 micro-tile: 5 or 4 */
  readonly tileRows: 4 | 5;
  /** f32 m-block: a multiple of 20 in 20 … 160 */
  readonly blockRows: number;
  /** f32 n-block: a multiple of 8 in 64 … 512 */
  readonly blockCols: number;
  /** read a k-major f32 B in place where that is cheaper (true), or always pack it */
  readonly bInPlace: boolean;
  /** f64 m-block: a multiple of 4 in 16 … 128 */
  readonly blockRows64: number;
  /** f64 n-block: a multiple of 4 in 32 … 256 */
  readonly blockCols64: number;
  /**
   * compute an f32 C that is under 16 columns wide and not a whole number of 8-column tiles (an
   * output layer) as Cᵀ, whose rows fill whole row panels (true), or directly
   */
  readonly transposeNarrow: boolean;
}

/** "5×8 tile, blocks 80×256 (f64 64×128), B in place where cheaper": a configuration in a few words. */
export function describeGemmConfig(c: GemmConfig): string {
  return `${c.tileRows}×8 tile, blocks ${c.blockRows}×${c.blockCols} (f64 ${c.blockRows64}×${c.blockCols64}), B ${c.bInPlace ? 'in place where cheaper' : 'always packed'}, narrow C ${c.transposeNarrow ? 'as Cᵀ' : 'direct'}`;
}

/** Sets `config` on one kernel instance. */
export function applyGemmConfig(k: KernelExports, config: GemmConfig): void {
  const ok = k.gemm_configure(config.tileRows, config.blockRows, config.blockCols, config.bInPlace ? 1 : 0, config.blockRows64, config.blockCols64, config.transposeNarrow ? 1 : 0);
  if (ok !== 1) throw new InputError(`GEMM configuration out of range: ${describeGemmConfig(config)} (tile rows 4 or 5; f32 blocks: rows a multiple of 20 up to 160, columns a multiple of 8 from 64 to 512; f64 blocks: rows a multiple of 4 from 16 to 128, columns a multiple of 4 from 32 to 256)`);
}

/** A compiled kernel module, shareable with workers (WebAssembly.Module is structured-cloneable). */
export interface CompiledKernels {
  readonly build: KernelBuild;
  readonly module: WasmModule;
  /** the GEMM configuration every instance gets (default: the build's own) */
  readonly gemm?: GemmConfig;
}

/** An instantiated kernel module. */
export interface Kernels {
  readonly build: KernelBuild;
  readonly module: WasmModule;
  readonly exports: KernelExports;
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const compiled = new Map<KernelBuild, Promise<WebAssembly.Module>>();

/** The wasm bytes of a build. */
export function kernelBytes(build: KernelBuild): Uint8Array<ArrayBuffer> {
  return decodeBase64(build === 'relaxed' ? RELAXED_WASM_BASE64 : SIMD128_WASM_BASE64);
}

/**
 * `(module (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2
 * f32x4.relaxed_madd))`: validates exactly when the runtime has relaxed SIMD, like the relaxed
 * build, without decoding that build.
 */
const RELAXED_SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // type section: (v128 v128 v128) → v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x0d, 0x01, 0x0b, 0x00, // code section: one body of 11 bytes, no locals
  0x20, 0x00, 0x20, 0x01, 0x20, 0x02, // local.get 0, 1, 2
  0xfd, 0x85, 0x02, // f32x4.relaxed_madd (0xfd 0x105)
  0x0b, // end
]);

/** True when this runtime validates relaxed SIMD (the relaxed build's only extra feature). */
export function relaxedSimdSupported(): boolean {
  try {
    return WebAssembly.validate(RELAXED_SIMD_PROBE);
  } catch {
    return false;
  }
}

/** Resolves `auto` to the build this runtime will run. */
export function resolveBuild(option: KernelBuildOption = 'auto'): KernelBuild {
  if (option === 'auto') return relaxedSimdSupported() ? 'relaxed' : 'simd128';
  if (option !== 'simd128' && option !== 'relaxed') {
    throw new ResourceError(`unknown kernel build '${String(option)}' (expected 'auto', 'simd128' or 'relaxed')`);
  }
  if (option === 'relaxed' && !relaxedSimdSupported()) {
    throw new ResourceError(
      "the 'relaxed' kernel build needs WebAssembly relaxed SIMD, which this runtime does not validate " +
        '(Node 20 needs --experimental-wasm-relaxed-simd); use build: \'simd128\' or \'auto\'',
    );
  }
  return option;
}

/** The GEMM configuration this process's engines chose, per build (src/engine/gemm-config.ts). */
const processGemm = new Map<KernelBuild, GemmConfig>();

/**
 * Makes `config` the GEMM configuration of every kernel instance this process (or realm) makes of
 * `build` from now on: {@link compileKernels} attaches it, and the compiled kernels carry it to
 * workers. The bits do not depend on it.
 */
export function setProcessGemmConfig(build: KernelBuild, config: GemmConfig): void {
  processGemm.set(build, config);
}

/** Compiles (once per build and realm) the module for `option`, with this process's GEMM configuration. */
export async function compileKernels(option: KernelBuildOption = 'auto'): Promise<CompiledKernels> {
  const build = resolveBuild(option);
  let module = compiled.get(build);
  if (!module) {
    module = WebAssembly.compile(kernelBytes(build));
    compiled.set(build, module);
  }
  const gemm = processGemm.get(build);
  return { build, module: await module, ...(gemm ? { gemm } : {}) };
}

/**
 * Instantiates a compiled kernel module (in this thread or a worker). Synchronous: the module is
 * small and already compiled; every {@link DenseNet} gets an instance (and a memory) of its own.
 */
export function instantiateKernels(kernels: CompiledKernels): Kernels {
  const imports = {
    env: {
      abort(_msg: number, _file: number, line: number, column: number): void {
        throw new ResourceError(`kernel assertion failed at assembly line ${line}:${column}`);
      },
    },
  };
  const result = instantiateSync<Record<string, unknown>>(kernels.module, imports);
  const exports = result.exports as unknown as KernelExports;
  if (kernels.gemm) applyGemmConfig(exports, kernels.gemm);
  return { build: kernels.build, module: kernels.module, exports };
}

/** Compiles and instantiates the kernels for `option` in this thread. */
export async function loadKernels(option: KernelBuildOption = 'auto'): Promise<Kernels> {
  return instantiateKernels(await compileKernels(option));
}
