/**
 * wasmVectorOps (src/engine/vector-ops.ts) against float64Ops (src/hessian/vector.ts) on random
 * data, in Node and in Chromium.
 *
 * Why the reference is independent: float64Ops is a scalar TypeScript loop; the wasm ops run the
 * f64x2 SIMD kernels of assembly/vec.ts with column blocking and 8-row sweeps, so they share no
 * code and sum in a different order. Agreement is therefore to rounding (1e-12 relative), not to
 * the bit. Lengths and row counts are chosen to hit every tail: odd lengths, lengths across the
 * 512-value column block, row counts that are not multiples of 8.
 */
import { describe, expect, it } from 'vitest';
import { compileKernels } from '../../src/engine/wasm.js';
import { wasmVectorOps, type WasmVectorOps } from '../../src/engine/vector-ops.js';
import { InputError, ResourceError } from '../../src/errors.js';
import { Rng } from '../../src/model/rng.js';
import { float64Ops, orthogonalize } from '../../src/hessian/vector.js';

function random(rng: Rng, n: number): Float64Array {
  return Float64Array.from({ length: n }, () => rng.normal());
}

function maxRel(a: Float64Array, b: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return den === 0 ? num : num / den;
}

/** A resident copy of `x`. */
function resident(ops: WasmVectorOps, x: Float64Array): Float64Array {
  const r = ops.allocate(x.length);
  r.set(x);
  return r;
}

const SIZES = [1, 2, 7, 511, 512, 513, 1301];
const ROWS = [0, 1, 3, 8, 9, 17];

