/**
 * The wasm memory arena: a bump allocator over the kernels' linear memory above heap_base.
 * Allocations are 16-byte aligned (v128 loads), released together by `reset(mark)`.
 * Typed-array views are made fresh from `memory.buffer` on every access, so they stay valid after
 * the memory grows (growing detaches the old ArrayBuffer).
 */
import { ResourceError } from '../errors.js';
import type { KernelExports } from './wasm.js';

const PAGE = 65536;
/** wasm32 address space. */
export const WASM_MEMORY_LIMIT = 4 * 1024 * 1024 * 1024;

/** Formats a byte count for messages. */
export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${bytes} bytes`;
}

/** Bump allocator over one kernel instance's memory. */
export class Arena {
  private top: number;
  private readonly base: number;

  constructor(private readonly kernels: KernelExports) {
    this.base = kernels.heap_base();
    this.top = this.base;
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
    const needed = this.align(this.top) + bytes;
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
    const ptr = this.align(this.top);
    const end = ptr + bytes;
    const have = this.kernels.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      try {
        this.kernels.memory.grow(pages);
      } catch (cause) {
        throw new ResourceError(
          `could not grow wasm memory by ${formatBytes(pages * PAGE)} for ${what} (${formatBytes(end)} in all): ` +
            `${cause instanceof Error ? cause.message : String(cause)}`,
        );
      }
    }
    new Uint8Array(this.kernels.memory.buffer, ptr, bytes).fill(0);
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

  private align(p: number): number {
    return Math.ceil(p / 16) * 16;
  }
}
