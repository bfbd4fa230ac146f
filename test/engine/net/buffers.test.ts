/**
 * The net's declared cache state (src/engine/net/buffers.ts): which cache rows hold the curvature
 * for which θ (RowCache). The reference is plain bookkeeping written out here: which chunks have
 * rows of their own, which share the spare rows, and which are current after each pass.
 */
import { describe, expect, it } from 'vitest';
import { RowCache } from '../../../src/engine/net/buffers.js';

describe('RowCache', () => {
  it('knows which chunks hold the curvature at the current θ', () => {
    // 10 samples in chunks of 3; the first 6 cached, the rest share the spare rows from 6
    const cache = new RowCache(10, 3, 6);
    expect([0, 3, 6, 9].map((i0) => cache.isCurrent(i0))).toEqual([false, false, false, false]);
    expect(cache.rows(0, 'curvature')).toBe(0);
    expect(cache.rows(3, 'forward')).toBe(3);
    expect(cache.rows(6, 'curvature')).toBe(6);
    expect(cache.rows(9, 'curvature')).toBe(6);
    expect([0, 3, 6, 9].map((i0) => cache.isCurrent(i0))).toEqual([true, false, false, false]);
    cache.rows(3, 'curvature');
    cache.rows(3, 'forward');
    expect(cache.isCurrent(3)).toBe(true);
    cache.rows(3, 'other');
    expect(cache.isCurrent(3)).toBe(false);
    expect(cache.readRows(3)).toBe(3);
    expect(cache.readRows(9)).toBe(6);
    cache.rows(3, 'curvature');
    expect(cache.batchRows()).toBe(0);
    expect([cache.isCurrent(0), cache.isCurrent(3)]).toEqual([false, true]);
    cache.newParameters();
    expect(cache.isCurrent(3)).toBe(false);
    expect(new RowCache(4, 2, 0).batchRows()).toBe(0);
  });
});
