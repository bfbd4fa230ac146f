/**
 * The one allocator over a kernel instance's linear memory, above heap_base: a bump allocator
 * released by `reset(mark)`, from which {@link FreeList} carves a fixed block for arrays handed
 * out and returned in any order. Allocations are 16-byte aligned (v128 loads) and zeroed.
 * Typed-array views are made fresh from `memory.buffer` on every access, so they stay valid after
 * the memory grows (growing detaches the old ArrayBuffer).
 */
import { ResourceError } from '../errors.js';
import type { KernelExports } from './wasm.js';

const PAGE = 65536;
const ALIGN = 16;
/** wasm32 address space. */
export const WASM_MEMORY_LIMIT = 4 * 1024 * 1024 * 1024;

/** Formats a byte count for messages. */
export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${bytes} bytes`;
}

function align(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}

/**
 * Zeroes [start, end) where it may have been written: bytes at or above `highWater` were never
 * handed out, and wasm memory is zero until written, so they are left alone — zeroing them would
 * touch (and commit) pages the OS has not been asked for.
 */
function zeroDirty(memory: WebAssembly.Memory, start: number, end: number, highWater: number): void {
  const dirtyEnd = Math.min(end, highWater);
  if (dirtyEnd > start) new Uint8Array(memory.buffer, start, dirtyEnd - start).fill(0);
}

/** Bump allocator over one kernel instance's memory. */
export class Arena {
  private top: number;
  private readonly base: number;
  /** End of the bytes ever handed out. */
  private highWater: number;

  constructor(private readonly kernels: KernelExports) {
    this.base = kernels.heap_base();
    this.top = this.base;
    this.highWater = this.base;
  }

  /** Bytes in use above heap_base. */
  get used(): number {
    return this.top - this.base;
  }

  /** Current wasm memory size in bytes. */
  get memoryBytes(): number {
    return this.kernels.memory.buffer.byteLength;
  }

  /** Throws {@link ResourceError} if `bytes` more would not fit in wasm's 4 GiB, naming `what`. */
  checkFits(bytes: number, what: string): void {
    const needed = align(this.top) + bytes;
    if (!Number.isFinite(bytes) || needed > WASM_MEMORY_LIMIT) {
      throw new ResourceError(
        `${what} needs ${formatBytes(bytes)} (${bytes} bytes) of wasm memory, more than wasm32's 4 GiB ` +
          `(${formatBytes(this.used)} already in use); use a smaller chunk, fewer samples or a smaller model`,
      );
    }
  }

  /** Allocates `bytes` (16-byte aligned, zeroed), growing memory as needed. Returns the pointer. */
  alloc(bytes: number, what = 'buffer'): number {
    this.checkFits(bytes, what);
    const ptr = align(this.top);
    const end = ptr + bytes;
    const memory = this.kernels.memory;
    const have = memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      try {
        memory.grow(pages);
      } catch (cause) {
        throw new ResourceError(
          `could not grow wasm memory by ${formatBytes(pages * PAGE)} for ${what} (${formatBytes(end)} in all): ` +
            `${cause instanceof Error ? cause.message : String(cause)}`,
        );
      }
    }
    zeroDirty(memory, ptr, end, this.highWater);
    this.highWater = Math.max(this.highWater, end);
    this.top = end;
    return ptr;
  }

  /** Allocates `count` float32 values. */
  f32(count: number, what?: string): number {
    return this.alloc(count * 4, what);
  }

  /** Allocates `count` float64 values. */
  f64(count: number, what?: string): number {
    return this.alloc(count * 8, what);
  }

  /** A mark to release back to. */
  mark(): number {
    return this.top;
  }

  /** Releases everything allocated after `mark`. */
  reset(mark: number): void {
    this.top = mark;
  }

  /** A {@link FreeList} over `bytes` allocated here now (the block stays allocated until reset). */
  freeList(bytes: number, what: string): FreeList {
    const size = align(bytes);
    return new FreeList(this.kernels.memory, this.alloc(size, what), size);
  }

  /** A live float32 view (valid until the next allocation may grow memory). */
  viewF32(ptr: number, count: number): Float32Array {
    return new Float32Array(this.kernels.memory.buffer, ptr, count);
  }

  /** A live float64 view. */
  viewF64(ptr: number, count: number): Float64Array {
    return new Float64Array(this.kernels.memory.buffer, ptr, count);
  }

  /** A live int32 view. */
  viewI32(ptr: number, count: number): Int32Array {
    return new Int32Array(this.kernels.memory.buffer, ptr, count);
  }
}

interface Segment {
  start: number;
  size: number;
}

/**
 * A fixed block of an {@link Arena} for allocations released in any order: first fit, freed
 * neighbours coalesced, zeroed on `take` only where bytes were handed out before (so a large block
 * costs address space, not resident memory, until used). The block never grows.
 */
export class FreeList {
  /** Bytes handed out now. */
  used = 0;
  private readonly free: Segment[];
  private readonly taken = new Map<number, number>();
  /** End of the bytes ever handed out (the block comes zeroed). */
  private highWater: number;

  /** The block [start, start + size), zeroed; see {@link Arena.freeList}. */
  constructor(private readonly memory: WebAssembly.Memory, start: number, readonly size: number) {
    this.free = size > 0 ? [{ start, size }] : [];
    this.highWater = start;
  }

  /** `bytes` (16-byte aligned, zeroed) from the block, or null when no free run is large enough. */
  take(bytes: number): number | null {
    const need = align(Math.max(bytes, 1));
    for (let i = 0; i < this.free.length; i++) {
      const seg = this.free[i]!;
      if (seg.size < need) continue;
      const at = seg.start;
      seg.start += need;
      seg.size -= need;
      if (seg.size === 0) this.free.splice(i, 1);
      this.taken.set(at, need);
      this.used += need;
      zeroDirty(this.memory, at, at + bytes, this.highWater);
      this.highWater = Math.max(this.highWater, at + bytes);
      return at;
    }
    return null;
  }

  /** Returns an allocation made by {@link take}; false when `at` is not one. */
  give(at: number): boolean {
    const size = this.taken.get(at);
    if (size === undefined) return false;
    this.taken.delete(at);
    this.used -= size;
    let i = 0;
    while (i < this.free.length && this.free[i]!.start < at) i++;
    this.free.splice(i, 0, { start: at, size });
    // Merge with the right neighbour, then the left.
    const next = this.free[i + 1];
    if (next && at + size === next.start) {
      this.free[i]!.size += next.size;
      this.free.splice(i + 1, 1);
    }
    const prev = this.free[i - 1];
    if (prev && prev.start + prev.size === at) {
      prev.size += this.free[i]!.size;
      this.free.splice(i, 1);
    }
    return true;
  }
}
