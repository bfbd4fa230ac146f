/**
 * The GEMM kernels directly, against a float64 product of the same float32 inputs: every
 * transpose pair, leading dimensions wider than the matrix (B read in place uses them; a stride
 * with a large power of two is packed instead), shapes
 * below, at and above the register tile (5×8 / 4×8) and the cache blocks (MC = 80 rows, NC = 256
 * columns, KC = 256 depth), accumulate on and off, and each epilogue — bias, bias + σ with the
 * pre-activation copy, and the f64 widen. The net tests reach the GEMM only through MLP shapes;
 * these reach its edges.
 *
 * Tolerance per entry: 4·k·2⁻²⁴·Σ_p |a_ip·b_pj| (float32 accumulation), on top of the
 * activation's own float32 rounding for σ.
 */
import { describe, expect, it } from 'vitest';
import { Arena } from '../../src/engine/arena.js';
import { EPILOGUE, loadKernels, relaxedSimdSupported, type KernelBuild, type Kernels } from '../../src/engine/wasm.js';
import { ACTIVATIONS } from '../../src/model/mlp.js';
import { ACTIVATION_CODE } from '../../src/engine/net/kernels.js';
import { Rng } from '../../src/model/rng.js';
import { float64Activation } from '../../src/model/activations.js';

const BUILDS: KernelBuild[] = relaxedSimdSupported() ? ['simd128', 'relaxed'] : ['simd128'];

/** [m, n, k]: tails of the 5- and 4-row panels and 8-column tiles, and every cache-block edge. */
const SHAPES: readonly [number, number, number][] = [
  [1, 1, 1], [3, 5, 7], [5, 8, 16], [4, 16, 9], [9, 10, 128], [13, 23, 31],
  [83, 37, 19], [81, 8, 257], [20, 260, 33], [7, 9, 300], [130, 10, 128], [256, 10, 128], [2, 520, 3],
  // B rows a power of two apart (packed rather than read in place unless op(A) is short)
  [40, 128, 70], [24, 64, 300], [12, 256, 40],
];

interface Operands {
  a: Float32Array;
  b: Float32Array;
  lda: number;
  ldb: number;
}

function operands(rng: Rng, m: number, n: number, k: number, transA: number, transB: number): Operands {
  // stored A is m×k (or k×m transposed), B is k×n (or n×k); leading dimensions padded by 0–3
  const lda = (transA ? m : k) + rng.int(4);
  const ldb = (transB ? k : n) + rng.int(4);
  const a = Float32Array.from({ length: (transA ? k : m) * lda }, () => rng.uniformIn(-1, 1));
  const b = Float32Array.from({ length: (transB ? n : k) * ldb }, () => rng.uniformIn(-1, 1));
  return { a, b, lda, ldb };
}

/** op(A)·op(B) in f64 and Σ |a||b| per entry (the error scale). */
function product(o: Operands, m: number, n: number, k: number, transA: number, transB: number): { c: Float64Array; scale: Float64Array } {
  const c = new Float64Array(m * n);
  const scale = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let t = 0;
      for (let p = 0; p < k; p++) {
        const x = transA ? o.a[p * o.lda + i]! : o.a[i * o.lda + p]!;
        const y = transB ? o.b[j * o.ldb + p]! : o.b[p * o.ldb + j]!;
        s += x * y;
        t += Math.abs(x * y);
      }
      c[i * n + j] = s;
      scale[i * n + j] = t;
    }
  }
  return { c, scale };
}