describe('wasmVectorOps', async () => {
  const kernels = await compileKernels('auto');
  const ops = wasmVectorOps(kernels, { capacityBytes: 4 * 2 ** 20 });

  it('dot, axpy, scale and norm match float64Ops on resident vectors', () => {
    const rng = new Rng(1);
    for (const n of SIZES) {
      const x = random(rng, n);
      const y = random(rng, n);
      const rx = resident(ops, x);
      const ry = resident(ops, y);
      expect(ops.isResident(rx)).toBe(true);
      const d = ops.dot(rx, ry);
      expect(Math.abs(d - float64Ops.dot(x, y))).toBeLessThanOrEqual(1e-12 * Math.max(1, float64Ops.norm(x) * float64Ops.norm(y)));
      expect(ops.norm(rx)).toBeCloseTo(float64Ops.norm(x), 12);
      ops.axpy(0.37, rx, ry);
      float64Ops.axpy(0.37, x, y);
      expect(maxRel(ry, y)).toBeLessThan(1e-14);
      ops.scale(-1.5, ry);
      float64Ops.scale(-1.5, y);
      expect(maxRel(ry, y)).toBeLessThan(1e-14);
      ops.release(rx);
      ops.release(ry);
    }
    expect(ops.usedBytes).toBe(0);
  });

  it('project and combine match float64Ops for every tail of rows and length', () => {
    const rng = new Rng(2);
    for (const n of SIZES) {
      for (const rows of ROWS) {
        const basis = random(rng, rows * n + 3); // spare capacity past rows·n is allowed
        const v = random(rng, n);
        const rb = resident(ops, basis);
        const rv = resident(ops, v);
        const want = new Float64Array(rows);
        float64Ops.project(basis, rows, v, want);
        // out both non-resident (scratch path) and resident
        const got = new Float64Array(rows);
        ops.project(rb, rows, rv, got);
        const gotResident = ops.allocate(rows);
        ops.project(rb, rows, rv, gotResident);
        const scale = Math.sqrt(n);
        for (let j = 0; j < rows; j++) {
          expect(Math.abs(got[j]! - want[j]!)).toBeLessThanOrEqual(1e-13 * scale);
          expect(gotResident[j]).toBe(got[j]);
        }
        const coeffs = random(rng, rows);
        const y = random(rng, n);
        const ry = resident(ops, y);
        float64Ops.combine(basis, rows, coeffs, y);
        ops.combine(rb, rows, coeffs, ry);
        expect(maxRel(ry, y)).toBeLessThan(1e-13);
        // fused: combine then project the updated vector
        const y2 = random(rng, n);
        const ry2 = resident(ops, y2);
        const fused = new Float64Array(rows);
        float64Ops.combine(basis, rows, coeffs, y2);
        float64Ops.project(basis, rows, y2, want);
        ops.combineProject(rb, rows, coeffs, ry2, fused);
        expect(maxRel(ry2, y2)).toBeLessThan(1e-13);
        for (let j = 0; j < rows; j++) expect(Math.abs(fused[j]! - want[j]!)).toBeLessThanOrEqual(1e-12 * scale * (1 + Math.abs(want[j]!)));
        for (const a of [rb, rv, gotResident, ry, ry2]) ops.release(a);
      }
    }
    expect(ops.usedBytes).toBe(0);
  });

  it('orthogonalises a vector against a resident basis as float64Ops does', () => {
    const rng = new Rng(3);
    const n = 2000;
    const rows = 21;
    // an orthonormal basis by Gram–Schmidt with float64Ops
    const basis = new Float64Array(rows * n);
    const c = new Float64Array(rows);
    const s = new Float64Array(rows);
    for (let j = 0; j < rows; j++) {
      const x = random(rng, n);
      const norm = orthogonalize(float64Ops, basis, j, x, c, s);
      float64Ops.scale(1 / norm, x);
      basis.set(x, j * n);
    }
    const w = random(rng, n);
    const rb = resident(ops, basis);
    const rw = resident(ops, w);
    const c2 = new Float64Array(rows);
    const s2 = new Float64Array(rows);
    const want = orthogonalize(float64Ops, basis, rows, w, c, s);
    const got = orthogonalize(ops, rb, rows, rw, c2, s2);
    expect(Math.abs(got - want)).toBeLessThan(1e-12 * want);
    expect(maxRel(rw, w)).toBeLessThan(1e-12);
    const after = new Float64Array(rows);
    ops.project(rb, rows, rw, after);
    for (const a of after) expect(Math.abs(a)).toBeLessThan(1e-12 * want);
    ops.release(rb);
    ops.release(rw);
  });

  it('falls back to float64Ops, bit for bit, when an operand is not resident', () => {
    const rng = new Rng(4);
    const n = 777;
    const rows = 9;
    const basis = random(rng, rows * n);
    const v = random(rng, n);
    const a = new Float64Array(rows);
    const b = new Float64Array(rows);
    float64Ops.project(basis, rows, v, a);
    ops.project(basis, rows, v, b);
    expect(b).toEqual(a);
    const rv = resident(ops, v);
    ops.project(basis, rows, rv, b); // basis in JS memory: TS path
    expect(b).toEqual(a);
    expect(ops.dot(v, rv)).toBe(float64Ops.dot(v, v));
    ops.release(rv);
  });

  it('combineMany (k outputs, one sweep) matches combine per output: wasm to rounding, float64Ops to the bit', () => {
    const rng = new Rng(8);
    for (const n of [7, 1301, 5000]) {
      for (const rows of [1, 9, 17]) {
        for (const count of [1, 3, 10]) {
          const basis = random(rng, rows * n);
          const rb = resident(ops, basis);
          const coeffs = Array.from({ length: count }, () => random(rng, rows));
          const start = Array.from({ length: count }, () => random(rng, n));
          const one = start.map((y, i) => {
            const out = Float64Array.from(y);
            float64Ops.combine(basis, rows, coeffs[i]!, out);
            return out;
          });
          const many = start.map((y) => Float64Array.from(y));
          float64Ops.combineMany!(basis, rows, coeffs, many);
          many.forEach((y, i) => expect(y).toEqual(one[i]));
          // wasm: plain JS outputs (through scratch) and one resident output.
          const outs = start.map((y, i) => (i === 0 ? resident(ops, y) : Float64Array.from(y)));
          ops.combineMany!(rb, rows, coeffs, outs);
          outs.forEach((y, i) => expect(maxRel(y, one[i]!)).toBeLessThan(1e-12));
          // plain-array outputs (what Lanczos returns): the same bits as typed ones, both ops
          const plain = start.map((y) => Array.from(y));
          float64Ops.combineMany!(basis, rows, coeffs, plain);
          plain.forEach((y, i) => expect(y).toEqual(Array.from(one[i]!)));
          const plainWasm = start.map((y) => Array.from(y));
          ops.combineMany!(rb, rows, coeffs, plainWasm);
          const typedWasm = start.map((y) => Float64Array.from(y));
          ops.combineMany!(rb, rows, coeffs, typedWasm);
          plainWasm.forEach((y, i) => expect(y).toEqual(Array.from(typedWasm[i]!)));
          ops.release(outs[0]!);
          ops.release(rb);
        }
      }
    }
  });

  it('allocates zeroed arrays, reuses released space and refuses past its reserve', () => {
    const small = wasmVectorOps(kernels, { capacityBytes: 64 * 1024 });
    const a = small.allocate(1000);
    a.fill(7);
    const b = small.allocate(1000);
    b.fill(3);
    small.release(a);
    const c = small.allocate(999);
    expect(c.byteOffset).toBe(a.byteOffset);
    expect(c.every((x) => x === 0)).toBe(true);
    expect(() => small.allocate(8000)).toThrow(ResourceError);
    expect(() => small.release(new Float64Array(4))).toThrow(InputError);
    small.release(b);
    small.release(c);
    expect(() => small.release(c)).toThrow(InputError);
    expect(small.usedBytes).toBe(0);
    // everything coalesced: the whole reserve is one block again
    const all = small.allocate(small.capacityBytes / 8);
    expect(all.length * 8).toBe(small.capacityBytes);
    // written space is zeroed again; space never handed out was zero from the start
    expect(all.every((x) => x === 0)).toBe(true);
    all.fill(-1);
    small.release(all);
    expect(small.allocate(small.capacityBytes / 8).every((x) => x === 0)).toBe(true);
    expect(() => wasmVectorOps(kernels, { capacityBytes: -1 })).toThrow(InputError);
  });
});
