/**
 * A wasm SIMD {@link VectorOps} for the Hessian algorithms: f64 dot, axpy, scale, norm, and the
 * fused re-orthogonalisation halves — `project` (m dot products in one pass over the basis) and
 * `combine` (an m-term update in one pass) — run by the kernels in assembly/vec.ts.
 *
 * Zero-copy or nothing. The kernels can only read their own linear memory, so an operand runs in
 * wasm only when it is *resident*: a Float64Array handed out by {@link WasmVectorOps.allocate}.
 * Any call with a non-resident vector or basis runs the plain-TS {@link float64Ops} instead:
 * copying an operand in would cost as much as the pass (docs/engine.md, performance notes).
 *
 * Memory is reserved once, when the ops are created (`capacityBytes`, a free list carved from the
 * arena), and never grows after: growing a wasm memory detaches every view of it, which would
 * break arrays callers hold. Pages the OS has not been asked for stay virtual, so a generous
 * capacity costs address space, not RSS, until it is used.
 * see: Å. Björck, "Numerics of Gram–Schmidt orthogonalization", Lin. Alg. Appl. 197 (1994).
 */
import { InputError, ResourceError, ShapeError } from '../errors.js';
import { float64Ops, type VectorOps } from '../hessian/vector.js';
import { Arena, formatBytes, WASM_MEMORY_LIMIT } from './arena.js';
import { instantiateKernels, type CompiledKernels, type KernelBuild, type KernelExports } from './wasm.js';

/** Coefficients (f64) the fixed scratch holds: project/combine with more rows need resident coefficients. */
const SCRATCH_ROWS = 8192;
/** Default bytes reserved for resident arrays. */
const DEFAULT_CAPACITY = 64 * 2 ** 20;

/** Options of {@link wasmVectorOps}. */
export interface WasmVectorOpsOptions {
  /**
   * Bytes of wasm memory reserved up front for resident arrays (default 64 MiB). A Lanczos basis
   * of m vectors of length p needs 8·m·p bytes, plus two work vectors.
   */
  readonly capacityBytes?: number;
}

/** A {@link VectorOps} backed by wasm SIMD kernels, with an allocator for resident arrays. */
export interface WasmVectorOps extends VectorOps {
  /** Kernel build the ops run on. */
  readonly build: KernelBuild;
  /** Bytes reserved for resident arrays. */
  readonly capacityBytes: number;
  /** Bytes of the reserve currently handed out. */
  readonly usedBytes: number;
  /** The instance's whole wasm memory in bytes (fixed after creation). */
  readonly memoryBytes: number;
  /**
   * A zeroed Float64Array of `length` in the ops' wasm memory: operations whose operands are all
   * such arrays run in wasm SIMD with no copy. Valid until {@link release}d. Throws
   * {@link ResourceError} when the reserve is exhausted.
   */
  allocate(length: number): Float64Array;
  /** Returns an array obtained from {@link allocate} to the reserve. */
  release(array: Float64Array): void;
  /** Whether `x` is a view of the ops' wasm memory (and so runs zero-copy). */
  isResident(x: Float64Array): boolean;
  /**
   * `combine(basis, rows, coeffs, y)` then `project(basis, rows, y, out)` in one pass over the
   * basis (the middle of classical Gram–Schmidt twice: three basis passes instead of four).
   */
  combineProject(basis: Float64Array, rows: number, coeffs: Float64Array, y: Float64Array, out: Float64Array): void;
}

/** Anything that carries compiled kernels: an Engine (`engine.kernels`) or the compiled kernels themselves. */
export type KernelSource = { readonly kernels: CompiledKernels } | CompiledKernels;

function compiledOf(source: KernelSource): CompiledKernels {
  return 'module' in source ? source : source.kernels;
}

