/**
 * Cooperative yielding (src/engine/yield.ts). `drain` runs a step generator to its end; the yield
 * function gives up a macrotask turn only once ~40 ms have passed since the last one. The clock is
 * a stub of performance.now, so no test depends on how fast the machine is: a call that must not
 * yield reads the clock once and resolves before a timer queued ahead of it (microtasks always
 * run before macrotasks); one that yields reads it again after its turn.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cooperativeYield, drain } from '../../src/engine/yield.js';

describe('drain', () => {
  it('runs every step of a generator and returns its value', () => {
    const steps: number[] = [];
    function* work(): Generator<void, string, void> {
      for (let i = 0; i < 3; i++) {
        steps.push(i);
        yield;
      }
      return 'done';
    }
    expect(drain(work())).toBe('done');
    expect(steps).toEqual([0, 1, 2]);
  });
});

describe('cooperativeYield', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('does not yield before 40 ms have passed since the last turn, and counts from the end of a turn', async () => {
    let clock = 0;
    const now = vi.spyOn(performance, 'now').mockImplementation(() => clock);
    const maybeYield = cooperativeYield(); // the last turn: 0 ms
    /** clock reads during one call: 1 without a turn, 2 with one (the check, then after the turn) */
    const readsDuring = async (): Promise<number> => {
      const before = now.mock.calls.length;
      await maybeYield();
      return now.mock.calls.length - before;
    };
    let timerRan = false;
    setTimeout(() => (timerRan = true), 0);
    clock = 10;
    expect(await readsDuring()).toBe(1);
    clock = 39;
    expect(await readsDuring()).toBe(1);
    expect(timerRan).toBe(false); // no macrotask turn was taken
    clock = 45;
    expect(await readsDuring()).toBeGreaterThanOrEqual(2); // a turn; the next 40 ms count from 45
    clock = 80;
    expect(await readsDuring()).toBe(1);
  });
});
