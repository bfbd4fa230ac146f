/**
 * The one allocator over wasm memory (src/engine/arena.ts): the bump arena and the free list carved
 * from it. Checked against plain bookkeeping of addresses and against reading the memory back.
 */
import { describe, expect, it } from 'vitest';
import { Arena } from '../../src/engine/arena.js';
import { loadKernels } from '../../src/engine/wasm.js';

describe('Arena', () => {
  it('hands out 16-byte aligned, zeroed blocks, and zeroes reused bytes after a reset', async () => {
    const k = (await loadKernels('simd128')).exports;
    const arena = new Arena(k);
    const a = arena.alloc(20);
    const b = arena.f64(3);
    expect(a % 16).toBe(0);
    expect(b % 16).toBe(0);
    expect(b).toBeGreaterThanOrEqual(a + 20);
    const mark = arena.mark();
    const c = arena.f64(1000);
    arena.viewF64(c, 1000).fill(7);
    arena.reset(mark);
    const again = arena.f64(2000);
    expect(again).toBe(c);
    expect(arena.viewF64(again, 2000).every((x) => x === 0)).toBe(true);
    expect(arena.used).toBe(again + 2000 * 8 - k.heap_base());
  });
});

describe('FreeList', () => {
  it('takes first fit, coalesces what is given back, and zeroes only what was handed out before', async () => {
    const k = (await loadKernels('simd128')).exports;
    const arena = new Arena(k);
    const list = arena.freeList(1000, 'a test block');
    expect(list.size).toBe(1008);
    const a = list.take(100)!;
    const b = list.take(200)!;
    const c = list.take(300)!;
    expect([b - a, c - b]).toEqual([112, 208]);
    expect(list.used).toBe(112 + 208 + 304);
    expect(list.take(1000)).toBeNull();
    new Uint8Array(k.memory.buffer, a, 624).fill(255);
    expect(list.give(b)).toBe(true);
    expect(list.give(b)).toBe(false);
    expect(list.give(a)).toBe(true);
    // a and b coalesced: 320 bytes from a's address, zeroed though both were written
    const d = list.take(320)!;
    expect(d).toBe(a);
    expect(new Uint8Array(k.memory.buffer, d, 320).every((x) => x === 0)).toBe(true);
    list.give(c);
    list.give(d);
    expect(list.used).toBe(0);
    expect(list.take(1008)).toBe(a);
    // the arena allocates past the block
    expect(arena.alloc(16)).toBeGreaterThanOrEqual(a + 1008);
  });
});