/**
 * Vector kernels in wasm SIMD (f64 throughout; the same bits in every kernel build) over arrays
 * from {@link WasmVectorOps.allocate}, falling back to {@link float64Ops} for other arrays.
 * Give the result to the Hessian algorithms as `vectorOps`. Each call instantiates the kernels
 * once more (a private memory), so create one per long-lived task, not per call.
 */
export function wasmVectorOps(source: KernelSource, options: WasmVectorOpsOptions = {}): WasmVectorOps {
  const capacity = options.capacityBytes ?? DEFAULT_CAPACITY;
  if (!Number.isSafeInteger(capacity) || capacity < 0) {
    throw new InputError(`wasmVectorOps: capacityBytes must be a non-negative integer, got ${String(options.capacityBytes)}`);
  }
  const kernels = instantiateKernels(compiledOf(source));
  const k: KernelExports = kernels.exports;
  const arena = new Arena(k);
  const scratch = arena.f64(2 * SCRATCH_ROWS, 'the coefficient scratch');
  if (arena.mark() + capacity > WASM_MEMORY_LIMIT) {
    throw new ResourceError(`wasmVectorOps: capacityBytes = ${formatBytes(capacity)} exceeds wasm32's 4 GiB address space`);
  }
  const reserve = arena.freeList(capacity, `wasmVectorOps' reserve of ${formatBytes(capacity)}`);
  // The memory never grows again, so this buffer (and every view of it) stays attached.
  const buffer = k.memory.buffer;
  const heap = new Float64Array(buffer);

  const resident = (x: Float64Array): boolean => x.buffer === buffer;

  /** Pointer to `coeffs` in wasm memory: the array itself if resident, else copied into scratch slot `slot`. */
  const coeffPtr = (coeffs: Float64Array, rows: number, slot: 0 | 1): number => {
    if (resident(coeffs)) return coeffs.byteOffset;
    const ptr = scratch + slot * SCRATCH_ROWS * 8;
    heap.set(coeffs.subarray(0, rows), ptr / 8);
    return ptr;
  };

  const checkBasis = (basis: Float64Array, rows: number, n: number): void => {
    if (!Number.isInteger(rows) || rows < 0 || basis.length < rows * n) {
      throw new ShapeError(`basis of ${basis.length} values cannot hold ${rows} rows of length ${n}`);
    }
  };

  const ops: WasmVectorOps = {
    name: 'wasm-simd-f64',
    build: kernels.build,
    capacityBytes: reserve.size,
    get usedBytes() {
      return reserve.used;
    },
    memoryBytes: buffer.byteLength,
    allocate(length: number): Float64Array {
      if (!Number.isSafeInteger(length) || length < 0) throw new InputError(`wasmVectorOps.allocate: length must be a non-negative integer, got ${String(length)}`);
      const at = reserve.take(length * 8);
      if (at === null) {
        throw new ResourceError(
          `wasmVectorOps: ${formatBytes(length * 8)} requested, but only ${formatBytes(reserve.size - reserve.used)} of the ` +
            `${formatBytes(reserve.size)} reserve is free (fragmentation aside); create the ops with a larger capacityBytes`,
        );
      }
      return new Float64Array(buffer, at, length);
    },
    release(array: Float64Array): void {
      if (!resident(array) || !reserve.give(array.byteOffset)) {
        throw new InputError('wasmVectorOps.release: the array was not allocated by these ops (or was released already)');
      }
    },
    isResident: resident,
    dot(x, y) {
      if (resident(x) && resident(y)) return k.dot_f64(x.byteOffset, y.byteOffset, x.length);
      return float64Ops.dot(x, y);
    },
    axpy(alpha, x, y) {
      if (resident(x) && resident(y)) k.axpy_f64(alpha, x.byteOffset, y.byteOffset, x.length);
      else float64Ops.axpy(alpha, x, y);
    },
    scale(alpha, x) {
      if (resident(x)) k.scale_f64(alpha, x.byteOffset, x.length);
      else float64Ops.scale(alpha, x);
    },
    norm(x) {
      if (resident(x)) return Math.sqrt(k.dot_f64(x.byteOffset, x.byteOffset, x.length));
      return float64Ops.norm(x);
    },
    project(basis, rows, v, out) {
      const n = v.length;
      checkBasis(basis, rows, n);
      if (!resident(basis) || !resident(v) || (!resident(out) && rows > SCRATCH_ROWS)) {
        float64Ops.project(basis, rows, v, out);
        return;
      }
      if (resident(out)) {
        k.project_f64(basis.byteOffset, rows, n, n, v.byteOffset, out.byteOffset);
      } else {
        k.project_f64(basis.byteOffset, rows, n, n, v.byteOffset, scratch);
        out.set(heap.subarray(scratch / 8, scratch / 8 + rows));
      }
    },
    combineProject(basis, rows, coeffs, y, out) {
      const n = y.length;
      checkBasis(basis, rows, n);
      if (!resident(basis) || !resident(y) || (!resident(out) && rows > SCRATCH_ROWS) || (!resident(coeffs) && rows > SCRATCH_ROWS)) {
        float64Ops.combine(basis, rows, coeffs, y);
        float64Ops.project(basis, rows, y, out);
        return;
      }
      const outPtr = resident(out) ? out.byteOffset : scratch;
      k.combine_project_f64(basis.byteOffset, rows, n, n, coeffPtr(coeffs, rows, 1), y.byteOffset, outPtr);
      if (!resident(out)) out.set(heap.subarray(scratch / 8, scratch / 8 + rows));
    },
    combineMany(basis, rows, coeffs, ys) {
      const count = ys.length;
      if (count === 0) return;
      const n = ys[0]!.length;
      checkBasis(basis, rows, n);
      // Outputs live in scratch slot 0 in column blocks of `block`, coefficients in slot 1: one
      // sweep over a resident basis serves every output (a block of all rows stays in cache).
      const block = Math.floor(SCRATCH_ROWS / count);
      if (!resident(basis) || count * rows > SCRATCH_ROWS || block < 256 || ys.some((y) => y.length !== n)) {
        float64Ops.combineMany!(basis, rows, coeffs, ys);
        return;
      }
      const cBase = scratch + SCRATCH_ROWS * 8;
      for (let i = 0; i < count; i++) heap.set(coeffs[i]!.subarray(0, rows), cBase / 8 + i * rows);
      for (let c0 = 0; c0 < n; c0 += block) {
        const len = Math.min(block, n - c0);
        for (let i = 0; i < count; i++) {
          const y = ys[i]!;
          const at = scratch / 8 + i * block;
          if (Array.isArray(y)) {
            // a plain array (Lanczos's result rows): staged through scratch element by element
            for (let c = 0; c < len; c++) heap[at + c] = y[c0 + c]!;
            k.combine_f64(basis.byteOffset + c0 * 8, rows, len, n, cBase + i * rows * 8, at * 8);
            for (let c = 0; c < len; c++) y[c0 + c] = heap[at + c]!;
            continue;
          }
          const chunk = y.subarray(c0, c0 + len);
          if (!resident(y)) heap.set(chunk, at);
          const yPtr = resident(y) ? y.byteOffset + c0 * 8 : at * 8;
          k.combine_f64(basis.byteOffset + c0 * 8, rows, len, n, cBase + i * rows * 8, yPtr);
          if (!resident(y)) chunk.set(heap.subarray(at, at + len));
        }
      }
    },
    combine(basis, rows, coeffs, y) {
      const n = y.length;
      checkBasis(basis, rows, n);
      if (!resident(basis) || !resident(y) || (!resident(coeffs) && rows > SCRATCH_ROWS)) {
        float64Ops.combine(basis, rows, coeffs, y);
        return;
      }
      k.combine_f64(basis.byteOffset, rows, n, n, coeffPtr(coeffs, rows, 1), y.byteOffset);
    },
  };
  return Object.freeze(ops);
}
