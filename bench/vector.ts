/**
 * Group `vector`: the O(m·p) vector work of one Lanczos step — re-orthogonalising w against an
 * m-vector basis by classical Gram–Schmidt twice (`orthogonalize` in src/hessian/vector.ts: two
 * projects, two combines, a norm) — with
 *   ts        float64Ops over JS Float64Arrays (what Lanczos runs today),
 *   resident  wasmVectorOps with the basis and w allocated in wasm memory (zero copy),
 *   copy-in   the same kernels after copying the JS basis and w into wasm memory each step
 *             (what a wasm VectorOps must do if the basis stays a JS array),
 *   fused     resident, with the first pass's combine and the second pass's project fused
 *             (`combineProject`): three passes over the basis instead of four.
 * Sizes are Lanczos-shaped: the paper model (p = 10,703) at m = 40 and 150, 784-128-128-10
 * (p = 118,282) at m = 60, 784-512-512-10 (p = 669,706) at m = 20. The f64 kernels are the same
 * in both builds, so one build is measured.
 */
import { compileKernels } from '../src/engine/wasm.js';
import { wasmVectorOps, type WasmVectorOps } from '../src/engine/vector-ops.js';
import { Rng } from '../src/model/rng.js';
import { float64Ops, orthogonalize } from '../src/hessian/vector.js';
import { BUILDS } from './cases.js';
import { timeMedian, timeRecord, type BenchRecord } from './harness.js';

/** An orthonormal-ish basis is not needed for timing: random rows of unit scale. */
function randomRows(rng: Rng, rows: number, p: number): Float64Array {
  const b = new Float64Array(rows * p);
  const s = 1 / Math.sqrt(p);
  for (let i = 0; i < b.length; i++) b[i] = rng.normal() * s;
  return b;
}

/** orthogonalize() (classical Gram–Schmidt twice) with the middle two passes fused. */
function orthogonalizeFused(ops: WasmVectorOps, basis: Float64Array, rows: number, v: Float64Array, coeffs: Float64Array, s1: Float64Array, s2: Float64Array): number {
  ops.project(basis, rows, v, coeffs);
  for (let j = 0; j < rows; j++) s1[j] = -coeffs[j]!;
  ops.combineProject(basis, rows, s1, v, s2);
  for (let j = 0; j < rows; j++) {
    coeffs[j]! += s2[j]!;
    s2[j] = -s2[j]!;
  }
  ops.combine(basis, rows, s2, v);
  return ops.norm(v);
}

export async function vectorBench(records: BenchRecord[]): Promise<void> {
  const kernels = await compileKernels(BUILDS[BUILDS.length - 1]!);
  const shapes = [
    { p: 10_703, m: 40 },
    { p: 10_703, m: 150 },
    { p: 118_282, m: 60 },
    { p: 669_706, m: 20 },
  ];
  for (const { p, m } of shapes) {
    const rng = new Rng(p + m);
    const basis = randomRows(rng, m, p);
    const w0 = Float64Array.from({ length: p }, () => rng.normal());
    const w = new Float64Array(p);
    const coeffs = new Float64Array(m);
    const scratch = new Float64Array(m);
    const step = (ops: typeof float64Ops, b: Float64Array, x: Float64Array) => {
      x.set(w0);
      orthogonalize(ops, b, m, x, coeffs, scratch);
    };
    const tTs = timeMedian(() => step(float64Ops, basis, w), { warmup: 2, repeats: 7 });

    const ops = wasmVectorOps(kernels, { capacityBytes: (m + 2) * p * 8 + 4096 });
    const rb = ops.allocate(m * p);
    const rw = ops.allocate(p);
    rb.set(basis);
    const tResident = timeMedian(() => step(ops, rb, rw), { warmup: 2, repeats: 7 });
    const s2 = new Float64Array(m);
    const tFused = timeMedian(() => {
      rw.set(w0);
      orthogonalizeFused(ops, rb, m, rw, coeffs, scratch, s2);
    }, { warmup: 2, repeats: 7 });
    const fusedOut = Float64Array.from(rw);
    const tCopy = timeMedian(() => {
      rb.set(basis); // the whole basis crosses into wasm memory every step
      step(ops, rb, rw);
    }, { warmup: 2, repeats: 7 });
    // Same result as the TS path (to rounding), or the timing means nothing.
    step(float64Ops, basis, w);
    step(ops, rb, rw);
    let err = 0;
    let scale = 0;
    for (let i = 0; i < p; i++) {
      err = Math.max(err, Math.abs(rw[i]! - w[i]!), Math.abs(fusedOut[i]! - w[i]!));
      scale = Math.max(scale, Math.abs(w[i]!));
    }
    if (!(err <= 1e-9 * scale)) throw new Error(`vector bench: wasm and TS orthogonalisation differ by ${err} (scale ${scale})`);

    const id = `reorth.p${p}.m${m}`;
    const ts = { seconds: tTs, against: 'float64Ops (plain TS, JS arrays)' };
    records.push(timeRecord(`${id}.ts`, tTs, undefined, `${((4 * m * p * 8) / tTs / 1e9).toFixed(1)} GB/s of basis traffic`));
    records.push(timeRecord(`${id}.wasm-resident`, tResident, ts, `${((4 * m * p * 8) / tResident / 1e9).toFixed(1)} GB/s of basis traffic`));
    records.push(timeRecord(`${id}.wasm-resident-fused`, tFused, ts, `${((3 * m * p * 8) / tFused / 1e9).toFixed(1)} GB/s of basis traffic (3 passes)`));
    records.push(timeRecord(`${id}.wasm-copy-in`, tCopy, ts));
  }
}