describe.each(BUILDS)('gemm_f32, %s build', (build) => {
  let kernels: Kernels | null = null;
  const load = async (): Promise<Kernels> => (kernels ??= await loadKernels(build));

  it('matches a float64 product for every transpose, padded strides, tails and block edges, with and without accumulate', async () => {
    const k = (await load()).exports;
    const rng = new Rng(31);
    for (const [m, n, kk] of SHAPES) {
      for (const transA of [0, 1]) {
        for (const transB of [0, 1]) {
          const arena = new Arena(k);
          const o = operands(rng, m, n, kk, transA, transB);
          const ref = product(o, m, n, kk, transA, transB);
          const A = arena.f32(o.a.length);
          const B = arena.f32(o.b.length);
          const ldc = n + 2;
          const C = arena.f32(m * ldc);
          const work = arena.alloc(k.gemmWorkspaceBytes());
          arena.viewF32(A, o.a.length).set(o.a);
          arena.viewF32(B, o.b.length).set(o.b);
          const start = Float32Array.from({ length: m * ldc }, () => rng.uniformIn(-1, 1));
          for (const accumulate of [0, 1]) {
            arena.viewF32(C, m * ldc).set(start);
            k.gemm_f32(transA, transB, m, n, kk, A, o.lda, B, o.ldb, C, ldc, accumulate, work, EPILOGUE.none, 0, 0, 0);
            const c = arena.viewF32(C, m * ldc);
            for (let i = 0; i < m; i++) {
              for (let j = 0; j < n; j++) {
                const want = ref.c[i * n + j]! + (accumulate ? start[i * ldc + j]! : 0);
                const tol = 4 * kk * 2 ** -24 * ref.scale[i * n + j]! + (accumulate ? 2 ** -24 * 2 : 0) + 1e-30;
                const got = c[i * ldc + j]!;
                if (!(Math.abs(got - want) <= tol)) {
                  throw new Error(`m=${m} n=${n} k=${kk} transA=${transA} transB=${transB} accumulate=${accumulate}: C[${i},${j}] = ${got}, want ${want} ± ${tol}`);
                }
              }
              // the padding columns of C are never written
              for (let j = n; j < ldc; j++) expect(c[i * ldc + j]).toBe(start[i * ldc + j]);
            }
          }
        }
      }
    }
  });

  it('epilogues: bias, bias + σ (with Z) for every activation, and the f64 widen (= and +=)', async () => {
    const k = (await load()).exports;
    const rng = new Rng(32);
    for (const [m, n, kk] of [[9, 13, 21], [83, 37, 19], [20, 260, 33], [7, 9, 300]] as const) {
      for (const transB of [0, 1]) {
        const arena = new Arena(k);
        const o = operands(rng, m, n, kk, 0, transB);
        const ref = product(o, m, n, kk, 0, transB);
        const bias = Float32Array.from({ length: n }, () => rng.uniformIn(-1, 1));
        const A = arena.f32(o.a.length);
        const B = arena.f32(o.b.length);
        const bp = arena.f32(n);
        const C = arena.f32(m * n);
        const Z = arena.f32(m * n);
        const W = arena.f64(m * n);
        const work = arena.alloc(k.gemmWorkspaceBytes());
        arena.viewF32(A, o.a.length).set(o.a);
        arena.viewF32(B, o.b.length).set(o.b);
        arena.viewF32(bp, n).set(bias);
        const tolOf = (e: number): number => 4 * kk * 2 ** -24 * (ref.scale[e]! + 1) + 1e-30;

        k.gemm_f32(0, transB, m, n, kk, A, o.lda, B, o.ldb, C, n, 0, work, EPILOGUE.bias, bp, 0, 0);
        const withBias = arena.viewF32(C, m * n);
        for (let e = 0; e < m * n; e++) expect(Math.abs(withBias[e]! - (ref.c[e]! + bias[e % n]!))).toBeLessThanOrEqual(tolOf(e));

        ACTIVATIONS.forEach((name) => {
          const code = ACTIVATION_CODE[name];
          const sigma = float64Activation(name);
          k.gemm_f32(0, transB, m, n, kk, A, o.lda, B, o.ldb, C, n, 0, work, EPILOGUE.biasAct, bp, code, Z);
          const c = arena.viewF32(C, m * n);
          const z = arena.viewF32(Z, m * n);
          for (let e = 0; e < m * n; e++) {
            const want = ref.c[e]! + bias[e % n]!;
            expect(Math.abs(z[e]! - want), `${name} Z[${e}]`).toBeLessThanOrEqual(tolOf(e));
            // σ of the stored Z, against the f64 σ of that value (slopes are ≤ 1.13)
            expect(Math.abs(c[e]! - sigma.f(z[e]!)), `${name} σ[${e}]`).toBeLessThanOrEqual(2 ** -22 * (1 + Math.abs(z[e]!)));
          }
        });

        const base = Float64Array.from({ length: m * n }, () => rng.uniformIn(-1, 1));
        for (const accumulate of [0, 1]) {
          arena.viewF64(W, m * n).set(base);
          k.gemm_f32(0, transB, m, n, kk, A, o.lda, B, o.ldb, W, n, accumulate, work, EPILOGUE.widen, 0, 0, 0);
          const w = arena.viewF64(W, m * n);
          for (let e = 0; e < m * n; e++) {
            expect(Math.abs(w[e]! - (ref.c[e]! + (accumulate ? base[e]! : 0)))).toBeLessThanOrEqual(tolOf(e));
          }
        }
      }
    }
  });
});
